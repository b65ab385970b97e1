/**
 * stackStatuses: every figure with when it was fetched, and stale + error when its last refresh failed (keeping
 * the last known figures); and the same result for 1,000 stacks, 100,000 alerts and 20,000 runs (the timing of
 * that is in bench/status.ts, not here).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStatusFixture, fixtureRules as R } from '../../../bench/status.js';
import { AlertsRepo, type AlertRecord } from '../../../src/db/alerts.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { DriftRepo } from '../../../src/db/drift.js';
import type { DB } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { stackStatuses, statusJson } from '../../../src/day2/status.js';
import type { Stack } from '../../../src/domain/stack.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';

const MIN = 60_000;
const H = 60 * MIN;

function addStack(db: DB, root: string, name: string, yaml: string): Stack {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dayops.yaml'), `name: ${name}\ntool: custom\ncustom: { plan: [make, plan] }\n${yaml}`);
  return new StacksRepo(db).upsert({ name, dir, tool: 'custom', environment: 'prod' });
}

function alert(fp: string, severity: string, state: AlertRecord['state'] = 'active'): AlertRecord {
  return {
    fingerprint: fp,
    alertname: fp,
    severity,
    severityRank: { critical: 0, warning: 1, info: 2 }[severity] ?? 3,
    state,
    amState: state === 'active' ? 'active' : 'suppressed',
    silencedBy: [],
    inhibitedBy: [],
    labels: { alertname: fp, severity },
    annotations: {},
    receivers: [],
    startsAt: Date.now() - H,
    endsAt: null,
    updatedAt: null,
    generatorUrl: null,
  };
}

describe('stackStatuses: figures and staleness', () => {
  it('each figure says when it was fetched; a failed alerts source is stale with its error and keeps its counts', () => {
    const { db } = tmpDb();
    const root = tmpDir();
    const now = Date.now();
    const pay = addStack(
      db,
      root,
      'payments',
      'alerting: { alertmanagerUrl: "http://127.0.0.1:9093" }\ndrift: { schedule: "0 */6 * * *" }\nbackups: { repository: ./r }\nrpoMinutes: 60\n',
    );
    const web = addStack(db, root, 'web', 'alerting: { alertmanagerUrl: "http://127.0.0.1:9094" }\n');
    addStack(db, root, 'bare', '');

    // alerts: payments fetched 2 minutes ago, then its Alertmanager failed; web fetched fine a minute ago
    const alerts = new AlertsRepo(db);
    const sources = new SourcesRepo(db);
    alerts.replace(
      pay.id,
      [
        alert('a', 'critical'),
        alert('b', 'critical'),
        alert('c', 'warning'),
        alert('d', 'info'),
        alert('e', 'critical', 'silenced'),
      ],
      now - 2 * MIN,
    );
    sources.recordOk('alerts:payments', now - 2 * MIN);
    sources.recordFailure('alerts:payments', 'connect ECONNREFUSED 127.0.0.1:9093', now - 30_000);
    alerts.replace(web.id, [alert('w', 'warning')], now - MIN);
    sources.recordOk('alerts:web', now - MIN);

    // runs of payments: a drift run, then a deploy waiting for approval
    const runs = new RunsRepo(db);
    const owner = { host: 'h', pid: process.pid, start: null };
    const d = runs.create({
      stackId: pay.id,
      kind: 'proposed',
      purpose: 'drift',
      triggeredBy: 'ops',
      trigger: 'schedule',
      autoApply: false,
      owner,
    });
    runs.tryStart(d.id, owner);
    runs.move(d.id, 'plan');
    runs.move(d.id, 'finish', { patch: { summary: { add: 0, change: 1, destroy: 0 } } });
    const dep = runs.create({
      stackId: pay.id,
      kind: 'tracked',
      purpose: 'deploy',
      triggeredBy: 'ops',
      trigger: 'cli',
      autoApply: false,
      owner,
    });
    runs.tryStart(dep.id, owner);
    runs.move(dep.id, 'plan');
    runs.move(dep.id, 'park', { patch: { summary: { add: 2, change: 0, destroy: 1 } } });

    // drift: a good check 7 hours ago (so the 6-hourly schedule is overdue), two resources, one accepted
    const drift = new DriftRepo(db);
    const c = drift.startCheck({
      stackId: pay.id,
      runId: d.id,
      trigger: 'schedule',
      triggeredBy: 'ops',
      now: now - 7 * H,
    });
    drift.finish(c, {
      status: 'drifted',
      now: now - 7 * H + 1000,
      resources: ['x', 'y'].map((a) => ({
        address: a,
        action: 'update',
        source: 'drift' as const,
        detail: {},
        fingerprint: `fp-${a}`,
      })),
    });
    drift.addTriage(
      {
        stackId: pay.id,
        address: 'x',
        fingerprint: 'fp-x',
        kind: 'accepted',
        note: null,
        until: null,
        user: 'ops',
        at: now - H,
      },
      { action: 'drift-accept' },
    );

    // backups: one snapshot 90 minutes ago, RPO 60: late
    new BackupsRepo(db).replaceSnapshots(
      pay.id,
      [
        {
          id: 'a'.repeat(64),
          shortId: 'aaaaaaaa',
          time: now - 90 * MIN,
          hostname: 'dayops',
          username: 'ops',
          paths: ['/x'],
          tags: [],
          parent: null,
          tree: 'f'.repeat(64),
          programVersion: null,
          summary: null,
        },
      ],
      now - 5 * MIN,
      () => sources.recordOk('backups:payments', now - 5 * MIN),
    );

    const all = stackStatuses(db, now);
    expect(all.map((s) => s.name)).toEqual(['bare', 'payments', 'web']);
    const p = all.find((s) => s.name === 'payments')!;
    expect(p.lastRun).toMatchObject({
      id: dep.id,
      state: 'UNCONFIRMED',
      kind: 'tracked',
      purpose: 'deploy',
      summary: { add: 2, change: 0, destroy: 1 },
    });
    expect(p.lastChange?.id).toBe(dep.id);
    expect(p.alerts).toMatchObject({
      configured: true,
      critical: 2,
      warning: 1,
      info: 1,
      suppressed: 1,
      total: 5,
      fetchedAt: now - 2 * MIN,
      stale: true,
      error: 'connect ECONNREFUSED 127.0.0.1:9093',
    });
    expect(p.drift).toMatchObject({
      status: 'drifted',
      drifted: 1,
      accepted: 1,
      total: 2,
      fetchedAt: now - 7 * H + 1000,
      stale: true,
      schedule: '0 */6 * * *',
    });
    expect(p.drift.error).toMatch(/no drift check since/);
    expect(p.backup).toMatchObject({
      status: 'late',
      lastSnapshotAt: now - 90 * MIN,
      rpoMinutes: 60,
      snapshotCount: 1,
      fetchedAt: now - 5 * MIN,
      stale: false,
      error: null,
    });
    expect(p.backup.ageMinutes).toBeCloseTo(90, 0);

    const w = all.find((s) => s.name === 'web')!;
    expect(w.alerts).toMatchObject({
      configured: true,
      warning: 1,
      critical: 0,
      fetchedAt: now - MIN,
      stale: false,
      error: null,
    });
    expect(w.drift).toMatchObject({ status: 'unknown', stale: false, fetchedAt: null, schedule: null });
    expect(w.backup.status).toBe('unconfigured');
    expect(w.lastRun).toBeNull();

    const b = all.find((s) => s.name === 'bare')!;
    expect(b.alerts).toMatchObject({ configured: false, total: 0, stale: false, error: null, fetchedAt: null });

    // the JSON shape: ISO times
    const j = statusJson(p) as { alerts: { fetchedAt: string }; lastRun: { finishedAt: null; startedAt: string } };
    expect(j.alerts.fetchedAt).toBe(new Date(now - 2 * MIN).toISOString());
    expect(j.lastRun.finishedAt).toBeNull();
  });

  it('a drift check that failed is stale with its error, keeping the last figures; a recent good check is fresh', () => {
    const { db } = tmpDb();
    // Half past the hour: the hourly slot is after neither check (the figure's freshness depends on the schedule).
    const now = Date.UTC(2026, 10, 26, 12, 30);
    const s = addStack(db, tmpDir(), 'api', 'drift: { schedule: "0 * * * *" }\n');
    const drift = new DriftRepo(db);
    const good = drift.startCheck({ stackId: s.id, trigger: 'schedule', triggeredBy: 'ops', now: now - 20 * MIN });
    drift.finish(good, {
      status: 'drifted',
      now: now - 19 * MIN,
      resources: [{ address: 'r', action: 'delete', source: 'both', detail: {}, fingerprint: 'f' }],
    });
    expect(stackStatuses(db, now)[0].drift).toMatchObject({ status: 'drifted', drifted: 1, stale: false, error: null });
    const bad = drift.startCheck({ stackId: s.id, trigger: 'schedule', triggeredBy: 'ops', now: now - MIN });
    drift.finish(bad, { status: 'failed', error: 'plan failed: credentials expired', now: now - 30_000 });
    expect(stackStatuses(db, now)[0].drift).toMatchObject({
      status: 'failed',
      drifted: 1,
      stale: true,
      error: 'plan failed: credentials expired',
      fetchedAt: now - 19 * MIN,
      checkedAt: now - 30_000,
    });
  });

  it('a stack with a broken dayops.yaml is reported, not thrown, and its cached figures are still shown', () => {
    const { db } = tmpDb();
    const now = Date.now();
    const s = addStack(db, tmpDir(), 'broken', '');
    writeFileSync(join(s.dir, 'dayops.yaml'), 'alerting: [\n');
    new AlertsRepo(db).replace(s.id, [alert('a', 'critical')], now - MIN);
    const [st] = stackStatuses(db, now);
    expect(st.configError).toContain(join(s.dir, 'dayops.yaml'));
    expect(st.alerts).toMatchObject({ critical: 1, configured: false });
    expect(st.backup).toMatchObject({ status: 'unconfigured' });
    expect(st.backup.error).toContain('dayops.yaml');
  });
});

