/**
 * The Day-1 run service: the whole life of a run (queue, init, plan, policies, approval, apply) for the app and
 * the headless commands. React-free; the app subscribes to its events for runs driven in this process and polls
 * `changeToken(db)` for runs driven by another dayops process (a second terminal, a cron job).
 *
 * ```ts
 * const svc = new RunService(db, { dbPath, user: osUser(), readonly });
 * svc.on('line', (line) => ...);             // every log line of runs driven here, as it comes
 * svc.on('state', (run) => ...);             // every state change made here
 * const id = await svc.start('payments', { trigger: 'tui' });
 * const run = await svc.wait(id);            // FINISHED/FAILED/... or UNCONFIRMED (parked, waiting for approval)
 * await svc.approve(id, 'alice');            // applies here once enough distinct users approved
 * ```
 */
import { EventEmitter } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { loadStackConfig, type StackConfig } from '../config/stack-config.js';
import type { DB } from '../db/open.js';
import { LogsRepo, type LogLine } from '../db/logs.js';
import { ApprovalRefused, RunsRepo, type RunDetail, type RunPatch, type RunRecord } from '../db/runs.js';
import { StacksRepo } from '../db/stacks.js';
import { ToolGroupsRepo } from '../db/tool-groups.js';
import { loadPolicies, policyOutcome, type PolicyResult, type PolicySet } from '../domain/policies.js';
import {
  applyProgress,
  emptySummary,
  formatSummary,
  fullSummary,
  isRealChange,
  type Diagnostic,
  type PlanResult,
} from '../domain/plan.js';
import type { Stack, Tool } from '../domain/stack.js';
import { errorMessage, UserError } from '../errors.js';
import { osUser } from '../os-user.js';
import { ToolError, type AdapterContext, type Phase, type ToolAdapter } from './adapter.js';
import { adapterFor as defaultAdapterFor } from './adapters/index.js';
import { Redactor, resolveStackEnv } from './secrets.js';
import { redactDeep } from '../secrets/redactor.js';
import { callRunHooks, type RunHookContext } from './runner/hooks.js';
import { isStorageError, RunLog, type RunLogOptions } from './runner/log.js';
import { defaultGraceMs, execInRun, installProcessHandlers, onShutdown } from './runner/process.js';
import { currentOwner } from './runner/procinfo.js';
import { recoverRuns, type RecoveredRun } from './runner/recover.js';
import { createRunDir, removeRunDir, runDirFor } from './runner/rundir.js';
import {
  isTerminal,
  type RunEvent,
  type RunKind,
  type RunPurpose,
  type RunState,
  type RunTrigger,
} from './runner/state.js';

export type { RunRecord, RunDetail } from '../db/runs.js';
export type { LogLine } from '../db/logs.js';
export type { RecoveredRun } from './runner/recover.js';
export { changeToken } from '../db/runs.js';
export { recoverRuns } from './runner/recover.js';

export interface RunServiceOptions {
  /** The database file (the runs' private folders live next to it); default the handle's file. */
  dbPath?: string;
  /** The acting OS user (triggered_by, approvals, audit); default osUser(). */
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
}

export interface ApproveResult {
  runId: number;
  approvals: number;
  required: number;
  /** The run is applying (or about to, once the folder is free) in this process. */
  applying: boolean;
  state: RunState;
}

export interface RunServiceEvents {
  line: [LogLine];
  state: [RunRecord];
  /** A run driven here could not be stored any more (a full disk): it is being stopped. */
  'store-failed': [runId: number, message: string];
}

/** What a run needs from its stack, resolved when the run starts (and again when a parked run is applied). */
interface Prepared {
  stack: Stack;
  config: StackConfig;
  policies: PolicySet;
  env: Record<string, string>;
  redactor: Redactor;
  adapter: ToolAdapter;
  warnings: string[];
}

interface LiveRun {
  id: number;
  kind: RunKind;
  prep: Prepared;
  log: RunLog;
  abort: AbortController;
  phase: Phase | null;
  /** Why it was cancelled, for the run's error. */
  cancelReason?: string;
  autoReason?: string;
  /** The plan computed here (unredacted, for the apply in this process). */
  plan?: PlanResult;
  /** Diagnostics stored with the run itself (init's): those no plan or apply result holds. */
  diagnostics: Diagnostic[];
  done: Promise<void>;
  /** Why the run's log or state could not be stored (a full disk): the run stops, FAILED with this when it can. */
  storeFailure?: string;
}

class Canceled extends Error {}

type Conclusion = [RunEvent, { patch?: RunPatch; note?: string; expect?: RunState[] }];

