/**
 * The alerts cache, dayops' acknowledgements and the silences dayops created (004-alerts.sql), plus the two reads
 * of other tables the alerts screen needs: appending to the audit log, and the applies that preceded an alert.
 */
import type { DB } from './open.js';

export type AlertState = 'active' | 'silenced' | 'inhibited';

/** What a sync stores for one alert. */
export interface AlertRecord {
  fingerprint: string;
  alertname: string;
  severity: string;
  severityRank: number;
  state: AlertState;
  amState: string;
  silencedBy: string[];
  inhibitedBy: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: string[];
  startsAt: number;
  endsAt: number | null;
  updatedAt: number | null;
  generatorUrl: string | null;
}

export interface AckRecord {
  user: string;
  note: string | null;
  at: number;
}

export interface StoredAlert extends AlertRecord {
  stackId: number;
  stack: string;
  fetchedAt: number;
  /** dayops' acknowledgement of this firing of the alert. */
  acknowledged: AckRecord | null;
}

export interface SeverityCounts {
  stackId: number;
  /** Active (not silenced, not inhibited) alerts by severity. */
  critical: number;
  warning: number;
  info: number;
  other: number;
  /** Silenced or inhibited alerts, any severity. */
  suppressed: number;
  total: number;
}

export type SilenceKind = 'manual' | 'quiet-apply';
export type SilenceScope = 'alert' | 'labels' | 'stack';

export interface SilenceRecord {
  id: string;
  stackId: number | null;
  url: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  kind: SilenceKind;
  scope: SilenceScope | null;
  fingerprint: string | null;
  runId: number | null;
  createdAt: number;
  expiredAt: number | null;
  expiredBy: string | null;
}

export interface AuditEntry {
  at: number;
  user: string;
  action: string;
  stackId?: number | null;
  runId?: number | null;
  comment?: string | null;
  detail?: unknown;
}

/** A run of a stack that reached APPLYING, with what it planned and applied. */
export interface AppliedRunRow {
  id: number;
  state: string;
  purpose: string;
  triggeredBy: string;
  /** When the run entered APPLYING. */
  applyingAt: number;
  finishedAt: number | null;
  summaryAdd: number | null;
  summaryChange: number | null;
  summaryDestroy: number | null;
  planJson: string | null;
  applyJson: string | null;
  error: string | null;
}

interface AlertRow {
  stack_id: number;
  stack: string;
  fingerprint: string;
  alertname: string;
  severity: string;
  severity_rank: number;
  state: AlertState;
  am_state: string;
  silenced_by: string;
  inhibited_by: string;
  labels: string;
  annotations: string;
  receivers: string;
  starts_at: number;
  ends_at: number | null;
  updated_at: number | null;
  generator_url: string | null;
  fetched_at: number;
  ack_user: string | null;
  ack_note: string | null;
  ack_at: number | null;
}

interface SilenceRow {
  id: string;
  stack_id: number | null;
  url: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  kind: SilenceKind;
  scope: SilenceScope | null;
  fingerprint: string | null;
  run_id: number | null;
  created_at: number;
  expired_at: number | null;
  expired_by: string | null;
}

const toAlert = (r: AlertRow): StoredAlert => ({
  stackId: r.stack_id,
  stack: r.stack,
  fingerprint: r.fingerprint,
  alertname: r.alertname,
  severity: r.severity,
  severityRank: r.severity_rank,
  state: r.state,
  amState: r.am_state,
  silencedBy: JSON.parse(r.silenced_by) as string[],
  inhibitedBy: JSON.parse(r.inhibited_by) as string[],
  labels: JSON.parse(r.labels) as Record<string, string>,
  annotations: JSON.parse(r.annotations) as Record<string, string>,
  receivers: JSON.parse(r.receivers) as string[],
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  updatedAt: r.updated_at,
  generatorUrl: r.generator_url,
  fetchedAt: r.fetched_at,
  acknowledged: r.ack_user !== null ? { user: r.ack_user, note: r.ack_note, at: r.ack_at! } : null,
});

