/** The runs table's rows and how they become records. */
import type { PlanSummary } from '../../domain/plan.js';
import type { Environment, Tool } from '../../domain/stack.js';
import {
  TERMINAL_STATES,
  type RunKind,
  type RunPurpose,
  type RunState,
  type RunTrigger,
} from '../../day1/runner/state.js';
import { type RunRecord } from './types.js';

export interface Row {
  id: number;
  stack_id: number;
  stack_name: string;
  stack_environment: Environment;
  stack_tool: Tool;
  kind: RunKind;
  purpose: RunPurpose;
  state: RunState;
  triggered_by: string;
  trigger: RunTrigger;
  auto_apply: number;
  required_approvals: number;
  owner_host: string | null;
  owner_pid: number | null;
  owner_start: string | null;
  tool_pid: number | null;
  tool_start: string | null;
  cancel_requested: number;
  summary_add: number | null;
  summary_change: number | null;
  summary_destroy: number | null;
  summary_import: number | null;
  summary_forget: number | null;
  applied_add: number | null;
  applied_change: number | null;
  applied_destroy: number | null;
  applied_import: number | null;
  applied_forget: number | null;
  error: string | null;
  log_lines: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  validation_status: 'passed' | 'failed' | null;
  revision: string | null;
  revision_kind: 'git' | 'content' | null;
  revision_dirty: number;
  promoted_from_run_id: number | null;
  promoted_from_stack: string | null;
  rollback_of_run_id: number | null;
  lease_expires_at: number | null;
  worker: string | null;
  remote: number;
}

export interface DetailRow {
  plan_json: string | null;
  policy_json: string | null;
  apply_json: string | null;
  phases_json: string | null;
  diagnostics_json: string | null;
}

export const TERMINAL_SQL = `(${TERMINAL_STATES.map((s) => `'${s}'`).join(', ')})`;

export const SELECT_RUN = `SELECT r.id, r.stack_id, s.name AS stack_name, s.environment AS stack_environment, s.tool AS stack_tool,
  r.kind, r.purpose, r.state, r.triggered_by, r.trigger, r.auto_apply, r.required_approvals,
  r.owner_host, r.owner_pid, r.owner_start, r.tool_pid, r.tool_start, r.cancel_requested,
  r.summary_add, r.summary_change, r.summary_destroy, r.summary_import, r.summary_forget,
  r.applied_add, r.applied_change, r.applied_destroy, r.applied_import, r.applied_forget, r.error, r.log_lines,
  r.created_at, r.updated_at, r.started_at, r.finished_at, r.validation_status,
  r.revision, r.revision_kind, r.revision_dirty, r.promoted_from_run_id, r.rollback_of_run_id,
  r.lease_expires_at, r.worker, r.remote,
  (SELECT ps.name FROM runs pr JOIN stacks ps ON ps.id = pr.stack_id WHERE pr.id = r.promoted_from_run_id) AS promoted_from_stack
  FROM runs r JOIN stacks s ON s.id = r.stack_id`;

/** A summary from its columns; null when none was stored (`add` is set whenever one is). */
function counts(
  add: number | null,
  change: number | null,
  destroy: number | null,
  imp: number | null,
  forget: number | null,
): PlanSummary | null {
  if (add === null) return null;
  return { add, change: change ?? 0, destroy: destroy ?? 0, import: imp ?? 0, forget: forget ?? 0 };
}

export function toRecord(r: Row, now = Date.now()): RunRecord {
  return {
    id: r.id,
    stackId: r.stack_id,
    stackName: r.stack_name,
    stackEnvironment: r.stack_environment,
    stackTool: r.stack_tool,
    kind: r.kind,
    purpose: r.purpose,
    state: r.state,
    triggeredBy: r.triggered_by,
    trigger: r.trigger,
    autoApply: r.auto_apply === 1,
    requiredApprovals: r.required_approvals,
    owner:
      r.owner_pid === null || r.owner_host === null
        ? null
        : { host: r.owner_host, pid: r.owner_pid, start: r.owner_start },
    toolPid: r.tool_pid,
    toolStart: r.tool_start,
    cancelRequested: r.cancel_requested === 1,
    summary: counts(r.summary_add, r.summary_change, r.summary_destroy, r.summary_import, r.summary_forget),
    applied: counts(r.applied_add, r.applied_change, r.applied_destroy, r.applied_import, r.applied_forget),
    error: r.error,
    logLines: r.log_lines,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.started_at === null ? null : (r.finished_at ?? now) - r.started_at,
    validationStatus: r.validation_status ?? null,
    revision: r.revision,
    revisionKind: r.revision_kind,
    revisionDirty: r.revision_dirty === 1,
    promotedFrom:
      r.promoted_from_run_id === null ? null : { stack: r.promoted_from_stack ?? '', runId: r.promoted_from_run_id },
    rollbackOf: r.rollback_of_run_id,
    leaseExpiresAt: r.lease_expires_at ?? null,
    worker: r.worker ?? null,
    remote: r.remote === 1,
  };
}

export function parse<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
