/**
 * Every stack at a glance, for the Day-2 dashboard and `dayops status`: the newest run, drift, alerts and
 * backups, each figure with when it was fetched and, when its last refresh failed (or it is overdue), `stale: true`
 * and the error. Read from the cache only (no network, no tool), in three grouped queries whatever the number of
 * stacks (the overview of stacks, runs and alert counts; the drift summaries; the backup status) plus a `stat` of
 * each dayops.yaml (parsed again only when it changed).
 */
import { latestFailedScheduledChecks } from '../day1/validation/stack-checks.js';
import type { StackConfig } from '../config/stack-config.js';
import type { OverviewRun } from '../db/drift.js';
import { repos } from '../db/repos.js';
import type { DB } from '../db/open.js';
import { DEFAULT_STALE_AFTER_MS, isStale } from '../db/sources.js';
import type { Environment, Tool } from '../domain/stack.js';
import { BACKUP_STALE_AFTER_MS, backupStatusAll, SCHEDULE_GRACE_MS, type BackupStatus } from './backups.js';
import { nextSlot, stackConfigOf } from './configs.js';
import { runKindName } from '../domain/run-words.js';
import { driftSummaries, type DriftStatus, type DriftSummary } from './drift.js';
import { sloFigures, type SloFigure } from './slo.js';

export type { SloFigure } from './slo.js';

export type LastRun = OverviewRun;

export interface DriftFigure {
  /** `drift.schedule` of dayops.yaml, or null (checked only on demand). */
  schedule: string | null;
  status: DriftStatus;
  /** Open drift (neither accepted nor snoozed) in the last good check. */
  drifted: number;
  accepted: number;
  snoozed: number;
  total: number;
  /** When the figures were computed (the last good check); null if never. */
  fetchedAt: number | null;
  /** When the newest check finished (or started, while checking). */
  checkedAt: number | null;
  /** The newest check failed, or a scheduled check is overdue. */
  stale: boolean;
  error: string | null;
  runId: number | null;
}

export interface AlertsFigure {
  /** The stack's dayops.yaml has `alerting`. */
  configured: boolean;
  /** Active (not silenced or inhibited) alerts by severity, as last fetched. */
  critical: number;
  warning: number;
  info: number;
  other: number;
  /** Silenced or inhibited. */
  suppressed: number;
  total: number;
  /** The last successful fetch; null if never. */
  fetchedAt: number | null;
  /** The last attempt. */
  attemptedAt: number | null;
  stale: boolean;
  error: string | null;
}

export type BackupFigureStatus = 'on-time' | 'late' | 'missing' | 'unconfigured';

export interface BackupFigure {
  status: BackupFigureStatus;
  lastSnapshotAt: number | null;
  ageMinutes: number | null;
  rpoMinutes: number | null;
  /** The RTO (dayops.yaml `rtoMinutes`, else the design's), and whether the last restore took longer. */
  rtoMinutes: number | null;
  restoreOverRto: boolean | null;
  snapshotCount: number;
  lastRestoreTest: BackupStatus['lastRestoreTest'];
  /** A newer restore test that could not reach any snapshot (restic failed): the one above is then stale. */
  lastRestoreAttempt?: { at: number; ok: false; error: string | null };
  lastBackup: { at: number; ok: boolean; error: string | null } | null;
  fetchedAt: number | null;
  stale: boolean;
  error: string | null;
}

export interface StackStatus {
  stackId: number;
  name: string;
  environment: Environment;
  tool: Tool;
  dir: string;
  /** dayops.yaml's one-line error, when it cannot be read. */
  configError: string | null;
  /** The newest run of any purpose (a drift check is a run too). */
  lastRun: LastRun | null;
  /** The newest tracked run (deploy or remediation): the last time someone changed the stack. */
  lastChange: LastRun | null;
  drift: DriftFigure;
  alerts: AlertsFigure;
  backup: BackupFigure;
  /** The stack's SLOs as last measured (dayops.yaml `slo:`). */
  slo: SloFigure;
  /** Scheduled checks (`checks:` with `when: [scheduled]`) whose newest result failed: shown beside the alerts. */
  failedChecks: FailedCheck[];
}

