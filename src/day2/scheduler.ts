/**
 * The Day-2 scheduler: while dayops is open, it runs each stack's scheduled jobs from its dayops.yaml
 * (`drift.schedule`: a drift check; `backups.schedule`: a backup; `backups.restoreTestSchedule`: a restore test;
 * a check's `schedule`, for `checks:` with `when: [scheduled]`: that check, its result stored in check_results),
 * cron expressions read in UTC (see configs.ts).
 *
 * - A job is due when the newest slot of its schedule (at or before now) is after the job's last run. The last run
 *   is kept in the database (`schedule_state`: the start time of the last run, written when it ends), so after
 *   dayops was closed for a day a six-hourly job runs ONCE when it opens again, not four times. A job never run
 *   counts from the stack's registration.
 * - At most `concurrency` jobs at once (default 2), never two jobs of the same stack at once, and no job while a
 *   tool works in the stack's folder (a run INITIALIZING, PLANNING or APPLYING): the job waits in the queue. The
 *   run service would queue a drift run behind such a run anyway; waiting here keeps the slot free for another
 *   stack, and keeps a backup from copying a state file in the middle of an apply.
 * - A stack whose dayops.yaml is broken, or whose schedule is not cron, is reported in `status().problems` and a
 *   `problem` event, and skipped; the others go on.
 * - `stop()` stops the timer, drops the queue and aborts the running jobs (a backup's restic is interrupted; a
 *   drift check stops waiting and its run is cancelled by the run service's own shutdown) and waits for them.
 *   Jobs cut short this way are not recorded as run, so they are caught up next time.
 *
 * The clock and the job runner are injectable (tests drive `tick()` with a fake clock and no timers).
 */
import { EventEmitter } from 'node:events';
import type { DB } from '../db/open.js';
import { DriftRepo, type ScheduleJob, type ScheduleStateRecord } from '../db/drift.js';
import { RunsRepo } from '../db/runs.js';
import { ChecksRepo } from '../db/checks.js';
import { runStackChecks } from '../day1/validation/stack-checks.js';
import { StacksRepo } from '../db/stacks.js';
import type { RunService } from '../day1/runs.js';
import { BUSY_STATES } from '../day1/runner/state.js';
import type { Stack } from '../domain/stack.js';
import { errorMessage } from '../errors.js';
import { runBackup, verifyBackup } from './backups.js';
import { cronOf, nextSlot, previousSlot, stackConfigOf } from './configs.js';
import { checkDrift, reconcileDriftChecks } from './drift.js';
import { Leadership } from './leader.js';

/** `check`: one of a stack's `when: [scheduled]` checks (its last run is read from check_results). */
export type JobKind = ScheduleJob | 'check';
export const JOB_KINDS: readonly JobKind[] = ['drift', 'backup', 'restore-test', 'check'];

export interface JobRef {
  stackId: number;
  stack: string;
  kind: JobKind;
  /** The check's name, for a `check` job. */
  check?: string;
}

/** What a job runner reports; a throw counts as `{ ok: false, error }`. */
export interface JobOutcome {
  ok: boolean;
  error?: string | null;
  /** One line for the UI ("drifted: 2 resources", "snapshot 1a2b3c4d"). */
  summary?: string;
}

export type JobRunner = (job: JobRef & { stackRecord: Stack }, signal: AbortSignal) => Promise<JobOutcome | void>;

export interface RunningJob extends JobRef {
  startedAt: number;
  /** Slot it serves (the newest slot at or before the time it became due); null for `runNow`. */
  slot: number | null;
}

export interface QueuedJob extends JobRef {
  dueAt: number;
  slot: number | null;
  /** Why it has not started: every slot taken, another job of the stack running, a tool working in the folder. */
  waiting: 'concurrency' | 'stack' | 'stack-busy' | null;
}

export interface NextJob extends JobRef {
  schedule: string;
  /** The next slot after now. */
  at: number | null;
  lastRunAt: number | null;
  lastFinishedAt: number | null;
  lastOk: boolean | null;
  lastError: string | null;
}

