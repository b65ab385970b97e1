/** A run as the repository returns it: record, detail, transitions, approvals, and what creates and moves it. */
import type { ApplyResult, Diagnostic, PlanResult, PlanSummary } from '../../domain/plan.js';
import type { Environment, Tool } from '../../domain/stack.js';
import type { PolicyResult } from '../../domain/policies.js';
import { type RunKind, type RunPurpose, type RunState, type RunTrigger } from '../../day1/runner/state.js';
import { type LiveRunInfo } from '../../day1/runner/queue.js';
import type { Phase } from '../../day1/adapter.js';
import type { CheckRecord } from '../checks.js';

/** A run's after-apply checks: how they ended (null while they run) and each one, as the checks table holds it. */
export interface RunValidation {
  status: 'passed' | 'failed' | null;
  checks: CheckRecord[];
}

/** The process driving a run: only runs whose owner is gone are marked interrupted. */
export interface RunOwner {
  host: string;
  pid: number;
  /** The process's start time (/proc/<pid>/stat field 22), so a reused pid does not count as alive. */
  start: string | null;
}

export interface RunRecord {
  id: number;
  stackId: number;
  stackName: string;
  stackEnvironment: Environment;
  stackTool: Tool;
  kind: RunKind;
  purpose: RunPurpose;
  state: RunState;
  triggeredBy: string;
  trigger: RunTrigger;
  autoApply: boolean;
  requiredApprovals: number;
  owner: RunOwner | null;
  toolPid: number | null;
  toolStart: string | null;
  cancelRequested: boolean;
  /** What the plan said would change. */
  summary: PlanSummary | null;
  /** What the apply did, once it reported (also for a failed or canceled apply); null when no apply did. */
  applied: PlanSummary | null;
  error: string | null;
  logLines: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** finishedAt (or now, for a live run) minus startedAt; null before it started. */
  durationMs: number | null;
  /** How the after-apply checks ended: null while they run, and when the run ran none. */
  validationStatus: 'passed' | 'failed' | null;
  /** The git commit or `sha256:` content hash the run ran (src/day1/revision.ts); null before it was measured. */
  revision?: string | null;
  revisionKind?: 'git' | 'content' | null;
  /** The git working tree differed from the commit: not a clean revision. */
  revisionDirty?: boolean;
  /** A promotion or rollback: the run whose revision this one took. */
  promotedFrom?: { stack: string; runId: number } | null;
  /** A rollback: the run whose failed validation it answers. */
  rollbackOf?: number | null;
  /** Team mode: until when (epoch ms) the owner is known to be alive; null when no lease is kept (pid liveness). */
  leaseExpiresAt?: number | null;
  /** The `dayops worker` driving or holding the run; null when run by the dayops that started it. */
  worker?: string | null;
  /** Queued for a worker (`dayops run STACK --remote`). */
  remote?: boolean;
}

export interface RunTransition {
  state: RunState;
  at: number;
  note: string | null;
}

export interface Approval {
  user: string;
  comment: string | null;
  at: number;
}

export type PhaseStarts = Partial<Record<Phase, number>>;

export interface RunDetail extends RunRecord {
  plan: PlanResult | null;
  /** Diagnostics no stored plan or apply holds: init's, and those of a plan that failed. */
  diagnostics: Diagnostic[];
  policies: PolicyResult[];
  apply: ApplyResult | null;
  transitions: RunTransition[];
  approvals: Approval[];
  /** First log seq of each phase, for jumping in the log. */
  phases: PhaseStarts;
  /** The after-apply checks; null when the run ran none. */
  validation: RunValidation | null;
}

export interface NewRun {
  stackId: number;
  kind: RunKind;
  purpose: RunPurpose;
  triggeredBy: string;
  trigger: RunTrigger;
  autoApply: boolean;
  /** null: queued for whichever dayops process takes it (a cascade's run left for the scheduler). */
  owner: RunOwner | null;
  /** Queued for a `dayops worker` (with no owner). */
  remote?: boolean;
}

/** Columns a move may set along with the state. `owner: null` clears the owner (a parked run). */
export interface RunPatch {
  owner?: RunOwner | null;
  error?: string | null;
  summary?: PlanSummary | null;
  plan?: PlanResult | null;
  policies?: PolicyResult[] | null;
  /** Sets `applied` from its summary too. */
  apply?: ApplyResult | null;
  diagnostics?: Diagnostic[] | null;
  requiredApprovals?: number;
  validationStatus?: 'passed' | 'failed' | null;
  /** The worker that drives (or holds the plan of) the run. */
  worker?: string | null;
}

export type StartResult =
  | { result: 'started'; run: RunRecord }
  | { result: 'wait'; blocker: LiveRunInfo }
  | { result: 'gone'; run: RunRecord | undefined };

export type ApprovalResult = {
  run: RunRecord;
  approvals: number;
  required: number;
  /** This call moved the run to APPLYING (owned by `owner`). */
  applying: boolean;
  /** Enough approvals, but a tool is working in the folder: claim the apply later with `claimApply`. */
  blocker?: LiveRunInfo;
  /** Team mode: another live process holds the run's plan (a worker): it applies once approvals are enough. */
  heldBy?: string;
};
