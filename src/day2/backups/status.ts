/** Whether a stack's last snapshot and restore test are within its RPO and schedule: on time, late, missing. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { loadStackConfig, STACK_CONFIG_FILE, type StackConfig } from '../../config/stack-config.js';
import { BackupsRepo, type BackupStatusRow } from '../../db/backups.js';
import type { DB } from '../../db/open.js';
import { isStale } from '../../db/sources.js';
import type { Stack } from '../../domain/stack.js';
import { UserError } from '../../errors.js';
import { BACKUP_STALE_AFTER_MS, SCHEDULE_GRACE_MS, oneLine } from './common.js';

// ---------------------------------------------------------------------------------------------------------------
// Status

export type BackupState = 'on-time' | 'late' | 'missing';

export interface BackupStatus {
  stackId: number;
  stack: string;
  /** The stack's dayops.yaml has a `backups:` block. */
  configured: boolean;
  lastSnapshotAt: number | null;
  ageMinutes: number | null;
  /** `rpoMinutes` of dayops.yaml, else the Day-0 design's successCriteria.rpoMinutes, else null. */
  rpoMinutes: number | null;
  rpoSource: 'config' | 'blueprint' | null;
  /** `rtoMinutes` of dayops.yaml, else the Day-0 design's successCriteria.rtoMinutes, else null. */
  rtoMinutes: number | null;
  rtoSource: 'config' | 'blueprint' | null;
  /**
   * The last restore test's restore took longer than the RTO: true or false; null when there is no RTO or no
   * restore test that restored (see `restoreSlowerThanRto`).
   */
  restoreOverRto: boolean | null;
  /** `backups.schedule`, used for lateness when there is no RPO. */
  schedule: string | null;
  status: BackupState;
  snapshotCount: number;
  /**
   * The newest restore test that tested a snapshot. When a newer one failed before it reached any (restic could
   * not open the repository), this one is kept, marked `stale`, and the newer failure is `lastRestoreAttempt`.
   */
  lastRestoreTest: {
    at: number;
    ok: boolean;
    error: string | null;
    stale?: boolean;
    /** How long its restore took (ms); null when it did not get to restore. */
    restoreMs: number | null;
  } | null;
  /** A newer restore test that could not test anything (restic failed before it reached a snapshot). */
  lastRestoreAttempt?: { at: number; ok: false; error: string | null };
  lastBackup: { at: number; ok: boolean; error: string | null } | null;
  /** When the snapshot list was last fetched successfully. */
  fetchedAt: number | null;
  stale: boolean;
  /** The last listing's error, or the config's. */
  error: string | null;
}

interface ConfigCacheEntry {
  key: string;
  config: StackConfig | null;
  error: string | null;
}

const configCache = new Map<string, ConfigCacheEntry>();

/** A stack's config, parsed again only when dayops.yaml changed (size, mtime): the dashboard asks for 1,000. */
function cachedConfig(dir: string): { config: StackConfig | null; error: string | null } {
  const file = join(dir, STACK_CONFIG_FILE);
  let key = 'absent';
  try {
    const st = statSync(file);
    key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    /* no dayops.yaml: the defaults, which have no backups */
  }
  const hit = configCache.get(dir);
  if (hit && hit.key === key) return hit;
  let entry: ConfigCacheEntry;
  try {
    entry = { key, config: loadStackConfig(dir), error: null };
  } catch (err) {
    entry = { key, config: null, error: oneLine(err) };
  }
  configCache.set(dir, entry);
  return entry;
}

function nextRunAfter(schedule: string, at: number): number | null {
  try {
    // Schedules in dayops.yaml are read in UTC, as the wizard, the audit and the scheduler read them.
    const next = new Cron(schedule, { paused: true, utcOffset: 0 }).nextRun(new Date(at));
    return next ? next.getTime() : null;
  } catch {
    return null;
  }
}

function computeStatus(
  row: BackupStatusRow,
  config: StackConfig | null,
  configError: string | null,
  now: number,
  staleAfterMs: number,
): BackupStatus {
  const configured = Boolean(config?.backups);
  const rpoConfig = config?.rpoMinutes ?? null;
  const rpoMinutes = rpoConfig ?? row.blueprintRpoMinutes;
  const rpoSource = rpoConfig !== null ? 'config' : row.blueprintRpoMinutes !== null ? 'blueprint' : null;
  const rtoConfig = config?.rtoMinutes ?? null;
  const rtoMinutes = rtoConfig ?? row.blueprintRtoMinutes;
  const rtoSource = rtoConfig !== null ? 'config' : row.blueprintRtoMinutes !== null ? 'blueprint' : null;
  const schedule = config?.backups?.schedule ?? null;
  const last = row.lastSnapshotAt;
  const ageMinutes = last === null ? null : Math.max(0, (now - last) / 60_000);
  let status: BackupState;
  if (last === null) status = 'missing';
  else if (rpoMinutes !== null) status = ageMinutes! > rpoMinutes ? 'late' : 'on-time';
  else if (schedule) {
    const next = nextRunAfter(schedule, last);
    status = next !== null && now > next + SCHEDULE_GRACE_MS ? 'late' : 'on-time';
  } else status = 'on-time';
  const source = {
    key: '',
    attemptedAt: row.sourceAttemptedAt,
    okAt: row.sourceOkAt,
    error: row.sourceError,
    failures: 0,
    nextRetryAt: null,
  };
  const restore = restoreTestOf(row);
  return {
    stackId: row.stackId,
    stack: row.name,
    configured,
    lastSnapshotAt: last,
    ageMinutes: ageMinutes === null ? null : Math.round(ageMinutes * 10) / 10,
    rpoMinutes,
    rpoSource,
    rtoMinutes,
    rtoSource,
    restoreOverRto: restoreSlowerThanRto({ lastRestoreTest: restore.lastRestoreTest, rtoMinutes }),
    schedule,
    status,
    snapshotCount: row.snapshotCount,
    ...restore,
    lastBackup: row.backupAt === null ? null : { at: row.backupAt, ok: row.backupOk === true, error: row.backupError },
    fetchedAt: row.sourceOkAt,
    stale: configured ? isStale(source, now, staleAfterMs) : false,
    error: configError ?? (configured ? row.sourceError : null),
  };
}

