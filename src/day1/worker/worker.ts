/**
 * `dayops worker`: a long-running process that takes queued remote runs (`dayops run STACK --remote`) and drives
 * them with the run service, up to `concurrency` at once, on any machine that reaches the team database.
 *
 * - Registers in `workers` (name, host, pid) and heartbeats its lease there and on every run it owns; a worker
 *   killed outright is noticed by any live dayops when the lease expires (its runs marked interrupted, or "plan
 *   holder lost" for a parked one, and their stacks freed).
 * - Claims with row locks (RunsRepo.claimRemote): each run is executed by exactly one worker, one tracked run per
 *   stack across the team.
 * - A run that stops for approval stays owned here with its plan file: approved from any machine, it is applied
 *   here, from the same plan (`applyHeld`).
 * - `stop()` (SIGTERM, SIGINT): claims nothing more, interrupts its runs as Ctrl-C does, fails the parked runs
 *   whose plan it holds ("plan holder lost": nobody else has the plan), deregisters.
 */
import { hostname } from 'node:os';
import type { DB } from '../../db/open.js';
import { WorkersRepo } from '../../db/workers.js';
import { RunService, type RunRecord } from '../runs.js';
import { leaseMsFrom } from '../run-service/base.js';
import { planHolderLostMessage } from '../runner/recover.js';
import { isTerminal } from '../runner/state.js';
import { pidAlive } from '../runner/procinfo.js';
import type { ToolAdapter } from '../adapter.js';
import type { Tool } from '../../domain/stack.js';
import { defaultJobRunner, Scheduler } from '../../day2/scheduler.js';
import { Refresher } from '../../day2/refresh.js';

export interface WorkerOptions {
  name: string;
  concurrency: number;
  dbPath: string;
  user: string;
  env: NodeJS.ProcessEnv;
  /** How often it looks for work and approvals (default 200 ms). */
  pollMs?: number;
  leaseMs?: number;
  adapterFor?: (tool: Tool) => ToolAdapter;
  /**
   * Also run the scheduled Day-2 jobs (drift checks, backups, restore tests, scheduled checks) and the cache
   * refreshes (alerts, SLOs, snapshots) (default true). In team mode one process at a time does each (the leader
   * lock of src/day2/leader.ts), so each due job runs once across all workers and open dayops.
   */
  day2?: boolean;
}

export type WorkerEvent =
  | { type: 'registered'; worker: string; host: string; pid: number; concurrency: number }
  | { type: 'claimed'; worker: string; runId: number; stack: string; kind: string; latencyMs: number }
  | { type: 'applying'; worker: string; runId: number; stack: string }
  | { type: 'waiting'; worker: string; runId: number; stack: string; approvals: number; required: number }
  | { type: 'finished'; worker: string; runId: number; stack: string; state: string; error: string | null }
  | { type: 'job-start'; worker: string; job: string; stack: string }
  | { type: 'job-end'; worker: string; job: string; stack: string; ok: boolean; error: string | null }
  | { type: 'stopped'; worker: string; reason: string };

export function defaultWorkerName(): string {
  return `${hostname()}-${process.pid}`;
}

export class Worker {
  readonly svc: RunService;
  private readonly workers: WorkersRepo;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly stopped = new AbortController();
  private stopReason = 'stopped';
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  /** Runs claimed here and not ended yet. */
  private readonly mine = new Set<number>();
  private readonly scheduler: Scheduler | undefined;
  private readonly refresher: Refresher | undefined;

  constructor(
    readonly db: DB,
    private readonly opts: WorkerOptions,
    private readonly onEvent: (e: WorkerEvent) => void = () => {},
  ) {
    this.leaseMs = opts.leaseMs ?? leaseMsFrom(opts.env);
    this.pollMs = opts.pollMs ?? 200;
    this.workers = new WorkersRepo(db);
    this.svc = new RunService(db, {
      dbPath: opts.dbPath,
      user: opts.user,
      env: opts.env,
      worker: opts.name,
      leaseMs: this.leaseMs,
      pollMs: this.pollMs,
      handleSignals: false,
      adapterFor: opts.adapterFor,
    });
    this.svc.on('state', (run) => this.onState(run));
    if (opts.day2 !== false) {
      this.scheduler = new Scheduler({ db, runJob: defaultJobRunner(this.svc, db, opts.user) });
      this.refresher = new Refresher({ db, env: opts.env });
      const job = (j: { kind: string; check?: string; stack: string }) => ({
        worker: opts.name,
        job: j.check ? `${j.kind} ${j.check}` : j.kind,
        stack: j.stack,
      });
      this.scheduler.on('job-start', (j) => this.onEvent({ type: 'job-start', ...job(j) }));
      this.scheduler.on('job-end', (j) => {
        if (!j.aborted) this.onEvent({ type: 'job-end', ...job(j), ok: j.ok, error: j.error ?? null });
        this.refresher?.recomputeStale();
      });
    }
  }