describe('stackStatuses at scale', () => {
  it('1,000 stacks, 100,000 cached alerts, 20,000 runs: every figure is right', () => {
    const { db } = tmpDb();
    const root = tmpDir();
    // A fixed time: the drift checks (3 h before) are within their 6-hourly schedule (next slot 06:00), not overdue.
    const now = Date.parse('2026-03-01T04:00:00Z');
    buildStatusFixture(db, root, { now, stacks: 1000, alertsPerStack: 100, runsPerStack: 20 });
    expect((db.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n).toBe(100_000);
    expect((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(20_000);

    const all = stackStatuses(db, now);
    expect(all).toHaveLength(1000);
    // per stack, 100 alerts cycling critical, warning, info, other; every 10th silenced
    const expectCounts = () => {
      const c = { critical: 0, warning: 0, info: 0, other: 0, suppressed: 0 };
      for (let k = 0; k < 100; k++) {
        if (R.silenced(k)) c.suppressed++;
        else c[R.severity(k) === 'page' ? 'other' : (R.severity(k) as 'critical' | 'warning' | 'info')]++;
      }
      return c;
    };
    const counts = expectCounts();
    let lastRunId = 0;
    for (let i = 0; i < 1000; i++) {
      const s = all[i];
      expect(s.name).toBe(R.name(i));
      lastRunId += 20;
      // runs: the newest has the stack's state; the newest tracked one is the same run
      expect(s.lastRun).toMatchObject({ id: lastRunId, state: R.lastState(i), kind: 'tracked' });
      expect(s.lastChange?.id).toBe(lastRunId);
      // alerts
      expect(s.alerts).toMatchObject({ ...counts, total: 100 });
      if (R.broken(i)) {
        expect(s.configError).toBeTruthy();
        continue;
      }
      expect(s.configError).toBeNull();
      expect(s.alerts.configured).toBe(R.alerting(i));
      if (R.alerting(i)) {
        expect(s.alerts.stale).toBe(R.alertsFailed(i));
        expect(s.alerts.error).toBe(R.alertsFailed(i) ? 'connect ECONNREFUSED 127.0.0.1:9' : null);
        expect(s.alerts.fetchedAt).toBe(now - 60_000);
      }
      // drift
      if (R.driftChecked(i)) {
        expect(s.drift).toMatchObject({
          drifted: 2,
          accepted: 1,
          snoozed: 0,
          total: 3,
          status: R.driftFailedAfter(i) ? 'failed' : 'drifted',
        });
        expect(s.drift.stale).toBe(R.driftFailedAfter(i));
      } else expect(s.drift).toMatchObject({ status: 'unknown', drifted: 0 });
      // backups: 3 snapshots, the newest (1 + i % 4) hours old, RPO 120 minutes
      if (R.backups(i)) {
        expect(s.backup).toMatchObject({
          snapshotCount: 3,
          rpoMinutes: 120,
          status: 1 + (i % 4) > 2 ? 'late' : 'on-time',
          stale: false,
        });
      } else expect(s.backup.status).toBe('unconfigured');
    }
  }, 300_000);
});
