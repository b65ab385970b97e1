/**
 * SLOs (009-slo.sql): each stack's SLOs as last measured, and the changes of their status (breaches and
 * recoveries). The health of the Prometheus source is in `sources`, key `slo:<stack>`.
 */
import type { BurnRates, SloStatus } from '../domain/slo.js';
import type { DB } from './open.js';

interface ValueRow {
  stack_id: number;
  stack: string;
  name: string;
  objective: number;
  slo_window: string;
  attainment: number | null;
  budget_remaining: number | null;
  burn_5m: number | null;
  burn_30m: number | null;
  burn_1h: number | null;
  burn_6h: number | null;
  burn_3d: number | null;
  status: SloStatus;
  since: number;
  fetched_at: number;
}

export interface SloRecord {
  stackId: number;
  stack: string;
  name: string;
  objective: number;
  window: string;
  attainment: number | null;
  budgetRemaining: number | null;
  burnRates: BurnRates;
  status: SloStatus;
  /** When the SLO entered this status. */
  since: number;
  /** When these values were measured. */
  fetchedAt: number;
}

export type NewSloValue = Omit<SloRecord, 'stackId' | 'stack' | 'since' | 'fetchedAt'>;

export interface SloEvent {
  id: number;
  stackId: number;
  stack: string;
  name: string;
  status: SloStatus;
  previous: SloStatus | null;
  detail: { attainment?: number | null; budgetRemaining?: number | null; burnRates?: BurnRates; objective?: number };
  at: number;
}

interface EventRow {
  id: number;
  stack_id: number;
  stack: string;
  name: string;
  status: SloStatus;
  previous: SloStatus | null;
  detail: string;
  at: number;
}

const toRecord = (r: ValueRow): SloRecord => ({
  stackId: r.stack_id,
  stack: r.stack,
  name: r.name,
  objective: r.objective,
  window: r.slo_window,
  attainment: r.attainment,
  budgetRemaining: r.budget_remaining,
  burnRates: { '5m': r.burn_5m, '30m': r.burn_30m, '1h': r.burn_1h, '6h': r.burn_6h, '3d': r.burn_3d },
  status: r.status,
  since: r.since,
  fetchedAt: r.fetched_at,
});

const toEvent = (r: EventRow): SloEvent => {
  let detail: SloEvent['detail'] = {};
  try {
    detail = JSON.parse(r.detail) as SloEvent['detail'];
  } catch {
    /* an unreadable detail is no detail */
  }
  return {
    id: r.id,
    stackId: r.stack_id,
    stack: r.stack,
    name: r.name,
    status: r.status,
    previous: r.previous,
    detail,
    at: r.at,
  };
};

/** SQL has no NaN or Infinity: a number that is not finite is stored as NULL (no value). */
const finite = (n: number | null): number | null => (n !== null && Number.isFinite(n) ? n : null);

const SELECT_VALUES = `SELECT v.*, s.name AS stack FROM slo_values v JOIN stacks s ON s.id = v.stack_id`;
const SELECT_EVENTS = `SELECT e.*, s.name AS stack FROM slo_events e JOIN stacks s ON s.id = e.stack_id`;

export class SloRepo {
  private readonly all;
  private readonly ofStack;
  private readonly clear;
  private readonly insert;
  private readonly insertEvent;
  private readonly eventsOf;
  private readonly eventsBetween;

  constructor(private readonly db: DB) {
    this.all = db.prepare<[], ValueRow>(`${SELECT_VALUES} ORDER BY s.name, v.name`);
    this.ofStack = db.prepare<[number], ValueRow>(`${SELECT_VALUES} WHERE v.stack_id = ? ORDER BY v.name`);
    this.clear = db.prepare<[number]>('DELETE FROM slo_values WHERE stack_id = ?');
    this.insert = db.prepare(
      `INSERT INTO slo_values (stack_id, name, objective, slo_window, attainment, budget_remaining,
         burn_5m, burn_30m, burn_1h, burn_6h, burn_3d, status, since, fetched_at)
       VALUES (@stackId, @name, @objective, @window, @attainment, @budgetRemaining,
         @b5m, @b30m, @b1h, @b6h, @b3d, @status, @since, @fetchedAt)`,
    );
    this.insertEvent = db.prepare(
      `INSERT INTO slo_events (stack_id, name, status, previous, detail, at)
       VALUES (@stackId, @name, @status, @previous, @detail, @at) RETURNING id`,
    );
    this.eventsOf = db.prepare<[number, number], EventRow>(
      `${SELECT_EVENTS} WHERE e.stack_id = ? ORDER BY e.at DESC, e.id DESC LIMIT ?`,
    );
    this.eventsBetween = db.prepare<[number, number, number], EventRow>(
      `${SELECT_EVENTS} WHERE e.stack_id = ? AND e.at >= ? AND e.at <= ? ORDER BY e.at DESC, e.id DESC`,
    );
  }

  /** Every stack's SLOs (by stack name, then SLO name), or one stack's. */
  list(stackId?: number): SloRecord[] {
    return (stackId === undefined ? this.all.all() : this.ofStack.all(stackId)).map(toRecord);
  }

  /**
   * Replace a stack's SLO values with a new measurement, in one transaction with `alsoRun` (the source's
   * recordOk). A status that changed (or a first measurement that is not ok) is recorded as an event.
   * Returns the events recorded.
   */
  replace(stackId: number, values: NewSloValue[], at: number, alsoRun?: () => void): SloEvent[] {
    return this.db.transaction(() => {
      const before = new Map(this.ofStack.all(stackId).map((r) => [r.name, r]));
      this.clear.run(stackId);
      const events: number[] = [];
      for (const v of values) {
        const prev = before.get(v.name);
        const changed = prev ? prev.status !== v.status : v.status !== 'ok';
        this.insert.run({
          stackId,
          name: v.name,
          objective: v.objective,
          window: v.window,
          attainment: finite(v.attainment),
          budgetRemaining: finite(v.budgetRemaining),
          b5m: finite(v.burnRates['5m']),
          b30m: finite(v.burnRates['30m']),
          b1h: finite(v.burnRates['1h']),
          b6h: finite(v.burnRates['6h']),
          b3d: finite(v.burnRates['3d']),
          status: v.status,
          since: prev && !changed ? prev.since : at,
          fetchedAt: at,
        });
        if (changed) {
          const r = this.insertEvent.run({
            stackId,
            name: v.name,
            status: v.status,
            previous: prev?.status ?? null,
            detail: JSON.stringify({
              objective: v.objective,
              attainment: finite(v.attainment),
              budgetRemaining: finite(v.budgetRemaining),
              burnRates: v.burnRates,
            }),
            at,
          });
          events.push(Number(r.lastInsertRowid));
        }
      }
      alsoRun?.();
      return events.length === 0 ? [] : this.events(stackId, 1000).filter((e) => events.includes(e.id));
    })();
  }

  /** A stack's status changes, newest first. */
  events(stackId: number, limit = 50): SloEvent[] {
    return this.eventsOf.all(stackId, limit).map(toEvent);
  }

  /** A stack's status changes between two times (inclusive), newest first: for "what changed before this". */
  eventsIn(stackId: number, from: number, to: number): SloEvent[] {
    return this.eventsBetween.all(stackId, from, to).map(toEvent);
  }
}