const toSilence = (r: SilenceRow): SilenceRecord => ({
  id: r.id,
  stackId: r.stack_id,
  url: r.url,
  matchers: JSON.parse(r.matchers) as SilenceRecord['matchers'],
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdBy: r.created_by,
  comment: r.comment,
  kind: r.kind,
  scope: r.scope,
  fingerprint: r.fingerprint,
  runId: r.run_id,
  createdAt: r.created_at,
  expiredAt: r.expired_at,
  expiredBy: r.expired_by,
});

// An acknowledgement counts only for the firing it was given for (same starts_at).
const SELECT_ALERTS = `
  SELECT a.*, s.name AS stack, k."user" AS ack_user, k.note AS ack_note, k.at AS ack_at
  FROM alerts a
  JOIN stacks s ON s.id = a.stack_id
  LEFT JOIN alert_acks k ON k.stack_id = a.stack_id AND k.fingerprint = a.fingerprint AND k.starts_at = a.starts_at`;

export class AlertsRepo {
  private readonly clearStack;
  private readonly insertAlert;
  private readonly dropGoneAcks;
  private readonly allAlerts;
  private readonly stackAlerts;
  private readonly oneAlert;
  private readonly recount;
  private readonly clearCounts;
  private readonly countByStack;
  private readonly countOf;
  private readonly upsertAck;
  private readonly deleteAck;
  private readonly insertSilence;
  private readonly oneSilence;
  private readonly expire;
  private readonly silencesByStack;
  private readonly allSilences;
  private readonly runSilences;
  private readonly leftoverQuiet;
  private readonly insertAudit;
  private readonly applied;

