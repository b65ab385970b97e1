/** The drift repository (migrations/003-drift.sql). */
import type { DB } from '../open.js';
import { AuditRepo } from '../audit.js';
import {
  SUMMARY_SQL,
  parseJson,
  toCheck,
  toTriage,
  type CheckRow,
  type SummarySqlRow,
  type TriageRow,
} from './rows.js';
import {
  type DriftCheckRecord,
  type DriftSource,
  type DriftSummaryRow,
  type FinishCheck,
  type NewCheck,
  type ResourceWithTriage,
  type ScheduleJob,
  type ScheduleStateRecord,
  type StoredDriftResource,
  type TriageRecord,
} from './types.js';

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
       VALUES (@stackId, @runId, 'checking', @trigger, @triggeredBy, @now) RETURNING id`,
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
      `INSERT INTO drift_resources (check_id, address, action, source, detail, fingerprint)
       VALUES (@checkId, @address, @action, @source, @detail, @fingerprint)
       ON CONFLICT (check_id, address) DO UPDATE SET action = excluded.action, source = excluded.source,
         detail = excluded.detail, fingerprint = excluded.fingerprint`,
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
         t.note AS t_note, t.until AS t_until, t."user" AS t_user, t.at AS t_at
       FROM drift_resources r
       LEFT JOIN drift_triage t ON t.id = (
         SELECT x.id FROM drift_triage x WHERE x.stack_id = @stackId AND x.address = r.address ORDER BY x.id DESC LIMIT 1)
       WHERE r.check_id = @checkId ORDER BY r.address`,
    );
    this.insertTriage = db.prepare(
      `INSERT INTO drift_triage (stack_id, address, fingerprint, kind, note, until, "user", at)
       VALUES (@stackId, @address, @fingerprint, @kind, @note, @until, @user, @at) RETURNING id`,
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
