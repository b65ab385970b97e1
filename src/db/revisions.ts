/**
 * The revision each run ran (migration 011), the links of promoted and rolled-back runs, and the questions
 * promotion and rollback ask: which run of a stack last succeeded, and did its validation pass.
 *
 * `runs.validation_status` ('passed' | 'failed' | NULL) belongs to post-deploy validation (migration 008); it is
 * read only where the column exists, so this module works before and after that feature.
 */
import { AuditRepo, type AuditAction } from './audit.js';
import type { DB } from './open.js';
import { isTeamDb } from './engine.js';

export type RevisionKind = 'git' | 'content';
export type ValidationStatus = 'passed' | 'failed' | null;

export interface RunRevision {
  runId: number;
  revision: string | null;
  kind: RevisionKind | null;
  dirty: boolean;
  promotedFromRunId: number | null;
  rollbackOfRunId: number | null;
}

/** A run that succeeded: FINISHED, tracked (it applied, or found nothing to apply). */
export interface SucceededRun extends RunRevision {
  stackId: number;
  stackName: string;
  state: string;
  finishedAt: number | null;
  validation: ValidationStatus;
}

interface Row {
  id: number;
  revision: string | null;
  revision_kind: RevisionKind | null;
  revision_dirty: number;
  promoted_from_run_id: number | null;
  rollback_of_run_id: number | null;
}

interface SucceededRow extends Row {
  stack_id: number;
  stack_name: string;
  state: string;
  finished_at: number | null;
  validation: ValidationStatus;
}

const toRevision = (r: Row): RunRevision => ({
  runId: r.id,
  revision: r.revision,
  kind: r.revision_kind,
  dirty: r.revision_dirty === 1,
  promotedFromRunId: r.promoted_from_run_id,
  rollbackOfRunId: r.rollback_of_run_id,
});

const toSucceeded = (r: SucceededRow): SucceededRun => ({
  ...toRevision(r),
  stackId: r.stack_id,
  stackName: r.stack_name,
  state: r.state,
  finishedAt: r.finished_at,
  validation: r.validation === 'passed' || r.validation === 'failed' ? r.validation : null,
});

const COLS = 'r.id, r.revision, r.revision_kind, r.revision_dirty, r.promoted_from_run_id, r.rollback_of_run_id';

export class RevisionsRepo {
  private readonly audit: AuditRepo;
  private readonly byId;
  private readonly setStmt;
  private readonly linkStmt;
  private readonly lastOk;
  private readonly lastOkBefore;
  private readonly validationOf;
  /** Whether runs.validation_status exists in this database. */
  readonly hasValidation: boolean;

  constructor(private readonly db: DB) {
    this.audit = new AuditRepo(db);
    // A team database's schema is always the whole one (team init); a SQLite file may be opened mid-upgrade.
    this.hasValidation =
      isTeamDb(db) ||
      db
        .prepare<[], { name: string }>('PRAGMA table_info(runs)')
        .all()
        .some((c) => c.name === 'validation_status');
    // A run with nothing to apply runs no validation and changes nothing deployed: the last validation of the same
    // revision before it still holds (a failed one is not washed out by a no-op run).
    const validation = this.hasValidation
      ? `coalesce(r.validation_status, (SELECT p.validation_status FROM runs p WHERE p.stack_id = r.stack_id
          AND p.id < r.id AND p.kind = 'tracked' AND p.state = 'FINISHED' AND p.validation_status IS NOT NULL
          AND p.revision IS NOT DISTINCT FROM r.revision AND r.revision IS NOT NULL ORDER BY p.id DESC LIMIT 1))`
      : 'NULL';
    this.byId = db.prepare<[number], Row>(`SELECT ${COLS} FROM runs r WHERE r.id = ?`);
    this.setStmt = db.prepare<[string | null, string | null, number, number, number]>(
      'UPDATE runs SET revision = ?, revision_kind = ?, revision_dirty = ?, updated_at = ? WHERE id = ?',
    );
    this.linkStmt = db.prepare<[number | null, number | null, number]>(
      'UPDATE runs SET promoted_from_run_id = ?, rollback_of_run_id = ? WHERE id = ?',
    );
    const succeeded = `SELECT ${COLS}, r.stack_id, s.name AS stack_name, r.state, r.finished_at, ${validation} AS validation
      FROM runs r JOIN stacks s ON s.id = r.stack_id
      WHERE r.stack_id = ? AND r.kind = 'tracked' AND r.state = 'FINISHED'`;
    this.lastOk = db.prepare<[number], SucceededRow>(`${succeeded} ORDER BY r.id DESC LIMIT 1`);
    this.lastOkBefore = db.prepare<[number, number], SucceededRow>(
      `${succeeded} AND r.id < ? AND ${validation} IS DISTINCT FROM 'failed' ORDER BY r.id DESC LIMIT 1`,
    );
    this.validationOf = db.prepare<[number], { v: string | null }>(
      `SELECT ${validation} AS v FROM runs r WHERE r.id = ?`,
    );
  }

  get(runId: number): RunRevision | undefined {
    const r = this.byId.get(runId);
    return r ? toRevision(r) : undefined;
  }

  /** Record the revision a run runs (measured before its tool starts). */
  set(runId: number, rev: { revision: string; kind: RevisionKind; dirty: boolean } | null, now = Date.now()): void {
    this.setStmt.run(rev?.revision ?? null, rev?.kind ?? null, rev?.dirty ? 1 : 0, now, runId);
  }

  /**
   * Link a new run to the run whose revision it takes (a promotion, a rollback), with the audit entry saying who
   * did it, in one transaction.
   */
  link(
    runId: number,
    link: { promotedFromRunId: number; rollbackOfRunId?: number | null },
    audit: { user: string; action: AuditAction; stackId: number; detail?: unknown; comment?: string | null },
    now = Date.now(),
  ): void {
    this.db
      .transaction(() => {
        this.linkStmt.run(link.promotedFromRunId, link.rollbackOfRunId ?? null, runId);
        this.audit.append({ at: now, runId, ...audit });
      })
      .immediate();
  }

  /** The stack's last run that succeeded (tracked, FINISHED), whatever its validation said. */
  lastSucceeded(stackId: number): SucceededRun | undefined {
    const r = this.lastOk.get(stackId);
    return r ? toSucceeded(r) : undefined;
  }

  /** The stack's last succeeded run before `runId` whose validation did not fail (passed, or none ran). */
  previousGood(stackId: number, runId: number): SucceededRun | undefined {
    const r = this.lastOkBefore.get(stackId, runId);
    return r ? toSucceeded(r) : undefined;
  }

  /** The run's validation status; null when none ran (or this database has no validation yet). */
  validation(runId: number): ValidationStatus {
    const v = this.validationOf.get(runId)?.v ?? null;
    return v === 'passed' || v === 'failed' ? v : null;
  }
}
