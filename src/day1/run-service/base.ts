/** The run service's state and wiring: repositories, options, the runs driven here; queries. */
import { EventEmitter } from 'node:events';
import type { DB } from '../../db/open.js';
import { LogsRepo } from '../../db/logs.js';
import { LogWriterThread } from '../../db/log-thread.js';
import { RunsRepo, type RunDetail, type RunRecord } from '../../db/runs.js';
import { StacksRepo } from '../../db/stacks.js';
import { ToolGroupsRepo } from '../../db/tool-groups.js';
import type { Tool } from '../../domain/stack.js';
import { actingUser } from '../../identity.js';
import type { ToolAdapter } from '../adapter.js';
import { adapterFor as defaultAdapterFor } from '../adapters/index.js';
import type { RunLogOptions } from '../runner/log.js';
import { defaultGraceMs, installProcessHandlers, onShutdown } from '../runner/process.js';
import { recoverRuns, type RecoveredRun } from '../runner/recover.js';
import type { LiveRun, RunServiceEvents, RunServiceOptions } from './types.js';
import { isTeamDb } from '../../db/engine.js';
import { currentOwner } from '../runner/procinfo.js';

/** The owner's lease: DAYOPS_LEASE_MS (tests shorten it), else 10 s. */
export function leaseMsFrom(env: NodeJS.ProcessEnv): number {
  const n = Number(env.DAYOPS_LEASE_MS);
  return Number.isFinite(n) && n >= 100 ? n : 10_000;
}

export abstract class RunServiceBase extends EventEmitter<RunServiceEvents> {
  readonly runs: RunsRepo;
  readonly logs: LogsRepo;
  readonly stacks: StacksRepo;
  /** The tools' process groups that may still run, so a dayops that dies leaves none behind unrecorded. */
  protected readonly toolGroups: ToolGroupsRepo;
  /** Runs of dead dayops processes that were marked FAILED when this service started. */
  readonly recovered: RecoveredRun[];
  readonly dbPath: string;
  readonly user: string;
  readonly readonly: boolean;
  protected readonly graceMs: number;
  protected readonly pollMs: number;
  protected readonly env: NodeJS.ProcessEnv;
  protected readonly adapterFor: (tool: Tool) => ToolAdapter;
  protected readonly logOptions: RunLogOptions;
  protected readonly live = new Map<number, LiveRun>();
  protected readonly wake = new EventEmitter();
  protected poller: NodeJS.Timeout | undefined;
  protected unhook: (() => void) | undefined;
  protected closed = false;
  /** The worker this service belongs to (`dayops worker`): its runs hold their plan while parked. */
  readonly workerName: string | undefined;
  /** Runs parked here keep their plan here (a worker's, or the open app's in team mode). */
  readonly holdsPlans: boolean;
  /** The owner's lease in ms when leases are kept (team mode, workers), else undefined. */
  readonly leaseMs: number | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Parked runs whose plan this (non-worker) process holds while it waits at the approval question. */
  protected readonly holding = new Set<number>();
  /** The thread that stores run logs, when the service has one (`logThread`); made when a first log opens. */
  private logThread: LogWriterThread | undefined;
  private readonly threaded: boolean;

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
    this.user = actingUser(db, opts.user);
    this.readonly = opts.readonly ?? false;
    this.graceMs = opts.graceMs ?? defaultGraceMs(opts.env ?? process.env);
    this.pollMs = opts.pollMs ?? 250;
    this.env = opts.env ?? process.env;
    this.adapterFor = opts.adapterFor ?? defaultAdapterFor;
    this.threaded = Boolean(opts.logThread) && !db.memory && !db.readonly && !isTeamDb(db);
    this.logOptions = this.threaded
      ? {
          ...opts.logOptions,
          store: (runId, lines, phases) =>
            (this.logThread ??= new LogWriterThread(db.name)).append(runId, lines, phases),
        }
      : (opts.logOptions ?? {});
    this.recovered = opts.recover === false ? [] : recoverRuns(db, { dbPath: this.dbPath });
    this.workerName = opts.worker;
    this.holdsPlans = opts.worker !== undefined || Boolean(opts.holdParkedPlans);
    this.leaseMs = isTeamDb(db) || opts.worker !== undefined ? (opts.leaseMs ?? leaseMsFrom(this.env)) : undefined;
    if (this.leaseMs !== undefined && !db.readonly) {
      this.runs.useLeases(this.leaseMs);
      // Heartbeat: renew the lease of every run owned here; sweep: mark runs whose owner's lease expired.
      this.heartbeat = setInterval(() => this.beat(opts.recover !== false), Math.max(50, this.leaseMs / 5));
      this.heartbeat.unref();
    }
    if (opts.handleSignals !== false) {
      installProcessHandlers();
      this.unhook = onShutdown((reason) => this.shutdown(reason));
    }
  }

  /** One heartbeat: leases renewed, then (unless recovery is off) runs of owners gone for good marked. */
  protected beat(sweep: boolean): void {
    try {
      // Only a process that holds plans owns runs it does not drive right now (parked runs).
      if (this.live.size > 0 || this.holdsPlans || this.holding.size > 0) {
        this.runs.renewLeases(currentOwner());
      }
      this.afterBeat();
      if (sweep) recoverRuns(this.db, { dbPath: this.dbPath });
    } catch {
      /* the database is unreachable for a moment: next beat (the lease is several beats long) */
    }
  }

  /** What a heartbeat does besides the lease and the sweep (the run service applies held plans). */
  protected afterBeat(): void {}

  protected stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Store what the log thread was sent and end it (after the runs driven here have closed their logs). */
  protected async closeLogThread(): Promise<void> {
    const t = this.logThread;
    this.logThread = undefined;
    await t?.close();
  }

  // ---------------------------------------------------------------------------------------------- queries

  get(runId: number): RunRecord | undefined {
    return this.runs.get(runId);
  }

  detail(runId: number): RunDetail | undefined {
    return this.runs.detail(runId);
  }

  /** How many runs this process drives right now (a worker's concurrency counts them). */
  get driving(): number {
    return this.live.size;
  }

  /** The run is driven by this process right now. */
  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  /** Defined by RunService (actions.ts); the signal handlers call it. */
  abstract shutdown(reason?: string): Promise<void>;
}
