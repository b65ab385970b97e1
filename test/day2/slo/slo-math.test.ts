/**
 * The SLO arithmetic and the SRE workbook's multi-window, multi-burn-rate rules, window by window (a real
 * Prometheus in a test cannot hold 3 days of history, so the windows' differences are checked here).
 */
import { describe, expect, it } from 'vitest';
import {
  budgetRemaining,
  burnRate,
  measureSlo,
  sloStatus,
  type BurnRates,
  type BurnWindow,
  type WindowCounts,
} from '../../../src/domain/slo.js';

const burns = (b: Partial<BurnRates>): BurnRates => ({ '5m': 0, '30m': 0, '1h': 0, '6h': 0, '3d': 0, ...b });

describe('SLO arithmetic', () => {
  it('attainment, budget left and burn rate from the counts, by hand', () => {
    // 99.9% objective: a budget of 1 bad event in 1,000. 3 bad in 10,000 spends 30% of it.
    const c = { good: 9_997, total: 10_000 };
    expect(burnRate(c, 99.9)).toBeCloseTo(0.3, 12);
    expect(budgetRemaining(c, 99.9)).toBeCloseTo(0.7, 12);
    // 25 bad in 10,000 against 99.9%: 2.5x the budget, so 150% of it is overspent.
    expect(budgetRemaining({ good: 9_975, total: 10_000 }, 99.9)).toBeCloseTo(-1.5, 12);
    const all = Object.fromEntries((['5m', '30m', '1h', '6h', '3d'] as BurnWindow[]).map((w) => [w, c])) as Record<
      BurnWindow,
      WindowCounts
    >;
    const m = measureSlo(99.9, c, all);
    expect(m.attainment).toBeCloseTo(99.97, 12);
    expect(m.status).toBe('ok');
  });

  it('no traffic is no value, never 100%: no series, or no event in the window', () => {
    const none = { good: null, total: null };
    const idle = { good: 0, total: 0 };
    for (const c of [none, idle]) {
      const m = measureSlo(99.9, c, { '5m': c, '30m': c, '1h': c, '6h': c, '3d': c });
      expect(m).toEqual({
        attainment: null,
        budgetRemaining: null,
        burnRates: { '5m': null, '30m': null, '1h': null, '6h': null, '3d': null },
        status: 'ok',
      });
    }
    // Traffic but no good series at all: every event was bad.
    expect(burnRate({ good: null, total: 50 }, 99)).toBeCloseTo(100, 9);
  });
});

describe('multi-window, multi-burn-rate status (SRE workbook)', () => {
  it('pages when 1h and 5m both burn faster than 14.4', () => {
    expect(sloStatus(burns({ '1h': 15, '5m': 15 }))).toBe('page');
    // One window alone does not: a spike already over (5m calm), or too short to matter (1h calm).
    expect(sloStatus(burns({ '1h': 15, '5m': 1 }))).toBe('ok');
    expect(sloStatus(burns({ '1h': 1, '5m': 100 }))).toBe('ok');
    // Strictly faster: exactly 14.4 does not page.
    expect(sloStatus(burns({ '1h': 14.4, '5m': 14.4 }))).toBe('ok');
  });

  it('pages when 6h and 30m both burn faster than 6', () => {
    expect(sloStatus(burns({ '6h': 7, '30m': 7 }))).toBe('page');
    // 30m calmer than 6x: no page; the 6h at 7x with the 3d at 2x still makes a ticket.
    expect(sloStatus(burns({ '6h': 7, '30m': 5 }))).toBe('ok');
    expect(sloStatus(burns({ '6h': 7, '30m': 5, '3d': 2 }))).toBe('warning');
  });

  it('warns (a ticket) when 3d and 6h both burn faster than 1', () => {
    expect(sloStatus(burns({ '3d': 1.5, '6h': 1.2 }))).toBe('warning');
    expect(sloStatus(burns({ '3d': 1.5, '6h': 0.9 }))).toBe('ok');
    expect(sloStatus(burns({ '3d': 0.9, '6h': 5 }))).toBe('ok');
  });

  it('a window with no traffic fires no rule', () => {
    expect(sloStatus(burns({ '1h': null, '5m': 50 }))).toBe('ok');
    expect(sloStatus(burns({ '1h': 50, '5m': null, '6h': 50, '30m': 50 }))).toBe('page');
  });
});
