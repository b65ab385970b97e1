/** Custom stacks driven by small node scripts, for the run service tests. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { Environment } from '../../../src/domain/stack.js';
import { tmpDir } from '../../helpers/tmp.js';

export interface CustomStackOptions {
  name?: string;
  environment?: Environment;
  /** Source of plan.mjs (default: prints two lines and one change). */
  plan?: string;
  /** Source of apply.mjs (default: appends a line to applied.txt and reports the change). */
  apply?: string;
  /** More dayops.yaml lines (policies, autoApply, secrets). */
  yaml?: string;
  /** Register it in this database. */
  db?: DB;
}

export const PLAN_ONE_CHANGE = `console.log('Refreshing state...');
console.log('dayops:change create null_resource.a');
console.log('Plan: 1 to add');`;

export const PLAN_NO_CHANGES = `console.log('No changes. Your infrastructure matches the configuration.');`;

export const APPLY_RECORDS = `import { appendFileSync } from 'node:fs';
appendFileSync('applied.txt', 'applied run ' + process.env.DAYOPS_RUN_ID + '\\n');
console.log('null_resource.a: Creating...');
console.log('dayops:change create null_resource.a');
console.log('Apply complete! Resources: 1 added');`;

/** A plan that waits until the file `release` exists in its folder (to hold a stack busy). */
export const PLAN_WAITS_FOR_RELEASE = `import { existsSync, writeFileSync } from 'node:fs';
writeFileSync('planning-' + process.env.DAYOPS_RUN_ID, String(Date.now()));
console.log('waiting for release');
while (!existsSync('release')) await new Promise((r) => setTimeout(r, 20));
console.log('dayops:change create null_resource.a');`;

export function customStack(opts: CustomStackOptions = {}): { dir: string; name: string } {
  const dir = tmpDir('dayops-stack-');
  const name = opts.name ?? 'app';
  writeFileSync(join(dir, 'plan.mjs'), opts.plan ?? PLAN_ONE_CHANGE);
  writeFileSync(join(dir, 'apply.mjs'), opts.apply ?? APPLY_RECORDS);
  const node = JSON.stringify(process.execPath);
  writeFileSync(
    join(dir, 'dayops.yaml'),
    [
      'apiVersion: dayops/v1',
      'kind: Stack',
      `name: ${name}`,
      'tool: custom',
      `environment: ${opts.environment ?? 'dev'}`,
      'custom:',
      `  plan: [${node}, plan.mjs]`,
      `  apply: [${node}, apply.mjs]`,
      opts.yaml ?? '',
    ].join('\n') + '\n',
  );
  if (opts.db) new StacksRepo(opts.db).upsert({ name, dir, tool: 'custom', environment: opts.environment ?? 'dev' });
  return { dir, name };
}

export function appliedCount(dir: string): number {
  const f = join(dir, 'applied.txt');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs = 15_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(stepMs);
  }
}
