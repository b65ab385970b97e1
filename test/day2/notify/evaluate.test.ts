/**
 * The evaluator on a real SQLite database: which conditions hold, what is enqueued in the outbox (and in the same
 * transaction as the condition change), renewals, resolutions, and that nothing is enqueued twice.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ChecksRepo } from '../../../src/db/checks.js';
import { DriftRepo } from '../../../src/db/drift/repo.js';
import { NotifyRepo } from '../../../src/db/notify.js';
import type { DB } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { Environment } from '../../../src/domain/stack.js';
import {
  ALERT_TTL_MS,
  evaluateNotifications,
  conditionFor,
  failedCheckConditions,
  slowRestoreConditions,
  CONDITION_SOURCES,
  RENEW_EVERY_MS,
} from '../../../src/day2/notify/index.js';
import { loadStackConfig } from '../../../src/config/stack-config.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';

const AM = 'http://127.0.0.1:9'; // never contacted here
const HOOK = 'http://127.0.0.1:9/hook';

function addStack(db: DB, root: string, name: string, environment: Environment, extra: Record<string, unknown>) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'dayops.yaml'),
    stringify({
      apiVersion: 'dayops/v1',
      kind: 'Stack',
      name,
      environment,
      tool: 'custom',
      custom: { plan: ['true'] },
      ...extra,
    }),
  );
  return new StacksRepo(db).upsert({ name, dir, tool: 'custom', environment });
}

const OWNER = { host: 'test', pid: 1, start: null };

/** A run of `stackId` driven to `state` through the run state machine. */
function runTo(
  db: DB,
  stackId: number,
  end: 'FAILED' | 'FINISHED' | 'UNCONFIRMED',
  now: number,
  purpose: 'deploy' | 'drift' = 'deploy',
) {
  const runs = new RunsRepo(db);
  const r = runs.create(
    { stackId, kind: 'tracked', purpose, triggeredBy: 'me', trigger: 'cli', autoApply: false, owner: OWNER },
    now,
  );
  runs.move(r.id, 'start', { now });
  runs.move(r.id, 'plan', { now });
  if (end === 'FAILED') runs.move(r.id, 'fail', { now, patch: { error: 'plan failed: boom' } });
  if (end === 'FINISHED') runs.move(r.id, 'finish', { now });
  if (end === 'UNCONFIRMED') runs.move(r.id, 'park', { now });
  return runs.get(r.id)!;
}

function outbox(db: DB) {
  return db.prepare('SELECT event_id, route, kind, payload FROM notify_outbox ORDER BY id').all() as {
    event_id: string;
    route: string;
    kind: string;
    payload: string;
  }[];
}