export interface SchedulerProblem {
  stackId: number;
  stack: string;
  /** The job whose schedule is wrong, or null for the whole config. */
  kind: JobKind | null;
  error: string;
}

export interface SchedulerStatus {
  started: boolean;
  concurrency: number;
  running: RunningJob[];
  queued: QueuedJob[];
  /** Every scheduled job, soonest first. */
  next: NextJob[];
  problems: SchedulerProblem[];
  /** Jobs this scheduler does not run (read-only mode leaves backups and restore tests out). */
  disabled: JobKind[];
}

export interface JobEnd extends RunningJob, JobOutcome {
  finishedAt: number;
  /** Cut short by stop(): not recorded as run. */
  aborted: boolean;
}

export interface SchedulerEvents {
  /** Anything in `status()` changed. */
  change: [];
  'job-start': [RunningJob];
  'job-end': [JobEnd];
  /** A newly found problem (reported once until it is fixed). */
  problem: [SchedulerProblem];
}

export interface SchedulerOptions {
  db: DB;
  runJob: JobRunner;
  /** The clock (default Date.now). */
  now?: () => number;
  /** Jobs at once (default 2). */
  concurrency?: number;
  /** Run timers (default true). Tests pass false and call `tick()`. */
  timers?: boolean;
  /** Longest sleep between two looks at the stacks and their configs (default 30 s). */
  tickMs?: number;
  /** Job kinds to run (default all). */
  kinds?: readonly JobKind[];
  /** A tool is working in the stack's folder (default: one of its runs is INITIALIZING, PLANNING or APPLYING). */
  isStackBusy?: (stackId: number) => boolean;
}

interface Job extends JobRef {
  schedule: string;
  stackRecord: Stack;
}

/** What the scheduler knows of a job's last run. */
type JobState = Pick<ScheduleStateRecord, 'lastRunAt' | 'finishedAt' | 'ok' | 'error'>;

const keyOf = (j: { stackId: number; kind: JobKind; check?: string }) =>
  j.check === undefined ? `${j.stackId}:${j.kind}` : `${j.stackId}:${j.kind}:${j.check}`;

