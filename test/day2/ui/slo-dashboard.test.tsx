/**
 * SLOs on the Day-2 dashboard: the SLO column (`99.93% of 99.9% · budget 30% · burn 0.8x`, short on narrower
 * screens), red on a fast burn, stale marks when Prometheus could not be asked; each SLO's windows in the side
 * panel; breaches beside the alerts; SLO status changes in "what changed before this fired".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { toRow } from '../../../src/app/day2/dashboard.js';
import type { DB } from '../../../src/db/open.js';
import { ChecksRepo } from '../../../src/db/checks.js';
import { SloRepo, type NewSloValue } from '../../../src/db/slo.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { NO_PROMETHEUS, sloSourceKey, syncSlos } from '../../../src/day2/slo.js';
import { Refresher } from '../../../src/day2/refresh.js';
import { listAlerts } from '../../../src/day2/alerts.js';
import { stackStatuses, statusJson } from '../../../src/day2/status.js';
import type { Stack } from '../../../src/domain/stack.js';
import { alertLines } from '../../../components/day2/sections/detail.js';
import { driveApp, type DrivenApp } from '../../helpers/ink.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, alertRecord, cacheAlerts, configsRead, rowOf } from './helpers.js';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

const SLO = { good: 'http_requests_total{code!~"5.."}', total: 'http_requests_total' };

function withSlo(db: DB, root: string, name: string): Stack {
  const stack = addStack(db, root, name, { environment: 'prod', alerting: 'http://127.0.0.1:9' });
  writeFileSync(
    join(stack.dir, 'dayops.yaml'),
    stringify({
      apiVersion: 'dayops/v1',
      kind: 'Stack',
      name,
      environment: 'prod',
      tool: 'opentofu',
      alerting: { alertmanagerUrl: 'http://127.0.0.1:9' },
      monitoring: { prometheusUrl: 'http://127.0.0.1:9' },
      slo: [{ name: 'availability', objective: 99.9, ...SLO }],
    }),
  );
  return stack;
}

const burns = (b: number) => ({ '5m': b, '30m': b, '1h': b, '6h': b, '3d': b });

/** What a measurement stores: the values and the source's success, at `at`. */
function measured(db: DB, stack: Stack, values: NewSloValue[], at: number): void {
  new SloRepo(db).replace(stack.id, values, at, () => new SourcesRepo(db).recordOk(sloSourceKey(stack.name), at));
}

function fleet() {
  const { db, dir, path } = tmpDb();
  const now = Date.now();
  const shop = withSlo(db, dir, 'shop');
  const api = withSlo(db, dir, 'api');
  addStack(db, dir, 'batch', { environment: 'dev' });
  // shop: 99.93% against 99.9%: 0.07% of errors, 70% of the budget spent; burning at 0.8x in the last hour.
  measured(
    db,
    shop,
    [
      {
        name: 'availability',
        objective: 99.9,
        window: '30d',
        attainment: 99.93,
        budgetRemaining: 0.3,
        burnRates: { ...burns(0.7), '1h': 0.8 },
        status: 'ok',
      },
    ],
    now - 60_000,
  );
  // api: ok an hour ago, paging now: 98%, burning 20x everywhere.
  const ok = {
    name: 'availability',
    objective: 99.9,
    window: '30d',
    attainment: 99.95,
    budgetRemaining: 0.5,
    burnRates: burns(0.5),
    status: 'ok' as const,
  };
  measured(db, api, [ok], now - 3_600_000);
  measured(
    db,
    api,
    [{ ...ok, attainment: 98, budgetRemaining: -19, burnRates: burns(20), status: 'page' }],
    now - 120_000,
  );
  cacheAlerts(db, api, [alertRecord('api', 'HighErrorRate', 'critical', {}, now - 60_000)]);
  return { db, path, shop, api, now };
}

