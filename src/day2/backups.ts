/**
 * Day-2 backups: what the dashboard and the headless `dayops backup ...` commands call. Each stack's
 * `backups:` block in dayops.yaml names a restic repository; dayops backs up the stack's state and config,
 * lists its snapshots (cached in SQLite, so the dashboard opens without restic), tests restores, prunes with
 * the retention policy, says whether the last snapshot is within the RPO, and backs up dayops' own database.
 *
 * Snapshots of a stack carry the tags `dayops` and `stack:<name>` and the host `dayops`, whatever machine made
 * them, so they form one history per stack even in a shared repository (listing and pruning select by tag).
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  chmodSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Cron } from 'croner';
import { loadStackConfig, STACK_CONFIG_FILE, type StackConfig } from '../config/stack-config.js';
import { AuditRepo } from '../db/audit.js';
import { BackupsRepo, type BackupStatusRow } from '../db/backups.js';
import type { DB } from '../db/open.js';
import { SourcesRepo, isStale } from '../db/sources.js';
import { StacksRepo } from '../db/stacks.js';
import type { Stack } from '../domain/stack.js';
import { errorMessage, UserError } from '../errors.js';
import { osUser } from '../os-user.js';
import {
  Restic,
  ResticError,
  resolvePassword,
  resolveRepository,
  retentionArgs,
  type BackupProgress,
  type BackupSummary,
  type CheckResult,
  type LsNode,
  type Retention,
  type Snapshot,
} from './restic.js';
import { pushAll } from '../arrays.js';

export type { BackupProgress, Snapshot } from './restic.js';

/** The host name every dayops snapshot carries, so a stack's snapshots group together across machines. */
export const SNAPSHOT_HOST = 'dayops';

/** The tags of a stack's snapshots. */
export function stackTags(stackName: string): string[] {
  return ['dayops', `stack:${stackName}`];
}

/** The `sources` key of a stack's repository. */
export function backupSourceKey(stackName: string): string {
  return `backups:${stackName}`;
}

/** A listing older than this is shown as stale (snapshots change at most as often as backups run). */
export const BACKUP_STALE_AFTER_MS = 60 * 60_000;

/** Without an RPO, a snapshot is late when the schedule's next run after it is this far in the past. */
export const SCHEDULE_GRACE_MS = 15 * 60_000;

/** What every use case may be given; the defaults suit the real thing. */
export interface BackupDeps {
  /** Where passwords and DAYOPS_RESTIC are read from, and restic's environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The clock (default Date.now). */
  now?: () => number;
  /** Who acts, for the events and the audit log (default the OS user). */
  user?: string;
  trigger?: 'cli' | 'tui' | 'schedule';
  signal?: AbortSignal;
  /** Things worth telling that are not errors (a stale lock removed, a configured path missing). */
  onNotice?: (message: string) => void;
}

type StackRef = Pick<Stack, 'id' | 'name' | 'dir'>;
type BackupsConfig = NonNullable<StackConfig['backups']>;

interface Setup {
  config: StackConfig;
  backups: BackupsConfig;
  restic: Restic;
}

function clock(deps: BackupDeps): number {
  return (deps.now ?? Date.now)();
}

/** The stack's backups config; a stack without one is a one-line UserError. */
export function stackBackupsConfig(stack: Pick<Stack, 'name' | 'dir'>): {
  config: StackConfig;
  backups: BackupsConfig;
} {
  const config = loadStackConfig(stack.dir);
  if (!config.backups) throw new UserError(`stack ${stack.name} has no backups.repository in ${STACK_CONFIG_FILE}`);
  return { config, backups: config.backups };
}

/** A restic wrapper for a stack's repository (relative paths are relative to the stack folder). */
export function resticForStack(
  stack: Pick<Stack, 'name' | 'dir'>,
  backups: BackupsConfig,
  deps: BackupDeps = {},
  notices?: string[],
): Restic {
  const env = deps.env ?? process.env;
  return new Restic({
    repository: resolveRepository(backups.repository, stack.dir, env),
    password: resolvePassword(backups, stack.dir, env, `stack ${stack.name}`),
    env,
    cwd: stack.dir,
    onNotice: (m) => {
      notices?.push(m);
      deps.onNotice?.(m);
    },
  });
}

