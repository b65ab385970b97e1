/** The shared `sources` table: fetch status, staleness and backoff by key. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, isStale, SourcesRepo } from '../../../src/db/sources.js';
import { tmpDb } from '../../helpers/tmp.js';

describe('backoffDelay', () => {
  it('doubles from 5 s and stops at 5 minutes', () => {
    const mid = { random: () => 0.5 };
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20, 100].map((n) => backoffDelay(n, mid))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('is jittered within 80%..120%, never above the cap', () => {
    expect(backoffDelay(1, { random: () => 0 })).toBe(4_000);
    expect(backoffDelay(1, { random: () => 0.999999 })).toBe(6_000);
    expect(backoffDelay(10, { random: () => 0.999999 })).toBe(300_000);
    expect(backoffDelay(10, { random: () => 0 })).toBe(240_000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
    expect(spread.size).toBeGreaterThan(1);
    for (const d of spread) {
      expect(d).toBeGreaterThanOrEqual(16_000);
      expect(d).toBeLessThanOrEqual(24_000);
    }
  });
});

describe('SourcesRepo', () => {
  it('records failures with backoff and clears them on success', () => {
    const { db } = tmpDb();
    const sources = new SourcesRepo(db);
    const key = 'backups:payments';
    expect(sources.status(key, 1_000)).toMatchObject({ key, okAt: null, error: null, failures: 0, stale: true });
    expect(sources.isDue(key, 0)).toBe(true);

    sources.recordOk(key, 10_000);
    expect(sources.status(key, 10_000)).toMatchObject({ attemptedAt: 10_000, okAt: 10_000, error: null, stale: false });

    const f1 = sources.recordFailure(key, 'restic: wrong password', 20_000, { random: () => 0.5 });
    expect(f1).toMatchObject({
      attemptedAt: 20_000,
      okAt: 10_000,
      error: 'restic: wrong password',
      failures: 1,
      nextRetryAt: 25_000,
    });
    expect(sources.isDue(key, 24_999)).toBe(false);
    expect(sources.isDue(key, 25_000)).toBe(true);
    expect(sources.recordFailure(key, 'again', 25_000, { random: () => 0.5 })).toMatchObject({
      failures: 2,
      nextRetryAt: 35_000,
      okAt: 10_000,
    });
    expect(sources.status(key, 25_000).stale).toBe(true);

    sources.recordOk(key, 40_000);
    expect(sources.get(key)).toEqual({
      key,
      attemptedAt: 40_000,
      okAt: 40_000,
      error: null,
      failures: 0,
      nextRetryAt: null,
    });
    expect(sources.isDue(key, 0)).toBe(true);
  });

  it('lists by prefix and forgets', () => {
    const { db } = tmpDb();
    const sources = new SourcesRepo(db);
    for (const k of ['alerts:a', 'alerts:b', 'alertsX', 'backups:a', 'drift:a']) sources.recordOk(k, 1);
    expect(sources.list('alerts:').map((s) => s.key)).toEqual(['alerts:a', 'alerts:b']);
    expect(sources.list().map((s) => s.key)).toEqual(['alerts:a', 'alerts:b', 'alertsX', 'backups:a', 'drift:a']);
    sources.remove('alerts:a');
    expect(sources.get('alerts:a')).toBeUndefined();
  });

  it('stale: never fetched, failed, or older than the threshold', () => {
    const ok = { key: 'k', attemptedAt: 0, okAt: 0, error: null, failures: 0, nextRetryAt: null };
    expect(isStale(undefined, 0)).toBe(true);
    expect(isStale(ok, 5 * 60_000)).toBe(false);
    expect(isStale(ok, 5 * 60_000 + 1)).toBe(true);
    expect(isStale(ok, 10_000, 5_000)).toBe(true);
    expect(isStale({ ...ok, error: 'down' }, 1)).toBe(true);
  });
});
