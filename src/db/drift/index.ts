/**
 * Drift checks, what they found, operators' triage, and the scheduler's memory (migrations/003-drift.sql).
 * The dashboard reads every stack's drift in one query (`summaries`): the newest check of each stack for its state,
 * the newest result (`in_sync`/`drifted`) for the figures, each resource with its newest triage row.
 *
 * Split: types.ts (the records), rows.ts (SQL rows to records, the summary query), repo.ts (DriftRepo);
 * the dashboard's overview of every stack (OverviewRepo) is in src/db/overview.ts, re-exported here.
 */
export {
  type DriftCheckStatus,
  type DriftSource,
  type TriageKind,
  type ScheduleJob,
  type DriftCheckRecord,
  type StoredDriftResource,
  type TriageRecord,
  type DriftSummaryRow,
  type ResourceWithTriage,
  type ScheduleStateRecord,
  type NewCheck,
  type FinishCheck,
} from './types.js';
export { DriftRepo } from './repo.js';
export { type OverviewRun, type OverviewRow, OverviewRepo } from '../overview.js';
