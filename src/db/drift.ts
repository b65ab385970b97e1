/**
 * Drift checks, what they found, operators' triage, and the scheduler's memory (migrations/003-drift.sql).
 * The dashboard reads every stack's drift in one query (`summaries`): the newest check of each stack for its state,
 * the newest result (`in_sync`/`drifted`) for the figures, each resource with its newest triage row.
 */
import type { DB } from './open.js';
import { AuditRepo } from './audit.js';
import type { RunState } from '../day1/runner/state.js';

export type DriftCheckStatus = 'checking' | 'in_sync' | 'drifted' | 'failed';
export type DriftSource = 'drift' | 'plan' | 'both';
export type TriageKind = 'accepted' | 'snoozed' | 'cleared';
export type ScheduleJob = 'drift' | 'backup' | 'restore-test';

export interface DriftCheckRecord {
  id: number;
  stackId: number;
  runId: number | null;
  status: DriftCheckStatus;
  /** Resources that differ, before triage. */
  driftedCount: number;
  trigger: string;
  triggeredBy: string;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface StoredDriftResource {
  address: string;
  action: string;
  source: DriftSource;
  /** JSON-able: what differs. */
  detail: unknown;
  fingerprint: string;
}

export interface TriageRecord {
  id: number;
  stackId: number;
  address: string;
  fingerprint: string;
  kind: TriageKind;
  note: string | null;
  until: number | null;
  user: string;
  at: number;
}

/** One stack's drift figures as stored (no triage decisions beyond counting). */
export interface DriftSummaryRow {
  stackId: number;
  /** The newest check, whatever its outcome. */
  lastId: number | null;
  lastStatus: DriftCheckStatus | null;
  lastRunId: number | null;
  lastRunState: RunState | null;
  lastError: string | null;
  lastStartedAt: number | null;
  lastFinishedAt: number | null;
  /** The newest in_sync/drifted check: where the figures come from. */
  resultId: number | null;
  resultRunId: number | null;
  resultAt: number | null;
  total: number;
  accepted: number;
  snoozed: number;
}

export interface ResourceWithTriage extends StoredDriftResource {
  triage: TriageRecord | null;
}

export interface ScheduleStateRecord {
  stackId: number;
  job: ScheduleJob;
  lastRunAt: number;
  finishedAt: number | null;
  ok: boolean | null;
  error: string | null;
}

interface CheckRow {
  id: number;
  stack_id: number;
  run_id: number | null;
  status: DriftCheckStatus;
  drifted_count: number;
  trigger: string;
  triggered_by: string;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

const toCheck = (r: CheckRow): DriftCheckRecord => ({
  id: r.id,
  stackId: r.stack_id,
  runId: r.run_id,
  status: r.status,
  driftedCount: r.drifted_count,
  trigger: r.trigger,
  triggeredBy: r.triggered_by,
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

interface TriageRow {
  id: number;
  stack_id: number;
  address: string;
  fingerprint: string;
  kind: TriageKind;
  note: string | null;
  until: number | null;
  user: string;
  at: number;
}

const toTriage = (r: TriageRow): TriageRecord => ({
  id: r.id,
  stackId: r.stack_id,
  address: r.address,
  fingerprint: r.fingerprint,
  kind: r.kind,
  note: r.note,
  until: r.until,
  user: r.user,
  at: r.at,
});

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// Every stack, its newest check and newest result (one seek each in drift_checks_by_stack / drift_checks_results),
// the result's resources with their newest triage (one seek each in drift_triage_latest), counted per stack.
const SUMMARY_SQL = `
WITH latest AS MATERIALIZED (
  SELECT s.id AS stack_id,
    (SELECT c.id FROM drift_checks c WHERE c.stack_id = s.id ORDER BY c.id DESC LIMIT 1) AS last_id,
    (SELECT c.id FROM drift_checks c WHERE c.stack_id = s.id AND c.status IN ('in_sync', 'drifted') ORDER BY c.id DESC LIMIT 1) AS result_id
  FROM stacks s
),
res AS (
  SELECT l.stack_id, r.fingerprint, t.kind AS t_kind, t.fingerprint AS t_fp, t.until AS t_until
  FROM latest l
  JOIN drift_resources r ON r.check_id = l.result_id
  LEFT JOIN drift_triage t ON t.id = (
    SELECT x.id FROM drift_triage x WHERE x.stack_id = l.stack_id AND x.address = r.address ORDER BY x.id DESC LIMIT 1)
),
counts AS (
  SELECT stack_id, count(*) AS total,
    sum(t_kind = 'accepted' AND t_fp = fingerprint) AS accepted,
    sum(t_kind = 'snoozed' AND t_until > @now) AS snoozed
  FROM res GROUP BY stack_id
)
SELECT l.stack_id, l.last_id, c.status AS last_status, c.run_id AS last_run_id, rs.state AS last_run_state,
  c.error AS last_error, c.started_at AS last_started_at, c.finished_at AS last_finished_at,
  l.result_id, rc.run_id AS result_run_id, rc.finished_at AS result_at,
  coalesce(k.total, 0) AS total, coalesce(k.accepted, 0) AS accepted, coalesce(k.snoozed, 0) AS snoozed
FROM latest l
LEFT JOIN drift_checks c ON c.id = l.last_id
LEFT JOIN runs rs ON rs.id = c.run_id
LEFT JOIN drift_checks rc ON rc.id = l.result_id
LEFT JOIN counts k ON k.stack_id = l.stack_id`;

interface SummarySqlRow {
  stack_id: number;
  last_id: number | null;
  last_status: DriftCheckStatus | null;
  last_run_id: number | null;
  last_run_state: RunState | null;
  last_error: string | null;
  last_started_at: number | null;
  last_finished_at: number | null;
  result_id: number | null;
  result_run_id: number | null;
  result_at: number | null;
  total: number;
  accepted: number;
  snoozed: number;
}

export interface NewCheck {
  stackId: number;
  runId?: number | null;
  trigger: string;
  triggeredBy: string;
  now: number;
}

export interface FinishCheck {
  status: Exclude<DriftCheckStatus, 'checking'>;
  error?: string | null;
  resources?: StoredDriftResource[];
  now: number;
}

export class DriftRepo {
  private readonly audit: AuditRepo;
  private readonly insertCheck;
  private readonly setRun;
  private readonly deleteCheck;
  private readonly byId;
  private readonly byRun;
  private readonly lastOf;
  private readonly lastResultOf;
  private readonly historyOf;
  private readonly openChecks;
  private readonly finishStmt;
  private readonly insertResource;
  private readonly resourcesOf;
  private readonly resourcesWithTriage;
  private readonly insertTriage;
  private readonly latestTriage;
  private readonly summary;
  private readonly scheduleAll;
  private readonly scheduleUpsert;

  constructor(private readonly db: DB) {
    this.audit = new AuditRepo(db);
    this.insertCheck = db.prepare(
      `INSERT INTO drift_checks (stack_id, run_id, status, trigger, triggered_by, started_at)
       VALUES (@stackId, @runId, 'checking', @trigger, @triggeredBy, @now)`,
    );
    this.setRun = db.prepare<[number, number]>('UPDATE drift_checks SET run_id = ? WHERE id = ?');
    this.deleteCheck = db.prepare<[number]>(`DELETE FROM drift_checks WHERE id = ? AND status = 'checking'`);
    this.byId = db.prepare<[number], CheckRow>('SELECT * FROM drift_checks WHERE id = ?');
    this.byRun = db.prepare<[number], CheckRow>('SELECT * FROM drift_checks WHERE run_id = ?');
    this.lastOf = db.prepare<[number], CheckRow>(
      'SELECT * FROM drift_checks WHERE stack_id = ? ORDER BY id DESC LIMIT 1',
    );
    this.lastResultOf = db.prepare<[number], CheckRow>(
      `SELECT * FROM drift_checks WHERE stack_id = ? AND status IN ('in_sync', 'drifted') ORDER BY id DESC LIMIT 1`,
    );
    this.historyOf = db.prepare<[number, number], CheckRow>(
      'SELECT * FROM drift_checks WHERE stack_id = ? ORDER BY id DESC LIMIT ?',
    );
    this.openChecks = db.prepare<[], CheckRow>(`SELECT * FROM drift_checks WHERE status = 'checking' ORDER BY id`);
    this.finishStmt = db.prepare(
      `UPDATE drift_checks SET status = @status, error = @error, drifted_count = @count, finished_at = @now
       WHERE id = @id AND status = 'checking'`,
    );
    this.insertResource = db.prepare(
      `INSERT OR REPLACE INTO drift_resources (check_id, address, action, source, detail, fingerprint)
       VALUES (@checkId, @address, @action, @source, @detail, @fingerprint)`,
    );
    this.resourcesOf = db.prepare<
      [number],
      { address: string; action: string; source: DriftSource; detail: string; fingerprint: string }
    >('SELECT address, action, source, detail, fingerprint FROM drift_resources WHERE check_id = ? ORDER BY address');
    this.resourcesWithTriage = db.prepare<
      [{ stackId: number; checkId: number }],
      { address: string; action: string; source: DriftSource; detail: string; fingerprint: string } & {
        [K in keyof TriageRow as `t_${K}`]: TriageRow[K] | null;
      }
    >(
      `SELECT r.address, r.action, r.source, r.detail, r.fingerprint,
         t.id AS t_id, t.stack_id AS t_stack_id, t.address AS t_address, t.fingerprint AS t_fingerprint, t.kind AS t_kind,
         t.note AS t_note, t.until AS t_until, t.user AS t_user, t.at AS t_at
       FROM drift_resources r
       LEFT JOIN drift_triage t ON t.id = (
         SELECT x.id FROM drift_triage x WHERE x.stack_id = @stackId AND x.address = r.address ORDER BY x.id DESC LIMIT 1)
       WHERE r.check_id = @checkId ORDER BY r.address`,
    );
    this.insertTriage = db.prepare(
      `INSERT INTO drift_triage (stack_id, address, fingerprint, kind, note, until, user, at)
       VALUES (@stackId, @address, @fingerprint, @kind, @note, @until, @user, @at)`,
    );
    this.latestTriage = db.prepare<[number, string], TriageRow>(
      'SELECT * FROM drift_triage WHERE stack_id = ? AND address = ? ORDER BY id DESC LIMIT 1',
    );
    this.summary = db.prepare<[{ now: number }], SummarySqlRow>(SUMMARY_SQL);
    this.scheduleAll = db.prepare<
      [],
      {
        stack_id: number;
        job: ScheduleJob;
        last_run_at: number;
        finished_at: number | null;
        ok: number | null;
        error: string | null;
      }
    >('SELECT * FROM schedule_state');
    this.scheduleUpsert = db.prepare(
      `INSERT INTO schedule_state (stack_id, job, last_run_at, finished_at, ok, error)
       VALUES (@stackId, @job, @lastRunAt, @finishedAt, @ok, @error)
       ON CONFLICT (stack_id, job) DO UPDATE SET last_run_at = @lastRunAt, finished_at = @finishedAt, ok = @ok, error = @error`,
    );
  }

  // -------------------------------------------------------------------------------------------------- checks

  /** A new check in state `checking`; returns its id. */
  startCheck(c: NewCheck): number {
    const info = this.insertCheck.run({
      stackId: c.stackId,
      runId: c.runId ?? null,
      trigger: c.trigger,
      triggeredBy: c.triggeredBy,
      now: c.now,
    });
    return Number(info.lastInsertRowid);
  }

  /**
   * Tie a check to its run. When a check for that run exists already (the run's end hook recorded it first), the
   * placeholder is dropped and the existing check's id returned.
   */
  attachRun(checkId: number, runId: number): number {
    return this.db
      .transaction(() => {
        const existing = this.byRun.get(runId);
        if (existing && existing.id !== checkId) {
          this.deleteCheck.run(checkId);
          return existing.id;
        }
        this.setRun.run(runId, checkId);
        return checkId;
      })
      .immediate();
  }

  get(id: number): DriftCheckRecord | undefined {
    const r = this.byId.get(id);
    return r ? toCheck(r) : undefined;
  }

  byRunId(runId: number): DriftCheckRecord | undefined {
    const r = this.byRun.get(runId);
    return r ? toCheck(r) : undefined;
  }

  last(stackId: number): DriftCheckRecord | undefined {
    const r = this.lastOf.get(stackId);
    return r ? toCheck(r) : undefined;
  }

  lastResult(stackId: number): DriftCheckRecord | undefined {
    const r = this.lastResultOf.get(stackId);
    return r ? toCheck(r) : undefined;
  }

  /** A stack's checks, newest first. */
  history(stackId: number, limit = 50): DriftCheckRecord[] {
    return this.historyOf.all(stackId, limit).map(toCheck);
  }

  /** Checks still `checking` (running, or left by a dayops that stopped). */
  open(): DriftCheckRecord[] {
    return this.openChecks.all().map(toCheck);
  }

  /**
   * Finish a `checking` check with its outcome and resources, in one transaction. Returns false (and changes
   * nothing) when it was already finished.
   */
  finish(id: number, f: FinishCheck): boolean {
    return this.db
      .transaction(() => {
        const resources = f.resources ?? [];
        const info = this.finishStmt.run({
          id,
          status: f.status,
          error: f.error ?? null,
          count: resources.length,
          now: f.now,
        });
        if (info.changes !== 1) return false;
        for (const r of resources) {
          this.insertResource.run({
            checkId: id,
            address: r.address,
            action: r.action,
            source: r.source,
            detail: JSON.stringify(r.detail ?? null),
            fingerprint: r.fingerprint,
          });
        }
        return true;
      })
      .immediate();
  }

  resources(checkId: number): StoredDriftResource[] {
    return this.resourcesOf.all(checkId).map((r) => ({ ...r, detail: parseJson(r.detail) }));
  }

  /** A check's resources, each with the newest triage row of its address (in force or not). */
  resourcesTriaged(stackId: number, checkId: number): ResourceWithTriage[] {
    return this.resourcesWithTriage.all({ stackId, checkId }).map((r) => ({
      address: r.address,
      action: r.action,
      source: r.source,
      detail: parseJson(r.detail),
      fingerprint: r.fingerprint,
      triage:
        r.t_id === null
          ? null
          : toTriage({
              id: r.t_id,
              stack_id: r.t_stack_id!,
              address: r.t_address!,
              fingerprint: r.t_fingerprint!,
              kind: r.t_kind!,
              note: r.t_note,
              until: r.t_until,
              user: r.t_user!,
              at: r.t_at!,
            }),
    }));
  }

  /** Every stack's drift figures, one query. */
  summaries(now: number): DriftSummaryRow[] {
    return this.summary.all({ now }).map((r) => ({
      stackId: r.stack_id,
      lastId: r.last_id,
      lastStatus: r.last_status,
      lastRunId: r.last_run_id,
      lastRunState: r.last_run_state,
      lastError: r.last_error,
      lastStartedAt: r.last_started_at,
      lastFinishedAt: r.last_finished_at,
      resultId: r.result_id,
      resultRunId: r.result_run_id,
      resultAt: r.result_at,
      total: r.total,
      accepted: r.accepted,
      snoozed: r.snoozed,
    }));
  }

  // -------------------------------------------------------------------------------------------------- triage

  latestTriageOf(stackId: number, address: string): TriageRecord | undefined {
    const r = this.latestTriage.get(stackId, address);
    return r ? toTriage(r) : undefined;
  }

  /** Record a triage decision and its audit entry in one transaction; returns the triage row. */
  addTriage(t: Omit<TriageRecord, 'id'>, audit: { action: string; detail?: unknown }): TriageRecord {
    return this.db
      .transaction(() => {
        const info = this.insertTriage.run({
          stackId: t.stackId,
          address: t.address,
          fingerprint: t.fingerprint,
          kind: t.kind,
          note: t.note,
          until: t.until,
          user: t.user,
          at: t.at,
        });
        this.audit.append({
          at: t.at,
          user: t.user,
          action: audit.action,
          stackId: t.stackId,
          comment: t.note,
          detail: audit.detail,
        });
        return { ...t, id: Number(info.lastInsertRowid) };
      })
      .immediate();
  }

  /** An audit entry (remediation started, auto-remediation skipped). */
  auditEntry(e: {
    at: number;
    user: string;
    action: string;
    stackId: number;
    runId?: number | null;
    comment?: string | null;
    detail?: unknown;
  }): void {
    this.audit.append(e);
  }

  // ---------------------------------------------------------------------------------------------- schedule

  scheduleState(): ScheduleStateRecord[] {
    return this.scheduleAll.all().map((r) => ({
      stackId: r.stack_id,
      job: r.job,
      lastRunAt: r.last_run_at,
      finishedAt: r.finished_at,
      ok: r.ok === null ? null : r.ok === 1,
      error: r.error,
    }));
  }

  recordScheduleRun(s: ScheduleStateRecord): void {
    this.scheduleUpsert.run({
      stackId: s.stackId,
      job: s.job,
      lastRunAt: s.lastRunAt,
      finishedAt: s.finishedAt,
      ok: s.ok === null ? null : s.ok ? 1 : 0,
      error: s.error,
    });
  }
}

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

// One pass over the stacks; each correlated subquery is one seek in runs_by_stack / runs_by_stack_kind, and the
// run's columns come from the covering index runs_overview (never the row, whose plan_json may be large).
const OVERVIEW_SQL = `
SELECT s.id AS stack_id, s.name, s.environment, s.tool, s.dir,
  ${RUN_COLS('r')},
  ${RUN_COLS('t')},
  ac.critical, ac.warning, ac.info, ac.other, ac.suppressed, ac.total,
  src.key AS src_key, src.fetched_at AS src_fetched, src.ok_at AS src_ok, src.error AS src_error,
  src.failures AS src_failures, src.next_retry_at AS src_retry
FROM stacks s
LEFT JOIN runs r INDEXED BY runs_overview
  ON r.stack_id = s.id AND r.id = (SELECT x.id FROM runs x WHERE x.stack_id = s.id ORDER BY x.id DESC LIMIT 1)
LEFT JOIN runs t INDEXED BY runs_overview
  ON t.stack_id = s.id AND t.id = (SELECT x.id FROM runs x WHERE x.stack_id = s.id AND x.kind = 'tracked' ORDER BY x.id DESC LIMIT 1)
LEFT JOIN alert_counts ac ON ac.stack_id = s.id
LEFT JOIN sources src ON src.key = 'alerts:' || s.name
ORDER BY s.name`;

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
    this.stmt = db.prepare<[], RawRow>(OVERVIEW_SQL).raw(true);
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
