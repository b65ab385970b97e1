/**
 * The demo's SLOs: the prod stacks name a Prometheus (the demo's, 127.0.0.1:9090, which is not running, so the
 * values go stale at the first refresh, as the demo's alerts do) and carry a measurement history: shop-prod's
 * availability burning fast (a page, after an ok hour), identity-prod's latency slowly (a ticket), analytics-prod's
 * fine. The other stacks keep Day-0's SLOs with no Prometheus: "not measured".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { STACK_CONFIG_FILE } from '../config/stack-config.js';
import type { DB } from '../db/open.js';
import { SloRepo, type NewSloValue } from '../db/slo.js';
import { SourcesRepo } from '../db/sources.js';
import { sloSourceKey } from '../day2/slo.js';
import type { BurnRates } from '../domain/slo.js';
import type { Stack } from '../domain/stack.js';
import { MIN } from './history.js';

export const DEMO_PROMETHEUS = 'http://127.0.0.1:9090';

const flat = (b: number): BurnRates => ({ '5m': b, '30m': b, '1h': b, '6h': b, '3d': b });

interface Measurement {
  agoMin: number;
  values: NewSloValue[];
}

function availability(objective: number, attainment: number, budget: number, burn: BurnRates): NewSloValue {
  const status =
    burn['1h']! > 14.4 && burn['5m']! > 14.4 ? 'page' : burn['3d']! > 1 && burn['6h']! > 1 ? 'warning' : 'ok';
  return {
    name: 'availability',
    objective,
    window: '30d',
    attainment,
    budgetRemaining: budget,
    burnRates: burn,
    status,
  };
}

function latency(attainment: number, budget: number, burn: BurnRates): NewSloValue {
  const status = burn['3d']! > 1 && burn['6h']! > 1 ? 'warning' : 'ok';
  return {
    name: 'latency-p95',
    objective: 95,
    window: '30d',
    attainment,
    budgetRemaining: budget,
    burnRates: burn,
    status,
  };
}

const HISTORY: Record<string, Measurement[]> = {
  'shop-prod': [
    { agoMin: 90, values: [availability(99.9, 99.96, 0.6, flat(0.4)), latency(97.1, 0.42, flat(0.6))] },
    {
      agoMin: 6,
      values: [
        availability(99.9, 99.93, 0.3, { '5m': 22, '30m': 9.5, '1h': 16.2, '6h': 3.1, '3d': 0.9 }),
        latency(96.8, 0.36, flat(0.7)),
      ],
    },
  ],
  'identity-prod': [
    {
      agoMin: 8,
      values: [
        availability(99.95, 99.97, 0.41, flat(0.8)),
        latency(95.4, 0.08, { '5m': 1.4, '30m': 1.6, '1h': 1.5, '6h': 1.7, '3d': 1.3 }),
      ],
    },
  ],
  'analytics-prod': [
    { agoMin: 10, values: [availability(99.5, 99.88, 0.76, flat(0.2)), latency(98.2, 0.64, flat(0.3))] },
  ],
};

/** Give a demo stack its Prometheus and its SLO history (stacks not in HISTORY are left as Day-0 wrote them). */
export function seedSlos(db: DB, stack: Stack, now: number): void {
  const history = HISTORY[stack.name];
  if (!history) return;
  const file = join(stack.dir, STACK_CONFIG_FILE);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.set('monitoring', doc.createNode({ prometheusUrl: DEMO_PROMETHEUS }));
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
  const repo = new SloRepo(db);
  const sources = new SourcesRepo(db);
  for (const m of history) {
    const at = now - m.agoMin * MIN;
    repo.replace(stack.id, m.values, at, () => sources.recordOk(sloSourceKey(stack.name), at));
  }
}
