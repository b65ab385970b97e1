/**
 * `dayops alerts` with 180,000 cached alerts: the table and --json come out whole (before, the table's column
 * widths were computed with Math.max(...lengths), which throws RangeError past about 100,000 rows).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertsRepo, type AlertRecord } from '../../../src/db/alerts.js';
import { openDatabase } from '../../../src/db/open.js';
import { maxOf, minOf, pushAll } from '../../../src/arrays.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { addStack } from './util.js';

const N = 180_000;

describe('dayops alerts with 180,000 cached alerts', () => {
  it('prints every alert, as a table and as JSON, exit 0', async () => {
    const root = tmpDir();
    const dbPath = join(root, 'dayops.db');
    const db = openDatabase(dbPath);
    const stack = addStack(db, root, 'big', { url: 'http://127.0.0.1:1' });
    const now = Date.now();
    const alerts: AlertRecord[] = Array.from({ length: N }, (_, i) => ({
      fingerprint: `f${i}`,
      alertname: `Alert${i % 97}`,
      severity: i % 3 ? 'warning' : 'critical',
      severityRank: i % 3 ? 1 : 2,
      state: 'active',
      amState: 'active',
      silencedBy: [],
      inhibitedBy: [],
      labels: { alertname: `Alert${i % 97}`, instance: `host-${i}` },
      annotations: { summary: `instance host-${i} is ${'very '.repeat(i % 5)}unhappy` },
      receivers: ['default'],
      startsAt: now - i * 1000,
      endsAt: null,
      updatedAt: now,
      generatorUrl: null,
    }));
    new AlertsRepo(db).replace(stack.id, alerts, now);
    db.close();

    const table = await runCli(['--db', dbPath, 'alerts']);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').filter((l) => l.startsWith('big ')).length).toBe(N);

    const json = await runCli(['--db', dbPath, 'alerts', 'big', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { alerts: unknown[] }).alerts).toHaveLength(N);
  }, 600_000);

  it('the helpers that replace spreads work at any length', () => {
    const big = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 1_000_003);
    expect(maxOf(big)).toBe(big.reduce((a, b) => (b > a ? b : a)));
    expect(() => Math.max(...big)).toThrow(RangeError);
    expect(maxOf([], 3)).toBe(3);
    expect(minOf(big)).toBe(0);
    expect(pushAll([1], big)).toHaveLength(500_001);
  });
});
