import { expect, test } from 'vitest';
import { AlertsRepo, type AlertRecord, type SilenceRecord } from '../../../src/db/alerts.js';
import { AuditRepo } from '../../../src/db/audit.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

const alert = (fingerprint: string, rank: number, over: Partial<AlertRecord> = {}): AlertRecord => ({
  fingerprint,
  alertname: `A-${fingerprint}`,
  severity: ['critical', 'warning', 'info', 'page'][rank],
  severityRank: rank,
  state: 'active',
  amState: 'active',
  silencedBy: [],
  inhibitedBy: [],
  labels: { alertname: `A-${fingerprint}`, team: 'ops' },
  annotations: { summary: 'ünïcode "quoted"' },
  receivers: ['ops'],
  startsAt: 1000 + rank,
  endsAt: null,
  updatedAt: 2000,
  generatorUrl: null,
  ...over,
});

const silence = (id: string, over: Partial<SilenceRecord> = {}): Omit<SilenceRecord, 'expiredAt' | 'expiredBy'> => ({
  id,
  stackId: null,
  url: 'http://am',
  matchers: [{ name: 'alertname', value: 'X', isRegex: false, isEqual: true }],
  startsAt: 100,
  endsAt: 10_000,
  createdBy: 'alice',
  comment: 'maintenance',
  kind: 'manual',
  scope: 'labels',
  fingerprint: null,
  runId: null,
  createdAt: 100,
  ...over,
});