/** Any change other than a no-op or a read needs an apply. */
export function hasChanges(plan: PlanResult): boolean {
  const s = fullSummary(plan.summary);
  return plan.changes.some(isRealChange) || s.add + s.change + s.destroy + s.import + s.forget > 0;
}

function policyLine(r: PolicyResult): string {
  const kind =
    r.kind === 'require_approvals' ? `requires ${r.approvals ?? 1} approvals` : r.kind === 'deny' ? 'denies' : 'warns';
  return `policy ${r.name} (${r.source}) ${kind}: ${r.message}${r.error ? ` [${r.error}]` : ''}`;
}

export class RunService extends EventEmitter<RunServiceEvents> {
  readonly runs: RunsRepo;
  readonly logs: LogsRepo;
  readonly stacks: StacksRepo;
  /** The tools' process groups that may still run, so a dayops that dies leaves none behind unrecorded. */
  private readonly toolGroups: ToolGroupsRepo;
  /** Runs of dead dayops processes that were marked FAILED when this service started. */
  readonly recovered: RecoveredRun[];
  readonly dbPath: string;
  readonly user: string;
  readonly readonly: boolean;
  private readonly graceMs: number;
  private readonly pollMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly adapterFor: (tool: Tool) => ToolAdapter;
  private readonly logOptions: RunLogOptions;
  private readonly live = new Map<number, LiveRun>();
  private readonly wake = new EventEmitter();
  private poller: NodeJS.Timeout | undefined;
  private unhook: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly db: DB,
    opts: RunServiceOptions = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.wake.setMaxListeners(0);
    this.runs = new RunsRepo(db);
    this.logs = new LogsRepo(db);
    this.stacks = new StacksRepo(db);
    this.toolGroups = new ToolGroupsRepo(db);
    this.dbPath = opts.dbPath ?? db.name;
    this.user = opts.user ?? osUser();
    this.readonly = opts.readonly ?? false;
    this.graceMs = opts.graceMs ?? defaultGraceMs(opts.env ?? process.env);
    this.pollMs = opts.pollMs ?? 250;
    this.env = opts.env ?? process.env;
    this.adapterFor = opts.adapterFor ?? defaultAdapterFor;
    this.logOptions = opts.logOptions ?? {};
    this.recovered = opts.recover === false ? [] : recoverRuns(db, { dbPath: this.dbPath });
    if (opts.handleSignals !== false) {
      installProcessHandlers();
      this.unhook = onShutdown((reason) => this.shutdown(reason));
    }
  }

  // ---------------------------------------------------------------------------------------------- queries

  get(runId: number): RunRecord | undefined {
    return this.runs.get(runId);
  }

  detail(runId: number): RunDetail | undefined {
    return this.runs.detail(runId);
  }

  /** The run is driven by this process right now. */
  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  // ------------------------------------------------------------------------------------------------ start

  /**
   * Queue a run of a stack and drive it in this process. Returns the run's id as soon as it is queued. A bad
   * dayops.yaml, policy or secret fails the run at once (FAILED, with the one-line message). Throws UserError for
   * an unknown stack or a tracked run in readonly mode.
   */
  async start(stackName: string, opts: StartOptions = {}): Promise<number> {
    if (this.closed) throw new UserError('dayops is shutting down; no new runs');
    const stack = this.stacks.get(stackName);
    if (!stack) throw new UserError(`no stack named "${stackName}"; \`dayops stack list\` shows the registered stacks`);
    const purpose = opts.purpose ?? 'deploy';
    const kind: RunKind = opts.planOnly || purpose === 'drift' ? 'proposed' : 'tracked';
    if (this.readonly && kind === 'tracked') {
      throw new UserError('readonly mode (--readonly): only plan-only runs may start (dayops run STACK --plan-only)');
    }
    const user = opts.user ?? this.user;
    let prep: Prepared | undefined;
    let failure: string | undefined;
    try {
      prep = this.prepare(stack);
    } catch (err) {
      failure = errorMessage(err);
    }
    const autoApply =
      kind === 'tracked' && !opts.requireApproval && (Boolean(opts.autoApprove) || Boolean(prep?.config.autoApply));
    const run = this.runs.create({
      stackId: stack.id,
      kind,
      purpose,
      triggeredBy: user,
      trigger: opts.trigger ?? 'tui',
      autoApply,
      owner: currentOwner(),
    });
    this.emit('state', run);
    if (!prep) {
      const log = this.openLog(run.id, undefined);
      log.system(`dayops: the run cannot start: ${failure}`);
      await log.close();
      const failed = this.runs.move(run.id, 'fail', { patch: { error: failure } });
      if (failed) this.emit('state', failed);
      removeRunDir(this.dbPath, run.id);
      this.kick();
      return run.id;
    }
    const live: LiveRun = {
      id: run.id,
      kind,
      prep,
      log: this.openLog(run.id, prep.redactor),
      abort: new AbortController(),
      phase: null,
      diagnostics: [],
      autoReason: opts.autoApprove
        ? '--auto-approve'
        : prep.config.autoApply
          ? 'autoApply: true in dayops.yaml'
          : undefined,
      done: Promise.resolve(),
    };
    this.live.set(run.id, live);
    this.ensurePoller();
    live.done = this.drive(live);
    return run.id;
  }

  /** A run's log: lines go to listeners at once and to the database in batches. */
  private openLog(runId: number, redactor: Redactor | undefined): RunLog {
    return new RunLog(this.logs, runId, redactor, (line) => this.emit('line', line), {
      ...this.logOptions,
      onGiveUp: (err) => {
        this.logOptions.onGiveUp?.(err);
        const live = this.live.get(runId);
        if (live) this.storeFailed(live, err);
      },
    });
  }

  /**
   * The database cannot take the run's lines or state any more (the disk stayed full): the tool is interrupted
   * (SIGINT, SIGTERM, SIGKILL), and the run ends FAILED with why when that can still be stored.
   */
  private storeFailed(live: LiveRun, err: unknown): void {
    if (live.storeFailure) return;
    live.storeFailure = storeFailureMessage(err, this.dbPath);
    this.emit('store-failed', live.id, live.storeFailure);
    this.interrupt(live, live.storeFailure);
  }

  /** Config, policies, secrets and adapter of a stack; throws the one-line error that fails the run. */
  private prepare(stack: Stack): Prepared {
    let isDir = false;
    try {
      isDir = statSync(stack.dir).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) throw new UserError(`the folder of stack ${stack.name} (${stack.dir}) does not exist`);
    const config = loadStackConfig(stack.dir);
    const policies = loadPolicies(config, stack.dir, stack.environment);
    const resolved = resolveStackEnv(config, stack.dir, this.env);
    return {
      stack,
      config,
      policies,
      env: resolved.env,
      redactor: new Redactor(resolved.secretValues),
      adapter: this.adapterFor(stack.tool),
      warnings: resolved.warnings ?? [],
    };
  }

  private adapterContext(live: LiveRun): AdapterContext {
    const { stack, config, env } = live.prep;
    const toolEnv: NodeJS.ProcessEnv = { ...this.env, ...env };
    return {
      runId: live.id,
      stack: { name: stack.name, dir: stack.dir, environment: stack.environment, tool: stack.tool },
      config,
      workDir: stack.dir,
      runDir: runDirFor(this.dbPath, live.id),
      signal: live.abort.signal,
      log: (message) => live.log.system(message, live.phase),
      redact: (text) => live.log.redact(text),
      exec: async (spec) => {
        live.phase = spec.phase;
        try {
          return await execInRun(spec, {
            cwd: stack.dir,
            env: toolEnv,
            log: live.log,
            signal: live.abort.signal,
            graceMs: this.graceMs,
            onSpawn: (pid, start) => {
              this.runs.setTool(live.id, pid, start);
              this.toolGroups.add(live.id, pid, start, currentOwner());
            },
            onGroupEnd: (pid) => this.toolGroups.remove(live.id, pid),
          });
        } finally {
          this.runs.setTool(live.id, null, null);
        }
      },
    };
  }

  private moved(run: RunRecord | undefined): RunRecord | undefined {
    if (run) this.emit('state', run);
    return run;
  }

  private checkAbort(live: LiveRun): void {
    if (live.abort.signal.aborted) throw new Canceled(live.cancelReason ?? 'canceled');
  }

  /** The run from the queue to FINISHED, FAILED, POLICY_DENIED, CANCELED, or parked UNCONFIRMED. */
  private async drive(live: LiveRun): Promise<void> {
    const { id, prep } = live;
    const { stack } = prep;
    try {
      for (const w of prep.warnings) live.log.system(`dayops: warning: ${w}`);
      await this.waitTurn(live);
      createRunDir(this.dbPath, id);
      const ctx = this.adapterContext(live);
      live.phase = 'init';
      live.log.system(`dayops: run ${id} of ${stack.name} (${stack.tool}, ${stack.environment}): initializing`, 'init');
      const init = await prep.adapter.init(ctx);
      this.checkAbort(live);
      live.diagnostics = redactDeep(init?.diagnostics ?? [], prep.redactor);
      const initPatch = live.diagnostics.length ? { diagnostics: live.diagnostics } : {};
      this.moved(this.runs.move(id, 'plan', { expect: ['INITIALIZING'], patch: initPatch }));
      live.phase = 'plan';
      live.log.system('dayops: planning', 'plan');
      const plan = await prep.adapter.plan(ctx);
      this.checkAbort(live);
      live.plan = plan;
      const run = this.runs.get(id)!;
      const results = prep.policies.evaluate({
        plan,
        stack: { name: stack.name, environment: stack.environment, tool: stack.tool },
        run: { id, kind: run.kind, purpose: run.purpose, triggeredBy: run.triggeredBy },
      });
      const outcome = policyOutcome(results);
      const storedPlan = redactDeep(plan, prep.redactor);
      const storedPolicies = redactDeep(results, prep.redactor);
      const patch = {
        plan: storedPlan,
        policies: storedPolicies,
        summary: plan.summary,
        requiredApprovals: outcome.requiredApprovals,
      };
      live.log.system(`dayops: plan: ${formatSummary(plan.summary)}${hasChanges(plan) ? '' : ' (no changes)'}`, 'plan');
      for (const r of results.filter((x) => x.fired)) live.log.system(`dayops: ${policyLine(r)}`, 'plan');
      if (outcome.denied) {
        const error = `denied by policy: ${outcome.denials.map((d) => `${d.name}: ${d.message}`).join('; ')}`;
        await this.conclude(live, 'deny', {
          patch: { ...patch, error: prep.redactor.redact(error) },
          expect: ['PLANNING'],
        });
        return;
      }
      if (run.kind === 'proposed') {
        await this.conclude(live, 'finish', { patch, note: 'plan only', expect: ['PLANNING'] });
        return;
      }
      if (!hasChanges(plan)) {
        live.log.system('dayops: nothing to apply', 'plan');
        await this.conclude(live, 'finish', { patch, note: 'no changes', expect: ['PLANNING'] });
        return;
      }
      if (run.autoApply && outcome.requiredApprovals <= 1) {
        const moved = this.runs.moveAudited(
          id,
          'apply',
          { user: run.triggeredBy, action: 'auto-approve', comment: live.autoReason ?? 'auto-apply' },
          { patch, note: `auto-approved (${live.autoReason ?? 'auto-apply'})`, expect: ['PLANNING'] },
        );
        this.checkAbort(live);
        if (!moved) throw new Error(`run ${id} changed state while it was planning`);
        this.emit('state', moved);
        live.log.system(`dayops: auto-approved (${live.autoReason ?? 'auto-apply'})`, 'apply');
        // The apply reads the tool's lines with their secrets masked: it matches them against the plan masked alike
        // (as an apply in another process does, from the database).
        await this.applyPhase(live, storedPlan, run.triggeredBy);
        return;
      }
      if (run.autoApply) {
        live.log.system(
          `dayops: not applied automatically: policies require ${outcome.requiredApprovals} approvals`,
          'plan',
        );
      }
      live.log.system(
        `dayops: waiting for approval (${outcome.requiredApprovals} required): dayops approve ${id}, or dayops discard ${id}`,
        'plan',
      );
      await this.conclude(live, 'park', { patch, expect: ['PLANNING'] });
    } catch (err) {
      await this.conclude(live, ...this.failure(live, err));
    }
  }

  /** Leave the queue when the stack is free (polling the database; woken at once by runs ending here). */
  private async waitTurn(live: LiveRun): Promise<void> {
    let lastBlocker: string | undefined;
    for (let i = 1; ; i++) {
      this.checkAbort(live);
      const r = this.runs.tryStart(live.id, currentOwner());
      if (r.result === 'started') {
        this.emit('state', r.run);
        return;
      }
      if (r.result === 'gone') throw new Error(`run ${live.id} left the queue (${r.run?.state ?? 'deleted'})`);
      const key = `${r.blocker.id}:${r.blocker.state}`;
      if (key !== lastBlocker) {
        lastBlocker = key;
        live.log.system(
          `dayops: queued: stack ${live.prep.stack.name} is busy with run ${r.blocker.id} (${r.blocker.state})`,
        );
      }
      // A blocker whose dayops died would hold the stack forever: check its owner now and then.
      if (i % 8 === 0) {
        for (const rec of recoverRuns(this.db, { dbPath: this.dbPath, runIds: [r.blocker.id] })) {
          live.log.system(`dayops: run ${rec.id} was ${rec.error}; marked FAILED`);
        }
      }
      await this.sleep(live.abort.signal);
    }
  }

  private sleep(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.off('wake', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake.once('wake', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Something ended or parked here: queued runs and waiters look again now. */
  private kick(): void {
    this.wake.emit('wake');
  }

  private async applyPhase(live: LiveRun, plan: PlanResult, approver: string): Promise<void> {
    const { id, prep } = live;
    live.phase = 'apply';
    live.log.system('dayops: applying', 'apply');
    const hookCtx: RunHookContext = { db: this.db, runId: id, stack: prep.stack, config: prep.config, user: approver };
    for (const e of await callRunHooks('onApplyStart', hookCtx))
      live.log.system(`dayops: apply hook failed: ${errorMessage(e.error)}`, 'apply');
    let end: Conclusion;
    try {
      if (!existsSync(runDirFor(this.dbPath, id))) createRunDir(this.dbPath, id);
      this.checkAbort(live);
      const result = await prep.adapter.apply(this.adapterContext(live), plan);
      // The tool finished the apply: a cancel that came too late to stop it changes nothing that happened.
      if (live.abort.signal.aborted)
        live.log.system('dayops: the apply completed before the cancel reached it', 'apply');
      live.log.system(`dayops: applied: ${formatSummary(result.summary)}`, 'apply');
      end = ['finish', { patch: { apply: redactDeep(result, prep.redactor) }, expect: ['APPLYING'] }];
    } catch (err) {
      end = this.failure(live, err);
    }
    const outcome = end[0] === 'finish' ? 'FINISHED' : end[0] === 'cancel' ? 'CANCELED' : 'FAILED';
    for (const e of await callRunHooks('onApplyEnd', { ...hookCtx, run: this.runs.get(id)!, outcome })) {
      live.log.system(`dayops: apply hook failed: ${errorMessage(e.error)}`, 'apply');
    }
    await this.conclude(live, ...end);
  }

  /**
   * How a failed (or cancelled) run ends: the move, with its error and lines in the log. What an interrupted apply
   * did is kept (`apply`, and the error says how far it got); diagnostics that no result holds are kept with the
   * run.
   */
  private failure(live: LiveRun, err: unknown): Conclusion {
    const { prep } = live;
    const tool = err instanceof ToolError ? err : undefined;
    const patch: RunPatch = {};
    if (tool?.partial) patch.apply = redactDeep(tool.partial, prep.redactor);
    else if (tool?.diagnostics.length) {
      patch.diagnostics = [...live.diagnostics, ...redactDeep(tool.diagnostics, prep.redactor)];
    }
    if (!live.storeFailure && isStorageError(err)) this.storeFailed(live, err);
    if (live.storeFailure) {
      patch.error = live.storeFailure;
      return ['fail', { patch }];
    }
    if (live.abort.signal.aborted || err instanceof Canceled) {
      const reason = live.cancelReason ?? 'canceled';
      patch.error = tool?.partial ? `${reason} (${applyProgress(tool.partial)})` : reason;
      live.log.system(`dayops: ${patch.error}`, live.phase);
      return ['cancel', { patch }];
    }
    const message = prep.redactor.redact(errorMessage(err) || 'the run failed');
    patch.error = message;
    if (tool) {
      for (const d of tool.diagnostics.filter((x) => x.severity === 'error')) {
        live.log.system(`dayops: error: ${prep.redactor.redact(formatDiagnostic(d))}`, live.phase);
      }
    } else if (!(err instanceof UserError)) {
      live.log.system(`dayops: internal error: ${prep.redactor.redact((err as Error)?.stack ?? message)}`, live.phase);
    }
    live.log.system(`dayops: failed: ${message}`, live.phase);
    return ['fail', { patch }];
  }

  /**
   * End the run's time in this process: store every log line first (so whoever sees the new state sees the
   * whole log), then move the run (a terminal state, or parked UNCONFIRMED).
   */
  private async conclude(
    live: LiveRun,
    event: RunEvent,
    opts: { patch?: RunPatch; note?: string; expect?: RunState[] } = {},
  ): Promise<void> {
    await live.log.close();
    let moved: RunRecord | undefined;
    try {
      const current = this.runs.get(live.id);
      moved = current && !isTerminal(current.state) ? this.runs.move(live.id, event, opts) : undefined;
    } catch (err) {
      if (!isStorageError(err)) throw err;
      // Not even the end could be stored: the run stays as it was, and the next dayops start marks it FAILED.
      if (!live.storeFailure) this.storeFailed(live, err);
    }
    this.finish(live, moved ?? this.runs.get(live.id));
  }

  /** The run left this process: terminal, or parked for approval. */
  private finish(live: LiveRun, run: RunRecord | undefined): void {
    if (this.live.get(live.id) === live) this.live.delete(live.id);
    const final = run ?? this.runs.get(live.id);
    if (final) {
      if (isTerminal(final.state)) removeRunDir(this.dbPath, live.id);
      this.emit('state', final);
      if (isTerminal(final.state)) {
        const ctx = {
          db: this.db,
          runId: live.id,
          stack: live.prep.stack,
          config: live.prep.config,
          user: final.triggeredBy,
          run: final,
        };
        void callRunHooks('onRunEnd', ctx);
      }
    }
    this.kick();
    if (this.live.size === 0) this.stopPoller();
  }

  // --------------------------------------------------------------------------------------------- approvals

  private refuseReadonly(action: string): void {
    if (this.readonly) throw new UserError(`readonly mode (--readonly): ${action} is not allowed`);
  }

  private mustGet(runId: number): RunRecord {
    const run = this.runs.get(runId);
    if (!run) throw new UserError(`run ${runId} does not exist; \`dayops runs\` lists the runs`);
    return run;
  }

  /**
   * Approve a run waiting for approval (UNCONFIRMED) as `user`. Approvals come from distinct users; when this one
   * makes enough, the run applies in this process (`applying: true`; follow it with `wait` and the events).
   * Throws UserError when the run is not waiting, the user already approved, or (for the approval that would
   * start the apply) the stack's config, secrets or plan folder are not usable.
   */
  async approve(runId: number, user: string = this.user, comment?: string): Promise<ApproveResult> {
    this.refuseReadonly('approving a run');
    const run = this.mustGet(runId);
    if (run.state !== 'UNCONFIRMED') {
      throw new UserError(
        `run ${runId} is ${run.state}; only a run waiting for approval (UNCONFIRMED) can be approved`,
      );
    }
    const stack = this.stacks.getById(run.stackId)!;
    let prep: Prepared | undefined;
    const given = this.runs.approvals(runId);
    const already = given.some((a) => a.user === user);
    if (given.length + (already ? 0 : 1) >= run.requiredApprovals) prep = this.prepareApply(stack, runId);
    let res;
    try {
      res = this.runs.approve(runId, user, comment ?? null, currentOwner());
    } catch (err) {
      if (err instanceof ApprovalRefused) throw new UserError(err.message);
      throw err;
    }
    this.emit('state', res.run);
    if (res.applying) this.continueApply(res.run, prep, user);
    else if (res.blocker) this.applyWhenFree(res.run, prep, user);
    return {
      runId,
      approvals: res.approvals,
      required: res.required,
      applying: res.applying || Boolean(res.blocker),
      state: res.run.state,
    };
  }

  private prepareApply(stack: Stack, runId: number): Prepared {
    const prep = this.prepare(stack);
    if (!existsSync(runDirFor(this.dbPath, runId))) {
      throw new UserError(
        `run ${runId} cannot be applied: its plan folder ${runDirFor(this.dbPath, runId)} is gone; discard it and plan again`,
      );
    }
    return prep;
  }

  /** Drive the apply of an approved run (state APPLYING, owned here). */
  private continueApply(run: RunRecord, prep: Prepared | undefined, approver: string): void {
    if (!prep) {
      try {
        prep = this.prepareApply(this.stacks.getById(run.stackId)!, run.id);
      } catch (err) {
        const failed = this.runs.move(run.id, 'fail', { patch: { error: errorMessage(err) }, expect: ['APPLYING'] });
        if (failed) {
          removeRunDir(this.dbPath, run.id);
          this.emit('state', failed);
        }
        return;
      }
    }
    const detail = this.runs.detail(run.id);
    const live: LiveRun = {
      id: run.id,
      kind: run.kind,
      prep,
      log: this.openLog(run.id, prep.redactor),
      abort: new AbortController(),
      phase: 'apply',
      diagnostics: detail?.diagnostics ?? [],
      done: Promise.resolve(),
    };
    this.live.set(run.id, live);
    this.ensurePoller();
    const approvals = this.runs.approvals(run.id).map((a) => a.user);
    live.log.system(`dayops: approved by ${approvals.join(', ')}`, 'apply');
    const plan: PlanResult = detail?.plan ?? {
      changes: [],
      drift: [],
      summary: emptySummary(),
      diagnostics: [],
    };
    live.done = this.applyPhase(live, plan, approver);
  }

  /** Enough approvals but a tool works in the folder (a plan-only run): apply as soon as it is free. */
  private applyWhenFree(run: RunRecord, prep: Prepared | undefined, approver: string): void {
    const abort = new AbortController();
    const placeholder: LiveRun = {
      id: run.id,
      kind: run.kind,
      prep: prep!,
      log: this.openLog(run.id, prep?.redactor),
      abort,
      phase: 'apply',
      diagnostics: [],
      done: Promise.resolve(),
    };
    this.live.set(run.id, placeholder);
    placeholder.log.system('dayops: approved; waiting for the stack folder to be free to apply', 'apply');
    void placeholder.log.close();
    placeholder.done = (async () => {
      for (;;) {
        if (abort.signal.aborted) {
          this.live.delete(run.id);
          this.kick();
          return;
        }
        const r = this.runs.claimApply(run.id, currentOwner());
        if (r.result === 'started') {
          this.live.delete(run.id);
          this.emit('state', r.run);
          this.continueApply(r.run, prep, approver);
          return;
        }
        if (r.result === 'gone') {
          this.live.delete(run.id);
          this.kick();
          return;
        }
        await this.sleep(abort.signal);
      }
    })();
  }

  /** Discard a run waiting for approval (UNCONFIRMED -> DISCARDED), with the audit entry. */
  async discard(runId: number, user: string = this.user, comment?: string): Promise<RunRecord> {
    this.refuseReadonly('discarding a run');
    const run = this.mustGet(runId);
    if (run.state !== 'UNCONFIRMED') {
      throw new UserError(
        `run ${runId} is ${run.state}; only a run waiting for approval (UNCONFIRMED) can be discarded${isTerminal(run.state) ? '' : ' (cancel stops a running one)'}`,
      );
    }
    const moved = this.runs.moveAudited(
      runId,
      'discard',
      { user, action: 'discard', comment: comment ?? null },
      { patch: { error: `discarded by ${user}${comment ? `: ${comment}` : ''}` }, expect: ['UNCONFIRMED'] },
    );
    if (!moved)
      throw new UserError(`run ${runId} changed state meanwhile (${this.runs.get(runId)?.state}); nothing discarded`);
    this.appendSystem(runId, `dayops: discarded by ${user}${comment ? `: ${comment}` : ''}`);
    removeRunDir(this.dbPath, runId);
    this.live.get(runId)?.abort.abort();
    this.emit('state', moved);
    this.kick();
    return moved;
  }

  /**
   * Cancel a run that has not ended. A run driven here is interrupted (SIGINT, SIGTERM, SIGKILL) and ends
   * CANCELED with its log kept; a parked run is CANCELED at once; a run driven by another live dayops process is
   * flagged and that process cancels it (poll `get`/`wait` to see it end). A run whose dayops died is marked
   * FAILED (interrupted). Returns the run as it is after the request.
   */
  async cancel(runId: number, user: string = this.user, comment?: string): Promise<RunRecord> {
    this.refuseReadonly('canceling a run');
    const run = this.mustGet(runId);
    if (isTerminal(run.state)) throw new UserError(`run ${runId} has already ended (${run.state})`);
    const reason = `canceled by ${user}${comment ? `: ${comment}` : ''}`;
    const live = this.live.get(runId);
    if (live && run.state !== 'UNCONFIRMED') {
      if (!this.runs.requestCancel(runId, user, comment ?? null)) return this.runs.get(runId)!;
      this.interrupt(live, reason);
      return this.runs.get(runId)!;
    }
    if (run.state === 'UNCONFIRMED') {
      // Parked (or approved and waiting here for the folder): nothing runs, it ends now.
      live?.abort.abort();
      const moved = this.runs.moveAudited(
        runId,
        'cancel',
        { user, action: 'cancel', comment: comment ?? null },
        { patch: { error: reason }, expect: ['UNCONFIRMED'] },
      );
      if (moved) {
        this.appendSystem(runId, `dayops: ${reason}`);
        removeRunDir(this.dbPath, runId);
        this.emit('state', moved);
        this.kick();
        return moved;
      }
      return this.cancel(runId, user, comment);
    }
    // Driven by another process, or by one that died.
    const recovered = recoverRuns(this.db, { dbPath: this.dbPath, runIds: [runId] });
    if (recovered.length > 0) return this.runs.get(runId)!;
    this.runs.requestCancel(runId, user, comment ?? null);
    return this.runs.get(runId)!;
  }

  private interrupt(live: LiveRun, reason: string): void {
    if (live.abort.signal.aborted) return;
    live.cancelReason = reason;
    live.log.system(`dayops: ${reason}; stopping the tool`, live.phase);
    live.abort.abort();
  }

  /** A system line for a run not driven here (discard, cancel of a parked run). */
  private appendSystem(runId: number, message: string): void {
    const log = this.openLog(runId, undefined);
    log.system(message);
    void log.close();
  }

  // ------------------------------------------------------------------------------------------------ waiting

  /**
   * Resolve when the run is settled: a terminal state, or (with `until: 'settled'`, the default) parked
   * UNCONFIRMED waiting for approval. Works for runs driven by other processes too (polls the database).
   */
  wait(runId: number, until: 'settled' | 'terminal' = 'settled'): Promise<RunRecord> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const run = this.runs.get(runId);
        if (!run) {
          cleanup();
          reject(new UserError(`run ${runId} does not exist`));
          return true;
        }
        const done =
          isTerminal(run.state) || (until === 'settled' && run.state === 'UNCONFIRMED' && !this.live.has(runId));
        if (done) {
          cleanup();
          resolve(run);
        }
        return done;
      };
      const onState = (run: RunRecord) => {
        if (run.id === runId) check();
      };
      // A run of this process that cannot be stored any more will never be seen to end: say why, once it stopped.
      const onStoreFailed = (id: number, message: string) => {
        if (id !== runId) return;
        const live = this.live.get(runId);
        void (live?.done ?? Promise.resolve()).then(() => {
          if (check()) return;
          cleanup();
          reject(new UserError(`dayops: run ${runId} stopped: ${message}`));
        });
      };
      const timer = setInterval(check, this.pollMs);
      const cleanup = () => {
        clearInterval(timer);
        this.off('state', onState);
        this.off('store-failed', onStoreFailed);
      };
      this.on('state', onState);
      this.on('store-failed', onStoreFailed);
      check();
    });
  }

  // ----------------------------------------------------------------------------------- cross-process polling

  private ensurePoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.poll(), this.pollMs);
    this.poller.unref();
  }

  private stopPoller(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  /** Cancels requested by another process for runs driven here. */
  private poll(): void {
    if (this.live.size === 0) return;
    try {
      for (const id of this.runs.cancelRequested([...this.live.keys()])) {
        const live = this.live.get(id);
        if (live) this.interrupt(live, 'canceled from another dayops process');
      }
    } catch {
      /* the database is busy: next time */
    }
  }

  // ------------------------------------------------------------------------------------------------ shutdown

  /**
   * Stop: cancel every run driven here (interrupting its tool; queued runs end CANCELED too) and wait for them
   * to end. Parked runs (UNCONFIRMED) are left for a later approval. Idempotent.
   */
  async shutdown(reason = 'dayops is quitting'): Promise<void> {
    this.closed = true;
    const all = [...this.live.values()];
    for (const live of all) {
      const run = this.runs.get(live.id);
      try {
        if (run && !isTerminal(run.state) && run.state !== 'UNCONFIRMED') {
          this.runs.requestCancel(live.id, this.user, reason);
        }
      } catch {
        /* not stored (a full disk): the tool is interrupted all the same */
      }
      this.interrupt(live, `canceled: ${reason}`);
    }
    await Promise.allSettled(all.map((l) => l.done));
    this.stopPoller();
    this.unhook?.();
    this.unhook = undefined;
  }
}

