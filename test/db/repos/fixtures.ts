/** What several repository tests start from: stacks and runs made through the repositories themselves. */
import type { DB } from '../../../src/db/engine.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import type { NewRun, RunOwner, RunRecord } from '../../../src/db/runs/types.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { Environment, Stack } from '../../../src/domain/stack.js';

export const OWNER: RunOwner = { host: 'host-a', pid: 4242, start: 'start-a' };

export function addStack(db: DB, name = 'web', environment: Environment = 'dev'): Stack {
  return new StacksRepo(db).upsert({ name, dir: `/srv/${name}`, tool: 'terraform', environment, by: 'alice' });
}

export function newRun(db: DB, stackId: number, over: Partial<NewRun> = {}, now = Date.now()): RunRecord {
  return new RunsRepo(db).create(
    {
      stackId,
      kind: 'tracked',
      purpose: 'deploy',
      triggeredBy: 'alice',
      trigger: 'cli',
      autoApply: false,
      owner: OWNER,
      ...over,
    },
    now,
  );
}

/** A run moved through `events` in order (start, plan, ...), each a millisecond after the last. */
export function runThrough(
  db: DB,
  stackId: number,
  events: readonly Parameters<RunsRepo['move']>[1][],
  over: Partial<NewRun> = {},
  at = 1_000_000,
): RunRecord {
  const runs = new RunsRepo(db);
  let run = newRun(db, stackId, over, at);
  for (const [i, e] of events.entries()) {
    run = runs.move(run.id, e, { now: at + i + 1 }) ?? run;
  }
  return run;
}