describeEngines('AlertsRepo', (e) => {
  test('replace caches a stack alerts in severity order with JSON fields, and counts them', () => {
    const alerts = new AlertsRepo(e.db);
    const web = addStack(e.db, 'web').id;
    const api = addStack(e.db, 'api').id;
    alerts.replace(
      web,
      [
        alert('w1', 1),
        alert('c1', 0),
        alert('c2', 0, { startsAt: 5000 }),
        alert('s1', 2, { state: 'silenced', silencedBy: ['sil-1'] }),
        alert('o1', 3),
      ],
      3000,
    );
    alerts.replace(api, [alert('i1', 2)], 3000);
    const list = alerts.list(web);
    expect(list.map((a) => a.fingerprint)).toEqual(['c2', 'c1', 'w1', 's1', 'o1']);
    expect(list[3]).toMatchObject({ stack: 'web', silencedBy: ['sil-1'], fetchedAt: 3000, acknowledged: null });
    expect(list[0].annotations).toEqual({ summary: 'ünïcode "quoted"' });
    expect(alerts.list()).toHaveLength(6);
    expect(alerts.countsOf(web)).toEqual({
      stackId: web,
      critical: 2,
      warning: 1,
      info: 0,
      other: 1,
      suppressed: 1,
      total: 5,
    });
    expect(alerts.counts().map((c) => [c.stackId, c.total])).toEqual([
      [web, 5],
      [api, 1],
    ]);
    alerts.replace(web, [alert('w1', 1)], 4000);
    expect(alerts.countsOf(web)).toMatchObject({ critical: 0, warning: 1, total: 1 });
    alerts.clear(api);
    expect(alerts.countsOf(api)).toMatchObject({ total: 0 });
    expect(alerts.list(api)).toEqual([]);
  });

  test('acknowledgements are upserted, read with the alert, and dropped when the alert fires again', () => {
    const alerts = new AlertsRepo(e.db);
    const s = addStack(e.db).id;
    alerts.replace(s, [alert('c1', 0)], 3000);
    alerts.acknowledge(s, 'c1', 1000, { user: 'alice', note: 'looking', at: 3100 });
    alerts.acknowledge(s, 'c1', 1000, { user: 'bob', note: null, at: 3200 });
    expect(alerts.get(s, 'c1')?.acknowledged).toEqual({ user: 'bob', note: null, at: 3200 });
    alerts.replace(s, [alert('c1', 0)], 3300);
    expect(alerts.get(s, 'c1')?.acknowledged).toEqual({ user: 'bob', note: null, at: 3200 });
    alerts.replace(s, [alert('c1', 0, { startsAt: 9000 })], 3400);
    expect(alerts.get(s, 'c1')?.acknowledged).toBeNull();
    alerts.acknowledge(s, 'c1', 9000, { user: 'bob', note: null, at: 9100 });
    expect(alerts.unacknowledge(s, 'c1')).toBe(true);
    expect(alerts.unacknowledge(s, 'c1')).toBe(false);
    expect(alerts.get(s, 'nope')).toBeUndefined();
  });

  test('silences: stored with their matchers, live until they end or are expired once', () => {
    const alerts = new AlertsRepo(e.db);
    const s = addStack(e.db).id;
    alerts.addSilence(silence('a', { stackId: s, startsAt: 100 }));
    alerts.addSilence(silence('b', { startsAt: 200 }));
    alerts.addSilence(silence('c', { stackId: s, startsAt: 50, endsAt: 500 }));
    expect(alerts.silence('a')).toMatchObject({
      stackId: s,
      matchers: [{ name: 'alertname', value: 'X', isRegex: false, isEqual: true }],
      expiredAt: null,
    });
    expect(alerts.liveSilences(1000).map((x) => x.id)).toEqual(['b', 'a']);
    expect(alerts.liveSilences(400, s).map((x) => x.id)).toEqual(['a', 'c']);
    expect(alerts.markExpired('a', 2000, 'bob')).toBe(true);
    expect(alerts.markExpired('a', 2001, 'carol')).toBe(false);
    expect(alerts.silence('a')).toMatchObject({ expiredAt: 2000, expiredBy: 'bob' });
    expect(alerts.liveSilences(1000).map((x) => x.id)).toEqual(['b']);
  });

  test('quiet-apply silences of a run, and those left over after the run ended', () => {
    const alerts = new AlertsRepo(e.db);
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const run = newRun(e.db, s);
    alerts.addSilence(silence('q1', { stackId: s, kind: 'quiet-apply', scope: 'stack', runId: run.id, createdAt: 1 }));
    alerts.addSilence(silence('q2', { stackId: s, kind: 'quiet-apply', scope: 'stack', runId: run.id, createdAt: 2 }));
    expect(alerts.quietApplySilences(run.id).map((x) => x.id)).toEqual(['q1', 'q2']);
    expect(alerts.leftoverQuietApplies(s, 1000)).toEqual([]);
    runs.tryStart(run.id, OWNER);
    runs.move(run.id, 'fail');
    expect(
      alerts
        .leftoverQuietApplies(s, 1000)
        .map((x) => x.id)
        .sort(),
    ).toEqual(['q1', 'q2']);
  });

  test('appliedRuns: runs that were applying within a window, newest first', () => {
    const alerts = new AlertsRepo(e.db);
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const applied = (at: number, end: 'finish' | null) => {
      const r = newRun(e.db, s, {}, at);
      runs.tryStart(r.id, OWNER, at);
      runs.move(r.id, 'plan', { now: at + 1, patch: { summary: { add: 1, change: 0, destroy: 0 } } });
      runs.move(r.id, 'apply', { now: at + 2 });
      if (end) runs.move(r.id, end, { now: at + 10 });
      return r.id;
    };
    const old = applied(100, 'finish');
    const mid = applied(1000, 'finish');
    const live = applied(2000, null);
    expect(alerts.appliedRuns(s, 500, 5000).map((r) => r.id)).toEqual([live, mid]);
    const [first] = alerts.appliedRuns(s, 0, 1500);
    expect(first).toMatchObject({ id: mid, applyingAt: 1002, finishedAt: 1010, summaryAdd: 1, triggeredBy: 'alice' });
    expect(alerts.appliedRuns(s, 0, 150).map((r) => r.id)).toEqual([old]);
  });

  test('audit entries written by the alerts view read back through the audit log', () => {
    const alerts = new AlertsRepo(e.db);
    const s = addStack(e.db).id;
    alerts.audit({ at: 5, user: 'alice', action: 'ack', stackId: s, detail: { fingerprint: 'c1' } });
    expect(new AuditRepo(e.db).forStack(s)).toMatchObject([{ action: 'ack', detail: { fingerprint: 'c1' } }]);
  });
});