function schedulesOf(config: NonNullable<ReturnType<typeof stackConfigOf>['config']>): [JobKind, string | undefined][] {
  return [
    ['drift', config.drift?.schedule],
    ['backup', config.backups?.schedule],
    ['restore-test', config.backups?.restoreTestSchedule],
  ];
}

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly concurrency: number;
  private readonly db: DB;
  private readonly runJob: JobRunner;
  private readonly now: () => number;
  private readonly timers: boolean;
  private readonly tickMs: number;
  private readonly kinds: ReadonlySet<JobKind>;
  private readonly isStackBusy: (stackId: number) => boolean;
  private readonly drift: DriftRepo;
  private readonly checks: ChecksRepo;
  private readonly stacks: StacksRepo;
  /** In team mode one process (an open dayops or a worker) runs the schedules; see src/day2/leader.ts. */
  readonly leadership: Leadership;
  private jobs: Job[] = [];
  private state = new Map<string, JobState>();
  private problems = new Map<string, SchedulerProblem>();
  private readonly queue: (QueuedJob & { stackRecord: Stack })[] = [];
  private readonly running = new Map<string, { job: RunningJob; abort: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(opts: SchedulerOptions) {
    super();
    this.setMaxListeners(0);
    this.db = opts.db;
    this.leadership = new Leadership(opts.db);
    this.runJob = opts.runJob;
    this.now = opts.now ?? Date.now;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.timers = opts.timers ?? true;
    this.tickMs = opts.tickMs ?? 30_000;
    this.kinds = new Set(opts.kinds ?? JOB_KINDS);
    this.drift = new DriftRepo(opts.db);
    this.checks = new ChecksRepo(opts.db);
    this.stacks = new StacksRepo(opts.db);
    const runs = new RunsRepo(opts.db);
    this.isStackBusy =
      opts.isStackBusy ??
      ((stackId) => runs.live().some((r) => r.stackId === stackId && BUSY_STATES.includes(r.state)));
  }

  /** Start: finish drift checks a stopped dayops left open, look at the schedules, run what is due. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    try {
      reconcileDriftChecks(this.db, this.now());
    } catch {
      /* the database is busy: the next start tries again */
    }
    void this.tick();
  }

  /** Stop the timer, drop the queue, abort running jobs and wait for them. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort();
    await Promise.allSettled(all.map((r) => r.done));
    this.emit('change');
  }

  /** For the services registry: the app calls it on quit. */
  shutdown(): Promise<void> {
    return this.stop();
  }

  /** Reload the stacks and their schedules (stat of each dayops.yaml; parsed again only when changed). */
  reload(): void {
    const jobs: Job[] = [];
    const problems = new Map<string, SchedulerProblem>();
    for (const stack of this.stacks.list()) {
      const { config, error } = stackConfigOf(stack.dir);
      if (!config) {
        problems.set(`${stack.id}:*`, {
          stackId: stack.id,
          stack: stack.name,
          kind: null,
          error: error ?? 'unreadable dayops.yaml',
        });
        continue;
      }
      for (const [kind, schedule] of schedulesOf(config)) {
        if (!schedule || !this.kinds.has(kind)) continue;
        try {
          cronOf(schedule);
        } catch (err) {
          const field =
            kind === 'drift'
              ? 'drift.schedule'
              : kind === 'backup'
                ? 'backups.schedule'
                : 'backups.restoreTestSchedule';
          problems.set(`${stack.id}:${kind}`, {
            stackId: stack.id,
            stack: stack.name,
            kind,
            error: `${stack.dir}/dayops.yaml: ${field}: ${errorMessage(err)}`,
          });
          continue;
        }
        jobs.push({ stackId: stack.id, stack: stack.name, kind, schedule, stackRecord: stack });
      }
      if (this.kinds.has('check')) {
        for (const c of config.checks ?? []) {
          if (!c.schedule || !c.when.includes('scheduled')) continue;
          jobs.push({
            stackId: stack.id,
            stack: stack.name,
            kind: 'check',
            check: c.name,
            schedule: c.schedule,
            stackRecord: stack,
          });
        }
      }
    }
    for (const [k, p] of problems)
      if (!this.problems.has(k) || this.problems.get(k)!.error !== p.error) this.emit('problem', p);
    this.problems = problems;
    this.jobs = jobs;
    this.state = new Map(this.drift.scheduleState().map((s) => [keyOf({ stackId: s.stackId, kind: s.job }), s]));
    if (this.kinds.has('check')) {
      // A scheduled check's last run is its newest stored result.
      for (const c of this.checks.latestScheduled()) {
        this.state.set(keyOf({ stackId: c.stackId, kind: 'check', check: c.name }), {
          lastRunAt: c.startedAt,
          finishedAt: c.finishedAt,
          ok: c.status === 'passed',
          error: c.status === 'passed' ? null : c.message,
        });
      }
    }
    // A job whose schedule went away leaves the queue.
    const live = new Set(jobs.map(keyOf));
    for (let i = this.queue.length - 1; i >= 0; i--)
      if (this.queue[i].slot !== null && !live.has(keyOf(this.queue[i]))) this.queue.splice(i, 1);
  }

  /** Look at the schedules now: queue what is due, start what may start, and set the timer for the next slot. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.reload();
      const now = this.now();
      // Another process leads the schedules of this team database: it runs them (a job asked for here still runs).
      const leads = this.leadership.leads('schedule');
      for (const job of leads ? this.jobs : []) {
        const k = keyOf(job);
        if (this.running.has(k) || this.queue.some((q) => keyOf(q) === k)) continue;
        const slot = previousSlot(job.schedule, now);
        const last = this.state.get(k)?.lastRunAt ?? job.stackRecord.createdAt;
        if (slot !== null && slot > last) {
          this.queue.push({
            stackId: job.stackId,
            stack: job.stack,
            kind: job.kind,
            ...(job.check !== undefined ? { check: job.check } : {}),
            dueAt: slot,
            slot,
            waiting: null,
            stackRecord: job.stackRecord,
          });
        }
      }
      this.queue.sort((a, b) => a.dueAt - b.dueAt);
      this.dispatch();
    } catch (err) {
      this.problems.set('*', { stackId: 0, stack: '', kind: null, error: `scheduler: ${errorMessage(err)}` });
    }
    this.emit('change');
    this.arm();
  }

  /**
   * Run a stack's job now (a key in the dashboard), through the same queue and limits. Recorded as the job's last
   * run, so the next scheduled slot counts from now. Returns false when it is already queued or running.
   */
  runNow(stack: Stack, kind: JobKind): boolean {
    if (this.stopped) return false;
    const k = keyOf({ stackId: stack.id, kind });
    if (this.running.has(k) || this.queue.some((q) => keyOf(q) === k)) return false;
    this.queue.unshift({
      stackId: stack.id,
      stack: stack.name,
      kind,
      dueAt: this.now(),
      slot: null,
      waiting: null,
      stackRecord: stack,
    });
    this.dispatch();
    this.emit('change');
    return true;
  }

  /** Resolves when nothing is running or queued (tests; a quit that wants to wait). */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
    }
  }

  status(): SchedulerStatus {
    const now = this.now();
    const next: NextJob[] = this.jobs.map((j) => {
      const s = this.state.get(keyOf(j));
      let at: number | null = null;
      try {
        at = nextSlot(j.schedule, now);
      } catch {
        /* reported as a problem */
      }
      return {
        stackId: j.stackId,
        stack: j.stack,
        kind: j.kind,
        ...(j.check !== undefined ? { check: j.check } : {}),
        schedule: j.schedule,
        at,
        lastRunAt: s?.lastRunAt ?? null,
        lastFinishedAt: s?.finishedAt ?? null,
        lastOk: s?.ok ?? null,
        lastError: s?.error ?? null,
      };
    });
    next.sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity) || a.stack.localeCompare(b.stack));
    return {
      started: this.started && !this.stopped,
      concurrency: this.concurrency,
      running: [...this.running.values()].map((r) => ({ ...r.job })),
      queued: this.queue.map(({ stackRecord: _s, ...q }) => ({ ...q })),
      next,
      problems: [...this.problems.values()],
      disabled: JOB_KINDS.filter((k) => !this.kinds.has(k)),
    };
  }

  /** Start queued jobs while there is room: first come first served, skipping stacks that are busy. */
  private dispatch(): void {
    if (this.stopped) return;
    const busyStacks = new Set([...this.running.values()].map((r) => r.job.stackId));
    const toolBusy = new Map<number, boolean>();
    for (let i = 0; i < this.queue.length; i++) {
      const q = this.queue[i];
      if (this.running.size >= this.concurrency) {
        q.waiting = 'concurrency';
        continue;
      }
      if (busyStacks.has(q.stackId)) {
        q.waiting = 'stack';
        continue;
      }
      let busy = toolBusy.get(q.stackId);
      if (busy === undefined) {
        try {
          busy = this.isStackBusy(q.stackId);
        } catch {
          busy = true; // the database is busy: look again later
        }
        toolBusy.set(q.stackId, busy);
      }
      if (busy) {
        q.waiting = 'stack-busy';
        continue;
      }
      this.queue.splice(i, 1);
      i--;
      busyStacks.add(q.stackId);
      this.launch(q);
    }
  }

  private launch(q: QueuedJob & { stackRecord: Stack }): void {
    const startedAt = this.now();
    const job: RunningJob = {
      stackId: q.stackId,
      stack: q.stack,
      kind: q.kind,
      ...(q.check !== undefined ? { check: q.check } : {}),
      startedAt,
      slot: q.slot,
    };
    const abort = new AbortController();
    const entry = { job, abort, done: Promise.resolve() };
    const k = keyOf(q);
    this.running.set(k, entry);
    this.emit('job-start', { ...job });
    entry.done = (async () => {
      let outcome: JobOutcome;
      try {
        outcome = (await this.runJob(
          { stackId: q.stackId, stack: q.stack, kind: q.kind, check: q.check, stackRecord: q.stackRecord },
          abort.signal,
        )) ?? { ok: true };
      } catch (err) {
        outcome = { ok: false, error: errorMessage(err).split('\n')[0] };
      }
      const finishedAt = this.now();
      const aborted = abort.signal.aborted;
      if (!aborted) {
        const rec: JobState = {
          lastRunAt: startedAt,
          finishedAt,
          ok: outcome.ok,
          error: outcome.ok ? null : (outcome.error ?? 'failed'),
        };
        try {
          // A check's run is its stored result (check_results), not a schedule_state row.
          if (q.kind !== 'check') this.drift.recordScheduleRun({ stackId: q.stackId, job: q.kind, ...rec });
          this.state.set(k, rec);
        } catch {
          /* the database is closed or busy: the job runs again at the next start, which is the safe side */
        }
      }
      this.running.delete(k);
      this.emit('job-end', {
        ...job,
        ...outcome,
        error: outcome.ok ? null : (outcome.error ?? 'failed'),
        finishedAt,
        aborted,
      });
      if (!this.stopped) {
        this.dispatch();
        this.emit('change');
        this.arm();
      }
    })();
  }

  /** Sleep until the next slot of any job (at most tickMs); jobs waiting for a busy stack look again in 5 s. */
  private arm(): void {
    if (!this.timers || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const now = this.now();
    let wake = now + this.tickMs;
    for (const j of this.jobs) {
      try {
        const n = nextSlot(j.schedule, now);
        if (n !== null && n < wake) wake = n;
      } catch {
        /* reported */
      }
    }
    if (this.queue.some((q) => q.waiting === 'stack-busy')) wake = Math.min(wake, now + 5_000);
    this.timer = setTimeout(() => void this.tick(), Math.max(250, wake - now + 50));
    this.timer.unref();
  }
}

