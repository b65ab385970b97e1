/** Backing up a stack's state and config. */
import { STACK_CONFIG_FILE } from '../../config/stack-config.js';
import { AuditRepo } from '../../db/audit.js';
import { BackupsRepo } from '../../db/backups.js';
import type { DB } from '../../db/open.js';
import { UserError } from '../../errors.js';
import { actingUser } from '../../identity.js';
import { ResticError, type BackupProgress, type BackupSummary } from '../restic.js';
import {
  SNAPSHOT_HOST,
  clock,
  isAlive,
  oneLine,
  resolveBackupPaths,
  resticForStack,
  stackBackupsConfig,
  stackTags,
  type BackupDeps,
  type StackRef,
} from './common.js';
import { refreshAfter } from './snapshots.js';

// ---------------------------------------------------------------------------------------------------------------
// Backup

export interface BackupRunResult {
  eventId: number;
  /** False when restic could not read some files (the snapshot exists but misses them). */
  ok: boolean;
  /** The full id when the refreshed listing has it, else the id restic printed (8 hex in 0.14). */
  snapshotId: string;
  shortId: string;
  summary: BackupSummary;
  /** What was backed up, relative to the stack folder. */
  paths: string[];
  /** Configured paths that do not exist (skipped). */
  missingPaths: string[];
  /** The repository was created by this backup. */
  initialized: boolean;
  incomplete: boolean;
  /** Files restic could not read. */
  errors: string[];
  notices: string[];
  durationMs: number;
}

/**
 * Back up a stack (`backups.paths`, else its state and config files) into its repository, creating the
 * repository if there is none yet. Records a `backup` event and an audit entry whatever happens, refreshes the
 * snapshot cache, and throws a one-line UserError (ResticError for restic's failures) when no snapshot was made.
 */
export async function runBackup(
  db: DB,
  stack: StackRef,
  opts: BackupDeps & { onProgress?: (p: BackupProgress) => void } = {},
): Promise<BackupRunResult> {
  const repo = new BackupsRepo(db);
  const audit = new AuditRepo(db);
  const user = actingUser(db, opts.user);
  const { backups } = stackBackupsConfig(stack);
  repo.markInterrupted(isAlive, clock(opts));
  const started = clock(opts);
  const eventId = repo.startEvent({ stackId: stack.id, kind: 'backup', user, trigger: opts.trigger, now: started });
  const notices: string[] = [];
  try {
    const restic = resticForStack(stack, backups, opts, notices);
    const { paths, missing } = resolveBackupPaths(stack.dir, backups.paths);
    for (const p of missing) {
      const msg = `backups.paths: ${p} does not exist in ${stack.dir}; skipped`;
      notices.push(msg);
      opts.onNotice?.(msg);
    }
    if (paths.length === 0) {
      throw new UserError(
        backups.paths.length
          ? `stack ${stack.name}: none of backups.paths exists in ${stack.dir}`
          : `stack ${stack.name}: nothing to back up in ${stack.dir} (no backups.paths, and none of ${STACK_CONFIG_FILE}, *.tfstate, terraform.tfstate.d, blueprint.yaml exists)`,
      );
    }
    const backup = () =>
      restic.backup(paths, {
        tags: stackTags(stack.name),
        host: SNAPSHOT_HOST,
        cwd: stack.dir,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
    // Try the backup first (one restic start fewer, each costs a key derivation); create the repository only
    // when restic says there is none, never on any other error.
    let created = false;
    let result: Awaited<ReturnType<typeof backup>>;
    try {
      result = await backup();
    } catch (err) {
      if (!(err instanceof ResticError && err.kind === 'repository-missing')) throw err;
      await restic.init(opts.signal);
      created = true;
      const msg = `created the restic repository ${restic.repository}`;
      notices.push(msg);
      opts.onNotice?.(msg);
      result = await backup();
    }
    const printed = result.summary.snapshot_id!;
    const listed = await refreshAfter(db, stack, restic, opts, notices);
    const full = listed?.find((s) => s.id.startsWith(printed))?.id ?? printed;
    const ok = !result.incomplete;
    const finished = clock(opts);
    const error = ok
      ? null
      : `snapshot ${full.slice(0, 8)} is incomplete: restic could not read ${result.errors.length || 'some'} file(s)${result.errors[0] ? ` (${result.errors[0]})` : ''}`;
    const detail = {
      paths,
      missingPaths: missing,
      initialized: created,
      summary: result.summary,
      errors: result.errors.slice(0, 20),
      notices,
    };
    repo.finish(eventId, { ok, snapshotId: full, error, detail }, finished, () =>
      audit.append({
        user,
        action: 'backup',
        stackId: stack.id,
        at: finished,
        detail: { eventId, ok, snapshotId: full, error },
      }),
    );
    return {
      eventId,
      ok,
      snapshotId: full,
      shortId: full.slice(0, 8),
      summary: result.summary,
      paths,
      missingPaths: missing,
      initialized: created,
      incomplete: result.incomplete,
      errors: result.errors,
      notices,
      durationMs: finished - started,
    };
  } catch (err) {
    const finished = clock(opts);
    const error = oneLine(err);
    repo.finish(eventId, { ok: false, error, detail: { notices } }, finished, () =>
      audit.append({ user, action: 'backup', stackId: stack.id, at: finished, detail: { eventId, ok: false, error } }),
    );
    throw err;
  }
}