  private onState(run: RunRecord): void {
    if (!this.mine.has(run.id)) return;
    const base = { worker: this.opts.name, runId: run.id, stack: run.stackName };
    if (isTerminal(run.state)) {
      this.mine.delete(run.id);
      this.onEvent({ type: 'finished', ...base, state: run.state, error: run.error });
      this.wakeUp?.();
    } else if (run.state === 'UNCONFIRMED') {
      const approvals = this.svc.runs.approvals(run.id).length;
      this.onEvent({ type: 'waiting', ...base, approvals, required: run.requiredApprovals });
      this.wakeUp?.();
    } else if (run.state === 'APPLYING' && !this.svc.isLive(run.id)) {
      this.onEvent({ type: 'applying', ...base });
    }
  }

  /** Register, then claim and drive runs until `stop()`. Resolves when stopped and deregistered. */
  async run(): Promise<void> {
    // A worker of the same name that died on this host (its pid is gone) is replaced at once, not after its lease.
    const me = this.workers.register(
      { name: this.opts.name, host: hostname(), pid: process.pid },
      this.leaseMs,
      Date.now(),
      (old) => old.host !== hostname() || pidAlive(old.pid),
    );
    this.onEvent({
      type: 'registered',
      worker: me.name,
      host: me.host,
      pid: me.pid,
      concurrency: this.opts.concurrency,
    });
    this.timer = setInterval(() => this.heartbeat(), Math.max(50, this.leaseMs / 5));
    this.scheduler?.start();
    this.refresher?.start();
    while (!this.stopped.signal.aborted) {
      try {
        this.tick();
        await this.claimAll();
      } catch (err) {
        // The database is unreachable for a moment: try again next round (the lease covers a few).
        if (this.stopped.signal.aborted) break;
        process.emitWarning(`dayops worker: ${(err as Error)?.message ?? String(err)}`);
      }
      await this.sleep();
    }
    await this.wind();
  }

  /** Stop claiming; interrupt the runs driven here; resolve `run()` once all is stored. */
  stop(reason = 'dayops worker is stopping'): void {
    this.stopReason = reason;
    if (this.stopped.signal.aborted) return;
    try {
      this.workers.setState(this.opts.name, 'stopping');
    } catch {
      /* stored at the end, or the lease tells */
    }
    this.stopped.abort();
    this.wakeUp?.();
  }

  private heartbeat(): void {
    try {
      this.workers.heartbeat(this.opts.name, this.leaseMs);
      this.workers.markLost();
    } catch {
      /* next beat */
    }
  }

  /** Parked runs of this worker that got their approvals: applied here. */
  private tick(): void {
    for (const id of this.svc.applyHeld()) {
      const run = this.svc.runs.get(id);
      this.mine.add(id);
      if (run) this.onEvent({ type: 'applying', worker: this.opts.name, runId: id, stack: run.stackName });
    }
  }

  private async claimAll(): Promise<void> {
    while (!this.stopped.signal.aborted && this.svc.driving < this.opts.concurrency) {
      const t0 = Date.now();
      const run = await this.svc.claimNext();
      if (!run) return;
      const latencyMs = (run.startedAt ?? t0) - run.createdAt;
      this.mine.add(run.id);
      this.onEvent({
        type: 'claimed',
        worker: this.opts.name,
        runId: run.id,
        stack: run.stackName,
        kind: run.kind,
        latencyMs,
      });
      if (isTerminal(run.state)) this.onState(run);
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async wind(): Promise<void> {
    await Promise.allSettled([this.scheduler?.stop(), this.refresher?.stop()]);
    await this.svc.shutdown(this.stopReason);
    // Parked runs whose plan only this worker has: nobody can apply them from the same plan any more.
    for (const h of this.svc.runs.held({ host: hostname(), pid: process.pid, start: null })) {
      const run = this.svc.runs.get(h.id);
      if (!run) continue;
      const moved = this.svc.runs.move(h.id, 'fail', {
        patch: { error: planHolderLostMessage(run) },
        note: 'plan holder lost',
        expect: ['UNCONFIRMED'],
      });
      if (moved) this.onState(moved);
    }
    if (this.timer) clearInterval(this.timer);
    try {
      this.workers.setState(this.opts.name, 'stopped');
    } catch {
      /* the lease tells */
    }
    this.onEvent({ type: 'stopped', worker: this.opts.name, reason: this.stopReason });
  }
}
