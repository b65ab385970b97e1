/**
 * Opening the database: create its folder and file (readable by the owner only), WAL mode, foreign keys, then
 * migrations. A database written by a newer dayops is refused, never altered.
 */
import Database from 'better-sqlite3';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../paths.js';

export type { DB } from './engine.js';
import type { DB } from './engine.js';
import { isPostgresUrl } from './engine.js';
import { openTeamDatabase } from './pg/open.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_RE = /^(\d{3,})-([a-z0-9-]+)\.sql$/;

export function loadMigrations(dir = join(packageRoot(), 'migrations')): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const m = MIGRATION_RE.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, file), 'utf8') });
  }
  out.sort((a, b) => a.version - b.version);
  out.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migrations: expected number ${i + 1} but found ${m.version}-${m.name}.sql`);
  });
  return out;
}

/**
 * Apply what is missing, one migration per `BEGIN IMMEDIATE` transaction that re-reads `user_version` first,
 * so a failure rolls back both the change and the version bump and two processes cannot both apply a step.
 */
export function migrate(db: DB, migrations = loadMigrations(), file = db.name): number {
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new UserError(
      `${file}: this database was written by a newer dayops (schema ${current}, this dayops knows ${latest}); upgrade dayops, or use another database with --db`,
    );
  }
  for (const m of migrations) {
    // A step already applied takes no lock: only a pending one waits for other writers.
    if (m.version <= current) continue;
    const step = db.transaction(() => {
      const v = db.pragma('user_version', { simple: true }) as number;
      if (v >= m.version) return;
      if (v !== m.version - 1) throw new Error(`migration ${m.version} found the database at ${v}`);
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
    step.immediate();
  }
  return latest;
}

/**
 * Create a folder and its missing parents (owner-only), one level at a time: Node's recursive mkdir never returns
 * on some paths that cannot be created (under /proc, for one). A folder that cannot be made is a one-line error.
 */
function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw new UserError(`${dir}: cannot create the database's folder (${code ?? 'error'})`);
  }
}

export interface OpenOptions {
  /** Open without writing anything (no migrations, no WAL switch, no chmod). */
  readonly?: boolean;
  migrations?: Migration[];
  /** How long to keep trying while another process holds the write lock; default `DAYOPS_DB_WAIT_MS` or 30 s. */
  waitMs?: number;
  /** Told once, when opening has to wait for another process's write lock. */
  onWait?: (message: string) => void;
  /** Told once, when the database is opened read-only because it cannot be written (0400, read-only folder). */
  onReadonly?: (message: string) => void;
}

/** `DAYOPS_DB_WAIT_MS` or 30 s: how long opening waits for another dayops that is writing. */
export function dbWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DAYOPS_DB_WAIT_MS);
  return Number.isFinite(n) && n >= 0 && env.DAYOPS_DB_WAIT_MS !== '' ? n : 30_000;
}

/** How long one attempt lets SQLite itself retry a busy lock before opening says it is waiting. */
const ATTEMPT_BUSY_MS = 500;
/** Statements after opening wait this long for a lock (then the one-line error of `databaseError`). */
const BUSY_MS = 5000;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const RESTORE_HINT =
  'copy back a copy made by `dayops backup self`, or move the file aside and dayops starts a new database';

/**
 * The one-line error for what SQLite said about a database file, with the way back; undefined when it is not
 * about the file (a bug, reported as one).
 */
