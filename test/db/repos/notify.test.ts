import { expect, test } from 'vitest';
import { NotifyRepo, type NewOutboxRow } from '../../../src/db/notify.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

const row = (eventId: string, over: Partial<NewOutboxRow> = {}): NewOutboxRow => ({
  eventId,
  route: 'webhook:http://hook',
  stackId: null,
  condKey: 'cond-a',
  kind: 'firing',
  target: 'http://hook',
  payload: '{"text":"ünïcode"}',
  ...over,
});

describeEngines('NotifyRepo', (e) => {
  test('conditions: upserted (a new generation clears resolved), resolved once, listed by key', () => {
    const notify = new NotifyRepo(e.db);
    const s = addStack(e.db).id;
    const c = { stackId: s, alertname: 'RunFailed', subject: 'web', labels: { a: '1' }, annotations: {} };
    notify.putCondition({ key: 'b', ...c, firedAt: 10, renewedAt: 10 });
    notify.putCondition({ key: 'a', ...c, firedAt: 5, renewedAt: 5 });
    notify.resolve('b', 20);
    notify.resolve('b', 30);
    expect(notify.conditions().map((x) => [x.key, x.resolvedAt])).toEqual([
      ['a', null],
      ['b', 20],
    ]);
    notify.tx(() => notify.putCondition({ key: 'b', ...c, firedAt: 40, renewedAt: 45 }));
    expect(notify.conditions()[1]).toMatchObject({ key: 'b', firedAt: 40, renewedAt: 45, resolvedAt: null });
    expect(notify.conditions()[1].labels).toEqual({ a: '1' });
  });

  test('outbox: once per event and route; due in order per condition; claim, deliver, fail, drop, prune', () => {
    const notify = new NotifyRepo(e.db);
    expect(notify.enqueue(row('e1'), 100)).toBe(true);
    expect(notify.enqueue(row('e1'), 101)).toBe(false);
    expect(notify.enqueue(row('e2'), 102)).toBe(true);
    expect(notify.enqueue(row('e3', { condKey: 'cond-b' }), 103)).toBe(true);
    expect(notify.pending()).toBe(3);
    expect(notify.nextAttemptAt()).toBe(100);
    const due = notify.due(200);
    expect(due.map((d) => d.eventId)).toEqual(['e1', 'e3']);
    expect(due[0]).toMatchObject({ attempts: 0, claimedBy: null, claimedUntil: null, state: 'pending' });
    expect(notify.claim(due[0], 'me', 500)).toBe(true);
    expect(notify.claim(due[0], 'other', 500)).toBe(false);
    notify.failed(due[0].id, 'HTTP 503', 503, 1000);
    expect(notify.get('webhook:http://hook', 'e1')).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 503',
      lastStatus: 503,
      nextAttemptAt: 1000,
      claimedBy: null,
    });
    expect(notify.due(200).map((d) => d.eventId)).toEqual(['e3']);
    notify.delivered(due[1].id, 200, 300);
    expect(notify.get('webhook:http://hook', 'e3')).toMatchObject({ state: 'delivered', doneAt: 300 });
    notify.drop(due[0].id, 'route removed', 400);
    expect(notify.due(2000).map((d) => d.eventId)).toEqual(['e2']);
    expect(notify.prune(350)).toBe(1);
    expect(notify.prune(1000)).toBe(1);
    expect(notify.pending()).toBe(1);
  });

  test('a newer Alertmanager post supersedes the older unclaimed ones of the same alert', () => {
    const notify = new NotifyRepo(e.db);
    const am = { route: 'alertmanager', target: 'http://am' };
    notify.enqueue(row('a1', am), 1);
    notify.enqueue(row('a2', am), 2);
    notify.enqueue(row('a3', am), 3);
    expect(notify.get('alertmanager', 'a1')?.state).toBe('superseded');
    expect(notify.due(10).map((d) => d.eventId)).toEqual(['a3']);
  });

  test('failed runs now (newest ended per stack and purpose) and runs waiting for approval', () => {
    const notify = new NotifyRepo(e.db);
    const runs = new RunsRepo(e.db);
    const web = addStack(e.db, 'web').id;
    const api = addStack(e.db, 'api').id;
    const failed = newRun(e.db, web, {}, 10);
    runs.move(failed.id, 'fail', { patch: { error: 'boom' }, now: 11 });
    const fixed = newRun(e.db, api, {}, 12);
    runs.move(fixed.id, 'fail', { now: 13 });
    const ok = newRun(e.db, api, {}, 14);
    runs.tryStart(ok.id, OWNER, 15);
    runs.move(ok.id, 'plan', { now: 16 });
    runs.move(ok.id, 'finish', { now: 17 });
    const drift = newRun(e.db, api, { purpose: 'drift', kind: 'proposed' }, 18);
    runs.move(drift.id, 'fail', { now: 19 });
    expect(notify.failedRunsNow()).toEqual([
      { stackId: web, runId: failed.id, purpose: 'deploy', kind: 'tracked', error: 'boom', finishedAt: 11 },
      { stackId: api, runId: drift.id, purpose: 'drift', kind: 'proposed', error: null, finishedAt: 19 },
    ]);
    const waiting = newRun(e.db, web, {}, 20);
    runs.tryStart(waiting.id, OWNER, 21);
    runs.move(waiting.id, 'plan', { now: 22 });
    runs.move(waiting.id, 'park', { now: 23 });
    expect(notify.waitingRunsNow()).toEqual([{ stackId: web, runId: waiting.id, since: 23 }]);
  });
});
