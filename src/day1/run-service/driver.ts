/** The driver: a run from the queue through init, plan and policies to its end, parked for approval, or applied. */
import { requirePermission } from '../../app/permissions.js';
import { existsSync, statSync } from 'node:fs';
import { loadStackConfig } from '../../config/stack-config.js';
import type { RunPatch, RunRecord } from '../../db/runs.js';
import { loadPolicies, policyOutcome, type PolicyResult } from '../../domain/policies.js';
import {
  applyProgress,
  formatSummary,
  fullSummary,
  isRealChange,
  type ApplyResult,
  type PlanResult,
} from '../../domain/plan.js';
import type { CheckConfig } from '../../config/checks-config.js';
import { afterApplyChecks, validateRun } from './validate.js';
import type { Stack } from '../../domain/stack.js';
import { errorMessage, UserError } from '../../errors.js';
import { requireEstablishedUser } from '../../os-user.js';
import { governancePolicies, refuseEnvironmentMismatch } from '../governance.js';
import { ToolError, type AdapterContext } from '../adapter.js';
import { resolveStackEnv } from '../secrets.js';
import { ExtendableRedactor } from '../../secrets/extendable.js';
import { redactDeep } from '../../secrets/redactor.js';
import { callRunHooks, type RunHookContext } from '../runner/hooks.js';
import { isStorageError, RunLog, type RedactLike } from '../runner/log.js';
import { execInRun } from '../runner/process.js';
import { currentOwner } from '../runner/procinfo.js';
import { createRunDir, removeRunDir, runDirFor } from '../runner/rundir.js';
import { isTerminal, type RunEvent, type RunKind, type RunState } from '../runner/state.js';
import { formatDiagnostic } from './json.js';
import { linkRun, recordRunRevision } from '../run-revision.js';
import { RunDependencies } from './dependencies.js';
import { Canceled, type Conclusion, type LiveRun, type Prepared, type StartOptions } from './types.js';
import { isTeamDb } from '../../db/engine.js';

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