/** Why a run stopped when the database could not store it. */
function storeFailureMessage(err: unknown, dbPath: string): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  const msg = (err as Error)?.message ?? String(err);
  return code.startsWith('SQLITE_FULL')
    ? `disk full: dayops could not store the run in ${dbPath} (${msg})`
    : `dayops could not store the run in ${dbPath} (${msg})`;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.address, d.location].filter(Boolean).join(', ');
  const summary = d.summary.replace(/\s+/g, ' ').trim();
  return `${summary}${where ? ` (${where})` : ''}${d.detail ? `: ${d.detail.split('\n')[0]}` : ''}`;
}

/** Exit code of a headless command for a run's state: 0 FINISHED, 1 FAILED/CANCELED/DISCARDED, 3 POLICY_DENIED, 4 waiting. */
export function exitCodeFor(state: RunState): number {
  switch (state) {
    case 'FINISHED':
      return 0;
    case 'POLICY_DENIED':
      return 3;
    case 'UNCONFIRMED':
      return 4;
    default:
      return isTerminal(state) ? 1 : 4;
  }
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A diagnostic in `--json`: where it is (`file`, `line`, `column`) and its `detail`, null when the tool gave none. */
function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return { ...d, detail: d.detail ?? null, file: d.file ?? null, line: d.line ?? null, column: d.column ?? null };
}

/** The `--json` shape of a run (dayops run/approve/runs). */
export function runJson(d: RunDetail): Record<string, unknown> {
  return {
    id: d.id,
    stack: d.stackName,
    environment: d.stackEnvironment,
    tool: d.stackTool,
    kind: d.kind,
    purpose: d.purpose,
    state: d.state,
    triggeredBy: d.triggeredBy,
    trigger: d.trigger,
    summary: fullSummary(d.summary),
    changes: d.plan?.changes ?? [],
    drift: d.plan?.drift ?? [],
    diagnostics: [...d.diagnostics, ...(d.plan?.diagnostics ?? []), ...(d.apply?.diagnostics ?? [])].map(
      diagnosticJson,
    ),
    policies: d.policies,
    approvals: {
      required: d.requiredApprovals,
      given: d.approvals.map((a) => ({ user: a.user, comment: a.comment, at: iso(a.at) })),
    },
    applied: d.apply ? { summary: fullSummary(d.apply.summary), changes: d.apply.changes } : null,
    error: d.error,
    logLines: d.logLines,
    createdAt: iso(d.createdAt),
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    durationMs: d.durationMs,
    transitions: d.transitions.map((t) => ({ state: t.state, at: iso(t.at), note: t.note })),
  };
}
