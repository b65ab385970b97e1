/**
 * Opening the database: create its folder and file (readable by the owner only), WAL mode, foreign keys, then
 * migrations. A database written by a newer dayops is refused, never altered.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../paths.js';

export type DB = Database.Database;

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
  readonly?: boolean;
  migrations?: Migration[];
}

export function openDatabase(path: string, opts: OpenOptions = {}): DB {
  if (path !== ':memory:') {
    ensureDir(dirname(path));
    if (!existsSync(path)) {
      // Create it with owner-only permissions before SQLite touches it.
      try {
        closeSync(openSync(path, 'wx', 0o600));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new UserError(`${path}: cannot create the database (${(err as NodeJS.ErrnoException).code})`);
        }
      }
    }
  }
  let db: DB;
  try {
    db = new Database(path, { fileMustExist: path !== ':memory:' });
  } catch (err) {
    throw new UserError(`${path}: cannot open the database (${(err as Error).message})`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Refuse a newer database before anything (even switching to WAL) writes to it.
    const migrations = opts.migrations ?? loadMigrations();
    const latest = migrations.at(-1)?.version ?? 0;
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new UserError(
        `${path}: this database was written by a newer dayops (schema ${current}, this dayops knows ${latest}); upgrade dayops, or use another database with --db`,
      );
    }
    // A new database gets 16 KiB pages: run logs are stored in chunks of tens of kilobytes, which 4 KiB pages
    // split into long overflow chains (about twice the write cost). An existing database keeps its page size.
    if (current === 0 && db.pragma('page_count', { simple: true }) === 0) db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    // Checkpoint every ~32 MiB of WAL instead of ~4 MiB: far fewer stalls while a run prints fast.
    db.pragma('wal_autocheckpoint = 2000');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, path);
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    const msg = (err as Error).message;
    if (/file is not a database|file is encrypted/i.test(msg))
      throw new UserError(`${path}: not a dayops database (${msg})`);
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
  return db;
}