export abstract class RunDriver extends RunDependencies {
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
    // The role may start it (team mode). A drift check, and a run a schedule or a cascade starts, is a job a
    // worker runs too; a person's run needs an operator.
    const job = opts.trigger === 'schedule' || opts.trigger === 'auto-remediate' || opts.trigger === 'cascade';
    requirePermission(this.db, purpose === 'drift' ? 'check-drift' : job ? 'run-job' : 'start-run');
    const user = opts.user ?? this.user;
    if (kind === 'tracked' && opts.autoApprove && !job) requirePermission(this.db, 'approve');
    if (kind === 'tracked' && opts.autoApprove) requireEstablishedUser(user, `auto-approving a run of ${stack.name}`);
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
    if (opts.atRevision) linkRun(this.db, run.id, stack.id, user, opts.atRevision);
    if (!prep) {
      await this.failAtStart(run.id, failure);
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
      atRevision: opts.atRevision,
    };
    this.live.set(run.id, live);
    this.ensurePoller();
    live.done = this.drive(live);
    return run.id;
  }

  /** A run that cannot start (its config, policies or secrets): FAILED at once, with the one-line why. */
  protected async failAtStart(runId: number, failure: string | undefined): Promise<void> {
    const log = this.openLog(runId, undefined);
    log.system(`dayops: the run cannot start: ${failure}`);
    await log.close();
    const failed = this.runs.move(runId, 'fail', { patch: { error: failure } });
    if (failed) {
      this.emit('state', failed);
      this.cascadeSettled(failed);
    }
    removeRunDir(this.dbPath, runId);
    this.kick();
  }

  /**
   * Take a run queued with no owner (a cascade's) and drive it here, as `start` drives a new one. False when
   * another dayops process took it first, or this one is shutting down.
   */
  async adopt(runId: number): Promise<boolean> {
    if (this.closed || this.readonly) return false;
    const run = this.runs.get(runId);
    if (!run || run.state !== 'QUEUED' || run.owner !== null) return false;
    if (!this.dependencies.claim(runId, currentOwner())) return false;
    const stack = this.stacks.getById(run.stackId)!;
    let prep: Prepared;
    try {
      prep = this.prepare(stack);
    } catch (err) {
      await this.failAtStart(runId, errorMessage(err));
      return true;
    }
    const live: LiveRun = {
      id: runId,
      kind: run.kind,
      prep,
      log: this.openLog(runId, prep.redactor),
      abort: new AbortController(),
      phase: null,
      diagnostics: [],
      autoReason: run.autoApply ? 'autoApply: true in dayops.yaml' : undefined,
      done: Promise.resolve(),
    };
    this.live.set(runId, live);
    this.ensurePoller();
    const cascade = this.dependencies.cascadeOf(runId);
    if (cascade) live.log.system(`dayops: cascade from run ${cascade.rootRunId}: ${cascade.reason}`);
    live.done = this.drive(live);
    return true;
  }

  /**
   * A worker's claim: the oldest queued remote run whose stack is free, started here (owned, with a lease) and
   * driven as `start` drives a new one. Undefined when there is nothing to take (or this service is closing).
   */
  async claimNext(): Promise<RunRecord | undefined> {
    if (this.closed || this.readonly || this.workerName === undefined) return undefined;
    const run = this.runs.claimRemote(currentOwner(), this.workerName);
    if (!run) return undefined;
    this.emit('state', run);
    const stack = this.stacks.getById(run.stackId)!;
    let prep: Prepared;
    try {
      prep = this.prepare(stack);
    } catch (err) {
      await this.failAtStart(run.id, errorMessage(err));
      return this.runs.get(run.id);
    }
    const live: LiveRun = {
      id: run.id,
      kind: run.kind,
      prep,
      log: this.openLog(run.id, prep.redactor),
      abort: new AbortController(),
      phase: null,
      diagnostics: [],
      autoReason: run.autoApply ? 'autoApply: true in dayops.yaml' : undefined,
      done: Promise.resolve(),
      started: true,
    };
    this.live.set(run.id, live);
    this.ensurePoller();
    live.log.system(`dayops: run ${run.id} claimed by worker ${this.workerName} (${currentOwner().host})`);
    live.done = this.drive(live);
    return run;
  }

  /** A run's log: lines go to listeners at once and to the database in batches. */
  protected openLog(runId: number, redactor: RedactLike | undefined): RunLog {
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
  protected storeFailed(live: LiveRun, err: unknown): void {
    if (live.storeFailure) return;
    live.storeFailure = storeFailureMessage(err, this.dbPath);
    this.emit('store-failed', live.id, live.storeFailure);
    this.interrupt(live, live.storeFailure);
  }

  /** Config, policies, secrets and adapter of a stack; throws the one-line error that fails the run. */
  protected prepare(stack: Stack): Prepared {
    let isDir = false;
    try {
      isDir = statSync(stack.dir).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) throw new UserError(`the folder of stack ${stack.name} (${stack.dir}) does not exist`);
    const config = loadStackConfig(stack.dir);
    refuseEnvironmentMismatch(stack, config);
    this.checkDependencies(stack, config);
    const policies = loadPolicies(config, stack.dir, stack.environment);
    const resolved = resolveStackEnv(config, stack.dir, this.env);
    return {
      stack,
      config,
      policies,
      env: resolved.env,
      redactor: new ExtendableRedactor(resolved.secretValues),
      adapter: this.adapterFor(stack.tool),
      warnings: resolved.warnings ?? [],
    };
  }

  protected adapterContext(live: LiveRun): AdapterContext {
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

  protected moved(run: RunRecord | undefined): RunRecord | undefined {
    if (run) this.emit('state', run);
    return run;
  }

  /** The run from the queue to FINISHED, FAILED, POLICY_DENIED, CANCELED, or parked UNCONFIRMED. */
  protected async drive(live: LiveRun): Promise<void> {
    const { id, prep } = live;
    const { stack } = prep;
    try {
      for (const w of prep.warnings) live.log.system(`dayops: warning: ${w}`);
      await this.waitTurn(live);
      live.log.system(
        await recordRunRevision(this.db, {
          id,
          dir: stack.dir,
          stackName: stack.name,
          config: prep.config,
          dbPath: this.dbPath,
          at: live.atRevision,
        }),
        'init',
      );
      createRunDir(this.dbPath, id);
      await this.resolveInputs(live);
      this.checkAbort(live);
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
      const results = [
        ...prep.policies.evaluate({
          plan,
          stack: { name: stack.name, environment: stack.environment, tool: stack.tool },
          run: { id, kind: run.kind, purpose: run.purpose, triggeredBy: run.triggeredBy },
        }),
        // Governance (issue 7): a prod stack that lost policies shows it and needs a second approver once
        ...governancePolicies(this.db, stack, prep.config, prep.policies, id, run.triggeredBy),
      ];
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
          // In team mode an audit entry names the session user who writes it (row-level security): the process
          // driving the run; who triggered it is in the run's record.
          {
            user: isTeamDb(this.db) ? this.user : run.triggeredBy,
            action: 'auto-approve',
            comment: live.autoReason ?? 'auto-apply',
          },
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
      // A worker (or the open app in team mode) keeps the parked run and its plan file: it applies it once approved
      // from any machine.
      const hold = this.holdsPlans ? { owner: currentOwner() } : {};
      await this.conclude(live, 'park', { patch: { ...patch, ...hold }, expect: ['PLANNING'] });
      // The app lets its plans go when it quits (the runs stay parked); a worker fails them (dayops worker).
      if (this.holdsPlans && this.workerName === undefined) this.holding.add(id);
    } catch (err) {
      await this.conclude(live, ...this.failure(live, err));
    }
  }

  protected async applyPhase(live: LiveRun, plan: PlanResult, approver: string): Promise<void> {
    const { id, prep } = live;
    live.phase = 'apply';
    live.log.system('dayops: applying', 'apply');
    const hookCtx: RunHookContext = { db: this.db, runId: id, stack: prep.stack, config: prep.config, user: approver };
    for (const e of await callRunHooks('onApplyStart', hookCtx))
      live.log.system(`dayops: apply hook failed: ${errorMessage(e.error)}`, 'apply');
    let end: Conclusion;
    let applied: ApplyResult | undefined;
    try {
      if (!existsSync(runDirFor(this.dbPath, id))) createRunDir(this.dbPath, id);
      // An apply in another process than the plan (dayops approve): the inputs again, for the tool and the masking.
      await this.resolveInputs(live);
      this.checkAbort(live);
      const before = await this.outputsBefore(live);
      this.checkAbort(live);
      const result = await live.prep.adapter.apply(this.adapterContext(live), plan);
      // The tool finished the apply: a cancel that came too late to stop it changes nothing that happened.
      if (live.abort.signal.aborted)
        live.log.system('dayops: the apply completed before the cancel reached it', 'apply');
      live.log.system(`dayops: applied: ${formatSummary(result.summary)}`, 'apply');
      applied = result;
      end = ['finish', { patch: { apply: redactDeep(result, prep.redactor) }, expect: ['APPLYING'] }];
      await this.outputsAfter(live, before, approver);
    } catch (err) {
      end = this.failure(live, err);
    }
    const outcome = end[0] === 'finish' ? 'FINISHED' : end[0] === 'cancel' ? 'CANCELED' : 'FAILED';
    for (const e of await callRunHooks('onApplyEnd', { ...hookCtx, run: this.runs.get(id)!, outcome })) {
      live.log.system(`dayops: apply hook failed: ${errorMessage(e.error)}`, 'apply');
    }
    const checks = afterApplyChecks(prep.config.checks);
    if (end[0] === 'finish' && applied && checks.length > 0 && !live.abort.signal.aborted) {
      end = await this.validatePhase(live, end, checks, plan, applied);
    }
    await this.conclude(live, ...end);
  }

  /** APPLYING -> VALIDATING with the apply's result stored, then the checks; how the run ends. */
  protected async validatePhase(
    live: LiveRun,
    end: Conclusion,
    checks: CheckConfig[],
    plan: PlanResult,
    applied: ApplyResult,
  ): Promise<Conclusion> {
    try {
      const moved = this.moved(this.runs.move(live.id, 'validate', { patch: end[1].patch, expect: ['APPLYING'] }));
      if (!moved) return end;
      const host = {
        db: this.db,
        env: this.env,
        toolGroups: this.toolGroups,
        changed: () => this.emit('checks', live.id),
      };
      return await validateRun(host, live, checks, plan, applied);
    } catch (err) {
      return this.failure(live, err);
    }
  }

  /**
   * How a failed (or cancelled) run ends: the move, with its error and lines in the log. What an interrupted apply
   * did is kept (`apply`, and the error says how far it got); diagnostics that no result holds are kept with the
   * run.
   */
  protected failure(live: LiveRun, err: unknown): Conclusion {
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
  protected async conclude(
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
  protected finish(live: LiveRun, run: RunRecord | undefined): void {
    if (this.live.get(live.id) === live) this.live.delete(live.id);
    const final = run ?? this.runs.get(live.id);
    if (final) {
      if (isTerminal(final.state)) removeRunDir(this.dbPath, live.id);
      this.emit('state', final);
      this.cascadeSettled(final);
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
}

/** Why a run stopped when the database could not store it. */
function storeFailureMessage(err: unknown, dbPath: string): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  const msg = (err as Error)?.message ?? String(err);
  return code.startsWith('SQLITE_FULL')
    ? `disk full: dayops could not store the run in ${dbPath} (${msg})`
    : `dayops could not store the run in ${dbPath} (${msg})`;
}