function setup(stack: StackRef, deps: BackupDeps, notices: string[]): Setup {
  const { config, backups } = stackBackupsConfig(stack);
  return { config, backups, restic: resticForStack(stack, backups, deps, notices) };
}

/** The files a backup of the stack takes when `backups.paths` is empty: its state and config, those that exist. */
export function defaultBackupPaths(stackDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(stackDir);
  } catch {
    return [];
  }
  const wanted = (n: string) =>
    n === STACK_CONFIG_FILE || n === 'blueprint.yaml' || n === 'terraform.tfstate.d' || n.endsWith('.tfstate');
  return names.filter(wanted).sort();
}

/** The paths to back up, relative to the stack folder when they are inside it, and those configured but absent. */
export function resolveBackupPaths(stackDir: string, configured: string[]): { paths: string[]; missing: string[] } {
  if (configured.length === 0) return { paths: defaultBackupPaths(stackDir), missing: [] };
  const paths: string[] = [];
  const missing: string[] = [];
  for (const p of configured) {
    const abs = isAbsolute(p) ? p : resolve(stackDir, p);
    if (existsSync(abs)) paths.push(p);
    else missing.push(p);
  }
  return { paths, missing };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function oneLine(err: unknown): string {
  return errorMessage(err).split('\n')[0];
}

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

function storeListing(db: DB, stack: StackRef, snapshots: Snapshot[], now: number): void {
  const sources = new SourcesRepo(db);
  new BackupsRepo(db).replaceSnapshots(stack.id, snapshots, now, () =>
    sources.recordOk(backupSourceKey(stack.name), now),
  );
}

async function fetchSnapshots(restic: Restic, stackName: string, signal?: AbortSignal): Promise<Snapshot[]> {
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
async function refreshAfter(
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
  const user = opts.user ?? osUser();
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

// ---------------------------------------------------------------------------------------------------------------
// Restore test

export interface VerifyDetail {
  snapshotId: string | null;
  snapshotTime: string | null;
  /** `restic check`: index, pack files present with the indexed sizes, every tree and snapshot readable. */
  check: { ok: boolean; errors: string[]; readDataSubset: string | null } | null;
  /** `restic restore --verify` into a temporary folder. */
  restore: { ok: boolean; errors: string[]; verifiedFiles: number | null } | null;
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
  const user = opts.user ?? osUser();
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
    const snapshots = await fetchSnapshots(restic, stack.name, opts.signal);
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
      const restore = await restic.restore(target.id, tmp, { verify: true, signal: opts.signal });
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
  const user = opts.user ?? osUser();
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
  /** `backups.schedule`, used for lateness when there is no RPO. */
  schedule: string | null;
  status: BackupState;
  snapshotCount: number;
  lastRestoreTest: { at: number; ok: boolean; error: string | null } | null;
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
  return {
    stackId: row.stackId,
    stack: row.name,
    configured,
    lastSnapshotAt: last,
    ageMinutes: ageMinutes === null ? null : Math.round(ageMinutes * 10) / 10,
    rpoMinutes,
    rpoSource,
    schedule,
    status,
    snapshotCount: row.snapshotCount,
    lastRestoreTest:
      row.verifyAt === null ? null : { at: row.verifyAt, ok: row.verifyOk === true, error: row.verifyError },
    lastBackup: row.backupAt === null ? null : { at: row.backupAt, ok: row.backupOk === true, error: row.backupError },
    fetchedAt: row.sourceOkAt,
    stale: configured ? isStale(source, now, staleAfterMs) : false,
    error: configError ?? (configured ? row.sourceError : null),
  };
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

// ---------------------------------------------------------------------------------------------------------------
// dayops' own database

export interface SelfBackupResult {
  eventId: number;
  /** The consistent copy, a single file (rollback-journal mode) readable by its owner only. */
  file: string;
  bytes: number;
  /** `PRAGMA integrity_check` of the copy. */
  integrity: 'ok';
  /** When it was also backed up with restic. */
  repository: string | null;
  snapshotId: string | null;
  notices: string[];
}

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Copy dayops' database with SQLite's online backup API (one step, inside one read transaction: a consistent
 * snapshot while other connections keep writing), check the copy with `PRAGMA integrity_check`, and move it into
 * place atomically. `to` defaults to `<db folder>/backups/dayops-<time>.db`, or `<db folder>/backups/dayops-self.db`
 * when a restic repository is given (`repository`, else $DAYOPS_SELF_REPOSITORY): then the copy is also backed up
 * there (password from RESTIC_PASSWORD / RESTIC_PASSWORD_FILE), tagged `dayops` and `dayops-self`.
 */
export async function backupSelf(
  db: DB,
  dbPath: string,
  opts: BackupDeps & { to?: string; repository?: string; onProgress?: (p: BackupProgress) => void } = {},
): Promise<SelfBackupResult> {
  if (dbPath === ':memory:') throw new UserError('backup self: the database is in memory; there is no file to back up');
  const env = opts.env ?? process.env;
  const repoLocation = opts.repository ?? env.DAYOPS_SELF_REPOSITORY ?? null;
  const now = clock(opts);
  const dest = resolve(
    opts.to ?? join(dirname(dbPath), 'backups', repoLocation ? 'dayops-self.db' : `dayops-${stamp(now)}.db`),
  );
  if (dest === resolve(dbPath)) throw new UserError(`backup self: ${dest} is the database itself`);
  const repo = new BackupsRepo(db);
  const audit = new AuditRepo(db);
  const user = opts.user ?? osUser();
  const eventId = repo.startEvent({ stackId: null, kind: 'self', user, trigger: opts.trigger, now });
  const notices: string[] = [];
  const partial = `${dest}.partial-${process.pid}`;
  try {
    try {
      mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new UserError(`backup self: cannot create ${dirname(dest)} (${(err as NodeJS.ErrnoException).code})`);
    }
    rmSync(partial, { force: true });
    // All remaining pages in one step: one read transaction, so writers elsewhere cannot make it restart forever.
    await db.backup(partial, { progress: () => 0x7fffffff });
    chmodSync(partial, 0o600);
    const copy = new Database(partial, { fileMustExist: true });
    let integrity: string;
    try {
      copy.pragma('journal_mode = DELETE');
      integrity = String(copy.pragma('integrity_check', { simple: true }));
    } finally {
      copy.close();
    }
    if (integrity !== 'ok') throw new UserError(`backup self: the copy failed its integrity check (${integrity})`);
    renameSync(partial, dest);
    const bytes = statSync(dest).size;
    let snapshotId: string | null = null;
    let repository: string | null = null;
    if (repoLocation) {
      repository = resolveRepository(repoLocation, process.cwd(), env);
      const restic = new Restic({
        repository,
        password: resolvePassword({}, process.cwd(), env, 'backup self'),
        env,
        cwd: dirname(dest),
        onNotice: (m) => notices.push(m),
      });
      const { created } = await restic.ensure(opts.signal);
      if (created) notices.push(`created the restic repository ${repository}`);
      const r = await restic.backup([basename(dest)], {
        tags: ['dayops', 'dayops-self'],
        host: SNAPSHOT_HOST,
        cwd: dirname(dest),
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      if (r.incomplete) throw new ResticError(`backup self: restic could not read ${dest}`, 'failed', 3);
      snapshotId = r.summary.snapshot_id ?? null;
    }
    const finished = clock(opts);
    const detail = { file: dest, bytes, repository, notices };
    repo.finish(eventId, { ok: true, snapshotId, detail }, finished, () =>
      audit.append({
        user,
        action: 'backup-self',
        at: finished,
        detail: { eventId, ok: true, file: dest, snapshotId },
      }),
    );
    return { eventId, file: dest, bytes, integrity: 'ok', repository, snapshotId, notices };
  } catch (err) {
    rmSync(partial, { force: true });
    const finished = clock(opts);
    const error = err instanceof UserError ? oneLine(err) : `backup self: ${oneLine(err)}`;
    repo.finish(eventId, { ok: false, error, detail: { file: dest, notices } }, finished, () =>
      audit.append({ user, action: 'backup-self', at: finished, detail: { eventId, ok: false, error } }),
    );
    if (err instanceof UserError) throw err;
    throw new UserError(error);
  }
}

/** A registered stack by name, or a one-line UserError. */
export function findStack(db: DB, name: string): Stack {
  const s = new StacksRepo(db).get(name);
  if (!s) throw new UserError(`no stack named "${name}"; see \`dayops stack list\``);
  return s;
}