export function databaseError(path: string, err: unknown): UserError | undefined {
  if (err instanceof UserError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const msg = (err as Error)?.message ?? String(err);
  if (!code.startsWith('SQLITE_')) return undefined;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new UserError(
      `${path}: another dayops kept the database locked too long (${msg}); try again when it is done`,
    );
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return new UserError(`${path}: not a dayops database or damaged (${msg}); ${RESTORE_HINT}`);
  if (code.startsWith('SQLITE_FULL'))
    return new UserError(`${path}: the disk is full (${msg}); free some space, nothing more was stored`);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM'))
    return new UserError(
      `${path}: the database or its folder cannot be written (${msg}); make ${dirname(path)} writable, or use --db with a database in a folder you can write (\`dayops --readonly\` only looks)`,
    );
  if (code.startsWith('SQLITE_IOERR'))
    return new UserError(`${path}: cannot read or write the database (${msg}); ${RESTORE_HINT}`);
  return undefined;
}

/** The file cannot be written: no write bit at all (0400, even for root), or the system says so (a read-only mount). */
function cannotWrite(path: string): boolean {
  try {
    if ((statSync(path).mode & 0o222) === 0) return true;
    accessSync(path, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

function folderWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Open (creating it when missing) and migrate the database. Opening takes no write lock when nothing is to be
 * migrated; while another process holds it, opening says so once (`onWait`) and keeps trying for `waitMs`, then
 * gives up with one line. A database that cannot be written is opened read-only (`onReadonly` says why).
 */
export function openDatabase(path: string, opts: OpenOptions = {}): DB {
  if (isPostgresUrl(path)) return openTeamDatabase(path, { readonly: opts.readonly });
  const waitMs = opts.waitMs ?? dbWaitMs();
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return openOnce(path, opts);
    } catch (err) {
      if (!isBusy(err)) throw databaseError(path, err) ?? err;
      if (Date.now() >= deadline) {
        throw new UserError(
          `${path}: another dayops kept the database locked for ${Math.round(waitMs / 1000)} s; try again when it is done`,
        );
      }
      if (!told) {
        told = true;
        (opts.onWait ?? ((m: string) => process.stderr.write(`dayops: ${m}\n`)))(
          `waiting for the database: another dayops is writing (${path}, up to ${Math.round(waitMs / 1000)} s)`,
        );
      }
    }
  }
}

function openOnce(path: string, opts: OpenOptions): DB {
  let readonly = opts.readonly ?? false;
  let file = path;
  if (path !== ':memory:') {
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      /* missing: created below */
    }
    if (st && !st.isFile()) {
      throw new UserError(`${path}: not a regular file; --db (or DAYOPS_DB) names a database file`);
    }
    if (!st) {
      if (readonly) throw new UserError(`${path}: no database here yet`);
      ensureDir(dirname(path));
      // Create it with owner-only permissions before SQLite touches it.
      try {
        closeSync(openSync(path, 'wx', 0o600));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new UserError(
            `${path}: cannot create the database (${code}); use --db with a path in a folder you can write`,
          );
        }
      }
    } else if (!readonly && cannotWrite(path)) {
      readonly = true;
      opts.onReadonly?.(
        `${path} cannot be written (read-only file or disk): opened read-only, nothing will be changed`,
      );
    } else if (!readonly && !folderWritable(dirname(path))) {
      readonly = true;
      opts.onReadonly?.(`the folder of ${path} cannot be written: opened read-only, nothing will be changed`);
    }
    if (readonly && !folderWritable(dirname(path))) {
      // SQLite cannot make its shared-memory file beside a WAL database here: read a snapshot copy instead.
      file = readonlyCopy(path);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: path !== ':memory:', readonly });
  } catch (err) {
    throw databaseError(path, err) ?? new UserError(`${path}: cannot open the database (${(err as Error).message})`);
  }
  try {
    db.pragma(`busy_timeout = ${ATTEMPT_BUSY_MS}`);
    // Refuse a newer database before anything (even switching to WAL) writes to it.
    const migrations = opts.migrations ?? loadMigrations();
    const latest = migrations.at(-1)?.version ?? 0;
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new UserError(
        `${path}: this database was written by a newer dayops (schema ${current}, this dayops knows ${latest}); upgrade dayops, or use another database with --db`,
      );
    }
    if (readonly) {
      if (current < latest) {
        throw new UserError(
          `${path}: read-only, and this dayops must upgrade its schema (${current} to ${latest}) first; make it writable once`,
        );
      }
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${BUSY_MS}`);
      return db as DB;
    }
    // A new database gets 16 KiB pages: run logs are stored in chunks of tens of kilobytes, which 4 KiB pages
    // split into long overflow chains (about twice the write cost). An existing database keeps its page size.
    if (current === 0 && db.pragma('page_count', { simple: true }) === 0) db.pragma('page_size = 16384');
    // Switching to WAL writes; a database already in WAL (every one dayops made) is left alone, with no lock.
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    // Checkpoint every ~32 MiB of WAL instead of ~4 MiB: far fewer stalls while a run prints fast.
    db.pragma('wal_autocheckpoint = 2000');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (current < latest) migrate(db, migrations, path);
    db.pragma(`busy_timeout = ${BUSY_MS}`);
  } catch (err) {
    db.close();
    throw err;
  }
  if (path !== ':memory:') {
    // WAL and shared-memory files inherit the umask; keep them owner-only too.
    for (const extra of ['', '-wal', '-shm']) {
      try {
        chmodSync(path + extra, 0o600);
      } catch {
        /* not created yet */
      }
    }
  }
  return db as DB;
}

/** A private copy of the database (and its WAL) to read where SQLite cannot work beside it; removed on exit. */
function readonlyCopy(path: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dayops-readonly-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, basename(path));
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  } catch (err) {
    throw new UserError(`${path}: cannot read the database (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return copy;
}
