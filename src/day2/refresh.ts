/**
 * Background refresh while the app is open, React-free: re-sync each stack's alerts from its Alertmanager
 * (`syncAlerts`, which honours the source's backoff after failures), measure each stack's SLOs from its Prometheus
 * (`syncSlos`, the same backoff; a failure keeps the last values, stale) and refresh each stack's snapshot list from
 * restic (`listSnapshots` with `refresh: 'auto'`: only when the cached list is stale and the source is not
 * backing off; one restic at a time). Everything is asynchronous (fetch, child processes), so the keyboard never
 * waits; the database writes are single small transactions.
 *
 * `state()` says what is being refreshed right now (`alerts: payments`, `snapshots: web`) and what is stale
 * (`alerts: payments`, `backups: web`, `drift: api`), for the footer; `change` events fire when either changes.
 *
 * `registerDay2Services(services, store?)` makes the run service, the scheduler and the refresher once per app
 * (through `services.use`, so they are shut down once on quit) and starts the scheduler and the refresher.
 */
import { EventEmitter } from 'node:events';
import type { DB } from '../db/open.js';
import { DEFAULT_STALE_AFTER_MS, isStale, SourcesRepo, type SourceRecord } from '../db/sources.js';
import { StacksRepo } from '../db/stacks.js';
import { RUN_SERVICE, type RunService } from '../day1/runs.js';
import type { Stack } from '../domain/stack.js';
import { errorMessage } from '../errors.js';
import { serviceKey, type Services } from '../services.js';
import type { AppStore } from '../../store/index.js';
import { alertsSourceKey, syncAlerts } from './alerts.js';
import { BACKUP_STALE_AFTER_MS, backupSourceKey, listSnapshots } from './backups.js';
import { stackConfigOf } from './configs.js';
import { driftSummaries } from './drift.js';
import { SLO_STALE_AFTER_MS, sloSourceKey, syncSlos } from './slo.js';
import { defaultJobRunner, Scheduler, type JobKind } from './scheduler.js';
import { NOTIFIER, type Notifier } from './notify/index.js';
import { CASCADE_PICKUP } from '../day1/dependencies/pickup.js';
import { Leadership } from './leader.js';

export interface RefreshState {
  /** What is being fetched right now: `alerts: payments`, `snapshots: web`. */
  refreshing: string[];
  /** Figures shown from an old or failed fetch: `alerts: payments`, `backups: web`, `drift: api`. */
  stale: string[];
  /** When the last round of each kind ended. */
  lastAlertsAt: number | null;
  lastSnapshotsAt: number | null;
  /** When the last round of SLO measurements ended. */
  lastSlosAt?: number | null;
}

export interface RefresherEvents {
  change: [RefreshState];
}

