/**
 * Day-1's application layer (src/app/day1), as the TUI and the headless commands use it: starting runs, the
 * checks before approve/discard/cancel, and what each action did, on custom stacks driven by small node scripts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  actionDetail,
  actionRefusal,
  moreApprovalsNeeded,
  performRunAction,
  startRefusal,
  startRun,
} from '../../src/app/day1/index.js';
import { AuditRepo } from '../../src/db/audit.js';
import type { DB } from '../../src/db/open.js';
import { RunService, type RunServiceOptions } from '../../src/day1/runs.js';
import { tmpDb } from '../helpers/tmp.js';
import { customStack } from '../day1/runs/helpers.js';

const services: RunService[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
});

function service(db: DB, path: string, opts: RunServiceOptions = {}): RunService {
  const svc = new RunService(db, {
    dbPath: path,
    user: 'alice',
    handleSignals: false,
    pollMs: 40,
    graceMs: 300,
    ...opts,
  });
  services.push(svc);
  return svc;
}

const TWO_EYES = `policies:\n  - { name: two-eyes, kind: { require_approvals: 2 }, expr: "plan.summary.add > 0", message: "adds need two approvers" }`;

describe('app/day1: runs', () => {
  it('a tracked run waits for approval; approving applies it and the answer says so', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db });
    const svc = service(db, path);
    const started = await startRun(svc, stack.name, 'tracked');
    expect(started.message).toBe(`Run #${started.runId} started: tracked run of app (plan, then approval, then apply)`);
    const parked = await svc.wait(started.runId);
    expect(parked.state).toBe('UNCONFIRMED');
    expect(actionDetail(svc, started.runId)).toBe('◆ UNCONFIRMED · +1 ~0 -0 · approvals 0 of 1');
    expect(actionRefusal(svc, parked, 'approve')).toBeNull();

    const done = await performRunAction(svc, 'approve', started.runId, 'ship it');
    expect(done).toMatchObject({ applying: true, message: `Approved run #${started.runId} (1 of 1): applying` });
    expect((await svc.wait(started.runId, 'terminal')).state).toBe('FINISHED');
    expect(readFileSync(join(stack.dir, 'applied.txt'), 'utf8')).toContain(`applied run ${started.runId}`);
    expect(
      new AuditRepo(db).forRun(started.runId).some((e) => e.action.includes('approve') && e.user === 'alice'),
    ).toBe(true);
  });

  it('a second approval by the same user is refused before any confirm; another user completes it', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, yaml: TWO_EYES });
    const alice = service(db, path);
    const { runId } = await startRun(alice, stack.name, 'tracked');
    await alice.wait(runId);
    const first = await performRunAction(alice, 'approve', runId);
    expect(first.applying).toBe(false);
    expect(first.message).toBe(`Approved run #${runId} (1 of 2): 1 more approval(s) needed from other users`);
    expect(actionRefusal(alice, alice.get(runId)!, 'approve')).toEqual({
      level: 'warning',
      text: `You (alice) already approved run #${runId} (1 of 2); another user must approve`,
    });
    const bob = service(db, path, { user: 'bob' });
    expect(actionRefusal(bob, bob.get(runId)!, 'approve')).toBeNull();
  });

  it('the headless line for a partial approval names who approved and how many are missing', () => {
    expect(
      moreApprovalsNeeded({ runId: 7, approvals: 1, required: 3, applying: false, state: 'UNCONFIRMED' }, 'bob'),
    ).toBe('approved by bob (1 of 3); run 7 needs 2 more approval(s) from other users');
  });

  it('discard never applies; an ended run cannot be canceled or approved again', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db });
    const svc = service(db, path);
    const { runId } = await startRun(svc, stack.name, 'tracked');
    await svc.wait(runId);
    const done = await performRunAction(svc, 'discard', runId, 'not today');
    expect(done.message).toBe(`Discarded run #${runId}: its plan will never be applied`);
    const run = svc.get(runId)!;
    expect(run.state).toBe('DISCARDED');
    expect(actionRefusal(svc, run, 'cancel')?.text).toBe(
      `Run #${runId} has already ended (– DISCARDED); nothing to cancel`,
    );
    expect(actionRefusal(svc, run, 'approve')?.text).toContain('only a run waiting for approval (◆ UNCONFIRMED)');
  });

  it('readonly mode refuses tracked runs and every action, and still starts proposed runs', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db });
    const ro = service(db, path, { readonly: true, recover: false });
    expect(startRefusal(ro, 'tracked')).toContain('readonly mode (--readonly): only proposed runs can start');
    expect(startRefusal(ro, 'proposed')).toBeNull();
    const { runId, message } = await startRun(ro, stack.name, 'proposed');
    expect(message).toContain('proposed run of app (plan only, never applies)');
    const run = await ro.wait(runId, 'terminal');
    expect(actionRefusal(ro, run, 'discard')).toEqual({
      level: 'error',
      text: 'readonly mode (--readonly): discarding a run is not allowed',
    });
  });
});
