/**
 * Runs, their transitions and approvals. Every state change is a compare-and-set inside a `BEGIN IMMEDIATE`
 * transaction (`UPDATE runs ... WHERE id = ? AND state = ?`), so two processes can never both move a run (both
 * apply it after an approval, both start it from the queue).
 *
 * Split: types.ts (the records), rows.ts (SQL rows to records), repo.ts (RunsRepo, changeToken).
 */
export {
  type RunOwner,
  type RunRecord,
  type RunTransition,
  type Approval,
  type PhaseStarts,
  type RunDetail,
  type NewRun,
  type RunPatch,
  type StartResult,
  type ApprovalResult,
  type RunValidation,
} from './types.js';
export { type ListRunsOptions, RunsRepo, ApprovalRefused, changeToken } from './repo.js';