export interface RefresherOptions {
  db: DB;
  now?: () => number;
  /** How often to look at the alerts (default 30 s); a stack's alerts are fetched when its last try is older. */
  alertsEveryMs?: number;
  /** How often to measure the SLOs (default 60 s); a stack's SLOs are measured when its last try is older. */
  slosEveryMs?: number;
  /** How often to look at the snapshot lists (default 5 min); restic is asked only for a stale list. */
  snapshotsEveryMs?: number;
  /** Alertmanagers asked at once (default 4). Restic listings are one at a time. */
  concurrency?: number;
  /** Alerts older than this are stale (default 5 min, as the alerts view). */
  alertsStaleAfterMs?: number;
  /** Run timers (default true); tests call `refreshAlerts()` / `refreshSnapshots()`. */
  timers?: boolean;
  /** Restic's environment (passwords); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Per Alertmanager request (default 5 s). */
  timeoutMs?: number;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Refresher extends EventEmitter<RefresherEvents> {
  private readonly db: DB;
  private readonly now: () => number;
  private readonly alertsEveryMs: number;
  private readonly snapshotsEveryMs: number;
  private readonly slosEveryMs: number;
  private readonly concurrency: number;
  private readonly alertsStaleAfterMs: number;
  private readonly timers: boolean;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;
  private readonly sources: SourcesRepo;
  private readonly stacks: StacksRepo;
  /** In team mode only one process polls each source (src/day2/leader.ts); the others read its cache. */
  readonly leadership: Leadership;
  private readonly inFlight = new Set<string>();
  private readonly abort = new AbortController();
  private alertsTimer: NodeJS.Timeout | undefined;
  private snapshotsTimer: NodeJS.Timeout | undefined;
  private slosTimer: NodeJS.Timeout | undefined;
  private slosRound: Promise<void> | undefined;
  private alertsRound: Promise<void> | undefined;
  private snapshotsRound: Promise<void> | undefined;
  private current: RefreshState = { refreshing: [], stale: [], lastAlertsAt: null, lastSnapshotsAt: null };
  private stopped = false;
  private started = false;

  constructor(opts: RefresherOptions) {
    super();
    this.setMaxListeners(0);
    this.db = opts.db;
    this.now = opts.now ?? Date.now;
    this.alertsEveryMs = opts.alertsEveryMs ?? 30_000;
    this.snapshotsEveryMs = opts.snapshotsEveryMs ?? 5 * 60_000;
    this.slosEveryMs = opts.slosEveryMs ?? 60_000;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.alertsStaleAfterMs = opts.alertsStaleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.timers = opts.timers ?? true;
    this.env = opts.env ?? process.env;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.sources = new SourcesRepo(opts.db);
    this.stacks = new StacksRepo(opts.db);
    this.leadership = new Leadership(opts.db);
  }

  state(): RefreshState {
    return { ...this.current, refreshing: [...this.current.refreshing], stale: [...this.current.stale] };
  }

  /** Start the timers (once; later calls do nothing). */
  start(): void {
    if (this.started || this.stopped || !this.timers) return;
    this.started = true;
    this.recomputeStale();
    const loopAlerts = async () => {
      await this.refreshAlerts().catch(() => undefined);
      if (!this.stopped) (this.alertsTimer = setTimeout(loopAlerts, this.alertsEveryMs)).unref();
    };
    const loopSnapshots = async () => {
      await this.refreshSnapshots().catch(() => undefined);
      if (!this.stopped) (this.snapshotsTimer = setTimeout(loopSnapshots, this.snapshotsEveryMs)).unref();
    };
    const loopSlos = async () => {
      await this.refreshSlos().catch(() => undefined);
      if (!this.stopped) (this.slosTimer = setTimeout(loopSlos, this.slosEveryMs)).unref();
    };
    // A moment after start, so the first frame is drawn from the cache before any fetch.
    (this.alertsTimer = setTimeout(loopAlerts, 200)).unref();
    (this.slosTimer = setTimeout(loopSlos, 400)).unref();
    (this.snapshotsTimer = setTimeout(loopSnapshots, 1_000)).unref();
  }

  /** Stop the timers, interrupt restic listings, and wait for the rounds in progress. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.alertsTimer) clearTimeout(this.alertsTimer);
    if (this.snapshotsTimer) clearTimeout(this.snapshotsTimer);
    if (this.slosTimer) clearTimeout(this.slosTimer);
    this.abort.abort();
    await Promise.allSettled([this.alertsRound, this.snapshotsRound, this.slosRound].filter(Boolean));
  }

  shutdown(): Promise<void> {
    return this.stop();
  }

  /** Stacks with a readable config that has this block. */
  private stacksWith(block: 'alerting' | 'backups' | 'slo'): Stack[] {
    return this.stacks.list().filter((s) => {
      const v = stackConfigOf(s.dir).config?.[block];
      return Array.isArray(v) ? v.length > 0 : Boolean(v);
    });
  }

  /** One round of SLO measurements: every stack with `slo:` whose last try is older than the interval. */
  refreshSlos(): Promise<void> {
    this.slosRound ??= this.slosPass().finally(() => (this.slosRound = undefined));
    return this.slosRound;
  }

  private async slosPass(): Promise<void> {
    if (this.stopped || !this.leadership.leads('slos')) return;
    const now = this.now();
    const due = this.stacksWith('slo').filter((s) => {
      if (!stackConfigOf(s.dir).config?.monitoring?.prometheusUrl) return false; // nothing to ask
      const src = this.sources.get(sloSourceKey(s.name));
      if (!this.sources.isDue(sloSourceKey(s.name), now)) return false;
      return !src || src.attemptedAt === null || now - src.attemptedAt >= this.slosEveryMs * 0.8;
    });
    let next = 0;
    const worker = async () => {
      while (next < due.length && !this.stopped) {
        const s = due[next++];
        const label = `slo: ${s.name}`;
        this.mark(label, true);
        try {
          await syncSlos(this.db, [s], { timeoutMs: this.timeoutMs, now: this.now(), signal: this.abort.signal });
        } catch {
          /* syncSlos records a stack's failures itself; anything else (database closed on quit) ends the round */
        } finally {
          this.mark(label, false);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, due.length) }, worker));
    if (!this.stopped) {
      this.current.lastSlosAt = this.now();
      this.recomputeStale();
    }
  }

