import { expect, test } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { ApprovalRefused, RunsRepo } from '../../../src/db/runs/repo.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

const OTHER = { host: 'host-b', pid: 7, start: null };

describeEngines('RunsRepo', (e) => {
  test('create queues a run with its stack, owner and first transition', () => {
    const web = addStack(e.db, 'web', 'prod');
    const run = newRun(e.db, web.id, { autoApply: true }, 1000);
    expect(run).toMatchObject({
      stackId: web.id,
      stackName: 'web',
      stackEnvironment: 'prod',
      stackTool: 'terraform',
      kind: 'tracked',
      state: 'QUEUED',
      triggeredBy: 'alice',
      autoApply: true,
      owner: OWNER,
      cancelRequested: false,
      summary: null,
      createdAt: 1000,
      startedAt: null,
    });
    const d = new RunsRepo(e.db).detail(run.id)!;
    expect(d.transitions).toEqual([{ state: 'QUEUED', at: 1000, note: null }]);
    expect(d.plan).toBeNull();
    expect(d.approvals).toEqual([]);
  });

  test('state moves are compare-and-set, stamp started/finished and clear the owner at the end', () => {
    const runs = new RunsRepo(e.db);
    const run = newRun(e.db, addStack(e.db).id, {}, 1000);
    expect(runs.move(run.id, 'plan')).toBeUndefined();
    expect(runs.move(run.id, 'start', { now: 1100 })?.startedAt).toBe(1100);
    expect(runs.move(run.id, 'plan', { expect: ['QUEUED'] })).toBeUndefined();
    const planning = runs.move(run.id, 'plan', {
      now: 1200,
      patch: { summary: { add: 2, change: 1, destroy: 0 }, plan: { changes: [] } as never, requiredApprovals: 2 },
    })!;
    expect(planning).toMatchObject({ state: 'PLANNING', requiredApprovals: 2 });
    expect(planning.summary).toMatchObject({ add: 2, change: 1, destroy: 0 });
    const done = runs.move(run.id, 'finish', { now: 1500, note: 'done' })!;
    expect(done).toMatchObject({ state: 'FINISHED', finishedAt: 1500, owner: null, durationMs: 400 });
    expect(runs.detail(run.id)!.transitions.map((t) => [t.state, t.note])).toEqual([
      ['QUEUED', null],
      ['INITIALIZING', null],
      ['PLANNING', null],
      ['FINISHED', 'done'],
    ]);
    expect(runs.detail(run.id)!.plan).toEqual({ changes: [] });
  });

  test('tryStart lets one tracked run per stack work; the next waits until it ends', () => {
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const a = newRun(e.db, s);
    const b = newRun(e.db, s);
    expect(runs.tryStart(a.id, OWNER).result).toBe('started');
    const waiting = runs.tryStart(b.id, OTHER);
    expect(waiting).toMatchObject({ result: 'wait', blocker: { id: a.id } });
    runs.move(a.id, 'fail', { patch: { error: 'boom' } });
    expect(runs.get(a.id)).toMatchObject({ state: 'FAILED', error: 'boom' });
    const started = runs.tryStart(b.id, OTHER);
    expect(started.result).toBe('started');
    expect(started.result === 'started' && started.run.owner).toEqual(OTHER);
    expect(runs.tryStart(b.id, OTHER).result).toBe('gone');
  });

  test('approvals: one per user, audited; the last one needed moves the run to APPLYING', () => {
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db, 'db', 'prod').id;
    const run = newRun(e.db, s);
    runs.tryStart(run.id, OWNER);
    runs.move(run.id, 'plan', { patch: { requiredApprovals: 2 } });
    runs.move(run.id, 'park');
    expect(runs.get(run.id)).toMatchObject({ state: 'UNCONFIRMED', owner: null });
    const first = runs.approve(run.id, 'alice', 'looks fine', OWNER, 2000);
    expect(first).toMatchObject({ approvals: 1, required: 2, applying: false });
    expect(() => runs.approve(run.id, 'alice', null, OWNER)).toThrow(ApprovalRefused);
    const second = runs.approve(run.id, 'bob', null, OTHER, 3000);
    expect(second).toMatchObject({ approvals: 2, required: 2, applying: true });
    expect(second.run).toMatchObject({ state: 'APPLYING', owner: OTHER });
    expect(runs.approvals(run.id)).toEqual([
      { user: 'alice', comment: 'looks fine', at: 2000 },
      { user: 'bob', comment: null, at: 3000 },
    ]);
    expect(new AuditRepo(e.db).forRun(run.id).map((a) => [a.user, a.action])).toEqual([
      ['alice', 'approve'],
      ['bob', 'approve'],
    ]);
    expect(() => runs.approve(run.id, 'carol', null, OWNER)).toThrow(/APPLYING/);
    expect(() => runs.approve(9999, 'carol', null, OWNER)).toThrow(/does not exist/);
  });

  test('claimApply takes an approved run whose folder is free', () => {
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const run = newRun(e.db, s);
    runs.tryStart(run.id, OWNER);
    runs.move(run.id, 'plan', { patch: { requiredApprovals: 1 } });
    runs.move(run.id, 'park');
    expect(runs.claimApply(run.id, OWNER).result).toBe('gone');
    runs.moveAudited(run.id, 'discard', { user: 'bob', action: 'discard', comment: 'no' });
    expect(runs.get(run.id)?.state).toBe('DISCARDED');
    expect(new AuditRepo(e.db).forRun(run.id)).toMatchObject([{ user: 'bob', action: 'discard', comment: 'no' }]);
    expect(runs.moveAudited(run.id, 'discard', { user: 'bob', action: 'discard' })).toBeUndefined();
  });

  test('list is newest first, per stack or all, with paging; live is oldest first', () => {
    const runs = new RunsRepo(e.db);
    const web = addStack(e.db, 'web').id;
    const api = addStack(e.db, 'api').id;
    const ids = [newRun(e.db, web).id, newRun(e.db, api).id, newRun(e.db, web).id];
    runs.tryStart(ids[0], OWNER);
    runs.move(ids[0], 'cancel');
    expect(runs.list().map((r) => r.id)).toEqual([...ids].reverse());
    expect(runs.list({ stack: 'web' }).map((r) => r.id)).toEqual([ids[2], ids[0]]);
    expect(runs.list({ before: ids[2], limit: 1 }).map((r) => r.id)).toEqual([ids[1]]);
    expect(runs.live().map((r) => r.id)).toEqual([ids[1], ids[2]]);
  });

  test('cancel requests are flags another process reads by id', () => {
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const a = newRun(e.db, s);
    const b = newRun(e.db, s, { kind: 'proposed' });
    expect(runs.requestCancel(a.id, 'bob', 'stop', 10)).toBe(true);
    expect(new RunsRepo(e.open()).cancelRequested([a.id, b.id, 12345])).toEqual([a.id]);
    expect(runs.cancelRequested([])).toEqual([]);
    runs.move(a.id, 'cancel');
    expect(runs.requestCancel(a.id, 'bob', null)).toBe(false);
    expect(runs.cancelRequested([a.id])).toEqual([]);
  });

  test('setTool records the tool process; patch stores JSON columns', () => {
    const runs = new RunsRepo(e.db);
    const run = newRun(e.db, addStack(e.db).id);
    runs.setTool(run.id, 999, 'st', 50);
    expect(runs.get(run.id)).toMatchObject({ toolPid: 999, toolStart: 'st', updatedAt: 50 });
    runs.patch(run.id, {
      diagnostics: [{ severity: 'warning', summary: 'deprecated' }] as never,
      policies: [{ name: 'p', outcome: 'pass' }] as never,
      validationStatus: 'passed',
    });
    const d = runs.detail(run.id)!;
    expect(d.diagnostics).toEqual([{ severity: 'warning', summary: 'deprecated' }]);
    expect(d.policies).toEqual([{ name: 'p', outcome: 'pass' }]);
    expect(d.validationStatus).toBe('passed');
  });

  test('the change token moves on commits by this connection and by another one', () => {
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const t0 = runs.changeToken();
    expect(runs.changeToken()).toBe(t0);
    const run = newRun(e.db, s);
    const t1 = runs.changeToken();
    expect(t1).not.toBe(t0);
    new RunsRepo(e.open()).move(run.id, 'start');
    expect(runs.changeToken()).not.toBe(t1);
  });
});
