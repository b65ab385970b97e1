/** Stacks replayed by the fake tofu (recorded Terraform outputs), and run services for the drift tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { DB } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { RunService, type RunServiceOptions } from '../../../src/day1/runs.js';
import type { Stack } from '../../../src/domain/stack.js';
import { fakeTfStack, type FakeTfStack, type TfScenario } from '../../helpers/fake-tf.js';

const services: RunService[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
});

/** A run service as the app makes one, for tests (no signal handlers, fast polling). */
export function runService(
  db: DB,
  dbPath: string,
  env: Record<string, string> = {},
  opts: RunServiceOptions = {},
): RunService {
  const svc = new RunService(db, {
    dbPath,
    user: 'alice',
    handleSignals: false,
    pollMs: 30,
    graceMs: 500,
    env: { ...process.env, ...env },
    ...opts,
  });
  services.push(svc);
  return svc;
}

export interface TfStack {
  stack: Stack;
  tf: FakeTfStack;
  /** The same folder replaying another recorded scenario (give its env to a run service). */
  replay(scenario: TfScenario): FakeTfStack;
}

/** Register an OpenTofu stack replaying a recorded scenario; `yaml` adds lines to its dayops.yaml. */
export function tfStack(
  db: DB,
  scenario: TfScenario,
  opts: { name?: string; yaml?: string; environment?: 'dev' | 'prod' } = {},
): TfStack {
  const tf = fakeTfStack(scenario);
  const name = opts.name ?? 'tf';
  writeFileSync(
    join(tf.dir, 'dayops.yaml'),
    [
      'apiVersion: dayops/v1',
      'kind: Stack',
      `name: ${name}`,
      'tool: opentofu',
      `environment: ${opts.environment ?? 'dev'}`,
      opts.yaml ?? '',
    ].join('\n') + '\n',
  );
  const stack = new StacksRepo(db).upsert({
    name,
    dir: tf.dir,
    tool: 'opentofu',
    environment: opts.environment ?? 'dev',
  });
  return { stack, tf, replay: (s) => fakeTfStack(s, { dir: tf.dir }) };
}