  /** One round of alerts: every stack with `alerting` whose last try is older than the interval and not backing off. */
  refreshAlerts(): Promise<void> {
    this.alertsRound ??= this.alertsPass().finally(() => (this.alertsRound = undefined));
    return this.alertsRound;
  }

  private async alertsPass(): Promise<void> {
    if (this.stopped || !this.leadership.leads('alerts')) return;
    const now = this.now();
    const due = this.stacksWith('alerting').filter((s) => {
      const src = this.sources.get(alertsSourceKey(s.name));
      if (!this.sources.isDue(alertsSourceKey(s.name), now)) return false;
      // Fresh enough (another process or a silence just fetched it): not yet.
      return !src || src.attemptedAt === null || now - src.attemptedAt >= this.alertsEveryMs * 0.8;
    });
    let next = 0;
    const worker = async () => {
      while (next < due.length && !this.stopped) {
        const s = due[next++];
        const label = `alerts: ${s.name}`;
        this.mark(label, true);
        try {
          await syncAlerts(this.db, [s], { timeoutMs: this.timeoutMs, now: this.now() });
        } catch {
          /* syncAlerts records a stack's failures itself; anything else (database closed on quit) ends the round */
        } finally {
          this.mark(label, false);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, due.length) }, worker));
    if (!this.stopped) {
      this.current.lastAlertsAt = this.now();
      this.recomputeStale();
    }
  }

  /** One round of snapshot lists: restic is asked for stale lists only, one stack at a time. */
  refreshSnapshots(): Promise<void> {
    this.snapshotsRound ??= this.snapshotsPass().finally(() => (this.snapshotsRound = undefined));
    return this.snapshotsRound;
  }

  private async snapshotsPass(): Promise<void> {
    if (this.stopped || !this.leadership.leads('snapshots')) return;
    for (const s of this.stacksWith('backups')) {
      if (this.stopped) return;
      const key = backupSourceKey(s.name);
      const now = this.now();
      if (!(isStale(this.sources.get(key), now, BACKUP_STALE_AFTER_MS) && this.sources.isDue(key, now))) continue;
      const label = `snapshots: ${s.name}`;
      this.mark(label, true);
      try {
        await listSnapshots(this.db, s, {
          refresh: 'auto',
          env: this.env,
          now: this.now,
          signal: this.abort.signal,
          trigger: 'tui',
        });
      } catch (err) {
        // A failed listing is recorded by listSnapshots; anything it throws (a broken config) is recorded here.
        if (!this.stopped) {
          try {
            this.sources.recordFailure(key, errorMessage(err).split('\n')[0], this.now());
          } catch {
            /* database closed */
          }
        }
      } finally {
        this.mark(label, false);
      }
    }
    if (!this.stopped) {
      this.current.lastSnapshotsAt = this.now();
      this.recomputeStale();
    }
  }

  private mark(label: string, on: boolean): void {
    if (on) this.inFlight.add(label);
    else this.inFlight.delete(label);
    const refreshing = [...this.inFlight].sort();
    if (sameList(refreshing, this.current.refreshing)) return;
    this.current = { ...this.current, refreshing };
    this.emit('change', this.state());
  }

  /** What is stale now: alerts and snapshot sources of configured stacks, and drift checks that failed. */
  recomputeStale(): string[] {
    let stale: string[] = [];
    try {
      const now = this.now();
      const sources = new Map<string, SourceRecord>(this.sources.list().map((r) => [r.key, r]));
      const drift = driftSummaries(this.db, now);
      for (const s of this.stacks.list()) {
        const cfg = stackConfigOf(s.dir).config;
        if (cfg?.alerting && isStale(sources.get(alertsSourceKey(s.name)), now, this.alertsStaleAfterMs))
          stale.push(`alerts: ${s.name}`);
        if (cfg?.backups && isStale(sources.get(backupSourceKey(s.name)), now, BACKUP_STALE_AFTER_MS))
          stale.push(`backups: ${s.name}`);
        if (drift.get(s.id)?.status === 'failed') stale.push(`drift: ${s.name}`);
        if (
          cfg?.slo?.length &&
          cfg.monitoring?.prometheusUrl &&
          isStale(sources.get(sloSourceKey(s.name)), now, SLO_STALE_AFTER_MS)
        )
          stale.push(`slo: ${s.name}`);
      }
    } catch {
      stale = this.current.stale; // the database is busy or closed: keep what we had
    }
    if (!sameList(stale, this.current.stale)) {
      this.current = { ...this.current, stale };
      this.emit('change', this.state());
    }
    return stale;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The app's Day-2 services

/** The app's run service (`services.use(RUN_SERVICE)`). */
export function appRunService(services: Services): RunService {
  return services.use(RUN_SERVICE);
}

/** The app's background refresh of alerts and snapshots (started by registerDay2Services). */
export const REFRESHER = serviceKey('day2.refresher', (s) => new Refresher({ db: s.db, now: s.now, env: s.env }));

/** The app's scheduler: drift checks, and in read-write mode backups, restore tests and scheduled checks. */
export const SCHEDULER = serviceKey('day2.scheduler', (s) => {
  const kinds: JobKind[] = s.readonly ? ['drift'] : ['drift', 'backup', 'restore-test', 'check'];
  return new Scheduler({ db: s.db, now: s.now, kinds, runJob: defaultJobRunner(s.use(RUN_SERVICE), s.db, s.user) });
});

const SUBSCRIBED = new WeakSet<Scheduler>();
const SUBSCRIBED_NOTIFIER = new WeakSet<Notifier>();

export interface Day2Services {
  runs: RunService;
  scheduler: Scheduler;
  refresher: Refresher;
}

/**
 * Make (once) and start the scheduler and the refresher of the app. Read-only mode (`--readonly`) still checks
 * drift (proposed runs) and refreshes; it leaves out scheduled backups and restore tests (they write to the
 * repository and the database) and never remediates. With a store, a broken schedule or config shows in the
 * flash line once.
 */
export function registerDay2Services(services: Services, store?: AppStore): Day2Services {
  const runs = appRunService(services);
  const scheduler = services.use(SCHEDULER);
  const refresher = services.use(REFRESHER);
  if (!SUBSCRIBED.has(scheduler)) {
    SUBSCRIBED.add(scheduler);
    scheduler.on('job-end', () => refresher.recomputeStale());
    if (store) {
      scheduler.on('problem', (p) =>
        store.getState().showFlash('warning', `schedule of ${p.stack || 'dayops'} skipped: ${p.error}`),
      );
    }
  }
  scheduler.start();
  refresher.start();
  // dayops' own alerts and notifications (read-write only): after each job and each run state change, and on a timer.
  const notifier: Notifier | undefined = services.readonly ? undefined : services.use(NOTIFIER);
  if (notifier && !SUBSCRIBED_NOTIFIER.has(notifier)) {
    SUBSCRIBED_NOTIFIER.add(notifier);
    scheduler.on('job-end', () => notifier.poke());
    runs.on('state', () => notifier.poke());
    notifier.start();
  }
  services.use(CASCADE_PICKUP).start(); // cascade runs left queued (dayops run --no-cascade): issue 12
  return { runs, scheduler, refresher };
}