describe('notify evaluator', () => {
  it('a failed run fires once per route, is renewed to Alertmanager only, and resolves when a newer run finishes', () => {
    const { db } = tmpDb();
    const root = tmpDir();
    const t0 = Date.now();
    const s = addStack(db, root, 'shop-prod', 'prod', {
      alerting: { alertmanagerUrl: AM },
      notify: { webhooks: [{ url: HOOK }] },
    });
    const run = runTo(db, s.id, 'FAILED', t0);

    const first = evaluateNotifications(db, { now: t0 + 1000 });
    expect(first.fired).toEqual(['DayopsRunFailed:shop-prod']);
    const rows = outbox(db);
    expect(rows.map((r) => [r.route, r.kind])).toEqual([
      ['alertmanager', 'firing'],
      [`webhook:${HOOK}`, 'firing'],
    ]);
    // One event id for both routes, stable: the condition and the time it started to hold.
    expect(rows[0].event_id).toBe(`DayopsRunFailed:shop-prod:${t0 + 1000}:firing`);
    expect(rows[1].event_id).toBe(rows[0].event_id);
    const [alert] = JSON.parse(rows[0].payload);
    expect(alert.labels).toEqual({
      alertname: 'DayopsRunFailed',
      stack: 'shop-prod',
      environment: 'prod',
      severity: 'critical',
      source: 'dayops',
    });
    expect(alert.annotations).toEqual({
      summary: `shop-prod: run ${run.id} failed: plan failed: boom`,
      command: 'dayops runs shop-prod',
    });
    expect(Date.parse(alert.endsAt)).toBe(t0 + 1000 + ALERT_TTL_MS);
    const hook = JSON.parse(rows[1].payload);
    expect(hook).toMatchObject({ id: rows[0].event_id, event: 'run-failed', status: 'firing', stack: 'shop-prod' });
    expect(hook.text).toContain('[FIRING] DayopsRunFailed shop-prod (prod, critical)');
    expect(hook.text).toContain('dayops runs shop-prod');

    // Evaluated again while it holds: nothing new until the renewal is due.
    expect(evaluateNotifications(db, { now: t0 + 2000 }).enqueued).toBe(0);
    const renew = evaluateNotifications(db, { now: t0 + 1000 + RENEW_EVERY_MS });
    expect(renew.renewed).toEqual(['DayopsRunFailed:shop-prod']);
    const afterRenew = outbox(db);
    expect(afterRenew).toHaveLength(3);
    expect(afterRenew[2]).toMatchObject({ route: 'alertmanager', kind: 'renew' });
    const [renewed] = JSON.parse(afterRenew[2].payload);
    expect(Date.parse(renewed.startsAt)).toBe(t0 + 1000);
    expect(Date.parse(renewed.endsAt)).toBe(t0 + 1000 + RENEW_EVERY_MS + ALERT_TTL_MS);

    // A newer run that ends well clears it: resolved with endsAt = now, to both routes.
    const t1 = t0 + 1000 + RENEW_EVERY_MS + 5000;
    runTo(db, s.id, 'FINISHED', t1 - 1000);
    const resolved = evaluateNotifications(db, { now: t1 });
    expect(resolved.resolved).toEqual(['DayopsRunFailed:shop-prod']);
    const last = outbox(db).slice(3);
    expect(last.map((r) => [r.route, r.kind])).toEqual([
      ['alertmanager', 'resolved'],
      [`webhook:${HOOK}`, 'resolved'],
    ]);
    expect(Date.parse(JSON.parse(last[0].payload)[0].endsAt)).toBe(t1);
    expect(JSON.parse(last[1].payload).status).toBe('resolved');
    expect(evaluateNotifications(db, { now: t1 + 1000 }).enqueued).toBe(0);
  });

  it('another failed run is a new event; a drift check that failed counts too', () => {
    const { db } = tmpDb();
    const s = addStack(db, tmpDir(), 'web', 'dev', { notify: { webhooks: [{ url: HOOK }] } });
    const t0 = Date.now();
    const r1 = runTo(db, s.id, 'FAILED', t0);
    evaluateNotifications(db, { now: t0 });
    const r2 = runTo(db, s.id, 'FAILED', t0 + 10);
    const d = runTo(db, s.id, 'FAILED', t0 + 20, 'drift');
    const again = evaluateNotifications(db, { now: t0 + 100 });
    expect(again.fired).toEqual(['DayopsRunFailed:web']);
    const rows = outbox(db);
    expect(rows.map((r) => r.event_id)).toEqual([
      `DayopsRunFailed:web:${t0}:firing`,
      `DayopsRunFailed:web:${t0 + 100}:firing`,
    ]);
    const body = JSON.parse(rows[1].payload);
    expect(body.summary).toContain(`run ${r2.id} failed`);
    expect(body.summary).toContain(`run ${d.id} (drift check) failed`);
    expect(body.summary).not.toContain(`run ${r1.id} `);
    // Outside prod, what would page is a warning.
    expect(body.severity).toBe('warning');
  });

  it('without any route nothing is recorded or enqueued; webhooks get only the events they subscribed to', () => {
    const { db } = tmpDb();
    const root = tmpDir();
    const quiet = addStack(db, root, 'quiet', 'prod', {});
    const picky = addStack(db, root, 'picky', 'prod', { notify: { webhooks: [{ url: HOOK, events: ['drift'] }] } });
    runTo(db, quiet.id, 'FAILED', Date.now());
    runTo(db, picky.id, 'FAILED', Date.now());
    const r = evaluateNotifications(db);
    expect(r.fired).toEqual(['DayopsRunFailed:picky']);
    expect(outbox(db)).toEqual([]);
    expect(new NotifyRepo(db).conditions().map((c) => c.key)).toEqual(['DayopsRunFailed:picky']);
  });

  it('a run waits for approval longer than notify.approvalAfter: DayopsApprovalWaiting, cleared when it is discarded', () => {
    const { db } = tmpDb();
    const s = addStack(db, tmpDir(), 'shop-prod', 'prod', {
      alerting: { alertmanagerUrl: AM },
      notify: { approvalAfter: '30m' },
    });
    const t0 = Date.now();
    const run = runTo(db, s.id, 'UNCONFIRMED', t0);
    expect(evaluateNotifications(db, { now: t0 + 29 * 60_000 }).fired).toEqual([]);
    expect(evaluateNotifications(db, { now: t0 + 31 * 60_000 }).fired).toEqual(['DayopsApprovalWaiting:shop-prod']);
    const [alert] = JSON.parse(outbox(db)[0].payload);
    expect(alert.labels).toMatchObject({ alertname: 'DayopsApprovalWaiting', severity: 'warning', source: 'dayops' });
    expect(alert.annotations.summary).toContain(`run ${run.id} for 31 min`);
    new RunsRepo(db).move(run.id, 'discard', { now: t0 + 32 * 60_000 });
    expect(evaluateNotifications(db, { now: t0 + 33 * 60_000 }).resolved).toEqual(['DayopsApprovalWaiting:shop-prod']);
  });

  it('drift detected, a backup late against the RPO, and a failed scheduled check through the hook', () => {
    const { db } = tmpDb();
    const s = addStack(db, tmpDir(), 'shop-prod', 'prod', {
      alerting: { alertmanagerUrl: AM },
      backups: { repository: '/nonexistent/restic' },
      rpoMinutes: 60,
    });
    const t0 = Date.now();
    const drift = new DriftRepo(db);
    const id = drift.startCheck({ stackId: s.id, trigger: 'cli', triggeredBy: 'me', now: t0 });
    drift.finish(id, {
      status: 'drifted',
      now: t0,
      resources: [{ address: 'aws_s3_bucket.logs', action: 'update', source: 'drift', detail: {}, fingerprint: 'f1' }],
    });
    const checks = failedCheckConditions;
    const sources = [
      ...CONDITION_SOURCES,
      (ctx: Parameters<typeof checks>[0]) =>
        checks(ctx, [{ stack: 'shop-prod', check: 'http-200', error: 'GET / answered 503', at: t0 }]),
    ];
    const r = evaluateNotifications(db, { now: t0 + 2 * 3_600_000, sources });
    expect(r.fired.sort()).toEqual([
      'DayopsBackupLate:shop-prod',
      'DayopsCheckFailed:shop-prod',
      'DayopsDrift:shop-prod',
    ]);
    const byName = new Map(
      outbox(db).map((o) => {
        const [a] = JSON.parse(o.payload);
        return [a.labels.alertname, a] as const;
      }),
    );
    expect(byName.get('DayopsDrift').annotations).toEqual({
      summary: 'shop-prod: 1 resource drifted from the code (open, of 1 that differ)',
      command: 'dayops drift shop-prod',
    });
    expect(byName.get('DayopsBackupLate').annotations.summary).toBe(
      'shop-prod: backup late: no snapshot yet, RPO 60 min',
    );
    expect(byName.get('DayopsBackupLate').labels.severity).toBe('critical');
    expect(byName.get('DayopsCheckFailed').annotations.summary).toBe('shop-prod: http-200 failed: GET / answered 503');
    // The check passes again (the hook returns nothing): resolved.
    expect(evaluateNotifications(db, { now: t0 + 2 * 3_600_000 + 1 }).resolved).toEqual([
      'DayopsCheckFailed:shop-prod',
    ]);
  });

  it('a scheduled check whose newest result failed is DayopsCheckFailed until it passes again', () => {
    const { db } = tmpDb();
    const check = {
      name: 'web-up',
      http: { url: 'http://127.0.0.1:9/' },
      when: ['scheduled'],
      schedule: '*/5 * * * *',
    };
    const s = addStack(db, tmpDir(), 'shop-prod', 'prod', { alerting: { alertmanagerUrl: AM }, checks: [check] });
    const checks = new ChecksRepo(db);
    const t0 = Date.now();
    const result = (name: string, status: 'passed' | 'failed', at: number) =>
      checks.end(
        checks.start({ runId: null, stackId: s.id, source: 'scheduled', name, kind: 'http' }, at),
        { status, durationMs: 5, attempts: 1, message: status === 'failed' ? 'GET / answered 503' : 'HTTP 200' },
        at,
      );
    result('web-up', 'failed', t0);
    result('gone-check', 'failed', t0); // no longer in dayops.yaml: not an alert
    expect(evaluateNotifications(db, { now: t0 + 10 }).fired).toEqual(['DayopsCheckFailed:shop-prod']);
    const [alert] = JSON.parse(outbox(db)[0].payload);
    expect(alert.annotations).toEqual({
      summary: 'shop-prod: web-up failed: GET / answered 503',
      command: 'dayops check shop-prod',
    });
    // Failing again five minutes later is the same alert, not a new event.
    result('web-up', 'failed', t0 + 300_000);
    expect(evaluateNotifications(db, { now: t0 + 300_010 }).fired).toEqual([]);
    result('web-up', 'passed', t0 + 600_000);
    expect(evaluateNotifications(db, { now: t0 + 600_010 }).resolved).toEqual(['DayopsCheckFailed:shop-prod']);
  });

  it('the RTO hook: a restore test slower than the RTO is DayopsRestoreTestFailed, one alert with a failed one', () => {
    const { db } = tmpDb();
    addStack(db, tmpDir(), 'shop-prod', 'prod', { alerting: { alertmanagerUrl: AM } });
    const t0 = Date.now();
    const slow = (ctx: Parameters<typeof slowRestoreConditions>[0]) =>
      slowRestoreConditions(ctx, [{ stack: 'shop-prod', durationMs: 45 * 60_000, rtoMinutes: 30, at: t0 }]);
    const failed = (ctx: Parameters<typeof failedCheckConditions>[0]) => [
      conditionFor(
        ctx,
        'shop-prod',
        'DayopsRestoreTestFailed',
        'shop-prod: restore test failed: x',
        'dayops backup status shop-prod',
      )!,
    ];
    // A stack without any route is left out by the hooks too.
    expect(
      slowRestoreConditions({ db, now: t0, stacks: new Map(), byName: new Map() }, [
        { stack: 'shop-prod', durationMs: 1, rtoMinutes: 1 },
      ]),
    ).toEqual([]);
    const r = evaluateNotifications(db, { now: t0, sources: [failed, slow] });
    expect(r.fired).toEqual(['DayopsRestoreTestFailed:shop-prod']);
    const rows = outbox(db);
    expect(rows).toHaveLength(1);
    const [alert] = JSON.parse(rows[0].payload);
    expect(alert.labels).toMatchObject({ alertname: 'DayopsRestoreTestFailed', severity: 'critical' });
    expect(alert.annotations.summary).toBe(
      'shop-prod: restore test failed: x; restore test took 45 min, longer than the RTO of 30 min',
    );
  });

  it('an event is never enqueued twice for one route (UNIQUE), even by a second evaluation of the same state', () => {
    const { db } = tmpDb();
    const repo = new NotifyRepo(db);
    const row = {
      eventId: 'e1',
      route: 'webhook:x',
      stackId: null,
      condKey: 'k',
      kind: 'firing' as const,
      target: 'x',
      payload: '{}',
    };
    expect(repo.enqueue(row, 1)).toBe(true);
    expect(repo.enqueue(row, 2)).toBe(false);
    expect(repo.enqueue({ ...row, route: 'webhook:y' }, 2)).toBe(true);
    expect(repo.pending()).toBe(2);
  });

  it('notify: in dayops.yaml: a secret is a reference, never a value; approvalAfter is a duration', () => {
    const dir = tmpDir();
    const write = (notify: unknown) =>
      writeFileSync(join(dir, 'dayops.yaml'), stringify({ apiVersion: 'dayops/v1', kind: 'Stack', notify }));
    write({ approvalAfter: '1h30m', webhooks: [{ url: HOOK, secret: { fromEnv: 'HOOK_SECRET' }, events: ['drift'] }] });
    expect(loadStackConfig(dir).notify).toMatchObject({ approvalAfter: 90 * 60_000 });
    write({ webhooks: [{ url: HOOK, secret: 's3cr3t-value' }] });
    expect(() => loadStackConfig(dir)).toThrow(/notify\.webhooks\[0\]\.secret/);
    write({ webhooks: [{ url: HOOK, secret: { value: 'x' } }] });
    expect(() => loadStackConfig(dir)).toThrow(/notify\.webhooks\[0\]\.secret/);
    write({ approvalAfter: 'soon' });
    expect(() => loadStackConfig(dir)).toThrow(/notify\.approvalAfter.*duration such as 30m/);
    write({ webhooks: [{ url: HOOK, events: ['everything'] }] });
    expect(() => loadStackConfig(dir)).toThrow(/notify\.webhooks\[0\]\.events/);
  });
});
