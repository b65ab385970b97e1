import { expect, test } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { DriftRepo } from '../../../src/db/drift/repo.js';
import type { StoredDriftResource } from '../../../src/db/drift/types.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun } from './fixtures.js';

const res = (address: string, fingerprint = `fp-${address}`): StoredDriftResource => ({
  address,
  action: 'update',
  source: 'drift',
  detail: { attrs: ['tags'], note: 'ünïcode' },
  fingerprint,
});

describeEngines('DriftRepo', (e) => {
  test('checks: started checking, tied to a run, finished once with their resources', () => {
    const drift = new DriftRepo(e.db);
    const s = addStack(e.db).id;
    const run = newRun(e.db, s, { purpose: 'drift', kind: 'proposed' }).id;
    const id = drift.startCheck({ stackId: s, trigger: 'schedule', triggeredBy: 'dayops', now: 100 });
    expect(drift.open().map((c) => c.id)).toEqual([id]);
    expect(drift.attachRun(id, run)).toBe(id);
    const dup = drift.startCheck({ stackId: s, trigger: 'schedule', triggeredBy: 'dayops', now: 101 });
    expect(drift.attachRun(dup, run)).toBe(id);
    expect(drift.get(dup)).toBeUndefined();
    expect(drift.finish(id, { status: 'drifted', resources: [res('b.x'), res('a.y')], now: 200 })).toBe(true);
    expect(drift.finish(id, { status: 'failed', error: 'late', now: 300 })).toBe(false);
    expect(drift.byRunId(run)).toMatchObject({
      id,
      stackId: s,
      runId: run,
      status: 'drifted',
      driftedCount: 2,
      trigger: 'schedule',
      triggeredBy: 'dayops',
      error: null,
      startedAt: 100,
      finishedAt: 200,
    });
    expect(drift.resources(id)).toEqual([res('a.y'), res('b.x')]);
    expect(drift.open()).toEqual([]);
  });

  test('last, last result and history, newest first', () => {
    const drift = new DriftRepo(e.db);
    const s = addStack(e.db).id;
    const a = drift.startCheck({ stackId: s, trigger: 'tui', triggeredBy: 'alice', now: 1 });
    drift.finish(a, { status: 'in_sync', now: 2 });
    const b = drift.startCheck({ stackId: s, trigger: 'tui', triggeredBy: 'alice', now: 3 });
    drift.finish(b, { status: 'failed', error: 'no credentials', now: 4 });
    expect(drift.last(s)?.id).toBe(b);
    expect(drift.lastResult(s)?.id).toBe(a);
    expect(drift.history(s).map((c) => c.id)).toEqual([b, a]);
    expect(drift.history(s, 1).map((c) => c.id)).toEqual([b]);
    expect(drift.last(9999)).toBeUndefined();
  });

  test('triage: the newest decision per address, audited; summaries count accepted and snoozed', () => {
    const drift = new DriftRepo(e.db);
    const web = addStack(e.db, 'web').id;
    const api = addStack(e.db, 'api').id;
    const c = drift.startCheck({ stackId: web, trigger: 'tui', triggeredBy: 'alice', now: 10 });
    drift.finish(c, { status: 'drifted', resources: [res('a'), res('b'), res('c')], now: 20 });
    const base = { stackId: web, note: null, until: null, user: 'alice' };
    drift.addTriage({ ...base, address: 'a', fingerprint: 'fp-a', kind: 'accepted', at: 30 }, { action: 'accept' });
    drift.addTriage(
      { ...base, address: 'b', fingerprint: 'fp-b', kind: 'snoozed', until: 1000, note: 'later', at: 31 },
      { action: 'snooze', detail: { until: 1000 } },
    );
    drift.addTriage({ ...base, address: 'c', fingerprint: 'old', kind: 'accepted', at: 32 }, { action: 'accept' });
    const t = drift.addTriage(
      { ...base, address: 'a', fingerprint: 'fp-a', kind: 'accepted', user: 'bob', at: 33 },
      { action: 'accept' },
    );
    expect(drift.latestTriageOf(web, 'a')).toEqual({
      ...base,
      id: t.id,
      address: 'a',
      fingerprint: 'fp-a',
      kind: 'accepted',
      user: 'bob',
      at: 33,
    });
    const triaged = drift.resourcesTriaged(web, c);
    expect(triaged.map((r) => [r.address, r.triage?.kind ?? null, r.triage?.user ?? null])).toEqual([
      ['a', 'accepted', 'bob'],
      ['b', 'snoozed', 'alice'],
      ['c', 'accepted', 'alice'],
    ]);
    expect(new AuditRepo(e.db).forStack(web).map((x) => x.action)).toEqual(['accept', 'accept', 'snooze', 'accept']);
    const summary = (now: number) => drift.summaries(now).sort((x, y) => x.stackId - y.stackId);
    expect(summary(500)).toEqual([
      {
        stackId: web,
        lastId: c,
        lastStatus: 'drifted',
        lastRunId: null,
        lastRunState: null,
        lastError: null,
        lastStartedAt: 10,
        lastFinishedAt: 20,
        resultId: c,
        resultRunId: null,
        resultAt: 20,
        total: 3,
        accepted: 1,
        snoozed: 1,
      },
      expect.objectContaining({ stackId: api, lastId: null, resultId: null, total: 0, accepted: 0, snoozed: 0 }),
    ]);
    expect(summary(2000)[0]).toMatchObject({ total: 3, accepted: 1, snoozed: 0 });
  });

  test('schedule state is upserted per stack and job; audit entries go to the audit log', () => {
    const drift = new DriftRepo(e.db);
    const s = addStack(e.db).id;
    drift.recordScheduleRun({ stackId: s, job: 'drift', lastRunAt: 1, finishedAt: null, ok: null, error: null });
    drift.recordScheduleRun({ stackId: s, job: 'backup', lastRunAt: 2, finishedAt: 3, ok: true, error: null });
    drift.recordScheduleRun({ stackId: s, job: 'drift', lastRunAt: 4, finishedAt: 5, ok: false, error: 'boom' });
    expect(drift.scheduleState().sort((a, b) => a.job.localeCompare(b.job))).toEqual([
      { stackId: s, job: 'backup', lastRunAt: 2, finishedAt: 3, ok: true, error: null },
      { stackId: s, job: 'drift', lastRunAt: 4, finishedAt: 5, ok: false, error: 'boom' },
    ]);
    drift.auditEntry({ at: 9, user: 'dayops', action: 'remediate', stackId: s, detail: { n: 1 } });
    expect(new AuditRepo(e.db).forStack(s)).toMatchObject([{ action: 'remediate', detail: { n: 1 } }]);
  });
});
