/** The restore test: restore the newest snapshot to a temporary folder and compare it with what was backed up. */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  chmodSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditRepo } from '../../db/audit.js';
import { BackupsRepo } from '../../db/backups.js';
import type { DB } from '../../db/open.js';
import { SourcesRepo } from '../../db/sources.js';
import { UserError } from '../../errors.js';
import { actingUser } from '../../identity.js';
import { type CheckResult, type LsNode, type Snapshot } from '../restic.js';
import {
  backupSourceKey,
  clock,
  isAlive,
  oneLine,
  setup,
  stackBackupsConfig,
  type BackupDeps,
  type StackRef,
} from './common.js';
import { fetchSnapshots, storeListing } from './snapshots.js';
import { pushAll } from '../../arrays.js';

// ---------------------------------------------------------------------------------------------------------------
// Restore test

export interface VerifyDetail {
  /** restic could not open the repository: nothing was tested (the last real restore test still stands, stale). */
  unreachable?: boolean;
  snapshotId: string | null;
  snapshotTime: string | null;
  /** `restic check`: index, pack files present with the indexed sizes, every tree and snapshot readable. */
  check: { ok: boolean; errors: string[]; readDataSubset: string | null } | null;
  /** `restic restore --verify` into a temporary folder. */
  restore: { ok: boolean; errors: string[]; verifiedFiles: number | null } | null;
  /**
   * How long the restore took (ms, wall clock): `restic restore --verify` of the snapshot into the temporary
   * folder, what a recovery has to wait for. Compared with the design's RTO (`rtoMinutes`). Null when no restore ran.
   */
  restoreMs?: number | null;
  /** Nodes of `restic ls` found in the restored folder with the same type and (files) size. */
  files: number;
  dirs: number;
  others: number;
  bytes: number;
  /** Restored files whose SHA-256 equals the live file's, for files unchanged since the snapshot (size + mtime). */
  comparedWithSource: number;
  /** The problems found (at most 20). */
  problems: string[];
  /** What this restore test proved, in words. */
  proven: string[];
}

export interface VerifyResult {
  eventId: number;
  ok: boolean;
  snapshotId: string | null;
  /** The first problem, one line; null when ok. */
  error: string | null;
  detail: VerifyDetail;
  durationMs: number;
}

function sha256File(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', rej)
      .on('end', () => res(h.digest('hex')));
  });
}