describe('SLOs on the Day-2 dashboard', () => {
  it('the row shows the worst SLO: in words, red on a fast burn, stale when Prometheus failed; status --json has them', () => {
    const { db, shop, now } = fleet();
    const rows = new Map(stackStatuses(db, now).map((s) => [s.name, toRow(s, now)]));
    expect(rows.get('shop')!.cells.slo).toEqual({ text: '✓ 99.93% of 99.9% · budget 30% · burn 0.8x', tone: 'ok' });
    expect(rows.get('shop')!.cells.sloShort.text).toBe('✓ 99.93% · 30% · 0.8x');
    expect(rows.get('api')!.cells.slo).toEqual({ text: '✗ 98% of 99.9% · budget -1900% · burn 20x', tone: 'error' });
    expect(rows.get('api')!.tags.join(' ')).toContain('burning');
    expect(rows.get('batch')!.cells.slo.text).toBe('');

    new SourcesRepo(db).recordFailure(
      sloSourceKey('shop'),
      'Prometheus at http://127.0.0.1:9/api/v1/query is unreachable (ECONNREFUSED)',
      now,
    );
    const stale = stackStatuses(db, now).find((s) => s.name === 'shop')!;
    expect(toRow(stale, now).cells.slo.text).toBe('✓ 99.93% of 99.9% · budget 30% · burn 0.8x ⚠');
    expect(statusJson(stale).slo).toMatchObject({
      configured: true,
      worst: 'ok',
      stale: true,
      error: 'Prometheus at http://127.0.0.1:9/api/v1/query is unreachable (ECONNREFUSED)',
      slos: [{ name: 'availability', objective: 99.9, attainment: 99.93, budgetRemaining: 0.3 }],
    });
    expect(shop.name).toBe('shop');
  });

  it('SLOs without a Prometheus (as Day-0 writes them) are not measured, and not stale: the reason says why', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, 'fresh', { environment: 'prod' });
    writeFileSync(
      join(stack.dir, 'dayops.yaml'),
      stringify({ name: 'fresh', slo: [{ name: 'availability', objective: 99.9, ...SLO }] }),
    );
    const r = await syncSlos(db, ['fresh'], { force: true });
    expect(r).toMatchObject([{ stack: 'fresh', ok: false, skipped: true, slos: 0 }]);
    expect(r[0].error).toMatch(/dayops\.yaml: slo needs monitoring\.prometheusUrl/);
    expect(new SourcesRepo(db).get(sloSourceKey('fresh'))).toBeUndefined();
    const s = stackStatuses(db).find((x) => x.name === 'fresh')!;
    expect(s.slo).toMatchObject({ configured: true, slos: [], stale: false, error: NO_PROMETHEUS });
    expect(toRow(s, Date.now()).cells.slo).toEqual({ text: '? not measured', tone: 'muted' });
    const refresher = new Refresher({ db, timers: false });
    expect(refresher.recomputeStale()).toEqual([]);
  });

  it('draws the SLO column (full when wide, short when not) and each SLO with its windows in the side panel', async () => {
    const { db, path } = fleet();
    app = await driveApp(db, { dbPath: path, columns: 260, rows: 60 });
    let f = await configsRead(app);
    expect(f).toContain('SLO');
    expect(rowOf(f, 'shop')).toContain('✓ 99.93% of 99.9% · budget 30% · burn 0.8x');
    expect(rowOf(f, 'api')).toContain('✗ 98% of 99.9% · budget -1900% · burn 20x');
    expect(f).toContain('1 SLO burning');
    // The side panel of the stack under the cursor (sorted by name: api first) has each window.
    expect(f).toContain('✗ availability 98% of 99.9% · budget -1900% · burn 20x');
    expect(f).toContain('burn 5m 20x · 30m 20x · 1h 20x · 6h 20x · 3d 20x');
    expect(f).toMatch(/page since 2m ago/);
    expect(f).toContain('measured 2m ago');
    app.unmount();
    await app.services.shutdown();

    app = await driveApp(db, { dbPath: path, columns: 170, rows: 60 });
    f = await configsRead(app);
    expect(rowOf(f, 'shop')).toContain('✓ 99.93% · 30% · 0.8x');
  });

  it('puts a breach beside the alerts, and SLO changes in "what changed before this fired"', async () => {
    const { db, path, now } = fleet();
    app = await driveApp(db, { dbPath: path, columns: 200, rows: 50 });
    await configsRead(app);
    await app.press('enter'); // api's detail
    const f = await app.press('l'); // alerts
    expect(f).toMatch(/✗ SLO availability burning fast \(page\) 98% of 99\.9% · budget -1900% · burn 20x · since 2m/);

    const alert = listAlerts(db, 'api', { now })[0];
    const text = alertLines(alert, now, true, db)
      .map((l) => l.spans.map((s) => s.text).join(''))
      .join('\n');
    expect(text).toContain('SLO status changes');
    expect(text).toMatch(/✗ availability ok -> page, 1m before · 98% · burn 1h 20x/);
  });

  it('lists the scheduled checks that failed in the 6 hours before the alert fired, not older ones or passes', () => {
    const { db, api, now } = fleet();
    const checks = new ChecksRepo(db);
    const result = (name: string, status: 'passed' | 'failed', endedAgo: number, message: string) => {
      const at = now - endedAgo;
      const id = checks.start({ runId: null, stackId: api.id, source: 'scheduled', name, kind: 'http' }, at - 500);
      checks.end(id, { status, durationMs: 500, attempts: 1, message }, at);
    };
    result('web-up', 'failed', 5 * 60_000, 'expected status 200, got 503');
    result('web-up', 'passed', 20 * 60_000, 'status 200');
    result('old-probe', 'failed', 8 * 3_600_000, 'expected status 200, got 500');
    const alert = listAlerts(db, 'api', { now })[0];
    const text = alertLines(alert, now, true, db)
      .map((l) => l.spans.map((s) => s.text).join(''))
      .join('\n');
    expect(text).toContain('Scheduled checks that failed');
    // The alert fired 1m ago; the check failed 5m ago: 4m before it.
    expect(text).toMatch(/✗ web-up \(http\), 4m before: expected status 200, got 503/);
    expect(text).not.toContain('old-probe');
    expect(text.match(/web-up/g)).toHaveLength(1);
  });
});
