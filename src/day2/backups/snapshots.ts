/** A stack's snapshots: listed from restic and cached in SQLite, so the dashboard opens without restic. */
import { BackupsRepo } from '../../db/backups.js';
import type { DB } from '../../db/open.js';
import { SourcesRepo, isStale } from '../../db/sources.js';
import { UserError } from '../../errors.js';
import { Restic, type Snapshot } from '../restic.js';
import {
  BACKUP_STALE_AFTER_MS,
  backupSourceKey,
  clock,
  oneLine,
  resticForStack,
  stackBackupsConfig,
  type BackupDeps,
  type StackRef,
} from './common.js';

// ---------------------------------------------------------------------------------------------------------------
// Snapshots

export interface SnapshotList {
  /** Newest first. */
  snapshots: Snapshot[];
  /** When the listing last worked (the cache's age); null if it never did. */
  fetchedAt: number | null;
  /** When it was last tried. */
  attemptedAt: number | null;
  stale: boolean;
  /** Why the last listing failed; null when it worked. */
  error: string | null;
  /** Whether this call asked restic (false: served from the cache). */
  refreshed: boolean;
}

export function storeListing(db: DB, stack: StackRef, snapshots: Snapshot[], now: number): void {
  const sources = new SourcesRepo(db);
  new BackupsRepo(db).replaceSnapshots(stack.id, snapshots, now, () =>
    sources.recordOk(backupSourceKey(stack.name), now),
  );
}

export async function fetchSnapshots(restic: Restic, stackName: string, signal?: AbortSignal): Promise<Snapshot[]> {
  return restic.snapshots({ tags: [`stack:${stackName}`], signal });
}

/**
 * The snapshots of a stack. `refresh: true` asks restic; `false` serves the cache; `'auto'` (default) asks
 * when the cache is stale and the source is not backing off after a failure. A failed listing keeps the cache,
 * records the error on the `backups:<stack>` source and is returned in `error` (it does not throw); a stack
 * without `backups:` in dayops.yaml is a UserError.
 */
export async function listSnapshots(
  db: DB,
  stack: StackRef,
  opts: BackupDeps & { refresh?: boolean | 'auto'; staleAfterMs?: number } = {},
): Promise<SnapshotList> {
  const now = clock(opts);
  const key = backupSourceKey(stack.name);
  const sources = new SourcesRepo(db);
  const staleAfter = opts.staleAfterMs ?? BACKUP_STALE_AFTER_MS;
  const { backups } = stackBackupsConfig(stack);
  const refresh = opts.refresh ?? 'auto';
  const due =
    refresh === true || (refresh === 'auto' && isStale(sources.get(key), now, staleAfter) && sources.isDue(key, now));
  if (due) {
    try {
      const restic = resticForStack(stack, backups, opts);
      const snapshots = await fetchSnapshots(restic, stack.name, opts.signal);
      storeListing(db, stack, snapshots, clock(opts));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      sources.recordFailure(key, oneLine(err), clock(opts));
    }
  }
  const src = sources.status(key, clock(opts), staleAfter);
  return {
    snapshots: new BackupsRepo(db).snapshots(stack.id),
    fetchedAt: src.okAt,
    attemptedAt: src.attemptedAt,
    stale: src.stale,
    error: src.error,
    refreshed: due,
  };
}

/** Refresh the cache after a change; a failure is recorded on the source and reported as a notice. */
export async function refreshAfter(
  db: DB,
  stack: StackRef,
  restic: Restic,
  deps: BackupDeps,
  notices: string[],
): Promise<Snapshot[] | null> {
  try {
    const snapshots = await fetchSnapshots(restic, stack.name, deps.signal);
    storeListing(db, stack, snapshots, clock(deps));
    return snapshots;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    new SourcesRepo(db).recordFailure(backupSourceKey(stack.name), oneLine(err), clock(deps));
    const msg = `the snapshot list could not be refreshed: ${oneLine(err)}`;
    notices.push(msg);
    deps.onNotice?.(msg);
    return null;
  }
}
