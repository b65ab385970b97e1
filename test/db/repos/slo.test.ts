import { expect, test } from 'vitest';
import { SloRepo, type NewSloValue } from '../../../src/db/slo.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack } from './fixtures.js';

const value = (name: string, status: NewSloValue['status'], attainment: number | null = 0.9991): NewSloValue => ({
  name,
  objective: 0.999,
  window: '30d',
  attainment,
  budgetRemaining: 0.25,
  burnRates: { '5m': 1.5, '30m': Number.POSITIVE_INFINITY, '1h': null, '6h': 0.1, '3d': 0 },
  status,
});

describeEngines('SloRepo', (e) => {
  test('replace stores values (non-finite as null), keeps since while the status holds, records changes', () => {
    const slo = new SloRepo(e.db);
    const web = addStack(e.db, 'web').id;
    const api = addStack(e.db, 'api').id;
    const first = slo.replace(web, [value('latency', 'ok'), value('errors', 'warning')], 1000);
    expect(first.map((x) => [x.name, x.status, x.previous])).toEqual([['errors', 'warning', null]]);
    expect(first[0].detail).toMatchObject({ objective: 0.999, attainment: 0.9991, budgetRemaining: 0.25 });
    slo.replace(api, [value('up', 'ok')], 1000, () => new SourcesRepo(e.db).recordOk('slo:api', 1000));
    expect(new SourcesRepo(e.db).get('slo:api')?.okAt).toBe(1000);
    const second = slo.replace(web, [value('latency', 'ok', null), value('errors', 'page')], 2000);
    expect(second.map((x) => [x.name, x.status, x.previous])).toEqual([['errors', 'page', 'warning']]);
    expect(slo.list(web)).toEqual([
      {
        stackId: web,
        stack: 'web',
        name: 'errors',
        objective: 0.999,
        window: '30d',
        attainment: 0.9991,
        budgetRemaining: 0.25,
        burnRates: { '5m': 1.5, '30m': null, '1h': null, '6h': 0.1, '3d': 0 },
        status: 'page',
        since: 2000,
        fetchedAt: 2000,
      },
      expect.objectContaining({ name: 'latency', attainment: null, since: 1000, fetchedAt: 2000 }),
    ]);
    expect(slo.list().map((x) => `${x.stack}/${x.name}`)).toEqual(['api/up', 'web/errors', 'web/latency']);
    expect(slo.events(web).map((x) => x.status)).toEqual(['page', 'warning']);
    expect(slo.events(web, 1).map((x) => x.status)).toEqual(['page']);
    expect(slo.eventsIn(web, 0, 1500).map((x) => x.status)).toEqual(['warning']);
    slo.replace(web, [], 3000);
    expect(slo.list(web)).toEqual([]);
  });
});
