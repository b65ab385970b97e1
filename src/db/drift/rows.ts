/** The drift tables' rows and how they become records; the dashboard's one summary query. */
import type { RunState } from '../../day1/runner/state.js';
import { type DriftCheckRecord, type DriftCheckStatus, type TriageKind, type TriageRecord } from './types.js';

export interface CheckRow {
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

export const toCheck = (r: CheckRow): DriftCheckRecord => ({
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

export interface TriageRow {
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

export const toTriage = (r: TriageRow): TriageRecord => ({
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

export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// Every stack, its newest check and newest result (one seek each in drift_checks_by_stack / drift_checks_results),
// the result's resources with their newest triage (one seek each in drift_triage_latest), counted per stack.
export const SUMMARY_SQL = `
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
    sum(CASE WHEN t_kind = 'accepted' AND t_fp = fingerprint THEN 1 ELSE 0 END) AS accepted,
    sum(CASE WHEN t_kind = 'snoozed' AND t_until > @now THEN 1 ELSE 0 END) AS snoozed
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

export interface SummarySqlRow {
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
