/**
 * dayops' own alerts and notifications (migration 012): the conditions last raised (`notify_conditions`) and the
 * outbox of deliveries (`notify_outbox`), plus the few reads of runs the conditions need.
 *
 * The outbox is the truth: a row is written in the same transaction as the condition change that caused it, claimed
 * by one process at a time with a lease (`claimed_by`, `claimed_until`), and marked delivered by one statement right
 * after the receiver's 2xx. The only window where an event can be sent twice is between that 2xx and that statement
 * (a crash there): receivers dedupe on the event id.
 */
import type { DB } from './open.js';

const TERMINAL_SQL = `('FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED')`;

export interface NotifyConditionRecord {
  key: string;
  stackId: number;
  alertname: string;
  subject: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  firedAt: number;
  renewedAt: number;
  resolvedAt: number | null;
}

interface ConditionRow {
  key: string;
  stack_id: number;
  alertname: string;
  subject: string;
  labels: string;
  annotations: string;
  fired_at: number;
  renewed_at: number;
  resolved_at: number | null;
}

const toCondition = (r: ConditionRow): NotifyConditionRecord => ({
  key: r.key,
  stackId: r.stack_id,
  alertname: r.alertname,
  subject: r.subject,
  labels: JSON.parse(r.labels) as Record<string, string>,
  annotations: JSON.parse(r.annotations) as Record<string, string>,
  firedAt: r.fired_at,
  renewedAt: r.renewed_at,
  resolvedAt: r.resolved_at,
});

export type OutboxKind = 'firing' | 'renew' | 'resolved' | 'test';
export type OutboxState = 'pending' | 'delivered' | 'superseded' | 'dropped';

export interface NewOutboxRow {
  eventId: string;
  /** `alertmanager` or `webhook:<url>`. */
  route: string;
  stackId: number | null;
  condKey: string;
  kind: OutboxKind;
  target: string;
  payload: string;
}

export interface OutboxRow extends NewOutboxRow {
  id: number;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  claimedBy: string | null;
  claimedUntil: number | null;
  state: OutboxState;
  doneAt: number | null;
}

interface OutboxDbRow {
  id: number;
  event_id: string;
  route: string;
  stack_id: number | null;
  cond_key: string;
  kind: OutboxKind;
  target: string;
  payload: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_status: number | null;
  claimed_by: string | null;
  claimed_until: number | null;
  state: OutboxState;
  done_at: number | null;
}

const toOutbox = (r: OutboxDbRow): OutboxRow => ({
  id: r.id,
  eventId: r.event_id,
  route: r.route,
  stackId: r.stack_id,
  condKey: r.cond_key,
  kind: r.kind,
  target: r.target,
  payload: r.payload,
  createdAt: r.created_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastStatus: r.last_status,
  claimedBy: r.claimed_by,
  claimedUntil: r.claimed_until,
  state: r.state,
  doneAt: r.done_at,
});

/** The newest ended run of a stack that failed (deploys and remediations apart from drift checks). */
export interface FailedRunRow {
  stackId: number;
  runId: number;
  purpose: 'deploy' | 'drift' | 'remediation';
  kind: 'tracked' | 'proposed';
  error: string | null;
  finishedAt: number | null;
}

export interface WaitingRunRow {
  stackId: number;
  runId: number;
  /** When it started to wait for approval. */
  since: number;
}

export class NotifyRepo {
  private readonly allConditions;
  private readonly upsertCondition;
  private readonly resolveCondition;
  private readonly insertOutbox;
  private readonly supersede;
  private readonly dueRows;
  private readonly claimRow;
  private readonly deliveredRow;
  private readonly failedRow;
  private readonly dropRow;
  private readonly byEvent;
  private readonly pendingCount;
  private readonly nextDue;
  private readonly pruneDone;
  private readonly failedRuns;
  private readonly waitingRuns;