  constructor(private readonly db: DB) {
    this.clearStack = db.prepare<[number]>('DELETE FROM alerts WHERE stack_id = ?');
    this.insertAlert = db.prepare(
      `INSERT INTO alerts (stack_id, fingerprint, alertname, severity, severity_rank, state, am_state, silenced_by,
         inhibited_by, labels, annotations, receivers, starts_at, ends_at, updated_at, generator_url, fetched_at)
       VALUES (@stackId, @fingerprint, @alertname, @severity, @severityRank, @state, @amState, @silencedBy,
         @inhibitedBy, @labels, @annotations, @receivers, @startsAt, @endsAt, @updatedAt, @generatorUrl, @fetchedAt)
       ON CONFLICT (stack_id, fingerprint) DO NOTHING`,
    );
    this.dropGoneAcks = db.prepare<[number]>(
      `DELETE FROM alert_acks WHERE stack_id = ? AND NOT EXISTS (
         SELECT 1 FROM alerts a WHERE a.stack_id = alert_acks.stack_id AND a.fingerprint = alert_acks.fingerprint AND a.starts_at = alert_acks.starts_at)`,
    );
    this.allAlerts = db.prepare<[], AlertRow>(
      `${SELECT_ALERTS} ORDER BY a.severity_rank, a.starts_at DESC, s.name, a.fingerprint`,
    );
    this.stackAlerts = db.prepare<[number], AlertRow>(
      `${SELECT_ALERTS} WHERE a.stack_id = ? ORDER BY a.severity_rank, a.starts_at DESC, a.fingerprint`,
    );
    this.oneAlert = db.prepare<[number, string], AlertRow>(
      `${SELECT_ALERTS} WHERE a.stack_id = ? AND a.fingerprint = ?`,
    );
    // A stack's counts are recomputed from its own rows (a range of the covering index alerts_by_rank) whenever
    // its alerts are replaced; the dashboard reads the small alert_counts table.
    this.recount = db.prepare<[number]>(
      `INSERT INTO alert_counts (stack_id, critical, warning, info, other, suppressed, total)
       SELECT stack_id,
         sum(CASE WHEN severity_rank = 0 AND state = 'active' THEN 1 ELSE 0 END), sum(CASE WHEN severity_rank = 1 AND state = 'active' THEN 1 ELSE 0 END),
         sum(CASE WHEN severity_rank = 2 AND state = 'active' THEN 1 ELSE 0 END), sum(CASE WHEN severity_rank = 3 AND state = 'active' THEN 1 ELSE 0 END),
         sum(CASE WHEN state <> 'active' THEN 1 ELSE 0 END), count(*)
       FROM alerts WHERE stack_id = ? GROUP BY stack_id`,
    );
    this.clearCounts = db.prepare<[number]>('DELETE FROM alert_counts WHERE stack_id = ?');
    const counts = `SELECT stack_id AS "stackId", critical, warning, info, other, suppressed, total FROM alert_counts`;
    this.countByStack = db.prepare<[], SeverityCounts>(`${counts} ORDER BY stack_id`);
    this.countOf = db.prepare<[number], SeverityCounts>(`${counts} WHERE stack_id = ?`);
    this.upsertAck = db.prepare(
      `INSERT INTO alert_acks (stack_id, fingerprint, starts_at, "user", note, at) VALUES (@stackId, @fingerprint, @startsAt, @user, @note, @at)
       ON CONFLICT (stack_id, fingerprint) DO UPDATE SET starts_at = @startsAt, "user" = @user, note = @note, at = @at`,
    );
    this.deleteAck = db.prepare<[number, string]>('DELETE FROM alert_acks WHERE stack_id = ? AND fingerprint = ?');
    this.insertSilence = db.prepare(
      `INSERT INTO silences (id, stack_id, url, matchers, starts_at, ends_at, created_by, comment, kind, scope, fingerprint,
         run_id, created_at, expired_at, expired_by)
       VALUES (@id, @stackId, @url, @matchers, @startsAt, @endsAt, @createdBy, @comment, @kind, @scope, @fingerprint,
         @runId, @createdAt, NULL, NULL)`,
    );
    this.oneSilence = db.prepare<[string], SilenceRow>('SELECT * FROM silences WHERE id = ?');
    this.expire = db.prepare<[number, string, string]>(
      'UPDATE silences SET expired_at = ?, expired_by = ? WHERE id = ? AND expired_at IS NULL',
    );
    this.silencesByStack = db.prepare<[number, number], SilenceRow>(
      'SELECT * FROM silences WHERE stack_id = ? AND ends_at > ? AND expired_at IS NULL ORDER BY starts_at DESC',
    );
    this.allSilences = db.prepare<[number], SilenceRow>(
      'SELECT * FROM silences WHERE ends_at > ? AND expired_at IS NULL ORDER BY starts_at DESC',
    );
    this.runSilences = db.prepare<[number], SilenceRow>(
      "SELECT * FROM silences WHERE run_id = ? AND kind = 'quiet-apply' AND expired_at IS NULL ORDER BY created_at",
    );
    this.leftoverQuiet = db.prepare<[number, number], SilenceRow>(
      `SELECT s.* FROM silences s JOIN runs r ON r.id = s.run_id
       WHERE s.stack_id = ? AND s.kind = 'quiet-apply' AND s.expired_at IS NULL AND s.ends_at > ?
         AND r.state IN ('FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED')`,
    );
    this.insertAudit = db.prepare(
      `INSERT INTO audit_log (at, "user", action, stack_id, run_id, comment, detail)
       VALUES (@at, @user, @action, @stackId, @runId, @comment, @detail)`,
    );
    this.applied = db.prepare<[{ stackId: number; from: number; to: number }], AppliedRunRow>(
      `SELECT * FROM (
         SELECT r.id, r.state, r.purpose, r.triggered_by AS "triggeredBy",
           COALESCE((SELECT min(t.at) FROM run_transitions t WHERE t.run_id = r.id AND t.state = 'APPLYING'),
                    CASE WHEN r.apply_json IS NOT NULL THEN r.started_at END) AS "applyingAt",
           r.finished_at AS "finishedAt", r.summary_add AS "summaryAdd", r.summary_change AS "summaryChange",
           r.summary_destroy AS "summaryDestroy", r.plan_json AS "planJson", r.apply_json AS "applyJson", r.error
         FROM runs r
         WHERE r.stack_id = @stackId AND r.state IN ('FINISHED', 'FAILED', 'APPLYING')
           AND (r.finished_at IS NULL OR r.finished_at >= @from)
       ) AS applied
       WHERE "applyingAt" IS NOT NULL AND "applyingAt" <= @to AND COALESCE("finishedAt", "applyingAt") >= @from
       ORDER BY "applyingAt" DESC, id DESC`,
    );
  }

