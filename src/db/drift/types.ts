/** Drift checks, their resources, triage and the scheduler's memory as the repository returns them. */
import type { RunState } from '../../day1/runner/state.js';

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