export interface FailedCheck {
  name: string;
  kind: string;
  message: string | null;
  /** When the failed run of the check ended. */
  at: number;
}

export interface StatusOptions {
  /** Alerts older than this are stale (default 5 min). */
  alertsStaleAfterMs?: number;
  /** Snapshot lists older than this are stale (default 1 h). */
  backupsStaleAfterMs?: number;
  /** How a stack's dayops.yaml is read (default `stackConfigOf`, parsed again only when it changed). */
  configOf?: (dir: string) => { config: StackConfig | null; error: string | null };
}

function driftFigure(d: DriftSummary | undefined, config: StackConfig | null, now: number): DriftFigure {
  const schedule = config?.drift?.schedule ?? null;
  const base: DriftFigure = {
    schedule,
    status: d?.status ?? 'unknown',
    drifted: d?.drifted ?? 0,
    accepted: d?.accepted ?? 0,
    snoozed: d?.snoozed ?? 0,
    total: d?.total ?? 0,
    fetchedAt: d?.resultAt ?? null,
    checkedAt: d?.checkedAt ?? null,
    stale: false,
    error: d?.error ?? null,
    runId: d?.runId ?? null,
  };
  if (base.status === 'failed') base.stale = true;
  else if (schedule && base.fetchedAt !== null && base.status !== 'checking') {
    // A scheduled check should have run since the figures were computed.
    try {
      const due = nextSlot(schedule, base.fetchedAt);
      if (due !== null && now > due + SCHEDULE_GRACE_MS) {
        base.stale = true;
        base.error ??= `no drift check since ${new Date(base.fetchedAt).toISOString()} (schedule ${schedule})`;
      }
    } catch {
      /* a bad schedule is the scheduler's to report */
    }
  }
  return base;
}

function backupFigure(b: BackupStatus | undefined, configError: string | null): BackupFigure {
  if (!b || !b.configured) {
    return {
      status: 'unconfigured',
      lastSnapshotAt: b?.lastSnapshotAt ?? null,
      ageMinutes: b?.ageMinutes ?? null,
      rpoMinutes: b?.rpoMinutes ?? null,
      rtoMinutes: b?.rtoMinutes ?? null,
      restoreOverRto: b?.restoreOverRto ?? null,
      snapshotCount: b?.snapshotCount ?? 0,
      lastRestoreTest: b?.lastRestoreTest ?? null,
      lastBackup: b?.lastBackup ?? null,
      fetchedAt: b?.fetchedAt ?? null,
      stale: false,
      error: configError,
    };
  }
  return {
    status: b.status,
    lastSnapshotAt: b.lastSnapshotAt,
    ageMinutes: b.ageMinutes,
    rpoMinutes: b.rpoMinutes,
    rtoMinutes: b.rtoMinutes,
    restoreOverRto: b.restoreOverRto,
    snapshotCount: b.snapshotCount,
    lastRestoreTest: b.lastRestoreTest,
    ...(b.lastRestoreAttempt ? { lastRestoreAttempt: b.lastRestoreAttempt } : {}),
    lastBackup: b.lastBackup,
    fetchedAt: b.fetchedAt,
    stale: b.stale || Boolean(b.lastRestoreAttempt),
    error: b.error ?? b.lastRestoreAttempt?.error ?? null,
  };
}

