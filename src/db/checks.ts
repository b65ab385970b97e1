/**
 * Check results (008-validation.sql): the after-apply checks of a run, the scheduled checks the Day-2 scheduler
 * runs, and those `dayops check` runs. A row is written when a check starts (`running`, so every view shows it
 * live) and completed when it ends.
 */
import type { DB } from './open.js';

export type CheckSource = 'after-apply' | 'scheduled' | 'manual';
export type CheckRowStatus = 'running' | 'passed' | 'failed';

export interface CheckRecord {
  id: number;
  runId: number | null;
  stackId: number;
  stackName: string;
  source: CheckSource;
  name: string;
  kind: string;
  status: CheckRowStatus;
  startedAt: number;
  finishedAt: number | null;
  /** The check's time so far while it runs; its whole time once it ended. */
  durationMs: number;
  attempts: number;
  message: string | null;
  output: string | null;
}

interface Row {
  id: number;
  run_id: number | null;
  stack_id: number;
  stack_name: string;
  source: CheckSource;
  name: string;
  kind: string;
  status: CheckRowStatus;
  started_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  attempts: number;
  message: string | null;
  output: string | null;
}

const SELECT = `SELECT c.id, c.run_id, c.stack_id, s.name AS stack_name, c.source, c.name, c.kind, c.status,
  c.started_at, c.finished_at, c.duration_ms, c.attempts, c.message, c.output
  FROM check_results c JOIN stacks s ON s.id = c.stack_id`;

function toRecord(r: Row, now: number): CheckRecord {
  return {
    id: r.id,
    runId: r.run_id,
    stackId: r.stack_id,
    stackName: r.stack_name,
    source: r.source,
    name: r.name,
    kind: r.kind,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms ?? Math.max(0, now - r.started_at),
    attempts: r.attempts,
    message: r.message,
    output: r.output,
  };
}

export interface CheckEnd {
  status: 'passed' | 'failed';
  durationMs: number;
  attempts: number;
  message: string;
  output?: string | null;
}

export class ChecksRepo {
  private readonly insert;
  private readonly update;
  private readonly byRun;
  private readonly latestScheduledAll;
  private readonly latestScheduledStack;
  private readonly failRunningOfRun;
  private readonly pruneStmt;
  private readonly failedScheduledStmt;

  constructor(db: DB) {
    this.insert = db.prepare<[number | null, number, CheckSource, string, string, number]>(
      `INSERT INTO check_results (run_id, stack_id, source, name, kind, status, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?) RETURNING id`,
    );
    this.update = db.prepare(
      `UPDATE check_results SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs,
         attempts = @attempts, message = @message, output = @output WHERE id = @id`,
    );
    this.byRun = db.prepare<[number], Row>(`${SELECT} WHERE c.run_id = ? ORDER BY c.id`);
    const latest = `${SELECT} WHERE c.id IN (SELECT max(id) FROM check_results WHERE source = 'scheduled' AND status != 'running'
        GROUP BY stack_id, name)`;
    this.latestScheduledAll = db.prepare<[], Row>(`${latest} ORDER BY s.name, c.name`);
    this.latestScheduledStack = db.prepare<[number], Row>(`${latest} AND c.stack_id = ? ORDER BY c.name`);
    this.pruneStmt = db.prepare<{ stackId: number; name: string; keep: number }>(
      `DELETE FROM check_results WHERE run_id IS NULL AND stack_id = @stackId AND name = @name AND id < coalesce(
         (SELECT id FROM check_results WHERE run_id IS NULL AND stack_id = @stackId AND name = @name
          ORDER BY id DESC LIMIT 1 OFFSET @keep - 1), 0)`,
    );
    this.failedScheduledStmt = db.prepare<[number, number, number, number], Row>(
      `${SELECT} WHERE c.stack_id = ? AND c.source = 'scheduled' AND c.status = 'failed'
         AND c.finished_at BETWEEN ? AND ? ORDER BY c.finished_at DESC, c.id DESC LIMIT ?`,
    );
    this.failRunningOfRun = db.prepare<{ runId: number; message: string; now: number }>(
      `UPDATE check_results SET status = 'failed', finished_at = @now, duration_ms = @now - started_at, message = @message
       WHERE run_id = @runId AND status = 'running'`,
    );
  }

  /**
   * Keep the newest `keep` results of a stack's check outside runs (scheduled, `dayops check`); a run's checks stay
   * with the run.
   */
  prune(stackId: number, name: string, keep = 100): number {
    return this.pruneStmt.run({ stackId, name, keep }).changes;
  }

  /** A check started: its row, `running`. */
  start(
    input: { runId: number | null; stackId: number; source: CheckSource; name: string; kind: string },
    now = Date.now(),
  ): number {
    return Number(
      this.insert.run(input.runId, input.stackId, input.source, input.name, input.kind, now).lastInsertRowid,
    );
  }

  end(id: number, r: CheckEnd, now = Date.now()): void {
    this.update.run({
      id,
      status: r.status,
      finishedAt: now,
      durationMs: Math.round(r.durationMs),
      attempts: r.attempts,
      message: r.message,
      output: r.output ?? null,
    });
  }

  /** A run's checks, in the order they started. */
  ofRun(runId: number, now = Date.now()): CheckRecord[] {
    return this.byRun.all(runId).map((r) => toRecord(r, now));
  }

  /** The newest result of each scheduled check (of one stack, or of every stack). */
  latestScheduled(stackId?: number, now = Date.now()): CheckRecord[] {
    const rows = stackId === undefined ? this.latestScheduledAll.all() : this.latestScheduledStack.all(stackId);
    return rows.map((r) => toRecord(r, now));
  }

  /** A stack's scheduled checks that failed between two times (inclusive), newest first, at most `limit`. */
  failedScheduledBetween(stackId: number, from: number, to: number, limit = 12): CheckRecord[] {
    return this.failedScheduledStmt.all(stackId, from, to, limit).map((r) => toRecord(r, to));
  }

  /** A run whose dayops stopped mid-validation: its checks still `running` end `failed` with why. */
  failRunning(runId: number, message: string, now = Date.now()): number {
    return this.failRunningOfRun.run({ runId, message, now }).changes;
  }
}