  /**
   * Replace a stack's cached alerts with `alerts` and drop acknowledgements of alerts that are gone (or fired
   * again). Runs in a transaction; call it inside the one that also records the source as ok.
   */
  replace(stackId: number, alerts: readonly AlertRecord[], fetchedAt: number): void {
    this.db.transaction(() => {
      this.clearStack.run(stackId);
      for (const a of alerts) {
        this.insertAlert.run({
          stackId,
          fingerprint: a.fingerprint,
          alertname: a.alertname,
          severity: a.severity,
          severityRank: a.severityRank,
          state: a.state,
          amState: a.amState,
          silencedBy: JSON.stringify(a.silencedBy),
          inhibitedBy: JSON.stringify(a.inhibitedBy),
          labels: JSON.stringify(a.labels),
          annotations: JSON.stringify(a.annotations),
          receivers: JSON.stringify(a.receivers),
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          updatedAt: a.updatedAt,
          generatorUrl: a.generatorUrl,
          fetchedAt,
        });
      }
      this.dropGoneAcks.run(stackId);
      this.clearCounts.run(stackId);
      this.recount.run(stackId);
    })();
  }

  /** Forget a stack's cached alerts (its alerting was removed from its config). */
  clear(stackId: number): void {
    this.db.transaction(() => {
      this.clearStack.run(stackId);
      this.dropGoneAcks.run(stackId);
      this.clearCounts.run(stackId);
    })();
  }

  /** Cached alerts of one stack, or of all: critical, warning, info, other; newest first within a severity. */
  list(stackId?: number): StoredAlert[] {
    return (stackId === undefined ? this.allAlerts.all() : this.stackAlerts.all(stackId)).map(toAlert);
  }

  get(stackId: number, fingerprint: string): StoredAlert | undefined {
    const r = this.oneAlert.get(stackId, fingerprint);
    return r ? toAlert(r) : undefined;
  }

  /** Counts by stack, read from alert_counts (stacks with no cached alert are absent). */
  counts(): SeverityCounts[] {
    return this.countByStack.all();
  }

  countsOf(stackId: number): SeverityCounts {
    return (
      this.countOf.get(stackId) ?? { stackId, critical: 0, warning: 0, info: 0, other: 0, suppressed: 0, total: 0 }
    );
  }

  acknowledge(stackId: number, fingerprint: string, startsAt: number, ack: AckRecord): void {
    this.upsertAck.run({ stackId, fingerprint, startsAt, user: ack.user, note: ack.note, at: ack.at });
  }

  /** True when there was an acknowledgement to remove. */
  unacknowledge(stackId: number, fingerprint: string): boolean {
    return this.deleteAck.run(stackId, fingerprint).changes > 0;
  }

  addSilence(s: Omit<SilenceRecord, 'expiredAt' | 'expiredBy'>): void {
    this.insertSilence.run({ ...s, matchers: JSON.stringify(s.matchers) });
  }

  silence(id: string): SilenceRecord | undefined {
    const r = this.oneSilence.get(id);
    return r ? toSilence(r) : undefined;
  }

  markExpired(id: string, at: number, by: string): boolean {
    return this.expire.run(at, by, id).changes > 0;
  }

  /** Silences dayops created that are still in force at `now` (not expired by dayops, not run out). */
  liveSilences(now: number, stackId?: number): SilenceRecord[] {
    return (stackId === undefined ? this.allSilences.all(now) : this.silencesByStack.all(stackId, now)).map(toSilence);
  }

  /** The quiet-apply silences of a run that dayops has not expired yet. */
  quietApplySilences(runId: number): SilenceRecord[] {
    return this.runSilences.all(runId).map(toSilence);
  }

  /** Quiet-apply silences still set although their run has ended (Alertmanager was down when it ended). */
  leftoverQuietApplies(stackId: number, now: number): SilenceRecord[] {
    return this.leftoverQuiet.all(stackId, now).map(toSilence);
  }

  audit(e: AuditEntry): void {
    this.insertAudit.run({
      at: e.at,
      user: e.user,
      action: e.action,
      stackId: e.stackId ?? null,
      runId: e.runId ?? null,
      comment: e.comment ?? null,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
    });
  }

  /** Runs of a stack that entered APPLYING at or before `to` and were still applying or ended at or after `from`. */
  appliedRuns(stackId: number, from: number, to: number): AppliedRunRow[] {
    return this.applied.all({ stackId, from, to });
  }
}
