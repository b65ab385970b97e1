/**
 * `dayops alerts sync` and `dayops alerts [STACK]`, run as a user would (the built CLI; `npx tsc -p .` first),
 * against a real Alertmanager.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import {
  freePort,
  SKIP_ALERTMANAGER,
  startAlertmanager,
  type RunningAlertmanager,
} from '../../helpers/alertmanager.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { addStack } from './util.js';

interface SyncJson {
  stacks: { name: string; ok: boolean; alerts: number; error?: string }[];
}
interface ListJson {
  alerts: {
    stack: string;
    fingerprint: string;
    alertname: string;
    severity: string;
    state: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    acknowledged: unknown;
    fetchedAt: string;
    stale: boolean;
  }[];
  sources: { stack: string; fetchedAt: string | null; stale: boolean; error: string | null }[];
}

/** A database with stacks `api` and `jobs` pointing at `url`, and `plain` without alerting. */
function setup(url: string): { dbPath: string; dir: string } {
  const dir = tmpDir();
  const dbPath = join(dir, 'dayops.db');
  const db = openDatabase(dbPath);
  try {
    addStack(db, dir, 'api', { url });
    addStack(db, dir, 'jobs', { url });
    addStack(db, dir, 'plain', null);
  } finally {
    db.close();
  }
  return { dbPath, dir };
}

describe.skipIf(SKIP_ALERTMANAGER)('dayops alerts (headless)', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
    await am.postAlerts([
      { labels: { alertname: 'ApiDown', stack: 'api', severity: 'critical' }, annotations: { summary: 'api is down' } },
      { labels: { alertname: 'SlowApi', stack: 'api', severity: 'warning' } },
      { labels: { alertname: 'JobLate', stack: 'jobs', severity: 'info' } },
    ]);
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('syncs every stack with alerting, then lists the cache as JSON and as a table', async () => {
    const { dbPath } = setup(am.url);
    const sync = await runCli(['--db', dbPath, 'alerts', 'sync', '--json']);
    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout) as SyncJson).toEqual({
      stacks: [
        { name: 'api', ok: true, alerts: 2 },
        { name: 'jobs', ok: true, alerts: 1 },
      ],
    });

    const list = await runCli(['--db', dbPath, 'alerts', '--json']);
    expect(list.code).toBe(0);
    const json = JSON.parse(list.stdout) as ListJson;
    expect(json.alerts.map((a) => [a.stack, a.alertname, a.severity, a.state])).toEqual([
      ['api', 'ApiDown', 'critical', 'active'],
      ['api', 'SlowApi', 'warning', 'active'],
      ['jobs', 'JobLate', 'info', 'active'],
    ]);
    expect(json.alerts[0]).toMatchObject({
      labels: { stack: 'api' },
      annotations: { summary: 'api is down' },
      acknowledged: null,
      stale: false,
    });
    expect(new Date(json.alerts[0].startsAt).toISOString()).toBe(json.alerts[0].startsAt);
    expect(json.sources.map((s) => [s.stack, s.stale, s.error])).toEqual([
      ['api', false, null],
      ['jobs', false, null],
    ]);

    const one = JSON.parse((await runCli(['--db', dbPath, 'alerts', 'jobs', '--json'])).stdout) as ListJson;
    expect(one.alerts.map((a) => a.alertname)).toEqual(['JobLate']);
    expect(one.sources.map((s) => s.stack)).toEqual(['jobs']);

    const table = await runCli(['--db', dbPath, 'alerts']);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^STACK\s+SEVERITY\s+STATE\s+ALERT\s+SINCE\s+ACK\s+SUMMARY$/);
    expect(lines[1]).toMatch(/^api\s+critical\s+active\s+ApiDown\s+\d+[smh] ago\s+api is down$/);
    expect(table.stdout).toMatch(/^api: fetched \d+s ago$/m);

    const human = await runCli(['--db', dbPath, 'alerts', 'sync']);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('api: ok, 2 alerts\njobs: ok, 1 alert\n');
  });

  it('exits 1 when a source fails, keeps what worked, and lists the failed one as stale with its error', async () => {
    const { dbPath, dir } = setup(am.url);
    expect((await runCli(['--db', dbPath, 'alerts', 'sync'])).code).toBe(0);
    const down = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(join(dir, 'jobs', 'dayops.yaml'), `alerting:\n  alertmanagerUrl: ${down}\n`);

    const sync = await runCli(['--db', dbPath, 'alerts', 'sync', '--json']);
    expect(sync.code).toBe(1);
    const res = JSON.parse(sync.stdout) as SyncJson;
    expect(res.stacks[0]).toEqual({ name: 'api', ok: true, alerts: 2 });
    expect(res.stacks[1]).toMatchObject({ name: 'jobs', ok: false, alerts: 1 });
    expect(res.stacks[1].error).toBe(`Alertmanager at ${down} is unreachable: connect ECONNREFUSED ${down.slice(7)}`);

    const human = await runCli(['--db', dbPath, 'alerts', 'sync']);
    expect(human.code).toBe(1);
    // The failure is an error: on stderr, one line; what worked stays on stdout.
    expect(human.stdout).toBe('api: ok, 2 alerts\n');
    expect(human.stderr).toMatch(
      new RegExp(
        `^jobs: error: Alertmanager at ${down.replace(/[.]/g, '\\.')} is unreachable.*\\(keeping 1 cached alert\\)\n$`,
      ),
    );

    const list = JSON.parse((await runCli(['--db', dbPath, 'alerts', 'jobs', '--json'])).stdout) as ListJson;
    expect(list.alerts.map((a) => [a.alertname, a.stale])).toEqual([['JobLate', true]]);
    expect(list.sources[0]).toMatchObject({ stack: 'jobs', stale: true, error: res.stacks[1].error });
    expect(list.sources[0].fetchedAt).not.toBeNull();
    const table = await runCli(['--db', dbPath, 'alerts', 'jobs']);
    expect(table.stdout).toMatch(/^jobs: stale \(fetched \d+s ago\); last error: Alertmanager at .* is unreachable/m);
  });

  it('an unknown stack is a one-line error, exit 1', async () => {
    const { dbPath } = setup(am.url);
    const r = await runCli(['--db', dbPath, 'alerts', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dayops alerts: unknown stack "nope"; see `dayops stack list`\n');
  });

  it('with no stack configured for alerting, says so and exits 0', async () => {
    const dir = tmpDir();
    const dbPath = join(dir, 'dayops.db');
    const sync = await runCli(['--db', dbPath, 'alerts', 'sync', '--json']);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toEqual({ stacks: [] });
    expect((await runCli(['--db', dbPath, 'alerts', 'sync'])).stdout).toContain('No stack has alerting configured');
    expect((await runCli(['--db', dbPath, 'alerts'])).stdout).toBe('No alerts cached; run `dayops alerts sync`.\n');
  });

  it('refuses a bad flag with usage exit 2', async () => {
    const r = await runCli(['--db', join(tmpDir(), 'dayops.db'), 'alerts', 'sync', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dayops alerts sync: --timeout must be a number of seconds above 0, not "soon"\n');
  });
});
