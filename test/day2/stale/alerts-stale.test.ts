/**
 * The dashboard never hides what is known (issue 9), alerts: Alertmanager goes down (a real one on 127.0.0.1,
 * killed); the last alerts are kept, each marked stale with the error and the age of the figures, in
 * `dayops alerts --json`, `dayops status --json` and the dashboard.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { stackStatuses } from '../../../src/day2/status.js';
import { toRow } from '../../../src/app/day2/dashboard.js';
import { sectionHeader } from '../../../components/day2/sections.js';
import { SKIP_ALERTMANAGER, startAlertmanager, type RunningAlertmanager } from '../../helpers/alertmanager.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { addStack } from '../alerts/util.js';

const text = (lines: { spans: { text: string }[] }[]) =>
  lines.map((l) => l.spans.map((s) => s.text).join('')).join('\n');

describe.skipIf(SKIP_ALERTMANAGER)('Alertmanager down keeps the last alerts (real Alertmanager)', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('alerts --json keeps both alerts, each stale with the error, fetchedAt and the last try; the dashboard too', async () => {
    const dir = tmpDir();
    const dbPath = join(dir, 'dayops.db');
    const db0 = openDatabase(dbPath);
    addStack(db0, dir, 'api', { url: am.url });
    db0.close();
    await am.postAlerts([
      { labels: { alertname: 'ApiDown', stack: 'api', severity: 'critical' }, annotations: { summary: 'down' } },
      { labels: { alertname: 'SlowApi', stack: 'api', severity: 'warning' } },
    ]);
    const cli = (args: string[]) => runCli(['--db', dbPath, ...args]);
    const ok = await cli(['alerts', 'sync', '--json']);
    expect(ok.code).toBe(0);
    const fresh = JSON.parse((await cli(['alerts', '--json'])).stdout);
    expect(
      fresh.alerts.map((a: { alertname: string; stale: boolean; error: unknown }) => [a.alertname, a.stale, a.error]),
    ).toEqual([
      ['ApiDown', false, null],
      ['SlowApi', false, null],
    ]);

    await am.stop();
    const down = await cli(['alerts', 'sync', '--json']);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout).stacks[0]).toMatchObject({ name: 'api', ok: false, alerts: 2 });

    const list = JSON.parse((await cli(['alerts', '--json'])).stdout);
    expect(list.alerts).toHaveLength(2);
    for (const a of list.alerts) {
      expect(a.stale).toBe(true);
      expect(a.fetchedAt).toBe(fresh.alerts[0].fetchedAt);
      expect(a.error).toMatch(/unreachable/);
      expect(Date.parse(a.lastAttemptAt)).toBeGreaterThan(Date.parse(a.fetchedAt));
    }
    expect(list.sources[0]).toMatchObject({ stack: 'api', stale: true, fetchedAt: fresh.alerts[0].fetchedAt });

    const table = await cli(['alerts']);
    expect(table.stdout).toContain('ApiDown');
    expect(table.stdout).toMatch(/api: stale \(fetched \d+s ago\); last error: .*unreachable/);

    const status = JSON.parse((await cli(['status', '--json'])).stdout).stacks[0];
    expect(status.alerts).toMatchObject({ critical: 1, warning: 1, stale: true });
    expect(status.alerts.error).toMatch(/unreachable/);

    const db = openDatabase(dbPath, { readonly: true });
    try {
      const now = Date.now();
      const st = stackStatuses(db, now)[0];
      const row = toRow(st, now);
      expect(row.cells.alerts.text).toBe('✗ 1 crit 1 warn ⚠');
      expect(row.cells.alertsAged.text).toMatch(/^✗ 1 crit 1 warn ⚠ (now|\d+s)$/);
      const head = text(sectionHeader('alerts', st, null, now));
      expect(head).toContain('1 critical');
      expect(head).toContain('stale');
      expect(head).toMatch(/unreachable/);
    } finally {
      db.close();
    }
  }, 60_000);
});
