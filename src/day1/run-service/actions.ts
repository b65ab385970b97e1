/** What an operator does to a run: approve, discard, cancel, wait for it; and the service's shutdown. */
import { requirePermission, type Action } from '../../app/permissions.js';
import { existsSync } from 'node:fs';
import { ApprovalRefused, type RunRecord } from '../../db/runs.js';
import { emptySummary, type PlanResult } from '../../domain/plan.js';
import type { Stack } from '../../domain/stack.js';
import { errorMessage, UserError } from '../../errors.js';
import { requireEstablishedUser } from '../../os-user.js';
import { currentOwner } from '../runner/procinfo.js';
import { ownerGone, planHolderLostMessage, recoverRuns } from '../runner/recover.js';
import { removeRunDir, runDirFor } from '../runner/rundir.js';
import { isTerminal } from '../runner/state.js';
import { RunDriver } from './driver.js';
import type { ApproveResult, LiveRun, Prepared } from './types.js';

/**
 * The Day-1 run service: the whole life of a run (queue, init, plan, policies, approval, apply) for the app and
 * the headless commands. React-free; the app subscribes to its events for runs driven in this process and polls
 * `changeToken(db)` for runs driven by another dayops process (a second terminal, a cron job).
 *
 * ```ts
 * const svc = new RunService(db, { dbPath, user: currentUser(db), readonly });
 * svc.on('line', (line) => ...);             // every log line of runs driven here, as it comes
 * svc.on('state', (run) => ...);             // every state change made here
 * const id = await svc.start('payments', { trigger: 'tui' });
 * const run = await svc.wait(id);            // FINISHED/FAILED/... or UNCONFIRMED (parked, waiting for approval)
 * await svc.approve(id, 'alice');            // applies here once enough distinct users approved
 * ```
 */
export class RunService extends RunDriver {
  // --------------------------------------------------------------------------------------------- approvals

  /** Refuse before trying: read-only mode, or (team mode) a role that may not take this action. */
  protected refuseReadonly(action: string, permission?: Action): void {
    if (this.readonly) throw new UserError(`readonly mode (--readonly): ${action} is not allowed`);
    if (permission) requirePermission(this.db, permission);
  }

  protected mustGet(runId: number): RunRecord {
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
    this.refuseReadonly('approving a run', 'approve');
    requireEstablishedUser(user, `approving run ${runId}`);
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
    // Parked in a process that holds its plan (a worker): that process applies it; gone for good, it cannot be.
    const me = currentOwner();
    const elsewhere = run.owner !== null && (run.owner.host !== me.host || run.owner.pid !== me.pid);
    if (elsewhere && ownerGone(run)) {
      recoverRuns(this.db, { dbPath: this.dbPath, runIds: [runId] });
      const now = this.runs.get(runId);
      throw new UserError(`run ${runId} cannot be approved: ${now?.error ?? planHolderLostMessage(run)}`);
    }
    if (!elsewhere && given.length + (already ? 0 : 1) >= run.requiredApprovals) {
      prep = this.prepareApply(stack, runId);
    }
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
      applying: res.applying || Boolean(res.blocker) || (Boolean(res.heldBy) && res.approvals >= res.required),
      state: res.run.state,
      ...(res.heldBy ? { heldBy: res.heldBy } : {}),
    };
  }

  /**
   * Team mode: keep a parked run's plan in this process while it stays open (`dayops run` asking for approval):
   * an approval from another machine is applied here, from this plan (`applyHeld`). `hold: false` lets it go
   * (the run stays parked, approvable where its plan folder is). False when another process holds it.
   */
  holdPlan(runId: number, hold = true): boolean {
    const ok = this.runs.holdPlan(runId, currentOwner(), hold);
    if (hold && ok) this.holding.add(runId);
    if (!hold) this.holding.delete(runId);
    return ok;
  }

  /**
   * Apply here the parked runs whose plan this process holds (a worker's) and that have all their approvals now
   * (approved from any machine). Returns the runs that started applying.
   */
  applyHeld(): number[] {
    if (this.closed) return [];
    const started: number[] = [];
    for (const h of this.runs.held(currentOwner())) {
      if (h.approvals < h.required || this.live.has(h.id)) continue;
      const r = this.runs.claimApply(h.id, currentOwner());
      if (r.result !== 'started') continue;
      this.holding.delete(h.id);
      this.emit('state', r.run);
      const approver = this.runs.approvals(h.id).at(-1)?.user ?? this.user;
      this.continueApply(r.run, undefined, approver);
      started.push(h.id);
    }
    return started;
  }

  /** The open app's held plans are applied at its heartbeat; a worker applies its own in its loop. */
  protected override afterBeat(): void {
    if (this.holdsPlans && this.workerName === undefined) this.applyHeld();
  }

  protected prepareApply(stack: Stack, runId: number): Prepared {
    const prep = this.prepare(stack);
    if (!existsSync(runDirFor(this.dbPath, runId))) {
      throw new UserError(
        `run ${runId} cannot be applied: its plan folder ${runDirFor(this.dbPath, runId)} is gone; discard it and plan again`,
      );
    }
    return prep;
  }

  /** Drive the apply of an approved run (state APPLYING, owned here). */
  protected continueApply(run: RunRecord, prep: Prepared | undefined, approver: string): void {
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
  protected applyWhenFree(run: RunRecord, prep: Prepared | undefined, approver: string): void {
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
    this.refuseReadonly('discarding a run', 'discard');
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
    this.refuseReadonly('canceling a run', 'cancel');
    const run = this.mustGet(runId);
    if (isTerminal(run.state)) throw new UserError(`run ${runId} has already ended (${run.state})`);
    const reason = `canceled by ${user}${comment ? `: ${comment}` : ''}`;
    const live = this.live.get(runId);
    if (live && run.state !== 'UNCONFIRMED') {
      if (!this.runs.requestCancel(runId, user, comment ?? null)) return this.runs.get(runId)!;
      this.interrupt(live, reason);
      return this.runs.get(runId)!;
    }
    if (run.state === 'UNCONFIRMED' || (run.state === 'QUEUED' && run.owner === null && !live)) {
      // Parked (or approved and waiting here for the folder): nothing runs, it ends now.
      live?.abort.abort();
      const moved = this.runs.moveAudited(
        runId,
        'cancel',
        { user, action: 'cancel', comment: comment ?? null },
        { patch: { error: reason }, expect: [run.state] },
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

  /** A system line for a run not driven here (discard, cancel of a parked run). */
  protected appendSystem(runId: number, message: string): void {
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
    // Plans held while a question was open: let go, the runs stay parked (approvable where their folder is).
    for (const id of [...this.holding]) {
      try {
        this.holdPlan(id, false);
      } catch {
        /* the lease expires */
      }
    }
    this.stopPoller();
    this.stopHeartbeat();
    this.unhook?.();
    this.unhook = undefined;
    await this.closeLogThread();
  }
}
