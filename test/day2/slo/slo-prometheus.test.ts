/**
 * SLOs measured from a real Prometheus 2.42 scraping a test exporter whose good, bad and slow requests the test
 * sets. The counts are chosen so the expected values are exact, computed by hand below. All history is seconds
 * old, so every burn window (5m ... 3d) sees the same traffic: the windows' own differences are in slo-math.test.
 * Then Prometheus is killed: the last values stay, marked stale with the error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openDatabase, type DB } from '../../../src/db/open.js';
import { Refresher } from '../../../src/day2/refresh.js';
import { listSlos, sloChangesBefore, syncSlos } from '../../../src/day2/slo.js';
import { runCli } from '../../helpers/cli.js';
import {
  SKIP_PROMETHEUS,
  startExporter,
  startPrometheus,
  type RunningPrometheus,
  type TestExporter,
} from '../../helpers/prometheus.js';
import { tmpDir } from '../../helpers/tmp.js';
import { addStack } from '../alerts/util.js';

const SLOS = [
  {
    name: 'availability',
    objective: 99.9,
    good: 'http_requests_total{code!~"5.."}',
    total: 'http_requests_total',
  },
  {
    name: 'latency',
    objective: 95,
    window: '7d',
    good: 'http_request_duration_seconds_bucket{le="0.3"}',
    total: 'http_request_duration_seconds_count',
  },
  { name: 'quiet', objective: 99, good: 'nothing_total{ok="1"}', total: 'nothing_total' },
];

const FAST = 0.05; // under the latency SLO's 0.3 s
const SLOW = 0.5;

describe.skipIf(SKIP_PROMETHEUS)('SLOs from a real Prometheus', () => {
  let exporter: TestExporter;
  let prom: RunningPrometheus;
  let db: DB;
  let dbPath: string;
  beforeAll(async () => {
    exporter = await startExporter();
    prom = await startPrometheus({ targets: [exporter.target] });
    // Every series is scraped at 0 first, so `increase` counts from 0 and extrapolates all series alike.
    await prom.waitForGeneration(0);
    const root = tmpDir();
    dbPath = join(root, 'dayops.db');
    db = openDatabase(dbPath);
    const stack = addStack(db, root, 'shop', null);
    const cfg = {
      apiVersion: 'dayops/v1',
      kind: 'Stack',
      name: 'shop',
      environment: 'prod',
      tool: 'opentofu',
      monitoring: { prometheusUrl: prom.url },
      slo: SLOS,
    };
    writeFileSync(join(stack.dir, 'dayops.yaml'), stringify(cfg));
  }, 60_000);
  afterAll(async () => {
    db?.close();
    await prom?.dispose();
    await exporter?.close();
  });

  const byName = () => Object.fromEntries(listSlos(db, 'shop').map((s) => [s.name, s]));

  it('measures attainment, budget left, burn rates and status; no traffic is null; Prometheus down keeps them stale', async () => {
    // 1. 4,000 requests: 2 failed (500), 100 slow.
    //    availability: 3,998/4,000 = 99.95%; error 0.0005 against a 0.001 budget: burn 0.5, half the budget left.
    //    latency: 3,900/4,000 = 97.5%; error 0.025 against 0.05: burn 0.5, half left.
    await prom.waitForGeneration(
      exporter.add({ count: 3_898, seconds: FAST }, { count: 100, seconds: SLOW }, { code: '500', count: 2 }),
    );
    const first = await syncSlos(db, ['shop'], { force: true });
    expect(first).toMatchObject([{ stack: 'shop', ok: true, slos: 3, events: [] }]);
    let s = byName();
    expect(s.availability.attainment).toBeCloseTo(99.95, 9);
    expect(s.availability.budgetRemaining).toBeCloseTo(0.5, 9);
    for (const w of ['5m', '30m', '1h', '6h', '3d'] as const) expect(s.availability.burnRates[w]).toBeCloseTo(0.5, 9);
    expect(s.availability.status).toBe('ok');
    expect(s.latency.attainment).toBeCloseTo(97.5, 9);
    expect(s.latency.budgetRemaining).toBeCloseTo(0.5, 9);
    expect(s.latency.burnRates['1h']).toBeCloseTo(0.5, 9);
    expect(s.latency.window).toBe('7d');
    expect(s.quiet).toMatchObject({
      attainment: null,
      budgetRemaining: null,
      burnRates: { '5m': null, '30m': null, '1h': null, '6h': null, '3d': null },
      status: 'ok',
      stale: false,
      error: null,
    });

    // 2. 6,000 more: 18 failed, 150 slow. 10,000 in all, 20 failed (0.2%), 250 slow (2.5%).
    //    availability: 99.8%, burn 2 (faster than 1 in 3d and 6h: a ticket, no page), budget -1 (overspent by 100%).
    await prom.waitForGeneration(
      exporter.add({ count: 5_832, seconds: FAST }, { count: 150, seconds: SLOW }, { code: '500', count: 18 }),
    );
    const second = await syncSlos(db, ['shop'], { force: true });
    expect(second[0].events.map((e) => [e.name, e.previous, e.status])).toEqual([['availability', 'ok', 'warning']]);
    s = byName();
    expect(s.availability.attainment).toBeCloseTo(99.8, 9);
    expect(s.availability.burnRates['3d']).toBeCloseTo(2, 9);
    expect(s.availability.budgetRemaining).toBeCloseTo(-1, 9);
    expect(s.availability.status).toBe('warning');
    expect(s.latency.status).toBe('ok');

    // 3. 10,000 more: 380 failed, 500 slow. 20,000 in all, 400 failed (2%), 750 slow (3.75%).
    //    availability: 98%, burn 20 in every window, faster than 14.4 in 1h and 5m: page. Budget -19.
    //    latency: 96.25%, burn 0.75, a quarter of the budget left.
    await prom.waitForGeneration(
      exporter.add({ count: 9_120, seconds: FAST }, { count: 500, seconds: SLOW }, { code: '500', count: 380 }),
    );
    // This time the app's background refresh measures them (as it does every minute while the app is open).
    const refresher = new Refresher({ db, timers: false, slosEveryMs: 1 });
    await refresher.refreshSlos();
    expect(refresher.state().stale).toEqual([]);
    s = byName();
    expect(s.availability.attainment).toBeCloseTo(98, 9);
    expect(s.availability.burnRates['5m']).toBeCloseTo(20, 9);
    expect(s.availability.burnRates['1h']).toBeCloseTo(20, 9);
    expect(s.availability.budgetRemaining).toBeCloseTo(-19, 9);
    expect(s.availability.status).toBe('page');
    expect(s.latency.attainment).toBeCloseTo(96.25, 9);
    expect(s.latency.burnRates['30m']).toBeCloseTo(0.75, 9);
    expect(s.latency.budgetRemaining).toBeCloseTo(0.25, 9);
    const measured = s.availability.fetchedAt;
    // The breaches are "what changed" before a later time.
    expect(sloChangesBefore(db, s.availability.stackId, Date.now()).map((e) => e.status)).toEqual(['page', 'warning']);

    // 4. Prometheus dies: the measurement fails, the last values stay, stale, with the error.
    await prom.kill();
    const down = await syncSlos(db, ['shop'], { force: true });
    expect(down).toMatchObject([{ stack: 'shop', ok: false, slos: 3 }]);
    expect(down[0].error).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query is unreachable/);
    s = byName();
    expect(s.availability).toMatchObject({ status: 'page', stale: true, fetchedAt: measured });
    expect(s.availability.attainment).toBeCloseTo(98, 9);
    expect(s.availability.error).toMatch(/unreachable/);
    expect(s.latency.stale).toBe(true);
    // The refresh backs off from a source that failed, and names it stale (the footer shows it).
    await refresher.refreshSlos();
    expect(refresher.state().stale).toEqual(['slo: shop']);

    // 5. `dayops slo --json` says the same, in its contract's shape (and keeps the values while Prometheus is down).
    const cli = await runCli(['--db', dbPath, 'slo', 'shop', '--json']);
    // The failed measurement is said on stderr too, in one line; stdout is the JSON alone.
    expect(cli.stderr).toMatch(
      /^shop: error: Prometheus at \S+ is unreachable \(ECONNREFUSED\) \(showing the last measurement of 3 SLOs, stale\)\n$/,
    );
    expect(cli.code).toBe(0);
    const json = JSON.parse(cli.stdout) as { slos: Record<string, unknown>[] };
    expect(json.slos.map((x) => x.name)).toEqual(['availability', 'latency', 'quiet']);
    const a = json.slos[0];
    expect(Object.keys(a)).toEqual([
      'stack',
      'name',
      'objective',
      'attainment',
      'budgetRemaining',
      'burnRates',
      'status',
      'fetchedAt',
      'stale',
      'error',
    ]);
    expect(a).toMatchObject({
      stack: 'shop',
      name: 'availability',
      objective: 99.9,
      status: 'page',
      stale: true,
      fetchedAt: new Date(measured).toISOString(),
    });
    expect(a.attainment as number).toBeCloseTo(98, 9);
    expect(Object.keys(a.burnRates as object)).toEqual(['5m', '30m', '1h', '6h', '3d']);
    expect(a.error).toMatch(/unreachable/);
    expect(json.slos[2]).toMatchObject({ name: 'quiet', attainment: null, budgetRemaining: null });
  }, 120_000);
});