/**
 * The real jobs: a drift check through the run service (trigger `schedule`), a backup, a restore test. The
 * outcome's summary is one line for the UI.
 */
export function defaultJobRunner(runs: RunService, db: DB, user: string): JobRunner {
  return async (job, signal) => {
    const stack = job.stackRecord;
    switch (job.kind) {
      case 'drift': {
        const r = await checkDrift(runs, db, stack, { trigger: 'schedule', user, signal });
        if (r.status === 'failed') return { ok: false, error: r.error };
        return {
          ok: true,
          summary: r.status === 'drifted' ? `drifted: ${r.drifted} open of ${r.resources.length}` : r.status,
        };
      }
      case 'backup': {
        const r = await runBackup(db, stack, { trigger: 'schedule', user, signal });
        return r.ok
          ? { ok: true, summary: `snapshot ${r.shortId}` }
          : { ok: false, error: r.errors[0] ?? 'incomplete snapshot', summary: `snapshot ${r.shortId} (incomplete)` };
      }
      case 'restore-test': {
        const r = await verifyBackup(db, stack, { trigger: 'schedule', user, signal });
        return r.ok
          ? { ok: true, summary: `restore test of ${r.snapshotId?.slice(0, 8) ?? 'the newest snapshot'} passed` }
          : { ok: false, error: r.error };
      }
      case 'check': {
        const r = await runStackChecks(db, stack, {
          source: 'scheduled',
          names: job.check ? [job.check] : undefined,
          signal,
        });
        const failed = r.checks.find((c) => c.status !== 'passed');
        return failed
          ? { ok: false, error: `${failed.name}: ${failed.message}` }
          : { ok: true, summary: `${r.checks.map((c) => c.name).join(', ')} passed` };
      }
    }
  };
}