/**
 * The restore test to show: the newest, unless it failed before testing any snapshot (restic could not open the
 * repository) while an older one did test one. Then the older one is kept, stale, beside the failed attempt:
 * a failure to reach restic never hides what the last real restore test proved.
 */
function restoreTestOf(row: BackupStatusRow): Pick<BackupStatus, 'lastRestoreTest' | 'lastRestoreAttempt'> {
  if (row.verifyAt === null) return { lastRestoreTest: null };
  // The newest is the tested one unless it could not reach the repository (then it restored nothing).
  const newest = {
    at: row.verifyAt,
    ok: row.verifyOk === true,
    error: row.verifyError,
    restoreMs: row.verifyUnreachable ? null : row.testedRestoreMs,
  };
  if (!row.verifyUnreachable || row.testedAt === null) return { lastRestoreTest: newest };
  return {
    lastRestoreTest: {
      at: row.testedAt,
      ok: row.testedOk === true,
      error: row.testedError,
      stale: true,
      restoreMs: row.testedRestoreMs,
    },
    lastRestoreAttempt: { at: row.verifyAt, ok: false, error: row.verifyError },
  };
}

/**
 * Whether the last restore test's restore was slower than the RTO: true or false; null when there is no RTO or no
 * restore test that got to restore. (The restore is what a recovery has to wait for, so a restore slower than the
 * RTO means the RTO cannot be met from the backups.)
 */
export function restoreSlowerThanRto(b: {
  lastRestoreTest: { restoreMs: number | null } | null;
  rtoMinutes: number | null;
}): boolean | null {
  const ms = b.lastRestoreTest?.restoreMs ?? null;
  if (ms === null || b.rtoMinutes === null) return null;
  return ms > b.rtoMinutes * 60_000;
}

/** A restore test that passed but whose restore took longer than the stack's RTO (for dayops' own alerts). */
export interface SlowRestoreTest {
  stack: string;
  durationMs: number;
  rtoMinutes: number;
  /** When the restore test ran (epoch ms). */
  at: number;
}

/** Every stack whose last restore test passed but restored slower than its RTO (a failed one is its own alert). */
export function readSlowRestores(db: DB, now: number = Date.now()): SlowRestoreTest[] {
  return backupStatusAll(db, now)
    .filter((s) => s.configured && s.restoreOverRto === true && s.lastRestoreTest?.ok)
    .map((s) => ({
      stack: s.stack,
      durationMs: s.lastRestoreTest!.restoreMs!,
      rtoMinutes: s.rtoMinutes!,
      at: s.lastRestoreTest!.at,
    }));
}

/** `850ms`, `12.3s`, `4m05s`, `2h10m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `restore 4.2s within RTO 4h`, `restore 5h10m SLOWER than RTO 4h`, `restore 4.2s` (no RTO); '' when unknown. */
export function restoreRtoText(b: {
  lastRestoreTest: { restoreMs: number | null } | null;
  rtoMinutes: number | null;
}): string {
  const ms = b.lastRestoreTest?.restoreMs ?? null;
  if (ms === null) return '';
  const d = formatDuration(ms);
  if (b.rtoMinutes === null) return `restore ${d}`;
  const rto = b.rtoMinutes % 60 === 0 ? `${b.rtoMinutes / 60}h` : `${b.rtoMinutes}m`;
  return restoreSlowerThanRto(b) ? `restore ${d} SLOWER than RTO ${rto}` : `restore ${d} within RTO ${rto}`;
}

export interface StatusOptions {
  staleAfterMs?: number;
  /** Configs the caller already has, by stack name; others are read from dayops.yaml (cached by mtime). */
  configs?: ReadonlyMap<string, StackConfig | null>;
}

function configFor(row: BackupStatusRow, opts: StatusOptions): { config: StackConfig | null; error: string | null } {
  if (opts.configs?.has(row.name)) return { config: opts.configs.get(row.name) ?? null, error: null };
  return cachedConfig(row.dir);
}

/** The backup status of one stack from the cache (no restic): on time, late against the RPO, or missing. */
export function backupStatus(
  db: DB,
  stack: Pick<Stack, 'id'>,
  now: number = Date.now(),
  opts: StatusOptions = {},
): BackupStatus {
  const row = new BackupsRepo(db).statusRow(stack.id);
  if (!row) throw new UserError(`no stack with id ${stack.id}`);
  const { config, error } = configFor(row, opts);
  return computeStatus(row, config, error, now, opts.staleAfterMs ?? BACKUP_STALE_AFTER_MS);
}

/** Every stack's backup status, by name, from one SQL query (plus a stat of each dayops.yaml). */
export function backupStatusAll(db: DB, now: number = Date.now(), opts: StatusOptions = {}): BackupStatus[] {
  const staleAfter = opts.staleAfterMs ?? BACKUP_STALE_AFTER_MS;
  return new BackupsRepo(db).statusRows().map((row) => {
    const { config, error } = configFor(row, opts);
    return computeStatus(row, config, error, now, staleAfter);
  });
}
