/**
 * The background refresher against a real Alertmanager and a real restic: what it fetches, what it says is
 * refreshing and stale, that it honours the backoff of a failed source, and that the app's Day-2 services start
 * once and stop on quit.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourcesRepo } from '../../../src/db/sources.js';
import { alertCounts, alertsSourceKey } from '../../../src/day2/alerts.js';
import { backupSourceKey, runBackup } from '../../../src/day2/backups.js';
import { Refresher, registerDay2Services, type RefreshState } from '../../../src/day2/refresh.js';
import { Services } from '../../../src/services.js';
import { createAppStore } from '../../../store/index.js';
import {
  freePort,
  SKIP_ALERTMANAGER,
  startAlertmanager,
  type RunningAlertmanager,
} from '../../helpers/alertmanager.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { addStack as addAlertingStack } from '../alerts/util.js';
import { addStack as addBackupStack, describeRestic, resticEnv } from '../backups/util.js';

describe.skipIf(SKIP_ALERTMANAGER)('refresher: alerts from a real Alertmanager', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('syncs each stack with alerting, says what it refreshes, marks the failing one stale, and honours its backoff', async () => {
    const { db, dir } = tmpDb();
    const payments = addAlertingStack(db, dir, 'payments', { url: am.url });
    addAlertingStack(db, dir, 'down', { url: `http://127.0.0.1:${await freePort()}` });
    addAlertingStack(db, dir, 'quiet', null); // no alerting: never fetched
    await am.postAlerts([
      { labels: { alertname: 'DiskFull', stack: 'payments', severity: 'critical' } },
      { labels: { alertname: 'HighLatency', stack: 'payments', severity: 'warning' } },
    ]);
    let clock = Date.now();
    const r = new Refresher({ db, now: () => clock, timers: false, timeoutMs: 2_000 });
    const seen = new Set<string>();
    const states: RefreshState[] = [];
    r.on('change', (s) => {
      states.push(s);
      for (const x of s.refreshing) seen.add(x);
    });
    await r.refreshAlerts();
    expect([...seen].sort()).toEqual(['alerts: down', 'alerts: payments']);
    expect(r.state().refreshing).toEqual([]);
    expect(r.state().stale).toEqual(['alerts: down']);
    expect(alertCounts(db).get(payments.id)).toMatchObject({ critical: 1, warning: 1 });
    const sources = new SourcesRepo(db);
    const down = sources.get(alertsSourceKey('down'))!;
    expect(down.error).toBeTruthy();
    expect(down.failures).toBe(1);
    expect(sources.get(alertsSourceKey('quiet'))).toBeUndefined();

    // right away again: payments is fresh and down is backing off, so nothing is fetched
    const paymentsAt = sources.get(alertsSourceKey('payments'))!.attemptedAt;
    seen.clear();
    await r.refreshAlerts();
    expect(seen.size).toBe(0);
    expect(sources.get(alertsSourceKey('payments'))!.attemptedAt).toBe(paymentsAt);
    expect(sources.get(alertsSourceKey('down'))!.failures).toBe(1);

    // ten minutes later both are due; payments' counts survive its Alertmanager going away
    clock += 10 * 60_000;
    await am.stop();
    try {
      await r.refreshAlerts();
    } finally {
      await am.start();
    }
    expect(sources.get(alertsSourceKey('down'))!.failures).toBe(2);
    expect(sources.get(alertsSourceKey('payments'))!.error).toBeTruthy();
    expect(r.state().stale).toEqual(['alerts: down', 'alerts: payments']);
    expect(alertCounts(db).get(payments.id)).toMatchObject({ critical: 1, warning: 1 });
    await r.stop();
  }, 60_000);
});

describeRestic('refresher: snapshot lists from a real restic', () => {
  it('lists only stale snapshot lists, one at a time, and reports a broken repository as stale', async () => {
    const { db, dir } = tmpDb();
    const env = resticEnv(dir);
    const ok = addBackupStack(db, dir, { name: 'payments', backups: { repository: '../repo' } });
    addBackupStack(db, dir, { name: 'broken', backups: { repository: join(tmpDir(), 'not-a-repo') } });
    await runBackup(db, ok, { env, user: 'alice' }); // creates the repository and caches its listing
    const sources = new SourcesRepo(db);
    const listedAt = sources.get(backupSourceKey('payments'))!.okAt!;
    let clock = Date.now();
    const r = new Refresher({ db, now: () => clock, timers: false, env });
    const seen: string[] = [];
    r.on('change', (s) => seen.push(...s.refreshing));
    await r.refreshSnapshots();
    // payments' list is fresh (just backed up): restic is not asked; broken was never listed
    expect([...new Set(seen)]).toEqual(['snapshots: broken']);
    expect(sources.get(backupSourceKey('payments'))!.okAt).toBe(listedAt);
    expect(sources.get(backupSourceKey('broken'))!.error).toBeTruthy();
    expect(r.state().stale).toEqual(['backups: broken']);

    // two hours later the list is stale: listed again
    clock += 2 * 3_600_000;
    seen.length = 0;
    await r.refreshSnapshots();
    expect(seen).toContain('snapshots: payments');
    expect(sources.get(backupSourceKey('payments'))!.okAt).toBe(clock);
    await r.stop();
  }, 120_000);
});

describe("the app's Day-2 services", () => {
  it('registerDay2Services makes the run service, scheduler and refresher once, starts them, and shutdown stops them', async () => {
    const { db, path } = tmpDb();
    const services = new Services({ db, dbPath: path, user: 'alice', readonly: true, env: process.env });
    const store = createAppStore();
    const a = registerDay2Services(services, store);
    const b = registerDay2Services(services, store);
    expect(b.scheduler).toBe(a.scheduler);
    expect(b.refresher).toBe(a.refresher);
    expect(b.runs).toBe(a.runs);
    // Read-only: nothing that writes a snapshot or a check result is scheduled.
    expect(a.scheduler.status()).toMatchObject({ started: true, disabled: ['backup', 'restore-test', 'check'] });
    expect(a.runs.readonly).toBe(true);
    await services.shutdown();
    expect(a.scheduler.status().started).toBe(false);
  });
});