/** Every stack's status, by name, from the cache. */
export function stackStatuses(db: DB, now: number = Date.now(), opts: StatusOptions = {}): StackStatus[] {
  const rows = repos(db).overview.rows();
  const configs = new Map<string, StackConfig | null>();
  const configErrors = new Map<string, string | null>();
  for (const r of rows) {
    const c = (opts.configOf ?? stackConfigOf)(r.dir);
    configs.set(r.name, c.config);
    configErrors.set(r.name, c.error);
  }
  const drift = driftSummaries(db, now);
  const backups = new Map(
    backupStatusAll(db, now, { configs, staleAfterMs: opts.backupsStaleAfterMs ?? BACKUP_STALE_AFTER_MS }).map((b) => [
      b.stackId,
      b,
    ]),
  );
  const alertsStale = opts.alertsStaleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const slos = sloFigures(db, configs, now);
  const failedChecks = new Map<number, FailedCheck[]>();
  for (const c of latestFailedScheduledChecks(db)) {
    const list = failedChecks.get(c.stackId) ?? [];
    list.push({ name: c.name, kind: c.kind, message: c.message, at: c.finishedAt ?? c.startedAt });
    failedChecks.set(c.stackId, list);
  }
  return rows.map((r) => {
    const config = configs.get(r.name) ?? null;
    const configError = configErrors.get(r.name) ?? null;
    const configured = Boolean(config?.alerting);
    const src = r.alertsSource;
    const counts = r.alerts ?? { critical: 0, warning: 0, info: 0, other: 0, suppressed: 0, total: 0 };
    const alerts: AlertsFigure = {
      configured,
      ...counts,
      fetchedAt: src?.okAt ?? null,
      attemptedAt: src?.attemptedAt ?? null,
      // A stack without `alerting` has no alerts to be stale, unless it has a source (a broken config keeps one).
      stale: configured || src ? isStale(src ? { key: '', ...src } : undefined, now, alertsStale) : false,
      error: src?.error ?? (config ? null : configError),
    };
    return {
      stackId: r.stackId,
      name: r.name,
      environment: r.environment as Environment,
      tool: r.tool as Tool,
      dir: r.dir,
      configError,
      lastRun: r.lastRun,
      lastChange: r.lastChange,
      drift: driftFigure(drift.get(r.stackId), config, now),
      alerts,
      backup: backupFigure(backups.get(r.stackId), config ? null : configError),
      slo: slos(r.stackId, r.name),
      // A check no longer in dayops.yaml (or no longer scheduled) is not reported any more.
      failedChecks: (failedChecks.get(r.stackId) ?? []).filter(
        (c) => !config || config.checks.some((k) => k.name === c.name && k.when.includes('scheduled')),
      ),
    };
  });
}

const iso = (t: number | null | undefined): string | null =>
  t === null || t === undefined ? null : new Date(t).toISOString();

function runJson(r: LastRun | null): Record<string, unknown> | null {
  if (!r) return null;
  return {
    id: r.id,
    state: r.state,
    kind: r.kind,
    purpose: r.purpose,
    kindName: runKindName(r),
    trigger: r.trigger,
    triggeredBy: r.triggeredBy,
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    summary: r.summary,
    error: r.error,
  };
}

/** The `--json` shape of a stack's status (times as ISO-8601). */
export function statusJson(s: StackStatus): Record<string, unknown> {
  return {
    name: s.name,
    environment: s.environment,
    tool: s.tool,
    configError: s.configError,
    lastRun: runJson(s.lastRun),
    lastChange: runJson(s.lastChange),
    drift: { ...s.drift, fetchedAt: iso(s.drift.fetchedAt), checkedAt: iso(s.drift.checkedAt) },
    alerts: { ...s.alerts, fetchedAt: iso(s.alerts.fetchedAt), attemptedAt: iso(s.alerts.attemptedAt) },
    backup: {
      ...s.backup,
      lastSnapshotAt: iso(s.backup.lastSnapshotAt),
      fetchedAt: iso(s.backup.fetchedAt),
      lastRestoreTest: s.backup.lastRestoreTest && {
        ...s.backup.lastRestoreTest,
        at: iso(s.backup.lastRestoreTest.at),
      },
      ...(s.backup.lastRestoreAttempt
        ? { lastRestoreAttempt: { ...s.backup.lastRestoreAttempt, at: iso(s.backup.lastRestoreAttempt.at) } }
        : {}),
      lastBackup: s.backup.lastBackup && { ...s.backup.lastBackup, at: iso(s.backup.lastBackup.at) },
    },
    slo: {
      ...s.slo,
      slos: s.slo.slos.map((x) => ({ ...x, since: iso(x.since) })),
      fetchedAt: iso(s.slo.fetchedAt),
      attemptedAt: iso(s.slo.attemptedAt),
    },
    failedChecks: s.failedChecks.map((c) => ({ ...c, at: iso(c.at) })),
  };
}
