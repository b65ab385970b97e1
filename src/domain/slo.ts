/**
 * SLO arithmetic, plain TypeScript: attainment, error budget left, burn rates and the alerting status of the
 * Google SRE workbook's multi-window, multi-burn-rate rules (chapter "Alerting on SLOs", table 5-8):
 *
 * | severity | long window | short window | burn rate | budget spent at that rate |
 * | page     | 1h          | 5m           | 14.4      | 2% in 1h                  |
 * | page     | 6h          | 30m          | 6         | 5% in 6h                  |
 * | ticket   | 3d          | 6h           | 1         | 10% in 3d                 |
 *
 * A rule fires when BOTH its windows burn faster than its rate (the short window makes the alert stop soon after
 * the burning stops). dayops calls a ticket `warning`. A window with no traffic has no error ratio (null): it
 * never fires a rule, and an SLO with no traffic at all has no attainment (null), never 100%.
 */

/** The burn-rate windows, as Prometheus range durations. */
export const BURN_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];
export type BurnRates = Record<BurnWindow, number | null>;

export type SloStatus = 'ok' | 'warning' | 'page';

export interface BurnRule {
  severity: Exclude<SloStatus, 'ok'>;
  long: BurnWindow;
  short: BurnWindow;
  /** Fires when both windows burn faster than this (strictly). */
  burnRate: number;
}

export const BURN_RULES: readonly BurnRule[] = [
  { severity: 'page', long: '1h', short: '5m', burnRate: 14.4 },
  { severity: 'page', long: '6h', short: '30m', burnRate: 6 },
  { severity: 'warning', long: '3d', short: '6h', burnRate: 1 },
];

/** Sums of the good and total counters' increase over one window; null when Prometheus has no such series. */
export interface WindowCounts {
  good: number | null;
  total: number | null;
}

/** The error budget as a fraction of events: 1 - objective (objective in percent). 99.9 -> 0.001. */
export function errorBudget(objectivePercent: number): number {
  return 1 - objectivePercent / 100;
}

/** good / total, or null with no traffic (no series, or no event in the window). Clamped to [0, 1]. */
export function goodRatio(c: WindowCounts): number | null {
  if (c.total === null || !Number.isFinite(c.total) || c.total <= 0) return null;
  const good = c.good === null || !Number.isFinite(c.good) ? 0 : c.good;
  return Math.min(1, Math.max(0, good / c.total));
}

/** The error ratio of a window (1 - good/total), or null with no traffic. */
export function errorRatio(c: WindowCounts): number | null {
  const r = goodRatio(c);
  return r === null ? null : 1 - r;
}

/** How fast the budget burns: the error ratio over the budget (1 = the budget lasts exactly the SLO window). */
export function burnRate(c: WindowCounts, objectivePercent: number): number | null {
  const e = errorRatio(c);
  return e === null ? null : e / errorBudget(objectivePercent);
}

/** The fraction of the window's budget not yet spent: 1 untouched, 0 spent, negative when overspent. */
export function budgetRemaining(c: WindowCounts, objectivePercent: number): number | null {
  const e = errorRatio(c);
  return e === null ? null : 1 - e / errorBudget(objectivePercent);
}

/** The rules that fire for these burn rates (none when a window of a rule has no traffic). */
export function firingRules(burn: BurnRates): BurnRule[] {
  return BURN_RULES.filter((r) => {
    const long = burn[r.long];
    const short = burn[r.short];
    return long !== null && short !== null && long > r.burnRate && short > r.burnRate;
  });
}

/** page when a page rule fires, else warning when the ticket rule fires, else ok. */
export function sloStatus(burn: BurnRates): SloStatus {
  const firing = firingRules(burn);
  if (firing.some((r) => r.severity === 'page')) return 'page';
  if (firing.length > 0) return 'warning';
  return 'ok';
}

export interface SloMeasurement {
  /** Percent of good events over the SLO window, or null with no traffic. */
  attainment: number | null;
  budgetRemaining: number | null;
  burnRates: BurnRates;
  status: SloStatus;
}

/** Everything dayops shows of an SLO, from the counts over its window and over each burn window. */
export function measureSlo(
  objectivePercent: number,
  window: WindowCounts,
  burnWindows: Record<BurnWindow, WindowCounts>,
): SloMeasurement {
  const ratio = goodRatio(window);
  const burnRates = Object.fromEntries(
    BURN_WINDOWS.map((w) => [w, burnRate(burnWindows[w], objectivePercent)]),
  ) as BurnRates;
  return {
    attainment: ratio === null ? null : ratio * 100,
    budgetRemaining: budgetRemaining(window, objectivePercent),
    burnRates,
    status: sloStatus(burnRates),
  };
}

/** The PromQL of one window's sum of increases: `sum(increase((SELECTOR)[30d]))`. */
export function increaseQuery(selector: string, window: string): string {
  // `good` and `total` are counter selectors: the range goes right after them.
  return `sum(increase(${selector.trim()}[${window}]))`;
}

/** The one burn rate a line shows: the 1h window's, else the next window that has traffic (5m, 6h, 3d). */
export function headlineBurn(burn: BurnRates): number | null {
  return burn['1h'] ?? burn['5m'] ?? burn['6h'] ?? burn['3d'] ?? null;
}

/** A fast burn: some page rule fires. */
export function isFastBurn(burn: BurnRates): boolean {
  return firingRules(burn).some((r) => r.severity === 'page');
}

// ---------------------------------------------------------------------------------------------------------------
// Words and numbers, the same in the dashboard and `dayops slo`

/** `99.93%`, `98%`: two decimals at most, never rounded up to 100% when below it. */
export function formatPercent(v: number): string {
  let s = v.toFixed(2);
  if (Number(s) >= 100 && v < 100) s = (Math.floor(v * 100) / 100).toFixed(2);
  return `${s.replace(/\.?0+$/, '')}%`;
}

/** `0.8x`, `20x`, `–` for no traffic. */
export function formatBurn(v: number | null): string {
  if (v === null) return '–';
  if (v >= 10) return `${Math.round(v)}x`;
  return `${(Math.round(v * 10) / 10).toString()}x`;
}

/** `41%` of the budget left, `-150%` when overspent, `–` with no traffic. */
export function formatBudget(v: number | null): string {
  return v === null ? '–' : `${Math.round(v * 100)}%`;
}

/** One SLO in a line: `99.93% of 99.9% · budget 41% · burn 0.8x` (`no traffic of 99.9%` with none). */
export function sloSummary(v: {
  objective: number;
  attainment: number | null;
  budgetRemaining: number | null;
  burnRates: BurnRates;
}): string {
  const att = v.attainment === null ? 'no traffic' : formatPercent(v.attainment);
  return `${att} of ${formatPercent(v.objective)} · budget ${formatBudget(v.budgetRemaining)} · burn ${formatBurn(headlineBurn(v.burnRates))}`;
}
