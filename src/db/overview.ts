/** The dashboard's overview of every stack (src/day2/status.ts): one pass over the stacks and their runs. */
import { isTeamDb } from './engine.js';
import type { DB } from './open.js';
import type { RunState } from '../day1/runner/state.js';

// ---------------------------------------------------------------------------------------------------------------
// The dashboard's overview of every stack (src/day2/status.ts)

/** A run as the overview shows it. */
export interface OverviewRun {
  id: number;
  state: RunState;
  kind: 'tracked' | 'proposed';
  purpose: 'deploy' | 'drift' | 'remediation';
  trigger: string;
  triggeredBy: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  summary: { add: number; change: number; destroy: number } | null;
  error: string | null;
}

/** One row per stack: the stack, its newest run and newest tracked run, its alert counts and alerts source. */
export interface OverviewRow {
  stackId: number;
  name: string;
  environment: string;
  tool: string;
  dir: string;
  lastRun: OverviewRun | null;
  lastChange: OverviewRun | null;
  /** From alert_counts (null: no alert cached). */
  alerts: { critical: number; warning: number; info: number; other: number; suppressed: number; total: number } | null;
  /** The `alerts:<stack>` source (null: never fetched). */
  alertsSource: {
    attemptedAt: number | null;
    okAt: number | null;
    error: string | null;
    failures: number;
    nextRetryAt: number | null;
  } | null;
}

const RUN_COLS = (p: string) =>
  `${p}.id AS ${p}_id, ${p}.state AS ${p}_state, ${p}.kind AS ${p}_kind, ${p}.purpose AS ${p}_purpose, ${p}.trigger AS ${p}_trigger,
   ${p}.triggered_by AS ${p}_by, ${p}.created_at AS ${p}_created, ${p}.started_at AS ${p}_started, ${p}.finished_at AS ${p}_finished,
   ${p}.summary_add AS ${p}_add, ${p}.summary_change AS ${p}_change, ${p}.summary_destroy AS ${p}_destroy, ${p}.error AS ${p}_error`;

const SELECT_COLS = `SELECT s.id AS stack_id, s.name, s.environment, s.tool, s.dir,
  ${RUN_COLS('r')},
  ${RUN_COLS('t')},
  ac.critical, ac.warning, ac.info, ac.other, ac.suppressed, ac.total,
  src.key AS src_key, src.fetched_at AS src_fetched, src.ok_at AS src_ok, src.error AS src_error,
  src.failures AS src_failures, src.next_retry_at AS src_retry
FROM stacks s`;

const REST = `LEFT JOIN alert_counts ac ON ac.stack_id = s.id
LEFT JOIN sources src ON src.key = 'alerts:' || s.name
ORDER BY s.name`;

// SQLite: one pass over the stacks; each correlated subquery is one seek in runs_by_stack / runs_by_stack_kind, and
// the run's columns come from the covering index runs_overview (never the row, whose plan_json may be large).
const SQLITE_SQL = `${SELECT_COLS}
LEFT JOIN runs r INDEXED BY runs_overview
  ON r.stack_id = s.id AND r.id = (SELECT x.id FROM runs x WHERE x.stack_id = s.id ORDER BY x.id DESC LIMIT 1)
LEFT JOIN runs t INDEXED BY runs_overview
  ON t.stack_id = s.id AND t.id = (SELECT x.id FROM runs x WHERE x.stack_id = s.id AND x.kind = 'tracked' ORDER BY x.id DESC LIMIT 1)
${REST}`;

// PostgreSQL plans the form above as two hash joins over every run (a scan of the whole table per frame, 4x the
// time at 1,000 stacks); a LATERAL join is one backward index scan per stack (runs_by_stack / runs_by_stack_kind).
const OVERVIEW_RUN = `id, state, kind, purpose, trigger, triggered_by, created_at, started_at, finished_at,
  summary_add, summary_change, summary_destroy, error`;
const POSTGRES_SQL = `${SELECT_COLS}
LEFT JOIN LATERAL (SELECT ${OVERVIEW_RUN} FROM runs x WHERE x.stack_id = s.id ORDER BY x.id DESC LIMIT 1) r ON true
LEFT JOIN LATERAL (SELECT ${OVERVIEW_RUN} FROM runs x WHERE x.stack_id = s.id AND x.kind = 'tracked'
  ORDER BY x.id DESC LIMIT 1) t ON true
${REST}`;

/** A row read in raw mode (an array; half the cost of objects for 1,000 wide rows), with its column positions. */
type RawRow = unknown[];

type Cols = Record<string, number>;

function runOf(r: RawRow, c: Cols, p: string): OverviewRun | null {
  const id = r[c[`${p}_id`]] as number | null;
  if (id === null) return null;
  const add = r[c[`${p}_add`]] as number | null;
  return {
    id,
    state: r[c[`${p}_state`]] as RunState,
    kind: r[c[`${p}_kind`]] as OverviewRun['kind'],
    purpose: r[c[`${p}_purpose`]] as OverviewRun['purpose'],
    trigger: r[c[`${p}_trigger`]] as string,
    triggeredBy: r[c[`${p}_by`]] as string,
    createdAt: r[c[`${p}_created`]] as number,
    startedAt: r[c[`${p}_started`]] as number | null,
    finishedAt: r[c[`${p}_finished`]] as number | null,
    summary:
      add === null
        ? null
        : {
            add,
            change: (r[c[`${p}_change`]] as number | null) ?? 0,
            destroy: (r[c[`${p}_destroy`]] as number | null) ?? 0,
          },
    error: r[c[`${p}_error`]] as string | null,
  };
}

export class OverviewRepo {
  private readonly stmt;
  private readonly cols: Cols;

  constructor(db: DB) {
    this.stmt = db.prepare<[], RawRow>(isTeamDb(db) ? POSTGRES_SQL : SQLITE_SQL).raw(true);
    this.cols = Object.fromEntries(this.stmt.columns().map((col, i) => [col.name, i]));
  }

  rows(): OverviewRow[] {
    const c = this.cols;
    return this.stmt.all().map((r) => {
      const total = r[c.total] as number | null;
      return {
        stackId: r[c.stack_id] as number,
        name: r[c.name] as string,
        environment: r[c.environment] as string,
        tool: r[c.tool] as string,
        dir: r[c.dir] as string,
        lastRun: runOf(r, c, 'r'),
        lastChange: runOf(r, c, 't'),
        alerts:
          total === null
            ? null
            : {
                critical: r[c.critical] as number,
                warning: r[c.warning] as number,
                info: r[c.info] as number,
                other: r[c.other] as number,
                suppressed: r[c.suppressed] as number,
                total,
              },
        alertsSource:
          r[c.src_key] === null
            ? null
            : {
                attemptedAt: r[c.src_fetched] as number | null,
                okAt: r[c.src_ok] as number | null,
                error: r[c.src_error] as string | null,
                failures: r[c.src_failures] as number,
                nextRetryAt: r[c.src_retry] as number | null,
              },
      };
    });
  }
}
