/**
 * The Day-1 run service, split by concern: base.ts (state, wiring, queries), poller.ts (cross-process cancel),
 * queue.ts (waiting for the stack), driver.ts (start, init, plan, policies, apply), actions.ts (approve, discard,
 * cancel, wait, shutdown: the public RunService), json.ts (`--json`, exit codes). Import from here.
 */
export { RunService } from './actions.js';
export { RUN_SERVICE } from './key.js';
export { hasChanges } from './driver.js';
export { exitCodeFor, exitCodeForRun, formatDiagnostic, runJson, VALIDATION_FAILED_EXIT } from './json.js';
export type { ApproveResult, RunServiceEvents, RunServiceOptions, StartOptions } from './types.js';
export type { RunRecord, RunDetail } from '../../db/runs.js';
export type { LogLine } from '../../db/logs.js';
export type { RecoveredRun } from '../runner/recover.js';
export { changeToken } from '../../db/runs.js';
export { recoverRuns } from '../runner/recover.js';
