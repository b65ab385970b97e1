/**
 * dayops' own alerts in a REAL Alertmanager (started on 127.0.0.1 by the test), raised and resolved by the BUILT
 * dayops (`npm run build` first) as a user runs it, and read back through Alertmanager's API.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_ALERTMANAGER, startAlertmanager, type RunningAlertmanager } from '../../helpers/alertmanager.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { customStack, PLAN_NO_CHANGES } from '../../day1/runs/helpers.js';

const PLAN_FAILS = `console.error('Error: boom'); process.exit(1);`;

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

describe.skipIf(SKIP_ALERTMANAGER)("dayops' own alerts in a real Alertmanager", () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
    am = await startAlertmanager();
  }, 30_000);
  afterAll(async () => {
    await am?.dispose();
  });

  const dayopsAlerts = async () =>
    (await am.getJson<AmAlert[]>(`/api/v2/alerts?filter=${encodeURIComponent('source="dayops"')}`)).filter(
      (a) => a.labels.stack === 'shop-prod',
    );

  it('a failed run raises DayopsRunFailed with exact labels, renewed ahead; a run that ends well resolves it', async () => {
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const stack = customStack({
      name: 'shop-prod',
      environment: 'prod',
      plan: PLAN_FAILS,
      yaml: `alerting:\n  alertmanagerUrl: ${am.url}\n`,
    });
    const cli = (args: string[]) => runCli(['--db', db, ...args], { env: { DAYOPS_NOTIFY_RETRY_MS: '200' } });
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    expect(await dayopsAlerts()).toEqual([]);

    const failed = await cli(['run', 'shop-prod']);
    expect(failed.code).toBe(1);
    const alerts = await dayopsAlerts();
    expect(alerts).toHaveLength(1);
    const [a] = alerts;
    expect(a.labels).toEqual({
      alertname: 'DayopsRunFailed',
      stack: 'shop-prod',
      environment: 'prod',
      severity: 'critical',
      source: 'dayops',
    });
    expect(a.annotations.summary).toMatch(/^shop-prod: run 1 failed: /);
    expect(a.annotations.command).toBe('dayops runs shop-prod');
    expect(a.status.state).toBe('active');
    // It holds for an hour unless renewed: its end is well in the future.
    expect(Date.parse(a.endsAt) - Date.now()).toBeGreaterThan(50 * 60_000);

    // The stack is fixed: the next run ends well, and the alert is resolved (endsAt = now): it leaves the list.
    writeFileSync(join(stack.dir, 'plan.mjs'), PLAN_NO_CHANGES);
    const ok = await cli(['run', 'shop-prod', '--plan-only']);
    expect(ok.code).toBe(0);
    expect(await dayopsAlerts()).toEqual([]);
    // Not even as silenced, inhibited or unprocessed: Alertmanager holds it as resolved, which its API leaves out.
    const all = await am.getJson<AmAlert[]>(
      `/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true&filter=${encodeURIComponent('alertname="DayopsRunFailed"')}`,
    );
    expect(all.filter((x) => x.labels.stack === 'shop-prod')).toEqual([]);
  }, 60_000);

  it('an Alertmanager that is down loses nothing: the next dayops delivers; dayops notify test posts DayopsTest', async () => {
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const stack = customStack({
      name: 'shop-prod',
      environment: 'prod',
      plan: PLAN_FAILS,
      yaml: `alerting:\n  alertmanagerUrl: ${am.url}\n`,
    });
    const env = { DAYOPS_NOTIFY_RETRY_MS: '200', DAYOPS_NOTIFY_FLUSH_MS: '1000' };
    const cli = (args: string[]) => runCli(['--db', db, ...args], { env });
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);

    await am.stop();
    const failed = await cli(['run', 'shop-prod']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('dayops: 1 notification not delivered yet (kept for the next dayops)');

    const down = await cli(['notify', 'test', 'shop-prod', '--json']);
    expect(down.code).toBe(1);
    const downDoc = JSON.parse(down.stdout) as { routes: { route: string; ok: boolean; error: string }[] };
    expect(downDoc.routes).toHaveLength(1);
    expect(downDoc.routes[0]).toMatchObject({ route: 'alertmanager', ok: false });
    expect(downDoc.routes[0].error).toContain('is unreachable');

    await am.start();
    // Any later dayops that evaluates delivers what is pending (here a drift check of another kind would too).
    writeFileSync(join(stack.dir, 'plan.mjs'), PLAN_FAILS);
    expect((await cli(['run', 'shop-prod'])).code).toBe(1);
    const alerts = await dayopsAlerts();
    expect(alerts.map((a) => a.labels.alertname)).toEqual(['DayopsRunFailed']);
    // The newest post won: it names the newest failed run.
    expect(alerts[0].annotations.summary).toMatch(/^shop-prod: run 2 failed/);

    const test = await cli(['notify', 'test', 'shop-prod']);
    expect(test.code).toBe(0);
    expect(test.stdout.trim()).toMatch(
      /^shop-prod {2}alertmanager {2}http:\/\/127\.0\.0\.1:\d+ {2}delivered \(HTTP 200\)$/,
    );
    const withTest = await dayopsAlerts();
    const t = withTest.find((a) => a.labels.alertname === 'DayopsTest');
    expect(t?.labels).toEqual({
      alertname: 'DayopsTest',
      stack: 'shop-prod',
      environment: 'prod',
      severity: 'info',
      source: 'dayops',
    });
    expect(t?.annotations.command).toBe('dayops notify test shop-prod');
  }, 90_000);
});
