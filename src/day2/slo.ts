/**
 * Day-2 SLOs: each stack's `slo:` list (dayops.yaml) measured from its Prometheus (`monitoring.prometheusUrl`) and
 * cached in SQLite, so the dashboard and `dayops slo` show the last measurement, marked stale with the error, when
 * Prometheus is down.
 *
 * For each SLO, one instant query per window and counter: `sum(increase(GOOD[W]))` and `sum(increase(TOTAL[W]))`
 * for the SLO's window (attainment, budget left) and for 5m, 30m, 1h, 6h and 3d (burn rates). The arithmetic is in
 * src/domain/slo.ts. All queries of a measurement are evaluated at the same instant, so the windows agree.
 */
import { join } from 'node:path';
import { STACK_CONFIG_FILE, type StackConfig } from '../config/stack-config.js';
import type { SloConfig } from '../config/slo-config.js';
import type { DB } from '../db/open.js';
import { repos } from '../db/repos.js';
import type { NewSloValue, SloEvent, SloRecord } from '../db/slo.js';
import { DEFAULT_STALE_AFTER_MS, isStale, type BackoffOptions } from '../db/sources.js';
import {
  BURN_WINDOWS,
  increaseQuery,
  measureSlo,
  type BurnWindow,
  type SloStatus,
  type WindowCounts,
} from '../domain/slo.js';
import type { Stack } from '../domain/stack.js';
import { errorMessage, UserError } from '../errors.js';
import { stackConfigOf } from './configs.js';
import { queryNumber } from './prometheus.js';

export type { SloEvent, SloRecord } from '../db/slo.js';

/** The `sources` key of a stack's SLO measurements. */
export const sloSourceKey = (stack: string): string => `slo:${stack}`;

/** SLO values older than this are stale even when the last refresh worked (as alerts). */
export const SLO_STALE_AFTER_MS = DEFAULT_STALE_AFTER_MS;

export interface SloTarget {
  prometheusUrl: string;
  slos: SloConfig[];
}

/** The error of a stack that has SLOs but no Prometheus to measure them from. */
export const NO_PROMETHEUS = 'slo needs monitoring.prometheusUrl (the Prometheus that has the counters) to be measured';

/**
 * The stack's Prometheus and SLOs; null when its dayops.yaml has no `slo:` entries. SLOs without
 * `monitoring.prometheusUrl` (as Day-0 writes them until someone names the Prometheus) are a target with no URL:
 * they are not measured (NO_PROMETHEUS says why), and nothing about them is stale, since nothing was ever asked.
 */
export function sloTarget(config: StackConfig | null | undefined): SloTarget | null {
  const slos = config?.slo ?? [];
  if (slos.length === 0) return null;
  return { prometheusUrl: config?.monitoring?.prometheusUrl ?? '', slos };
}