  constructor(private readonly db: DB) {
    this.allConditions = db.prepare<[], ConditionRow>('SELECT * FROM notify_conditions ORDER BY key');
    this.upsertCondition = db.prepare(
      `INSERT INTO notify_conditions (key, stack_id, alertname, subject, labels, annotations, fired_at, renewed_at, resolved_at)
       VALUES (@key, @stackId, @alertname, @subject, @labels, @annotations, @firedAt, @renewedAt, NULL)
       ON CONFLICT (key) DO UPDATE SET stack_id = excluded.stack_id, alertname = excluded.alertname,
         subject = excluded.subject, labels = excluded.labels, annotations = excluded.annotations,
         fired_at = excluded.fired_at, renewed_at = excluded.renewed_at, resolved_at = NULL`,
    );
    this.resolveCondition = db.prepare<[number, string]>(
      'UPDATE notify_conditions SET resolved_at = ? WHERE key = ? AND resolved_at IS NULL',
    );
    this.insertOutbox = db.prepare(
      `INSERT INTO notify_outbox (event_id, route, stack_id, cond_key, kind, target, payload, created_at, next_attempt_at)
       VALUES (@eventId, @route, @stackId, @condKey, @kind, @target, @payload, @now, @now)
       ON CONFLICT DO NOTHING RETURNING id`,
    );
    // A newer post of the same alert to Alertmanager makes the older ones pointless (and, sent late, wrong).
    this.supersede = db.prepare<[number, string, string, number]>(
      `UPDATE notify_outbox SET state = 'superseded', done_at = ?
       WHERE route = ? AND cond_key = ? AND state = 'pending' AND id < ? AND claimed_by IS NULL`,
    );
    // Due rows whose route and condition have no older pending row: events reach a receiver in order.
    this.dueRows = db.prepare<[number, number], OutboxDbRow>(
      `SELECT o.* FROM notify_outbox o
       WHERE o.state = 'pending' AND o.next_attempt_at <= ?
         AND NOT EXISTS (SELECT 1 FROM notify_outbox p
                         WHERE p.state = 'pending' AND p.route = o.route AND p.cond_key = o.cond_key AND p.id < o.id)
       ORDER BY o.id LIMIT ?`,
    );
    this.claimRow = db.prepare(
      `UPDATE notify_outbox SET claimed_by = @me, claimed_until = @until
       WHERE id = @id AND state = 'pending' AND claimed_by IS NOT DISTINCT FROM @oldBy AND claimed_until IS NOT DISTINCT FROM @oldUntil`,
    );
    this.deliveredRow = db.prepare(
      `UPDATE notify_outbox SET state = 'delivered', done_at = @now, attempts = attempts + 1, last_status = @status,
         last_error = NULL, claimed_by = NULL, claimed_until = NULL
       WHERE id = @id AND state = 'pending'`,
    );
    this.failedRow = db.prepare(
      `UPDATE notify_outbox SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error,
         last_status = @status, claimed_by = NULL, claimed_until = NULL
       WHERE id = @id AND state = 'pending'`,
    );
    this.dropRow = db.prepare(
      `UPDATE notify_outbox SET state = 'dropped', done_at = @now, last_error = @error, claimed_by = NULL,
         claimed_until = NULL WHERE id = @id AND state = 'pending'`,
    );
    this.byEvent = db.prepare<[string, string], OutboxDbRow>(
      'SELECT * FROM notify_outbox WHERE route = ? AND event_id = ?',
    );
    this.pendingCount = db.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM notify_outbox WHERE state = 'pending'`,
    );
    this.nextDue = db.prepare<[], { at: number | null }>(
      `SELECT min(next_attempt_at) AS at FROM notify_outbox WHERE state = 'pending'`,
    );
    this.pruneDone = db.prepare<[number]>(`DELETE FROM notify_outbox WHERE state != 'pending' AND done_at < ?`);
    const newestEnded = (purpose: string) =>
      `(SELECT x.id FROM runs x WHERE x.stack_id = s.id AND ${purpose} AND x.state IN ${TERMINAL_SQL}
        ORDER BY x.id DESC LIMIT 1)`;
    this.failedRuns = db.prepare<
      [],
      {
        stack_id: number;
        id: number;
        purpose: FailedRunRow['purpose'];
        kind: FailedRunRow['kind'];
        error: string | null;
        finished_at: number | null;
      }
    >(
      `SELECT r.stack_id, r.id, r.purpose, r.kind, r.error, r.finished_at FROM stacks s
       JOIN runs r ON r.id IN (${newestEnded("x.purpose != 'drift'")}, ${newestEnded("x.purpose = 'drift'")})
       WHERE r.state = 'FAILED' ORDER BY r.stack_id, r.id`,
    );
    this.waitingRuns = db.prepare<[], { stack_id: number; id: number; since: number }>(
      `SELECT r.stack_id, r.id,
         coalesce((SELECT max(t.at) FROM run_transitions t WHERE t.run_id = r.id AND t.state = 'UNCONFIRMED'), r.updated_at) AS since
       FROM runs r WHERE r.state = 'UNCONFIRMED' ORDER BY r.stack_id, r.id`,
    );
  }

  /** `fn` in one write transaction (BEGIN IMMEDIATE): two processes never diff against the same state. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  conditions(): NotifyConditionRecord[] {
    return this.allConditions.all().map(toCondition);
  }

  /** Start (or restart) a condition's generation, or renew it (same `firedAt`). */
  putCondition(c: Omit<NotifyConditionRecord, 'resolvedAt'>): void {
    this.upsertCondition.run({
      key: c.key,
      stackId: c.stackId,
      alertname: c.alertname,
      subject: c.subject,
      labels: JSON.stringify(c.labels),
      annotations: JSON.stringify(c.annotations),
      firedAt: c.firedAt,
      renewedAt: c.renewedAt,
    });
  }

  resolve(key: string, now: number): void {
    this.resolveCondition.run(now, key);
  }

  /**
   * Enqueue a delivery; false when this event was already enqueued for this route (the UNIQUE constraint). An
   * Alertmanager post supersedes the older pending posts of the same alert that no process is sending.
   */
  enqueue(row: NewOutboxRow, now: number): boolean {
    const info = this.insertOutbox.run({ ...row, now });
    if (info.changes === 0) return false;
    if (row.route === 'alertmanager') this.supersede.run(now, row.route, row.condKey, Number(info.lastInsertRowid));
    return true;
  }

  due(now: number, limit = 50): OutboxRow[] {
    return this.dueRows.all(now, limit).map(toOutbox);
  }

  /** Take a row for sending: only if nobody changed its claim since it was read. */
  claim(row: Pick<OutboxRow, 'id' | 'claimedBy' | 'claimedUntil'>, me: string, until: number): boolean {
    return this.claimRow.run({ id: row.id, me, until, oldBy: row.claimedBy, oldUntil: row.claimedUntil }).changes === 1;
  }

  /** The one statement right after a 2xx. */
  delivered(id: number, status: number, now: number): void {
    this.deliveredRow.run({ id, status, now });
  }

  failed(id: number, error: string, status: number | null, next: number): void {
    this.failedRow.run({ id, error, status, next });
  }

  /** Never to be sent (its route is no longer configured). */
  drop(id: number, error: string, now: number): void {
    this.dropRow.run({ id, error, now });
  }

  get(route: string, eventId: string): OutboxRow | undefined {
    const r = this.byEvent.get(route, eventId);
    return r ? toOutbox(r) : undefined;
  }

  pending(): number {
    return this.pendingCount.get()!.n;
  }

  nextAttemptAt(): number | null {
    return this.nextDue.get()!.at;
  }

  /** Forget delivered, superseded and dropped rows older than `before`. */
  prune(before: number): number {
    return this.pruneDone.run(before).changes;
  }

  failedRunsNow(): FailedRunRow[] {
    return this.failedRuns.all().map((r) => ({
      stackId: r.stack_id,
      runId: r.id,
      purpose: r.purpose,
      kind: r.kind,
      error: r.error,
      finishedAt: r.finished_at,
    }));
  }

  waitingRunsNow(): WaitingRunRow[] {
    return this.waitingRuns.all().map((r) => ({ stackId: r.stack_id, runId: r.id, since: r.since }));
  }
}