function nodeKind(st: Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** Remove a restored tree, even where restic restored folders without write permission. */
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    /* read-only folders inside: make them writable, then try again */
  }
  const walk = (d: string) => {
    try {
      chmodSync(d, 0o700);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      /* gone */
    }
  };
  walk(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Compare the restored folder with `restic ls` and, where the live files are unchanged, with them. */
async function compareRestored(
  root: string,
  nodes: LsNode[],
  stackDir: string,
  restoreOk: boolean,
): Promise<Pick<VerifyDetail, 'files' | 'dirs' | 'others' | 'bytes' | 'comparedWithSource'> & { problems: string[] }> {
  const problems: string[] = [];
  let files = 0;
  let dirs = 0;
  let others = 0;
  let bytes = 0;
  let compared = 0;
  for (const n of nodes) {
    const restored = join(root, n.path);
    let st: Stats;
    try {
      st = lstatSync(restored);
    } catch {
      problems.push(`${n.path} is in the snapshot but was not restored`);
      continue;
    }
    const kind = nodeKind(st);
    const expected = n.type === 'file' || n.type === 'dir' || n.type === 'symlink' ? n.type : 'other';
    if (kind !== expected) {
      problems.push(`${n.path} was restored as a ${kind}, the snapshot has a ${n.type}`);
      continue;
    }
    if (n.type === 'dir') dirs++;
    else if (n.type !== 'file') others++;
    if (n.type !== 'file') continue;
    files++;
    const size = n.size ?? 0;
    if (st.size !== size) {
      problems.push(`${n.path} was restored with ${st.size} bytes, the snapshot has ${size}`);
      continue;
    }
    bytes += size;
    if (!restoreOk || !n.mtime) continue;
    // The live file, if it is the one that was backed up and has not changed since (size and mtime).
    const snapMtime = Date.parse(n.mtime);
    for (const candidate of [join(stackDir, n.path), n.path]) {
      let live: Stats;
      try {
        live = statSync(candidate);
      } catch {
        continue;
      }
      if (!live.isFile() || live.size !== size || Math.floor(live.mtimeMs) !== snapMtime) continue;
      const [a, b] = await Promise.all([sha256File(restored), sha256File(candidate)]);
      compared++;
      if (a !== b)
        problems.push(
          `${n.path}: the restored content differs from the live file, which is unchanged since the snapshot`,
        );
      break;
    }
  }
  return { files, dirs, others, bytes, comparedWithSource: compared, problems };
}

/**
 * A restore test of the stack's newest snapshot, recorded as a `verify` event (ok, time, detail) with an audit
 * entry. It never throws for a failed test (ok false, error says why: also a wrong password or a missing
 * repository, since then nothing can be restored); a stack without `backups:` is a UserError.
 *
 * What it proves, in order:
 * 1. `restic check` (plus `--read-data-subset` when given): the index is sound, every pack file exists with its
 *    indexed size (a truncated or deleted pack fails here), every snapshot and tree can be read and decrypted.
 *    When it fails the restore is skipped (restic would retry a truncated pack for ~45 s for nothing).
 * 2. `restic restore ID --target TMP --verify`: every blob of the snapshot is read and decrypted (restic's
 *    authenticated encryption refuses any altered byte: a pack overwritten in place fails here), and restic then
 *    re-reads every restored file and checks each chunk against the SHA-256 blob ids the snapshot records.
 * 3. dayops walks `restic ls --json ID`: every file, folder and link of the snapshot exists in TMP with the same
 *    type, and every file with the same size.
 * 4. For files of the stack folder unchanged since the snapshot (same size and mtime), the SHA-256 of the
 *    restored file equals the live file's: end to end, what comes back is what was there.
 * The temporary folder (0700, under `tmpDir` or the OS's) is removed afterwards.
 */
export async function verifyBackup(
  db: DB,
  stack: StackRef,
  opts: BackupDeps & { readDataSubset?: string; tmpDir?: string; snapshotId?: string } = {},
): Promise<VerifyResult> {
  const repo = new BackupsRepo(db);
  const audit = new AuditRepo(db);
  const user = actingUser(db, opts.user);
  stackBackupsConfig(stack);
  repo.markInterrupted(isAlive, clock(opts));
  const started = clock(opts);
  const eventId = repo.startEvent({ stackId: stack.id, kind: 'verify', user, trigger: opts.trigger, now: started });
  const notices: string[] = [];
  const detail: VerifyDetail = {
    snapshotId: null,
    snapshotTime: null,
    check: null,
    restore: null,
    files: 0,
    dirs: 0,
    others: 0,
    bytes: 0,
    comparedWithSource: 0,
    problems: [],
    proven: [],
  };
  let tmp: string | null = null;
  try {
    const { restic } = setup(stack, opts, notices);
    let snapshots: Snapshot[];
    try {
      snapshots = await fetchSnapshots(restic, stack.name, opts.signal);
    } catch (err) {
      // restic cannot open the repository: the cached snapshot list is kept, now stale with this error
      if (err instanceof UserError) {
        detail.unreachable = true;
        new SourcesRepo(db).recordFailure(backupSourceKey(stack.name), oneLine(err), clock(opts));
      }
      throw err;
    }
    storeListing(db, stack, snapshots, clock(opts));
    const target = opts.snapshotId
      ? snapshots.find((s) => s.id.startsWith(opts.snapshotId!))
      : snapshots.reduce<Snapshot | undefined>((a, s) => (!a || s.time > a.time ? s : a), undefined);
    if (!target) {
      throw new UserError(
        opts.snapshotId
          ? `stack ${stack.name} has no snapshot ${opts.snapshotId}`
          : `stack ${stack.name} has no snapshots to verify`,
      );
    }
    detail.snapshotId = target.id;
    detail.snapshotTime = new Date(target.time).toISOString();

    const check: CheckResult = await restic.check({ readDataSubset: opts.readDataSubset, signal: opts.signal });
    detail.check = { ok: check.ok, errors: check.errors.slice(0, 10), readDataSubset: opts.readDataSubset ?? null };
    if (!check.ok) {
      detail.problems.push(
        `restic check: ${check.errors[0]}${check.errors.length > 1 ? ` (and ${check.errors.length - 1} more)` : ''}`,
      );
      detail.problems.push('restore skipped: the repository has errors');
    } else {
      detail.proven.push(
        opts.readDataSubset
          ? `restic check: the repository's structure is sound and the data subset ${opts.readDataSubset} reads back intact`
          : "restic check: the index, every pack file's presence and size, and every snapshot and tree are sound",
      );
      const { nodes } = await restic.ls(target.id, opts.signal);
      const base = opts.tmpDir ?? tmpdir();
      mkdirSync(base, { recursive: true });
      tmp = mkdtempSync(join(base, 'dayops-verify-'));
      const restoreStarted = performance.now();
      const restore = await restic.restore(target.id, tmp, { verify: true, signal: opts.signal });
      detail.restoreMs = Math.round(performance.now() - restoreStarted);
      detail.restore = { ok: restore.ok, errors: restore.errors.slice(0, 10), verifiedFiles: restore.verifiedFiles };
      if (!restore.ok) {
        detail.problems.push(
          `restic restore: ${restore.errors[0]}${restore.errors.length > 1 ? ` (and ${restore.errors.length - 1} more)` : ''}`,
        );
      } else {
        detail.proven.push(
          `restic restore --verify: every blob decrypted and authenticated, and ${restore.verifiedFiles ?? 'all'} restored files match the snapshot's SHA-256 chunk ids`,
        );
      }
      const cmp = await compareRestored(tmp, nodes, stack.dir, restore.ok);
      Object.assign(detail, {
        files: cmp.files,
        dirs: cmp.dirs,
        others: cmp.others,
        bytes: cmp.bytes,
        comparedWithSource: cmp.comparedWithSource,
      });
      pushAll(detail.problems, cmp.problems);
      if (cmp.problems.length === 0) {
        detail.proven.push(
          `all ${cmp.files} files, ${cmp.dirs} folders and ${cmp.others} other entries of the snapshot were restored with their sizes (${cmp.bytes} bytes)`,
        );
        if (cmp.comparedWithSource > 0) {
          detail.proven.push(
            `${cmp.comparedWithSource} restored files have the same SHA-256 as the live files, unchanged since the snapshot`,
          );
        }
      }
    }
  } catch (err) {
    if (!(err instanceof UserError)) {
      if (tmp) removeTree(tmp);
      const finished = clock(opts);
      repo.finish(eventId, { ok: false, error: `internal error: ${oneLine(err)}`, detail }, finished);
      throw err;
    }
    detail.problems.push(oneLine(err));
  } finally {
    if (tmp) removeTree(tmp);
  }
  detail.problems = detail.problems.slice(0, 20);
  const ok = detail.problems.length === 0;
  const error = ok ? null : detail.problems[0];
  const finished = clock(opts);
  repo.finish(eventId, { ok, snapshotId: detail.snapshotId, error, detail: { ...detail, notices } }, finished, () =>
    audit.append({
      user,
      action: 'backup-verify',
      stackId: stack.id,
      at: finished,
      detail: { eventId, ok, snapshotId: detail.snapshotId, error },
    }),
  );
  return { eventId, ok, snapshotId: detail.snapshotId, error, detail, durationMs: finished - started };
}
