/**
 * The dashboard's actions, driven by keys: silence and expire against a REAL Alertmanager, acknowledge, accept and
 * snooze drift, "what changed before this fired", remediation through its approval (fake tofu replaying the
 * recorded drift scenario), and stale marking when the Alertmanager goes down.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertsRepo } from '../../../src/db/alerts.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { syncAlerts } from '../../../src/day2/alerts.js';
import { driftedResources } from '../../../src/day2/drift.js';
import { fakeTfStack } from '../../helpers/fake-tf.js';
import { driveApp, type DrivenApp } from '../../helpers/ink.js';
import { SKIP_ALERTMANAGER, startAlertmanager, type RunningAlertmanager } from '../../helpers/alertmanager.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addDrift, addStack, alertRecord, cacheAlerts, rowOf } from './helpers.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

const until = async (cond: () => boolean, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out; the screen shows:\n${app?.frame()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
const flash = () => app?.store.getState().flash?.text ?? '';

describe.skipIf(SKIP_ALERTMANAGER)('alerts against a real Alertmanager', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  }, 60_000);
  afterAll(async () => {
    await am?.dispose();
  });

  it('S silences every alert matching the labels (a real Alertmanager silence, after a confirm); e expires it', async () => {
    const { db, dir, path } = tmpDb();
    addStack(db, dir, 'payments', { environment: 'prod', alerting: am.url });
    await am.postAlerts([
      {
        labels: { alertname: 'DiskFull', severity: 'critical', stack: 'payments', instance: '10.0.0.1:9100' },
        annotations: { summary: 'disk 97% full' },
      },
      {
        labels: { alertname: 'DiskFull', severity: 'critical', stack: 'payments', instance: '10.0.0.2:9100' },
        annotations: { summary: 'disk 95% full' },
      },
    ]);
    let synced = 0;
    for (let i = 0; i < 50 && synced < 2; i++) {
      const [r] = await syncAlerts(db, ['payments'], { force: true });
      synced = r.alerts;
      if (synced < 2) await new Promise((res) => setTimeout(res, 100));
    }
    expect(synced).toBe(2);
    app = await driveApp(db, { dbPath: path, columns: 120, rows: 32 });
    await app.waitFor('payments');
    expect(rowOf(app.frame(), 'payments')).toContain('2 crit');
    await app.press('enter', 'l');
    await app.waitFor('DiskFull');
    let f = await app.press('S');
    expect(f).toContain('this alert only');
    expect(f).toContain('every alert matching its labels');
    await app.press('j', 'enter');
    await app.waitFor('For how long?');
    await app.press('ctrlU');
    await app.type('30m');
    await app.press('enter');
    await app.waitFor('Comment');
    await app.type('disk cleanup under way (test)');
    await app.press('enter');
    f = await app.waitFor('Create a silence');
    expect(f).toContain(am.url);
    const prompt = f.split('\n').find((l) => l.includes('Create a silence')) ?? '';
    expect(prompt).toContain('alertname="DiskFull"');
    expect(prompt).not.toContain('instance');
    await app.press('y');
    await until(() => /silenced DiskFull for 30m/.test(flash()));
    const silences =
      await am.getJson<{ id: string; status: { state: string }; comment: string; matchers: { name: string }[] }[]>(
        '/api/v2/silences',
      );
    const mine = silences.find((s) => s.comment === 'disk cleanup under way (test)');
    expect(mine?.status.state).toBe('active');
    expect(mine?.matchers.map((m) => m.name).sort()).toEqual(['alertname', 'severity', 'stack']);
    // The re-sync shows both alerts silenced.
    await app.waitFor((fr) => (fr.match(/DiskFull\s+\S+\s+silenced/g) ?? []).length >= 2);
    // e on a silenced alert expires the silence muting it.
    await app.press('g', 'e');
    await app.waitFor('Expire silence');
    await app.press('y');
    await until(() => /expired silence/.test(flash()));
    const after = await am.getJson<{ id: string; status: { state: string } }[]>('/api/v2/silences');
    expect(after.find((s) => s.id === mine!.id)?.status.state).toBe('expired');
    const audit = db
      .prepare<[], { action: string }>("SELECT action FROM audit_log WHERE action LIKE 'silence%' ORDER BY id")
      .all();
    expect(audit.map((a) => a.action)).toEqual(['silence', 'silence-expire']);
  });

  it('marks the alerts stale when the Alertmanager goes down (R refreshes at once)', async () => {
    const own = await startAlertmanager();
    try {
      const { db, dir, path } = tmpDb();
      addStack(db, dir, 'web', { environment: 'staging', alerting: own.url });
      await own.postAlerts([{ labels: { alertname: 'HighLatency', severity: 'warning', stack: 'web' } }]);
      for (let i = 0; i < 50; i++) {
        const [r] = await syncAlerts(db, ['web'], { force: true });
        if (r.alerts === 1) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      app = await driveApp(db, { dbPath: path, columns: 120, rows: 30 });
      let f = await app.waitFor('web');
      expect(rowOf(f, 'web')).toMatch(/! 1 warn · \w+/);
      expect(rowOf(f, 'web')).not.toContain('⚠');
      await own.stop();
      await app.press('R');
      f = await app.waitFor((fr) => rowOf(fr, 'web').includes('⚠'), 20_000);
      // The last known alert stays, marked stale; the status line and the flash say what failed.
      expect(rowOf(f, 'web')).toMatch(/! 1 warn ⚠/);
      await until(() => /failed/.test(flash()));
      expect(flash()).toMatch(/web/);
      f = await app.press('enter', 'l');
      expect(f).toMatch(/⚠ stale/);
      expect(f).toMatch(/unreachable|ECONNREFUSED/);
    } finally {
      await own.dispose();
    }
  });
});

describe('acknowledging and what changed before an alert', () => {
  it('K acknowledges the alert and takes it back; Enter shows what changed before it fired', async () => {
    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'api', { environment: 'dev', alerting: 'http://127.0.0.1:9' });
    const startsAt = Date.now() - 30 * 60_000;
    cacheAlerts(db, stack, [alertRecord('api', 'ErrorRate', 'warning', { service: 'api' }, startsAt)]);
    // An apply of the stack 40 minutes before the alert fired.
    const runs = new RunsRepo(db);
    const owner = { host: 'test', pid: 1, start: null };
    const t0 = startsAt - 40 * 60_000;
    const run = runs.create(
      {
        stackId: stack.id,
        kind: 'tracked',
        purpose: 'deploy',
        triggeredBy: 'bob',
        trigger: 'cli',
        autoApply: true,
        owner,
      },
      t0,
    );
    runs.move(run.id, 'start', { now: t0 + 1000 });
    runs.move(run.id, 'plan', { now: t0 + 2000 });
    runs.move(run.id, 'apply', { now: t0 + 3000 });
    runs.move(run.id, 'finish', {
      now: t0 + 60_000,
      patch: {
        apply: {
          changes: [{ address: 'aws_lb_listener.api', action: 'update', actions: ['update'] }],
          summary: { add: 0, change: 1, destroy: 0 },
          diagnostics: [],
        },
      },
    });
    app = await driveApp(db, { dbPath: path, columns: 110, rows: 34 });
    await app.waitFor('api');
    await app.press('enter', 'l');
    await app.waitFor('ErrorRate');
    await app.press('K');
    await until(() => /acknowledged ErrorRate/.test(flash()));
    const ack = new AlertsRepo(db).get(
      stack.id,
      alertRecord('api', 'ErrorRate', 'warning', { service: 'api' }).fingerprint,
    )?.acknowledged;
    expect(ack?.user).toBe(app.services.user);
    await app.waitFor('✓ ack');
    await app.press('K');
    await until(() => /took back/.test(flash()));
    const f = await app.press('enter');
    expect(f).toContain('What changed in the 6h before it fired');
    expect(f).toContain(`#${run.id}`);
    expect(f).toMatch(/deploy FINISHED by bob, applied (39|40)m before/);
    expect(f).toContain('~ aws_lb_listener.api');
    expect(f).toContain('service="api"');
    await app.press('esc');
    expect(app.store.getState().day2.alert).toBeNull();
    expect(app.store.getState().day2.screen).toBe('detail');
  });
});

describe('drift triage', () => {
  it('A accepts a drifted resource with a note after a confirm; z snoozes one; U takes it back', async () => {
    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'net', { environment: 'dev' });
    addDrift(db, stack, ['aws_security_group.a', 'aws_security_group.b']);
    app = await driveApp(db, { dbPath: path });
    await app.waitFor('net');
    let f = await app.press('enter');
    expect(f).toContain('drifted 2');
    await app.press('A');
    await app.waitFor('Why accept the drift of aws_security_group.a');
    // A note is required.
    await app.press('enter');
    expect(flash()).toMatch(/a note is needed/);
    await app.type('opened for the load test, kept on purpose');
    await app.press('enter');
    await app.waitFor('Accept aws_security_group.a as it is now?');
    // Esc cancels: nothing is accepted.
    await app.press('esc');
    expect(driftedResources(db, stack.id).find((r) => r.address === 'aws_security_group.a')?.triage.state).toBe('open');
    await app.press('A');
    await app.type('opened for the load test, kept on purpose');
    await app.press('enter', 'y');
    await until(() => /accepted the drift of aws_security_group.a/.test(flash()));
    const a = driftedResources(db, stack.id).find((r) => r.address === 'aws_security_group.a');
    expect(a?.triage).toMatchObject({
      state: 'accepted',
      note: 'opened for the load test, kept on purpose',
      user: app.services.user,
    });
    await app.waitFor('drifted 1 (1 accepted');
    // The open one comes first; snooze it for 2 days.
    await app.press('g', 'z');
    await app.waitFor('Snooze aws_security_group.b until');
    await app.press('ctrlU');
    await app.type('2d');
    await app.waitFor('(in 2d)');
    await app.press('enter');
    await app.type('waiting for the change window');
    await app.press('enter');
    await until(() => /snoozed aws_security_group.b/.test(flash()));
    const b = driftedResources(db, stack.id).find((r) => r.address === 'aws_security_group.b');
    expect(b?.triage.state).toBe('snoozed');
    expect(Math.abs((b!.triage.until ?? 0) - (Date.now() + 2 * 86_400_000))).toBeLessThan(60_000);
    await app.waitFor('in sync');
    // U takes the snooze back.
    await app.press('g', 'U');
    await until(() => /open drift again/.test(flash()));
    expect(driftedResources(db, stack.id).find((r) => r.address === 'aws_security_group.b')?.triage.state).toBe('open');
    const actions = db
      .prepare<[], { action: string }>("SELECT action FROM audit_log WHERE action LIKE 'drift-%' ORDER BY id")
      .all()
      .map((r) => r.action);
    expect(actions).toEqual(['drift-accept', 'drift-snooze', 'drift-clear']);
    // The audit section lists them.
    f = await app.press('l', 'l', 'l', 'l');
    expect(f).toContain('drift-accept');
    expect(f).toContain('drift-clear');
  });
});

describe('remediation', () => {
  it("of a prod stack asks for the stack's name: y is not enough, a wrong name is refused", async () => {
    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'core', { environment: 'prod' });
    addDrift(db, stack, ['aws_vpc.main']);
    app = await driveApp(db, { dbPath: path, columns: 100, rows: 30 });
    await app.waitFor('core');
    await app.press('enter', 'r');
    await app.waitFor('type core:');
    await app.press('y', 'enter');
    expect(flash()).toMatch(/type the stack's name \(core\) to confirm/);
    expect(app.store.getState().day2.dialog).not.toBeNull();
    await app.press('esc');
    expect(app.store.getState().day2.dialog).toBeNull();
    expect(new RunsRepo(db).list({ stack: 'core' })).toHaveLength(0);
    await app.press('r');
    await app.type('core');
    await app.press('enter');
    await until(() => new RunsRepo(db).list({ stack: 'core' }).length === 1);
    expect(new RunsRepo(db).list({ stack: 'core' })[0]).toMatchObject({
      purpose: 'remediation',
      triggeredBy: app.services.user,
    });
    // No tofu here: the run fails, and says so.
    await until(() => /FAILED/.test(flash()), 30_000);
  });

  it('r starts a tracked run that stops UNCONFIRMED; a approves it and it applies (fake tofu, drift scenario)', async () => {
    const { db, path } = tmpDb();
    const tf = fakeTfStack('drift');
    writeFileSync(
      join(tf.dir, 'dayops.yaml'),
      'apiVersion: dayops/v1\nkind: Stack\nname: edge\ntool: opentofu\nenvironment: dev\n',
    );
    const stack = new StacksRepo(db).upsert({ name: 'edge', dir: tf.dir, tool: 'opentofu', environment: 'dev' });
    addDrift(db, stack, ['terraform_data.web']);
    app = await driveApp(db, {
      dbPath: path,
      columns: 120,
      rows: 32,
      env: { ...process.env, NO_COLOR: '1', ...tf.env },
    });
    await app.waitFor('edge');
    await app.press('enter');
    await app.waitFor('terraform_data.web');
    await app.press('r');
    await app.waitFor('Remediate the drift of edge');
    await app.press('y');
    await until(() => /waits for your approval: a approves/.test(flash()), 30_000);
    const run = new RunsRepo(db).list({ stack: 'edge' })[0];
    expect(run).toMatchObject({ purpose: 'remediation', kind: 'tracked', state: 'UNCONFIRMED' });
    // The view shows the runs with the cursor on the waiting run.
    expect(app.store.getState().day2.section).toBe('runs');
    const f = await app.waitFor('UNCONFIRMED');
    expect(f).toContain(`#${run.id}`);
    await app.press('a');
    await app.waitFor(`Approve run #${run.id}`);
    await app.type('fixing the drift');
    await app.press('enter');
    await app.waitFor('it applies as soon as the approvals are enough');
    await app.press('y');
    await until(() => new RunsRepo(db).get(run.id)?.state === 'FINISHED', 30_000);
    await until(() => new RegExp(`run #${run.id} of edge FINISHED`).test(flash()));
    expect(tf.invocations().some((i) => i.argv[1] === 'apply')).toBe(true);
    const audit = db
      .prepare<[number], { action: string; user: string; comment: string | null }>(
        'SELECT action, user, comment FROM audit_log WHERE run_id = ? ORDER BY id',
      )
      .all(run.id);
    expect(audit.map((a) => a.action)).toEqual(['drift-remediate', 'approve']);
    expect(audit[1].comment).toBe('fixing the drift');
    // Then it checks again, so the figures say what is left (the fake tofu replays the same drift).
    await until(() => /edge drifted/.test(flash()), 30_000);
    expect(new RunsRepo(db).list({ stack: 'edge' })[0]).toMatchObject({ purpose: 'drift' });
    await app.waitFor('FINISHED');
  });
});
