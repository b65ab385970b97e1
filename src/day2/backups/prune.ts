/** Pruning a stack's snapshots with its retention policy. */
import { STACK_CONFIG_FILE } from '../../config/stack-config.js';
import { AuditRepo } from '../../db/audit.js';
import { BackupsRepo } from '../../db/backups.js';
import type { DB } from '../../db/open.js';
import { UserError } from '../../errors.js';
import { actingUser } from '../../identity.js';
import { retentionArgs, type Retention, type Snapshot } from '../restic.js';
import {
  clock,
  isAlive,
  oneLine,
  resticForStack,
  stackBackupsConfig,
  type BackupDeps,
  type StackRef,
} from './common.js';
import { refreshAfter } from './snapshots.js';

// ---------------------------------------------------------------------------------------------------------------
// Prune

export interface PruneResult {
  eventId: number;
  kept: Snapshot[];
  removed: Snapshot[];
  /** The `--keep-*` flags used. */
  policy: string[];
  pruneOutput: string;
  notices: string[];
}

/**
 * Forget the stack's snapshots that its `backups.retention` does not keep, and prune the data only they used.
 * A stack without a retention policy is refused (nothing would be kept explicitly). Records a `prune` event and
 * an audit entry; throws a one-line error when restic fails.
 */
export async function pruneBackups(db: DB, stack: StackRef, opts: BackupDeps = {}): Promise<PruneResult> {
  const repo = new BackupsRepo(db);
  const audit = new AuditRepo(db);
  const user = actingUser(db, opts.user);
  const { backups } = stackBackupsConfig(stack);
  const policy = retentionArgs(backups.retention as Retention);
  if (policy.length === 0) {
    throw new UserError(
      `stack ${stack.name} has no backups.retention in ${STACK_CONFIG_FILE} (e.g. { daily: 7, weekly: 4 }); nothing to prune`,
    );
  }
  repo.markInterrupted(isAlive, clock(opts));
  const eventId = repo.startEvent({ stackId: stack.id, kind: 'prune', user, trigger: opts.trigger, now: clock(opts) });
  const notices: string[] = [];
  try {
    const restic = resticForStack(stack, backups, opts, notices);
    const r = await restic.forget(backups.retention as Retention, {
      tags: [`stack:${stack.name}`],
      prune: true,
      signal: opts.signal,
    });
    await refreshAfter(db, stack, restic, opts, notices);
    const finished = clock(opts);
    const detail = {
      policy,
      kept: r.kept.map((s) => s.id),
      removed: r.removed.map((s) => s.id),
      notices,
    };
    repo.finish(eventId, { ok: true, detail }, finished, () =>
      audit.append({
        user,
        action: 'backup-prune',
        stackId: stack.id,
        at: finished,
        detail: { eventId, ok: true, removed: r.removed.length, kept: r.kept.length },
      }),
    );
    return { eventId, kept: r.kept, removed: r.removed, policy, pruneOutput: r.pruneOutput, notices };
  } catch (err) {
    const finished = clock(opts);
    const error = oneLine(err);
    repo.finish(eventId, { ok: false, error, detail: { policy, notices } }, finished, () =>
      audit.append({
        user,
        action: 'backup-prune',
        stackId: stack.id,
        at: finished,
        detail: { eventId, ok: false, error },
      }),
    );
    throw err;
  }
}
