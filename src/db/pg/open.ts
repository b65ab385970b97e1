/**
 * Opening a team database: connect, then check its schema against `migrations/postgres/NNN-*.sql`. Ordinary opening
 * never changes the schema (an operator's role may not); `dayops team init` applies what is missing, each file once,
 * in a transaction, under a lock so two inits never interleave. A schema newer than this dayops is refused.
 */
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { packageRoot, dataHome } from '../../paths.js';
import { loadMigrations, type Migration } from '../open.js';
import { PgDatabase } from './database.js';

/** Session-level advisory lock held by `team init` while it migrates ("dayops-init"). */
const INIT_LOCK_KEY = 0x64696e6974;

export function loadPgMigrations(dir = join(packageRoot(), 'migrations', 'postgres')): Migration[] {
  return loadMigrations(dir);
}

export interface TeamOpenOptions {
  readonly?: boolean;
  migrations?: Migration[];
  /** The folder under which this machine keeps what belongs to a team database (default: the data directory). */
  localDir?: string;
}

/** The schema version of a team database: 0 when dayops never initialised it. */
export function teamSchemaVersion(db: PgDatabase): number {
  const exists = db.prepare<[], { t: string | null }>("SELECT to_regclass('dayops_schema')::text AS t").get();
  if (!exists?.t) return 0;
  return db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM dayops_schema').get()?.v ?? 0;
}

function localDirFor(opts: TeamOpenOptions): string {
  return opts.localDir ?? join(dataHome(), 'dayops', 'team');
}

/** Connect and check the schema; refuse a database `team init` has not prepared (or a newer one). */
export function openTeamDatabase(url: string, opts: TeamOpenOptions = {}): PgDatabase {
  const db = new PgDatabase(url, { localDir: localDirFor(opts), readonly: opts.readonly });
  try {
    const migrations = opts.migrations ?? loadPgMigrations();
    const latest = migrations.at(-1)?.version ?? 0;
    const current = teamSchemaVersion(db);
    if (current > latest)
      throw new UserError(
        `${db.url}: this team database was written by a newer dayops (schema ${current}, this dayops knows ${latest}); upgrade dayops`,
      );
    if (current < latest)
      throw new UserError(
        current === 0
          ? `${db.url}: no dayops schema in this database yet; run \`dayops team init --db ${db.url}\` as a role that may create roles`
          : `${db.url}: the team schema is at ${current} and this dayops needs ${latest}; run \`dayops team init\` to upgrade it`,
      );
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface InitResult {
  from: number;
  to: number;
  applied: string[];
}

/** `dayops team init`: create or upgrade the schema and the group roles. Idempotent. */
export function initTeamDatabase(url: string, opts: TeamOpenOptions = {}): InitResult {
  const db = new PgDatabase(url, { localDir: localDirFor(opts) });
  try {
    const migrations = opts.migrations ?? loadPgMigrations();
    const latest = migrations.at(-1)?.version ?? 0;
    db.exec(`SELECT pg_advisory_lock(${INIT_LOCK_KEY})`);
    try {
      db.exec(
        `CREATE TABLE IF NOT EXISTS dayops_schema (
           version    INTEGER PRIMARY KEY,
           name       TEXT NOT NULL,
           applied_at BIGINT NOT NULL,
           applied_by TEXT NOT NULL DEFAULT session_user
         )`,
      );
      const from = teamSchemaVersion(db);
      if (from > latest)
        throw new UserError(
          `${db.url}: this team database was written by a newer dayops (schema ${from}, this dayops knows ${latest}); upgrade dayops`,
        );
      const applied: string[] = [];
      for (const m of migrations) {
        if (m.version <= from) continue;
        db.transaction(() => {
          db.exec(m.sql);
          db.prepare('INSERT INTO dayops_schema (version, name, applied_at) VALUES (?, ?, ?)').run(
            m.version,
            m.name,
            Date.now(),
          );
        })();
        applied.push(`${String(m.version).padStart(3, '0')}-${m.name}`);
      }
      return { from, to: latest, applied };
    } finally {
      db.exec(`SELECT pg_advisory_unlock(${INIT_LOCK_KEY})`);
    }
  } finally {
    db.close();
  }
}
