/**
 * The data-access interface both engines implement: the embedded SQLite file (better-sqlite3, the default) and a
 * shared PostgreSQL (team mode, src/db/pg/). It is better-sqlite3's synchronous API, the part of it dayops uses, so
 * every repository runs unchanged on either engine; their SQL is written in the dialect both understand (`?` and
 * `@name` parameters, `ON CONFLICT`, `RETURNING`, quoted camelCase aliases), and the few statements that cannot be
 * are chosen with `engineOf`.
 */

import type BetterSqlite3 from 'better-sqlite3';

export type RunResult = BetterSqlite3.RunResult;
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TxFunction = (...params: any[]) => unknown;
export type Transaction<F extends TxFunction> = BetterSqlite3.Transaction<F>;

export type Engine = 'sqlite' | 'postgres';

/** better-sqlite3's synchronous API, the part of it dayops uses. */
export interface DB extends Pick<
  BetterSqlite3.Database,
  'name' | 'open' | 'inTransaction' | 'readonly' | 'memory' | 'prepare' | 'transaction' | 'pragma'
> {
  exec(source: string): unknown;
  close(): unknown;
}

/** What PostgreSQL adds to the interface; present only on a team database. */
export interface TeamDB extends DB {
  readonly engine: 'postgres';
  /** The URL without its password, for messages. */
  readonly url: string;
  /** The database session user: who this dayops is in team mode (authenticated by PostgreSQL). */
  readonly sessionUser: string;
}

export function engineOf(db: DB): Engine {
  return (db as Partial<TeamDB>).engine === 'postgres' ? 'postgres' : 'sqlite';
}

export function isTeamDb(db: DB): db is TeamDB {
  return engineOf(db) === 'postgres';
}

/** `--db` or `DAYOPS_DB` names a PostgreSQL database (team mode) rather than a SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The same URL with any password replaced: what may be printed, logged or stored. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key) && key !== 'sslkey') u.searchParams.set(key, '***');
    }
    return u.toString().replace(/^(postgres(?:ql)?:\/\/[^:@/]*):@/i, '$1@');
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
  }
}

/** Every database URL in a text (a crash report, an error) with its password taken out. */
export function redactUrlsIn(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^\s:@/"']*):[^\s@/"']*@/gi, '$1@')
    .replace(/([?&](?:password|sslpassword)=)[^&\s"']*/gi, '$1***');
}

/**
 * A token that changes whenever anything was committed since the last call (by this process or another): pollers
 * compare it with the last one to know when to reload. It may also move for writes they do not show.
 */
export function dataVersion(db: DB): string {
  if (isTeamDb(db)) {
    const row = db
      .prepare<[], { v: string }>(
        // The insert position: the write position lags behind commits made with synchronous_commit = off.
        'SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END::text AS v',
      )
      .get();
    return row?.v ?? '';
  }
  return String(db.pragma('data_version', { simple: true }));
}

/**
 * The few SQL fragments the two engines spell differently; everything else in src/db is written once.
 */
export interface Dialect {
  /** A subquery of the integers in a JSON array bound as one `?` parameter: `id IN (${d.idsFromJson})`. */
  idsFromJson: string;
  /**
   * A number read from a JSON text column at `path` (`true`/`false` as 1/0), NULL when the column is not JSON
   * or holds no number there.
   */
  jsonNumber(expr: string, path: readonly string[]): string;
  /** SQLite's `INDEXED BY name` hint after a table in FROM/JOIN; PostgreSQL's planner takes no hints (empty). */
  indexedBy(index: string): string;
}

const SQLITE: Dialect = {
  idsFromJson: 'SELECT value FROM json_each(?)',
  jsonNumber: (expr, path) => `CASE WHEN json_valid(${expr}) THEN json_extract(${expr}, '$.${path.join('.')}') END`,
  indexedBy: (index) => `INDEXED BY ${index}`,
};

const POSTGRES: Dialect = {
  idsFromJson: 'SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT)',
  // dayops_json_number is created by migrations/postgres (003-compat.sql).
  jsonNumber: (expr, path) => `dayops_json_number(${expr}, '{${path.join(',')}}')`,
  indexedBy: () => '',
};

export function dialect(db: DB): Dialect {
  return isTeamDb(db) ? POSTGRES : SQLITE;
}
