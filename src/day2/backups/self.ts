/** Backing up dayops' own database. */
import { mkdirSync, renameSync, rmSync, statSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AuditRepo } from '../../db/audit.js';
import { BackupsRepo } from '../../db/backups.js';
import type { DB } from '../../db/open.js';
import { isTeamDb } from '../../db/engine.js';
import { UserError } from '../../errors.js';
import { actingUser } from '../../identity.js';
import { Restic, ResticError, resolvePassword, resolveRepository, type BackupProgress } from '../restic.js';
import { SNAPSHOT_HOST, clock, oneLine, type BackupDeps } from './common.js';

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
  if (isTeamDb(db))
    throw new UserError(
      'backup self: the team database is PostgreSQL; back it up with its own tools (pg_dump, or the backups of the server)',
    );
  const env = opts.env ?? process.env;
  const repoLocation = opts.repository ?? env.DAYOPS_SELF_REPOSITORY ?? null;
  const now = clock(opts);
  const dest = resolve(
    opts.to ?? join(dirname(dbPath), 'backups', repoLocation ? 'dayops-self.db' : `dayops-${stamp(now)}.db`),
  );
  if (dest === resolve(dbPath)) throw new UserError(`backup self: ${dest} is the database itself`);
  const repo = new BackupsRepo(db);
  const audit = new AuditRepo(db);
  const user = actingUser(db, opts.user);
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
    await (db as Database.Database).backup(partial, { progress: () => 0x7fffffff });
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
