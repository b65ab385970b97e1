/**
 * The audit log: what operators did (approve, discard, cancel, auto-approve, and the Day-2 actions). Append-only:
 * the triggers in 002-runs.sql refuse UPDATE and DELETE, and this repository offers neither.
 */
import type { DB } from './open.js';

/** Day-1 actions; Day-2 modules add their own words (`silence`, `backup`, ...). */
export type AuditAction = 'approve' | 'discard' | 'cancel' | 'auto-approve' | (string & {});

export interface AuditEntry {
  id: number;
  at: number;
  user: string;
  action: AuditAction;
  stackId: number | null;
  runId: number | null;
  comment: string | null;
  /** JSON-able detail, stored as JSON. */
  detail: unknown;
}

export interface NewAuditEntry {
  user: string;
  action: AuditAction;
  stackId?: number | null;
  runId?: number | null;
  comment?: string | null;
  detail?: unknown;
  at?: number;
}

interface Row {
  id: number;
  at: number;
  user: string;
  action: string;
  stack_id: number | null;
  run_id: number | null;
  comment: string | null;
  detail: string | null;
}

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: r.at,
  user: r.user,
  action: r.action,
  stackId: r.stack_id,
  runId: r.run_id,
  comment: r.comment,
  detail: r.detail === null ? null : JSON.parse(r.detail),
});

export class AuditRepo {
  private readonly insert;
  private readonly byRun;
  private readonly byStack;
  private readonly recent;

  constructor(db: DB) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (at, "user", action, stack_id, run_id, comment, detail)
       VALUES (@at, @user, @action, @stackId, @runId, @comment, @detail) RETURNING id`,
    );
    this.byRun = db.prepare<[number], Row>('SELECT * FROM audit_log WHERE run_id = ? ORDER BY id');
    this.byStack = db.prepare<[number, number], Row>(
      'SELECT * FROM audit_log WHERE stack_id = ? ORDER BY id DESC LIMIT ?',
    );
    this.recent = db.prepare<[number], Row>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
  }

  /** Append one entry; returns its id. Runs inside the caller's transaction when there is one. */
  append(e: NewAuditEntry): number {
    const info = this.insert.run({
      at: e.at ?? Date.now(),
      user: e.user,
      action: e.action,
      stackId: e.stackId ?? null,
      runId: e.runId ?? null,
      comment: e.comment ?? null,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
    });
    return Number(info.lastInsertRowid);
  }

  /** A run's entries, oldest first. */
  forRun(runId: number): AuditEntry[] {
    return this.byRun.all(runId).map(toEntry);
  }

  /** A stack's entries, newest first. */
  forStack(stackId: number, limit = 100): AuditEntry[] {
    return this.byStack.all(stackId, limit).map(toEntry);
  }

  /** The newest entries of every stack. */
  list(limit = 100): AuditEntry[] {
    return this.recent.all(limit).map(toEntry);
  }
}
