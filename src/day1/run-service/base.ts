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
    if (opts.handleSignals !== false) {
      installProcessHandlers();
      this.unhook = onShutdown((reason) => this.shutdown(reason));
    }
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

  /** The run is driven by this process right now. */
  isLive(runId: number): boolean {
    return this.live.has(runId);
  }

  /** Defined by RunService (actions.ts); the signal handlers call it. */
  abstract shutdown(reason?: string): Promise<void>;
}