export interface MeasureOptions {
  /** Evaluate at this time (ms since the epoch); default Prometheus' now. */
  time?: number;
  /** Per query (default 5 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Measure one SLO now. Throws a PrometheusError (one line) when a query fails. */
export async function measureOne(url: string, slo: SloConfig, opts: MeasureOptions = {}): Promise<NewSloValue> {
  const q = (selector: string, window: string) =>
    queryNumber(url, increaseQuery(selector, window), opts).then((v) => v ?? null);
  const counts = async (window: string): Promise<WindowCounts> => {
    const [good, total] = await Promise.all([q(slo.good, window), q(slo.total, window)]);
    return { good, total };
  };
  const [main, ...burns] = await Promise.all([counts(slo.window), ...BURN_WINDOWS.map((w) => counts(w))]);
  const byWindow = Object.fromEntries(BURN_WINDOWS.map((w, i) => [w, burns[i]])) as Record<BurnWindow, WindowCounts>;
  const m = measureSlo(slo.objective, main, byWindow);
  return { name: slo.name, objective: slo.objective, window: slo.window, ...m };
}

export interface SyncSloOptions extends Omit<MeasureOptions, 'time'> {
  /** The time recorded and evaluated at (default: now). */
  now?: number;
  /** Measure even a failed source whose retry time has not come. */
  force?: boolean;
  backoff?: BackoffOptions;
}

export interface SloSyncResult {
  stack: string;
  stackId: number;
  ok: boolean;
  /** Not tried: the source failed before and its retry time has not come. */
  skipped: boolean;
  /** SLOs measured (or, on failure, kept from the last measurement). */
  slos: number;
  error?: string;
  /** Status changes recorded by this measurement (breaches and recoveries). */
  events: SloEvent[];
}

function resolveStack(db: DB, stack: Stack | string): Stack {
  if (typeof stack !== 'string') return stack;
  const s = repos(db).stacks.get(stack);
  if (!s) throw new UserError(`unknown stack "${stack}"; see \`dayops stack list\``);
  return s;
}

/**
 * Measure the SLOs of every stack with `slo:` (or of `stacks`) and replace each stack's cached values in one
 * transaction. A failure (Prometheus down, a query it refuses, a broken dayops.yaml) keeps the last values and
 * records the error with a backed-off retry time. Never throws for a stack's problem; stacks without SLOs are left
 * out (and their old values dropped).
 */
export async function syncSlos(
  db: DB,
  stacks?: readonly (Stack | string)[],
  opts: SyncSloOptions = {},
): Promise<SloSyncResult[]> {
  const list = stacks ? stacks.map((s) => resolveStack(db, s)) : repos(db).stacks.list();
  const { slo: repo, sources } = repos(db);
  const out: SloSyncResult[] = [];
  for (const stack of list) {
    const key = sloSourceKey(stack.name);
    const kept = () => repo.list(stack.id).length;
    const failed = (error: string): SloSyncResult => {
      sources.recordFailure(key, error, opts.now ?? Date.now(), opts.backoff);
      return { stack: stack.name, stackId: stack.id, ok: false, skipped: false, slos: kept(), error, events: [] };
    };
    const { config, error } = stackConfigOf(stack.dir, 0);
    if (!config) {
      if (sources.get(key) || kept() > 0)
        out.push(failed(error ?? `${join(stack.dir, STACK_CONFIG_FILE)}: unreadable`));
      continue;
    }
    const target = sloTarget(config);
    if (!target) {
      if (sources.get(key) || kept() > 0) {
        db.transaction(() => {
          repo.replace(stack.id, [], opts.now ?? Date.now());
          sources.remove(key);
        }).immediate();
      }
      continue;
    }
    if (!opts.force && !sources.isDue(key, opts.now ?? Date.now())) {
      const rec = sources.get(key)!;
      out.push({
        stack: stack.name,
        stackId: stack.id,
        ok: false,
        skipped: true,
        slos: kept(),
        error: rec.error ?? undefined,
        events: [],
      });
      continue;
    }
    if (!target.prometheusUrl) {
      if (sources.get(key) || kept() > 0) {
        db.transaction(() => {
          repo.replace(stack.id, [], opts.now ?? Date.now());
          sources.remove(key);
        }).immediate();
      }
      out.push({
        stack: stack.name,
        stackId: stack.id,
        ok: false,
        skipped: true,
        slos: 0,
        error: `${join(stack.dir, STACK_CONFIG_FILE)}: ${NO_PROMETHEUS}`,
        events: [],
      });
      continue;
    }
    const at = opts.now ?? Date.now();
    let values: NewSloValue[];
    try {
      values = await Promise.all(
        target.slos.map((s) =>
          measureOne(target.prometheusUrl, s, { time: at, timeoutMs: opts.timeoutMs, signal: opts.signal }),
        ),
      );
    } catch (err) {
      out.push(failed(errorMessage(err).split('\n')[0]));
      continue;
    }
    const events = repo.replace(stack.id, values, at, () => sources.recordOk(key, at));
    out.push({ stack: stack.name, stackId: stack.id, ok: true, skipped: false, slos: values.length, events });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the cache

export interface SloView extends SloRecord {
  /** The measurement is old, or the last refresh failed (then `error` says why). */
  stale: boolean;
  error: string | null;
  /** The last try to measure (successful or not). */
  attemptedAt: number | null;
}

/** The cached SLOs (no network) of one stack or of all, each with its source's staleness and last error. */
export function listSlos(
  db: DB,
  stack?: Stack | string,
  opts: { now?: number; staleAfterMs?: number } = {},
): SloView[] {
  const now = opts.now ?? Date.now();
  const s = stack !== undefined ? resolveStack(db, stack) : undefined;
  const { slo: repo, sources } = repos(db);
  const bySource = new Map(sources.list('slo:').map((r) => [r.key, r]));
  return repo.list(s?.id).map((v) => {
    const src = bySource.get(sloSourceKey(v.stack));
    return {
      ...v,
      stale: isStale(src, now, opts.staleAfterMs ?? SLO_STALE_AFTER_MS),
      error: src?.error ?? null,
      attemptedAt: src?.attemptedAt ?? null,
    };
  });
}

/** One SLO of a stack's status figure. */
export interface SloLine {
  name: string;
  objective: number;
  window: string;
  attainment: number | null;
  budgetRemaining: number | null;
  burnRates: SloRecord['burnRates'];
  status: SloStatus;
  /** When it entered this status. */
  since: number;
}

/** A stack's SLOs for the dashboard and `dayops status`. */
export interface SloFigure {
  /** dayops.yaml has `slo:` entries. */
  configured: boolean;
  /** As last measured, worst first (page, warning, ok; then the least budget left). */
  slos: SloLine[];
  /** The worst status, or null with no measured SLO. */
  worst: SloStatus | null;
  /** The last measurement; null if never. */
  fetchedAt: number | null;
  attemptedAt: number | null;
  stale: boolean;
  error: string | null;
}

const RANK: Record<SloStatus, number> = { page: 0, warning: 1, ok: 2 };

/** Worst first: page, warning, ok; then the least budget left (no traffic last); then by name. */
export function byWorst(a: SloLine, b: SloLine): number {
  return (
    RANK[a.status] - RANK[b.status] ||
    (a.budgetRemaining ?? Infinity) - (b.budgetRemaining ?? Infinity) ||
    a.name.localeCompare(b.name)
  );
}

/**
 * Every stack's SLO figure from two queries (the values, the sources); `figure(stackId, name)` gives one stack's.
 * `configs` says which stacks have `slo:` (a stack without, and without values, is not configured).
 */
export function sloFigures(
  db: DB,
  configs: ReadonlyMap<string, StackConfig | null>,
  now: number,
  staleAfterMs = SLO_STALE_AFTER_MS,
): (stackId: number, name: string) => SloFigure {
  const { slo: repo, sources } = repos(db);
  const byStack = new Map<number, SloLine[]>();
  for (const v of repo.list()) {
    const list = byStack.get(v.stackId) ?? [];
    list.push({
      name: v.name,
      objective: v.objective,
      window: v.window,
      attainment: v.attainment,
      budgetRemaining: v.budgetRemaining,
      burnRates: v.burnRates,
      status: v.status,
      since: v.since,
    });
    byStack.set(v.stackId, list);
  }
  const bySource = new Map(sources.list('slo:').map((r) => [r.key, r]));
  return (stackId, name) => {
    const config = configs.get(name);
    const configured = (config?.slo?.length ?? 0) > 0;
    const slos = (byStack.get(stackId) ?? []).sort(byWorst);
    const src = bySource.get(sloSourceKey(name));
    // SLOs with no Prometheus to ask are not measured, and not stale: the reason is the error.
    const unmeasurable = configured && !config?.monitoring?.prometheusUrl && slos.length === 0;
    return {
      configured,
      slos,
      worst: worstStatus(slos),
      fetchedAt: src?.okAt ?? null,
      attemptedAt: src?.attemptedAt ?? null,
      stale: unmeasurable ? false : configured || slos.length > 0 ? isStale(src, now, staleAfterMs) : false,
      error: unmeasurable ? NO_PROMETHEUS : (src?.error ?? null),
    };
  };
}

/** The worst status of a stack's SLOs (page > warning > ok), or null when it has none. */
export function worstStatus(slos: readonly Pick<SloRecord, 'status'>[]): SloStatus | null {
  if (slos.length === 0) return null;
  if (slos.some((s) => s.status === 'page')) return 'page';
  if (slos.some((s) => s.status === 'warning')) return 'warning';
  return 'ok';
}

/** SLO status changes of a stack in the `hours` before a time: for "what changed before this". */
export function sloChangesBefore(db: DB, stackId: number, at: number, hours = 6): SloEvent[] {
  return repos(db).slo.eventsIn(stackId, at - hours * 3_600_000, at);
}
