/**
 * Day-2's work as both front ends do it: the TUI's actions (./index.ts, which words the outcome for the flash
 * line) and the headless commands (src/commands/drift.ts, alerts.ts, backup.ts, which print it) call these, so a
 * drift check, an alert refresh, a backup or a restore test is one path whatever starts it. React-free; the
 * results are the day-2 modules' own, and errors are thrown as they throw them.
 */
import type { DB } from '../../db/open.js';
import { alertSources, listAlerts, syncAlerts } from '../../day2/alerts.js';
import {
  backupSelf,
  backupStatus,
  backupStatusAll,
  listSnapshots,
  pruneBackups,
  runBackup,
  verifyBackup,
} from '../../day2/backups.js';
import { checkDrift, type DriftCheckOptions, type DriftCheckResult } from '../../day2/drift.js';
import type { RunService } from '../../day1/runs.js';
import type { Stack } from '../../domain/stack.js';

// ------------------------------------------------------------------------------------------------ drift

/** Check one stack for drift now: a proposed drift run through the run service, queued behind its folder's runs. */
export function checkStackDriftNow(
  runs: RunService,
  db: DB,
  stack: Stack | string,
  opts: DriftCheckOptions,
): Promise<DriftCheckResult> {
  return checkDrift(runs, db, stack, opts);
}

/**
 * Check several stacks, `concurrency` at a time, results in the order given; a check that throws is a failed
 * result with its error (the others go on). `onStart` is told each stack as its check starts.
 */
export async function checkStacksDriftNow(
  runs: RunService,
  db: DB,
  stacks: readonly Stack[],
  opts: DriftCheckOptions & { concurrency?: number; onStart?: (stack: Stack) => void },
): Promise<DriftCheckResult[]> {
  const { concurrency = 2, onStart, ...check } = opts;
  const results: DriftCheckResult[] = new Array(stacks.length);
  let next = 0;
  const worker = async () => {
    while (next < stacks.length) {
      const i = next++;
      const s = stacks[i];
      onStart?.(s);
      try {
        results[i] = await checkStackDriftNow(runs, db, s, check);
      } catch (err) {
        results[i] = {
          checkId: 0,
          runId: null,
          stackId: s.id,
          stack: s.name,
          status: 'failed',
          drifted: 0,
          resources: [],
          error: (err as Error).message,
          checkedAt: Date.now(),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, stacks.length) }, worker));
  return results;
}

// ------------------------------------------------------------------------------------------------ alerts

/** Fetch alerts from the stacks' Alertmanagers now (all, or these), whatever their backoff. */
export function refreshAlertsNow(
  db: DB,
  stacks?: readonly string[],
  opts: { timeoutMs?: number } = {},
): ReturnType<typeof syncAlerts> {
  return syncAlerts(db, stacks ? [...stacks] : undefined, { force: true, timeoutMs: opts.timeoutMs });
}

/** The cached alerts and their sources (age, staleness, last error), of every stack or of one: no network. */
export function cachedAlerts(
  db: DB,
  stack: string | undefined,
  now: number,
): { alerts: ReturnType<typeof listAlerts>; sources: ReturnType<typeof alertSources> } {
  return { alerts: listAlerts(db, stack, { now }), sources: alertSources(db, stack, { now }) };
}

// ------------------------------------------------------------------------------------------------ backups

/** Back a stack up now (restic; the repository is made when needed). */
export function backupStackNow(
  db: DB,
  stack: Stack,
  opts: Parameters<typeof runBackup>[2],
): ReturnType<typeof runBackup> {
  return runBackup(db, stack, opts);
}

/** A restore test of a stack's newest snapshot (or of `snapshotId`). */
export function restoreTestNow(
  db: DB,
  stack: Stack,
  opts: Parameters<typeof verifyBackup>[2],
): ReturnType<typeof verifyBackup> {
  return verifyBackup(db, stack, opts);
}

/** A stack's snapshots: cached, or listed by restic again (`refresh`). */
export function snapshotsOf(
  db: DB,
  stack: Stack,
  opts: Parameters<typeof listSnapshots>[2],
): ReturnType<typeof listSnapshots> {
  return listSnapshots(db, stack, opts);
}

/** Forget and prune snapshots by the stack's retention. */
export function pruneStackBackups(
  db: DB,
  stack: Stack,
  opts: Parameters<typeof pruneBackups>[2],
): ReturnType<typeof pruneBackups> {
  return pruneBackups(db, stack, opts);
}

/** Backup status (age against the RPO, last restore test): of one stack, or of every stack. */
export const stackBackupStatus = backupStatus;
export const allBackupStatuses = backupStatusAll;

/** Back up dayops' own database. */
export const backupDayops = backupSelf;
