/** Small helpers for the runner tests: a run row to hang log lines on, and node child scripts. */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { DB } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { currentOwner } from '../../../src/day1/runner/procinfo.js';

export function makeRun(db: DB, dir: string, name = 'app'): number {
  const stack = new StacksRepo(db).upsert({ name, dir, tool: 'custom', environment: 'dev' });
  return new RunsRepo(db).create({
    stackId: stack.id,
    kind: 'proposed',
    purpose: 'deploy',
    triggeredBy: 'tester',
    trigger: 'cli',
    autoApply: false,
    owner: currentOwner(),
  }).id;
}

/** Write a node script into `dir` and return the argv that runs it. */
export function nodeScript(dir: string, name: string, source: string): string[] {
  const file = join(dir, name);
  writeFileSync(file, source);
  return [process.execPath, file];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(stepMs);
  }
}
