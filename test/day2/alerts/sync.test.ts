/**
 * Alerts against a real Prometheus Alertmanager: sync into the cache, silences from dayops, acknowledgements,
 * quiet applies, and what happens when Alertmanager goes away, hangs, or answers garbage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import {
  acknowledge,
  alertCounts,
  alertSources,
  alertsSourceKey,
  beginQuietApply,
  endQuietApply,
  expireSilence,
  listAlerts,
  liveSilences,
  silenceAlert,
  syncAlerts,
  unacknowledge,
} from '../../../src/day2/alerts.js';
import {
  freePort,
  SKIP_ALERTMANAGER,
  startAlertmanager,
  type RunningAlertmanager,
} from '../../helpers/alertmanager.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, answeringServer, silentServer } from './util.js';

interface AmSilenceJson {
  id: string;
  status: { state: string };
  comment: string;
  createdBy: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
}

/** A fixed jitter so the backoff is exactly 5 s, 10 s, ... */
const noJitter = { random: () => 0.5 };

describe.skipIf(SKIP_ALERTMANAGER)('alerts against a real Alertmanager', () => {
  let am: RunningAlertmanager;

  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('stores each stack its own alerts, ordered by severity, with states and counts', async () => {
    const { db, dir } = tmpDb();
    addStack(db, dir, 'payments', { url: am.url });
    addStack(db, dir, 'web', { url: am.url });
    addStack(db, dir, 'batch', null); // no alerting: not synced
    await am.postAlerts([
      { labels: { alertname: 'QueueBacklog', stack: 'payments' }, annotations: { summary: 'no severity' } },
      { labels: { alertname: 'CertExpiring', stack: 'payments', severity: 'info' } },
      {
        labels: { alertname: 'HighLatency', stack: 'payments', severity: 'warning' },
        annotations: { summary: 'p99 > 800ms' },
      },
      {
        labels: { alertname: 'DiskFull', stack: 'payments', severity: 'critical', instance: 'db-1' },
        annotations: { summary: 'disk 97%' },
      },
      { labels: { alertname: 'DiskFull', stack: 'payments', severity: 'critical', instance: 'db-2' } },
      { labels: { alertname: 'DatacenterDown', stack: 'web', severity: 'critical' } },
      { labels: { alertname: 'HighLatency', stack: 'web', severity: 'warning' } },
      { labels: { alertname: 'Unrelated', stack: 'other', severity: 'critical' } },
    ]);

    const results = await syncAlerts(db);
    expect(results.map((r) => [r.stack, r.ok, r.alerts])).toEqual([
      ['payments', true, 5],
      ['web', true, 2],
    ]);

    const payments = listAlerts(db, 'payments');
    expect(payments.map((a) => a.severity)).toEqual(['critical', 'critical', 'warning', 'info', '']);
    expect(payments.every((a) => a.stack === 'payments' && a.state === 'active')).toBe(true);
    const disk = payments.find((a) => a.labels.instance === 'db-1')!;
    expect(disk).toMatchObject({ alertname: 'DiskFull', annotations: { summary: 'disk 97%' }, acknowledged: null });
    expect(disk.source).toMatchObject({ stale: false, error: null });
    expect(Math.abs(disk.startsAt - Date.now())).toBeLessThan(60_000);

    // The inhibit rule of the test Alertmanager mutes web's warning while DatacenterDown fires.
    const web = listAlerts(db, 'web');
    expect(web.map((a) => [a.alertname, a.state])).toEqual([
      ['DatacenterDown', 'active'],
      ['HighLatency', 'inhibited'],
    ]);
    expect(web[1].inhibitedBy).toEqual([web[0].fingerprint]);

    const all = listAlerts(db);
    expect(all).toHaveLength(7);
    expect(all.map((a) => a.severityRank)).toEqual([...all.map((a) => a.severityRank)].sort());

    const counts = alertCounts(db);
    const ids = Object.fromEntries(alertSources(db).map((s) => [s.stack, s.stackId]));
    expect(counts.get(ids.payments)).toMatchObject({
      critical: 2,
      warning: 1,
      info: 1,
      other: 1,
      suppressed: 0,
      total: 5,
    });
    expect(counts.get(ids.web)).toMatchObject({ critical: 1, warning: 0, suppressed: 1, total: 2 });
    expect(alertSources(db).map((s) => s.stack)).toEqual(['payments', 'web']);
  });

  it('uses the matchers of dayops.yaml when given', async () => {
    const { db, dir } = tmpDb();
    addStack(db, dir, 'shop', { url: am.url, matchers: ['team="shop"', 'severity=~"critical|warning"'] });
    await am.postAlerts([
      { labels: { alertname: 'A', team: 'shop', severity: 'critical' } },
      { labels: { alertname: 'B', team: 'shop', severity: 'info' } },
      { labels: { alertname: 'C', team: 'other', severity: 'critical' } },
    ]);
    const [r] = await syncAlerts(db);
    expect(r).toMatchObject({ stack: 'shop', ok: true, alerts: 1 });
    expect(listAlerts(db, 'shop').map((a) => a.alertname)).toEqual(['A']);
  });

  it('a broken dayops.yaml fails that stack only, with the config error', async () => {
    const { db, dir } = tmpDb();
    addStack(db, dir, 'good', { url: am.url });
    const bad = addStack(db, dir, 'bad', { url: am.url });
    writeFileSync(join(bad.dir, 'dayops.yaml'), 'alerting:\n  alertmanagerUrl: 12\n');
    const badMatcher = addStack(db, dir, 'badmatch', { url: am.url, matchers: ['stack=="x"'] });
    const results = await syncAlerts(db);
    const by = Object.fromEntries(results.map((r) => [r.stack, r]));
    expect(by.good.ok).toBe(true);
    expect(by.bad.ok).toBe(false);
    expect(by.bad.error).toContain(join(bad.dir, 'dayops.yaml'));
    expect(by.bad.error).toContain('alerting.alertmanagerUrl');
    expect(by.badmatch.error).toContain('alerting.matchers[0]');
    expect(by.badmatch.error).toContain(join(badMatcher.dir, 'dayops.yaml'));
    expect(new SourcesRepo(db).get('alerts:bad')).toMatchObject({ failures: 1 });
  });

  it('silences an alert from dayops, shows it silenced, and expires it', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'silence-me', { url: am.url });
    await am.postAlerts([
      { labels: { alertname: 'DiskFull', stack: 'silence-me', severity: 'critical', instance: 'db-1' } },
      { labels: { alertname: 'DiskFull', stack: 'silence-me', severity: 'critical', instance: 'db-2' } },
    ]);
    await syncAlerts(db);
    const target = listAlerts(db, stack).find((a) => a.labels.instance === 'db-1')!;

    const { silence, sync } = await silenceAlert(db, 'silence-me', target, {
      durationMs: 3_600_000,
      comment: 'resizing the disk',
      user: 'alice',
    });
    expect(sync).toMatchObject({ ok: true, alerts: 2 });
    const after = listAlerts(db, stack);
    expect(after.find((a) => a.fingerprint === target.fingerprint)).toMatchObject({
      state: 'silenced',
      silencedBy: [silence.id],
    });
    expect(after.find((a) => a.labels.instance === 'db-2')!.state).toBe('active');
    expect(alertCounts(db).get(stack.id)).toMatchObject({ critical: 1, suppressed: 1, total: 2 });

    const inAm = (await am.getJson<AmSilenceJson[]>('/api/v2/silences')).find((s) => s.id === silence.id)!;
    expect(inAm).toMatchObject({ status: { state: 'active' }, comment: 'resizing the disk', createdBy: 'alice' });
    expect(inAm.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual([
      'alertname=DiskFull',
      'instance=db-1',
      'severity=critical',
      'stack=silence-me',
    ]);
    expect(liveSilences(db, stack).map((s) => s.id)).toEqual([silence.id]);

    const audit = db.prepare("SELECT * FROM audit_log WHERE action = 'silence'").all() as {
      user: string;
      stack_id: number;
      comment: string;
      detail: string;
    }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user: 'alice', stack_id: stack.id, comment: 'resizing the disk' });
    expect(JSON.parse(audit[0].detail)).toMatchObject({
      silenceId: silence.id,
      scope: 'alert',
      fingerprint: target.fingerprint,
    });

    await expireSilence(db, silence.id, 'bob');
    expect(listAlerts(db, stack).every((a) => a.state === 'active')).toBe(true);
    expect(alertCounts(db).get(stack.id)).toMatchObject({ critical: 2, suppressed: 0, total: 2 });
    const expired = (await am.getJson<AmSilenceJson[]>('/api/v2/silences')).find((s) => s.id === silence.id)!;
    expect(expired.status.state).toBe('expired');
    expect(liveSilences(db, stack)).toEqual([]);
    expect(db.prepare("SELECT user FROM audit_log WHERE action = 'silence-expire'").all()).toEqual([{ user: 'bob' }]);
  });

  it('a labels-scoped silence covers every alert of that kind, whatever the instance', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'scope-labels', { url: am.url });
    await am.postAlerts([
      { labels: { alertname: 'NodeDown', stack: 'scope-labels', severity: 'critical', instance: 'n1' } },
      { labels: { alertname: 'NodeDown', stack: 'scope-labels', severity: 'critical', instance: 'n2' } },
      { labels: { alertname: 'Other', stack: 'scope-labels', severity: 'critical', instance: 'n1' } },
    ]);
    await syncAlerts(db);
    const one = listAlerts(db, stack).find((a) => a.alertname === 'NodeDown')!;
    const { silence } = await silenceAlert(db, stack, one.fingerprint, {
      durationMs: 600_000,
      user: 'alice',
      scope: 'labels',
    });
    expect(silence.matchers.map((m) => m.name).sort()).toEqual(['alertname', 'severity', 'stack']);
    const states = listAlerts(db, stack).map((a) => [a.alertname, a.labels.instance, a.state]);
    expect(states).toContainEqual(['NodeDown', 'n1', 'silenced']);
    expect(states).toContainEqual(['NodeDown', 'n2', 'silenced']);
    expect(states).toContainEqual(['Other', 'n1', 'active']);
    await expireSilence(db, silence.id, 'alice');
  });

  it('refuses a silence Alertmanager cannot be told about, storing nothing', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'refused', { url: am.url });
    await am.postAlerts([{ labels: { alertname: 'X', stack: 'refused', severity: 'warning' } }]);
    await syncAlerts(db);
    const [a] = listAlerts(db, stack);
    const down = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(join(stack.dir, 'dayops.yaml'), `alerting:\n  alertmanagerUrl: ${down}\n`);
    await expect(silenceAlert(db, stack, a, { durationMs: 60_000, user: 'alice' })).rejects.toThrow(
      `Alertmanager at ${down} is unreachable: connect ECONNREFUSED`,
    );
    expect(liveSilences(db, stack)).toEqual([]);
    expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'silence'").get()).toEqual({ n: 0 });
    await expect(silenceAlert(db, stack, 'nope', { durationMs: 60_000, user: 'alice' })).rejects.toThrow(
      /no cached alert nope/,
    );
  });

  it('an acknowledgement survives closing and reopening the database, and goes when the alert resolves', async () => {
    const { db, dir, path } = tmpDb();
    addStack(db, dir, 'ack-me', { url: am.url });
    const labels = { alertname: 'Flapping', stack: 'ack-me', severity: 'warning' };
    await am.postAlerts([{ labels, startsAt: new Date(Date.now() - 60_000).toISOString() }]);
    await syncAlerts(db);
    const [a] = listAlerts(db, 'ack-me');
    const ack = acknowledge(db, 'ack-me', a.fingerprint, 'carol', 'looking into it');
    db.close();

    const again = openDatabase(path);
    try {
      const [b] = listAlerts(again, 'ack-me');
      expect(b.acknowledged).toEqual({ user: 'carol', note: 'looking into it', at: ack.at });
      await syncAlerts(again); // still firing: still acknowledged
      expect(listAlerts(again, 'ack-me')[0].acknowledged?.user).toBe('carol');
      expect(unacknowledge(again, 'ack-me', a.fingerprint, 'carol')).toBe(true);
      expect(listAlerts(again, 'ack-me')[0].acknowledged).toBeNull();
      acknowledge(again, 'ack-me', a.fingerprint, 'carol');

      // Resolve it: Alertmanager stops listing it, the sync drops it and its acknowledgement.
      await am.postAlerts([
        { labels, startsAt: new Date(a.startsAt).toISOString(), endsAt: new Date(Date.now() - 1000).toISOString() },
      ]);
      const [r] = await syncAlerts(again);
      expect(r.alerts).toBe(0);
      expect(again.prepare('SELECT count(*) AS n FROM alert_acks').get()).toEqual({ n: 0 });
      const actions = (again.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]).map(
        (x) => x.action,
      );
      expect(actions).toEqual(['acknowledge', 'unacknowledge', 'acknowledge']);
    } finally {
      again.close();
    }
  });

  it('quiet applies: a maintenance silence over the stack while the run applies, expired after', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'quiet', { url: am.url, quietApplies: true });
    const loud = addStack(db, dir, 'loud', { url: am.url });
    await am.postAlerts([
      { labels: { alertname: 'Restarting', stack: 'quiet', severity: 'critical' } },
      { labels: { alertname: 'Restarting', stack: 'loud', severity: 'critical' } },
    ]);
    const runId = insertRun(db, stack.id, 'APPLYING');

    const begun = await beginQuietApply(db, stack, runId, 'dave');
    expect(begun.warning).toBeUndefined();
    expect(begun.silenceId).toBeTruthy();
    const inAm = (await am.getJson<AmSilenceJson[]>('/api/v2/silences')).find((s) => s.id === begun.silenceId)!;
    expect(inAm).toMatchObject({
      status: { state: 'active' },
      comment: `dayops: apply of run #${runId}`,
      createdBy: 'dave',
    });
    expect(inAm.matchers).toEqual([{ name: 'stack', value: 'quiet', isRegex: false, isEqual: true }]);
    const row = db
      .prepare('SELECT kind, run_id, ends_at - starts_at AS len FROM silences WHERE id = ?')
      .get(begun.silenceId);
    expect(row).toEqual({ kind: 'quiet-apply', run_id: runId, len: 2 * 3_600_000 });
    await syncAlerts(db);
    expect(listAlerts(db, 'quiet')[0].state).toBe('silenced');
    expect(listAlerts(db, 'loud')[0].state).toBe('active');

    // A stack without quietApplies gets no silence.
    expect(await beginQuietApply(db, loud, insertRun(db, loud.id, 'APPLYING'), 'dave')).toEqual({});

    db.prepare("UPDATE runs SET state = 'FAILED' WHERE id = ?").run(runId);
    const ended = await endQuietApply(db, runId, 'dave');
    expect(ended).toEqual({ expired: [begun.silenceId] });
    const gone = (await am.getJson<AmSilenceJson[]>('/api/v2/silences')).find((s) => s.id === begun.silenceId)!;
    expect(gone.status.state).toBe('expired');
    await syncAlerts(db);
    expect(listAlerts(db, 'quiet')[0].state).toBe('active');
    expect(await endQuietApply(db, runId)).toEqual({ expired: [] });
    const actions = (
      db.prepare('SELECT action FROM audit_log WHERE run_id = ? ORDER BY id').all(runId) as { action: string }[]
    ).map((x) => x.action);
    expect(actions).toEqual(['quiet-apply', 'quiet-apply-end']);
  });

  it('quiet applies never fail the run: an unreachable Alertmanager is a warning', async () => {
    const { db, dir } = tmpDb();
    const down = `http://127.0.0.1:${await freePort()}`;
    const stack = addStack(db, dir, 'quiet-down', { url: down, quietApplies: true });
    const runId = insertRun(db, stack.id, 'APPLYING');
    const begun = await beginQuietApply(db, stack, runId, 'dave');
    expect(begun.silenceId).toBeUndefined();
    expect(begun.warning).toMatch(
      `alerts of quiet-down are not silenced during the apply: Alertmanager at ${down} is unreachable: connect ECONNREFUSED`,
    );
    expect(await endQuietApply(db, runId)).toEqual({ expired: [] });
  });

  it('a quiet-apply silence that cannot be remembered is taken back at once', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'quiet-norun', { url: am.url, quietApplies: true });
    const begun = await beginQuietApply(db, stack, 424242, 'dave'); // no such run
    expect(begun.silenceId).toBeUndefined();
    expect(begun.warning).toMatch(
      /^alerts of quiet-norun are not silenced during the apply: FOREIGN KEY constraint failed/,
    );
    const made = (await am.getJson<AmSilenceJson[]>('/api/v2/silences')).filter(
      (s) => s.comment === 'dayops: apply of run #424242',
    );
    expect(made.map((s) => s.status.state)).toEqual(['expired']);
  });

  it('a quiet-apply silence that could not be expired is expired by the next sync', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'leftover', { url: am.url, quietApplies: true });
    const runId = insertRun(db, stack.id, 'APPLYING');
    const { silenceId } = await beginQuietApply(db, stack, runId, 'dave');
    db.prepare("UPDATE runs SET state = 'FINISHED' WHERE id = ?").run(runId);
    // Alertmanager unreachable at the end of the apply.
    db.prepare('UPDATE silences SET url = ? WHERE id = ?').run(`http://127.0.0.1:${await freePort()}`, silenceId);
    const ended = await endQuietApply(db, runId);
    expect(ended.expired).toEqual([]);
    expect(ended.warning).toMatch(new RegExp(`the quiet-apply silence ${silenceId} stays until .*unreachable`));
    // Back: the next sync of the stack expires it.
    db.prepare('UPDATE silences SET url = ? WHERE id = ?').run(am.url, silenceId);
    await syncAlerts(db, [stack]);
    const s = (await am.getJson<AmSilenceJson[]>('/api/v2/silences')).find((x) => x.id === silenceId)!;
    expect(s.status.state).toBe('expired');
    expect(db.prepare('SELECT expired_at IS NOT NULL AS done FROM silences WHERE id = ?').get(silenceId)).toEqual({
      done: 1,
    });
  });

  it('Alertmanager stopped mid-session: the cache stays, the source is stale with the error, retries back off, and it recovers', async () => {
    const own = await startAlertmanager();
    try {
      const { db, dir } = tmpDb();
      addStack(db, dir, 'flaky', { url: own.url });
      const alerts = [
        { labels: { alertname: 'A', stack: 'flaky', severity: 'critical' } },
        { labels: { alertname: 'B', stack: 'flaky', severity: 'warning' } },
      ];
      await own.postAlerts(alerts);
      const t0 = Date.now();
      expect((await syncAlerts(db, undefined, { now: t0 }))[0]).toMatchObject({ ok: true, alerts: 2 });

      await own.stop();
      const t1 = t0 + 60_000;
      const [failed] = await syncAlerts(db, undefined, { now: t1, backoff: noJitter });
      expect(failed).toMatchObject({ ok: false, skipped: false, alerts: 2, nextRetryAt: t1 + 5_000 });
      expect(failed.error).toMatch(new RegExp(`^Alertmanager at ${own.url} is unreachable: .*ECONNREFUSED`));

      const cached = listAlerts(db, 'flaky', { now: t1 });
      expect([...alertCounts(db).values()]).toMatchObject([{ critical: 1, warning: 1, total: 2 }]);
      expect(cached.map((a) => a.alertname)).toEqual(['A', 'B']);
      expect(cached[0].source).toEqual({ fetchedAt: t0, attemptedAt: t1, stale: true, error: failed.error });
      const [src] = alertSources(db, 'flaky', { now: t1 });
      expect(src).toMatchObject({ fetchedAt: t0, attemptedAt: t1, stale: true, failures: 1, nextRetryAt: t1 + 5_000 });

      // Before the retry time: not tried at all.
      const [skipped] = await syncAlerts(db, undefined, { now: t1 + 1_000, backoff: noJitter });
      expect(skipped).toMatchObject({
        ok: false,
        skipped: true,
        alerts: 2,
        error: failed.error,
        nextRetryAt: t1 + 5_000,
      });
      expect(new SourcesRepo(db).get(alertsSourceKey('flaky'))).toMatchObject({ attemptedAt: t1, failures: 1 });

      // Forced: tried, still down, the delay doubles.
      const [second] = await syncAlerts(db, undefined, { now: t1 + 2_000, force: true, backoff: noJitter });
      expect(second).toMatchObject({ ok: false, skipped: false, nextRetryAt: t1 + 2_000 + 10_000 });
      expect(listAlerts(db, 'flaky')).toHaveLength(2);

      await own.start();
      await own.postAlerts(alerts.slice(0, 1));
      const t2 = t1 + 2_000 + 10_000;
      const [back] = await syncAlerts(db, undefined, { now: t2 });
      expect(back).toMatchObject({ ok: true, alerts: 1 });
      expect([...alertCounts(db).values()]).toMatchObject([{ critical: 1, warning: 0, total: 1 }]);
      expect(alertSources(db, 'flaky', { now: t2 })[0]).toMatchObject({
        fetchedAt: t2,
        stale: false,
        error: null,
        failures: 0,
        nextRetryAt: null,
      });
    } finally {
      await own.dispose();
    }
  });

  it('a server that never answers times out, and the cache is kept', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'slow', { url: am.url });
    await am.postAlerts([{ labels: { alertname: 'Kept', stack: 'slow', severity: 'critical' } }]);
    await syncAlerts(db);
    const slow = await silentServer();
    try {
      writeFileSync(join(stack.dir, 'dayops.yaml'), `alerting:\n  alertmanagerUrl: ${slow.url}\n`);
      const started = Date.now();
      const [r] = await syncAlerts(db, undefined, { timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(r.ok).toBe(false);
      expect(r.error).toBe(`Alertmanager at ${slow.url} did not answer GET /api/v2/alerts within 300ms`);
      expect(slow.requests).toBe(1);
      expect(listAlerts(db, 'slow').map((a) => a.alertname)).toEqual(['Kept']);
    } finally {
      await slow.close();
    }
  });

  it.each([
    [
      'HTML',
      '<html><body><h1>Welcome to nginx!</h1></body></html>',
      'text/html',
      /not an alert list: not JSON \("<html><body><h1>Welcome to nginx!/,
    ],
    [
      'the wrong JSON',
      '{"status":"success","data":[]}',
      'application/json',
      /not an alert list: \(top\): Invalid input: expected array, received object/,
    ],
    [
      'alerts without fingerprints',
      '[{"labels":{"alertname":"x"},"startsAt":"2026-01-01T00:00:00Z","status":{"state":"active"}}]',
      'application/json',
      /not an alert list: \[0\]\.fingerprint: /,
    ],
  ])('an answer of %s is a clean error and keeps the cache', async (_what, body, type, message) => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'garbage', { url: am.url });
    await am.postAlerts([{ labels: { alertname: 'Kept', stack: 'garbage', severity: 'warning' } }]);
    await syncAlerts(db);
    const bad = await answeringServer(body, type);
    try {
      writeFileSync(join(stack.dir, 'dayops.yaml'), `alerting:\n  alertmanagerUrl: ${bad.url}\n`);
      const [r] = await syncAlerts(db);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(
        new RegExp(`^Alertmanager at ${bad.url} answered with something that is not an alert list: `),
      );
      expect(r.error).toMatch(message);
      expect(r.error).not.toContain('\n');
      expect(listAlerts(db, 'garbage').map((a) => [a.alertname, a.source.stale])).toEqual([['Kept', true]]);
    } finally {
      await bad.close();
    }
  });

  it('a stack whose alerting was removed loses its cached alerts and source', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'removed', { url: am.url });
    await am.postAlerts([{ labels: { alertname: 'Gone', stack: 'removed', severity: 'warning' } }]);
    await syncAlerts(db);
    expect(listAlerts(db, stack)).toHaveLength(1);
    writeFileSync(join(stack.dir, 'dayops.yaml'), 'name: removed\n');
    expect(await syncAlerts(db)).toEqual([]);
    expect(listAlerts(db, stack)).toEqual([]);
    expect(alertSources(db, stack)).toEqual([]);
    expect(alertCounts(db).has(stack.id)).toBe(false);
  });
});

let runSeq = 0;
function insertRun(db: ReturnType<typeof tmpDb>['db'], stackId: number, state: string): number {
  const now = Date.now() + runSeq++;
  const r = db
    .prepare(
      `INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at, started_at)
       VALUES (?, 'tracked', ?, 'dave', ?, ?, ?)`,
    )
    .run(stackId, state, now, now, now);
  return Number(r.lastInsertRowid);
}
