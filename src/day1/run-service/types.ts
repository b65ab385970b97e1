/** The run service's options, results and events, and the in-process state of a run it drives. */
import type { StackConfig } from '../../config/stack-config.js';
import type { LogLine } from '../../db/logs.js';
import type { RunPatch, RunRecord } from '../../db/runs.js';
import type { PolicySet } from '../../domain/policies.js';
import type { Diagnostic, PlanResult } from '../../domain/plan.js';
import type { Stack, Tool } from '../../domain/stack.js';
import type { Phase, ToolAdapter } from '../adapter.js';
import type { ExtendableRedactor } from '../../secrets/extendable.js';
import type { AtRevision } from '../run-revision.js';
import type { RunLog, RunLogOptions } from '../runner/log.js';
import type { RunEvent, RunKind, RunPurpose, RunState, RunTrigger } from '../runner/state.js';

export interface RunServiceOptions {
  /** The database file (the runs' private folders live next to it); default the handle's file. */
  dbPath?: string;
  /** The acting OS user (triggered_by, approvals, audit); default currentUser(db): the session user in team mode, always. */
  user?: string;
  /** `dayops --readonly`: only plan-only runs may start; approve, discard and cancel are refused. */
  readonly?: boolean;
  /** Time between SIGINT, SIGTERM and SIGKILL on cancel (default 10 s, or DAYOPS_CANCEL_GRACE_MS). */
  graceMs?: number;
  /** How often a waiting run checks the database (queue, cross-process cancel and approvals). */
  pollMs?: number;
  /** dayops' own environment (the tool's base environment; where `fromEnv` secrets are read). */
  env?: NodeJS.ProcessEnv;
  /** Tests give their own adapters. */
  adapterFor?: (tool: Tool) => ToolAdapter;
  /** Install dayops' signal handlers and cancel this service's runs on SIGINT/SIGTERM/SIGHUP (default true). */
  handleSignals?: boolean;
  /** Mark runs of dead dayops processes as interrupted when the service starts (default true). */
  recover?: boolean;
  logOptions?: RunLogOptions;
  /**
   * Store run logs from a thread of their own (src/db/log-thread.ts), so the main thread stays free for the
   * screen: the app's run service does. Ignored for an in-memory or read-only database.
   */
  logThread?: boolean;
  /**
   * This service is `dayops worker NAME`'s: the runs it drives carry the name, and a run parked for approval stays
   * owned here (its plan file is here): it applies once approved from any machine (`applyHeld`).
   */
  worker?: string;
  /**
   * Team mode, the open app: every run this service parks for approval keeps its plan here while the service lives,
   * and an approval given from any machine is applied here at the next heartbeat (a worker always does this).
   */
  holdParkedPlans?: boolean;
  /** The owner's lease on the runs it drives (team mode and workers): default 10 s, or DAYOPS_LEASE_MS. */
  leaseMs?: number;
}

export interface StartOptions {
  /** A proposed run: plan only, never apply. */
  planOnly?: boolean;
  /** Apply without stopping when every policy allows it (no deny, at most one approval required). */
  autoApprove?: boolean;
  trigger?: RunTrigger;
  /** `drift` runs are always proposed; the drift module reads their plan. */
  purpose?: RunPurpose;
  /** Who triggered it (default the service's user). */
  user?: string;
  /** Always stop for approval, even with autoApply: true in dayops.yaml (Day-2 auto-remediation). */
  requireApproval?: boolean;
  /** A promotion or a rollback: run at exactly this revision, linked to the run it comes from (audited). */
  atRevision?: AtRevision;
}

export interface ApproveResult {
  runId: number;
  approvals: number;
  required: number;
  /** The run is applying (or about to, once the folder is free) in this process. */
  applying: boolean;
  state: RunState;
  /** Team mode: the process that holds the plan (a worker) applies it, not this one. */
  heldBy?: string;
}

export interface RunServiceEvents {
  line: [LogLine];
  state: [RunRecord];
  /** A check of a run driven here started or ended (its row in check_results changed). */
  checks: [runId: number];
  /** A run driven here could not be stored any more (a full disk): it is being stopped. */
  'store-failed': [runId: number, message: string];
}

/** What a run needs from its stack, resolved when the run starts (and again when a parked run is applied). */
export interface Prepared {
  stack: Stack;
  config: StackConfig;
  policies: PolicySet;
  env: Record<string, string>;
  redactor: ExtendableRedactor;
  adapter: ToolAdapter;
  warnings: string[];
}

export interface LiveRun {
  id: number;
  kind: RunKind;
  prep: Prepared;
  log: RunLog;
  abort: AbortController;
  phase: Phase | null;
  /** Its `inputs` were read from the upstream stacks' outputs and given to its tool. */
  inputsResolved?: boolean;
  /** Why it was cancelled, for the run's error. */
  cancelReason?: string;
  autoReason?: string;
  /** The plan computed here (unredacted, for the apply in this process). */
  plan?: PlanResult;
  /** Diagnostics stored with the run itself (init's): those no plan or apply result holds. */
  diagnostics: Diagnostic[];
  done: Promise<void>;
  /** Run at exactly this revision (a promotion, a rollback). */
  atRevision?: AtRevision;
  /** Why the run's log or state could not be stored (a full disk): the run stops, FAILED with this when it can. */
  storeFailure?: string;
  /** Already out of the queue (a worker claimed and started it in one transaction). */
  started?: boolean;
}

export class Canceled extends Error {}

export type Conclusion = [RunEvent, { patch?: RunPatch; note?: string; expect?: RunState[] }];
