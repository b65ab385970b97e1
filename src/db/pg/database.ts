/**
 * The PostgreSQL engine (team mode): the `DB` interface of src/db/engine.ts over one `pg` connection that lives in a
 * worker thread (./worker.ts); each call blocks until the thread answers, as better-sqlite3's calls block on the
 * file. So the repositories, the run engine and the views run unchanged on a shared database.
 *
 * - Parameters are translated once per statement text (./sql.ts).
 * - Transactions nest with savepoints as better-sqlite3's do. An `immediate` one takes a team-wide advisory lock
 *   first, so read-then-write sections are serialised across every dayops process as SQLite's write lock does.
 * - `name` is a local folder path standing for the database: what is kept on this machine for it (the plan files of
 *   the runs this process drives) lives beside it, as it does beside a SQLite file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSyncFn } from 'synckit';
import { UserError } from '../../errors.js';
import { dataHome, packageRoot } from '../../paths.js';
import type { RunResult, Statement, TeamDB, Transaction, TxFunction } from '../engine.js';
import { redactUrl } from '../engine.js';
import { bind, translate, type Translated } from './sql.js';
import type { Reply, Request } from './worker.js';

/** The lock key of `immediate` transactions (any constant; "dayops" in ASCII). */
export const WRITE_LOCK_KEY = 0x6461796f7073;

/** How long one call may wait for the server before it is an error (a lock held elsewhere, a server gone). */
const CALL_TIMEOUT_MS = 60_000;

let call: ((req: Request) => Reply) | undefined;
let nextConn = 1;

function workerPath(): string {
  const built = join(packageRoot(), 'dist', 'pg-worker.mjs');
  if (!existsSync(built)) throw new Error(`dayops: ${built} is missing; run \`npm run build\``);
  return built;
}

function caller(): (req: Request) => Reply {
  const fn = (call ??= createSyncFn<(req: Request) => Promise<Reply>>(workerPath(), { timeout: CALL_TIMEOUT_MS }));
  return (req) => {
    try {
      return fn(req);
    } catch (err) {
      // The thread did not answer in time: the server hangs, or a lock elsewhere is held that long.
      if (/Atomics\.wait\(\) failed: timed-out/.test((err as Error)?.message ?? ''))
        return {
          error: {
            message: `PostgreSQL did not answer within ${CALL_TIMEOUT_MS / 1000} s`,
            code: '08006',
          },
        };
      throw err;
    }
  };
}

/** An error the server (or the connection) gave, with its SQLSTATE code. */
export class PgError extends Error {
  readonly code?: string;
  readonly detail?: string;
  constructor(e: NonNullable<Reply['error']>) {
    super(e.message);
    this.name = 'PgError';
    this.code = e.code;
    this.detail = e.detail;
  }
}

class PgStatement<R> {
  private readonly t: Translated;
  private array = false;
  readonly reader: boolean;

  constructor(
    private readonly db: PgDatabase,
    readonly source: string,
  ) {
    this.t = translate(source);
    this.reader = /^\s*(select|with|values)\b/i.test(source) || /\breturning\b/i.test(source);
  }

  private exec(args: unknown[]): Reply {
    return this.db.query(this.t.text, bind(this.t, args), this.array);
  }

  run(...args: unknown[]): RunResult {
    const r = this.exec(args);
    const first = r.rows?.[0] as Record<string, unknown> | unknown[] | undefined;
    const id = Array.isArray(first) ? first[0] : first?.id;
    return { changes: r.rowCount ?? 0, lastInsertRowid: typeof id === 'number' ? id : 0 };
  }

  get(...args: unknown[]): R | undefined {
    return this.exec(args).rows?.[0] as R | undefined;
  }

  all(...args: unknown[]): R[] {
    return (this.exec(args).rows ?? []) as R[];
  }

  raw(toggle = true): this {
    this.array = toggle;
    return this;
  }

  columns(): { name: string }[] {
    // The columns of a statement without parameters, asked of the server without reading a row.
    const r = this.db.query(`SELECT * FROM (${this.t.text}) AS q LIMIT 0`, [], true);
    return (r.fields ?? []).map((name) => ({ name }));
  }
}

export interface PgOpenOptions {
  /** The folder that stands for this database on this machine (plan files of runs driven here). */
  localDir: string;
  readonly?: boolean;
}

export class PgDatabase implements TeamDB {
  readonly engine = 'postgres' as const;
  readonly memory = false;
  readonly url: string;
  readonly name: string;
  readonly readonly: boolean;
  sessionUser = '';
  private conn = 0;
  private depth = 0;
  private closed = false;

  constructor(connectionString: string, opts: PgOpenOptions) {
    this.url = redactUrl(connectionString);
    this.readonly = opts.readonly ?? false;
    this.name = teamLocalPath(connectionString, opts.localDir);
    const conn = nextConn++;
    const reply = caller()({
      conn,
      op: 'connect',
      connectionString,
      applicationName: `dayops ${hostname()} pid ${process.pid}`,
    });
    if (reply.error) throw connectionError(this.url, reply.error);
    this.conn = conn;
    this.sessionUser = String(
      (this.query('SELECT session_user AS u', [], false).rows?.[0] as { u: string } | undefined)?.u ?? '',
    );
    if (this.readonly) this.query('SET default_transaction_read_only = on', [], false);
  }

  get open(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /** One round trip; a server error is thrown as a PgError with its code. */
  query(text: string, values: unknown[], array: boolean): Reply {
    if (this.closed) throw new TypeError('The database connection is not open');
    const reply = caller()({ conn: this.conn, op: 'query', text, values, array });
    if (reply.error) throw new PgError(reply.error);
    if (reply.binary && reply.rows) asBuffers(reply, array);
    return reply;
  }

  prepare<P extends unknown[] | object = unknown[], R = unknown>(source: string): Statement<P, R> {
    if (this.closed) throw new TypeError('The database connection is not open');
    return new PgStatement<R>(this, source) as unknown as Statement<P, R>;
  }

  exec(source: string): this {
    if (this.closed) throw new TypeError('The database connection is not open');
    const reply = caller()({ conn: this.conn, op: 'exec', text: source });
    if (reply.error) throw new PgError(reply.error);
    return this;
  }

  pragma(source: string): unknown {
    throw new Error(`PRAGMA ${source}: a SQLite statement asked of PostgreSQL (a dayops bug)`);
  }

  transaction<F extends TxFunction>(fn: F): Transaction<F> {
    const wrap =
      (mode: 'deferred' | 'immediate' | 'exclusive') =>
      (...args: Parameters<F>): ReturnType<F> => {
        if (this.depth > 0) {
          const sp = `dayops_sp${this.depth}`;
          this.exec(`SAVEPOINT ${sp}`);
          this.depth++;
          try {
            const out = fn(...args) as ReturnType<F>;
            this.depth--;
            this.exec(`RELEASE SAVEPOINT ${sp}`);
            return out;
          } catch (err) {
            this.depth--;
            this.exec(`ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}`);
            throw err;
          }
        }
        this.exec(mode === 'deferred' ? 'BEGIN' : `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
        this.depth = 1;
        try {
          const out = fn(...args) as ReturnType<F>;
          this.depth = 0;
          this.exec('COMMIT');
          return out;
        } catch (err) {
          this.depth = 0;
          try {
            this.exec('ROLLBACK');
          } catch {
            /* the connection is gone: the server rolled it back */
          }
          throw err;
        }
      };
    const tx = wrap('deferred') as unknown as Transaction<F>;
    tx.deferred = tx;
    tx.immediate = wrap('immediate') as unknown as Transaction<F>;
    tx.exclusive = wrap('exclusive') as unknown as Transaction<F>;
    return tx;
  }

  close(): this {
    if (this.closed) return this;
    this.closed = true;
    caller()({ conn: this.conn, op: 'close' });
    return this;
  }
}

/** BYTEA values as better-sqlite3 gives BLOBs: Buffers (the thread hands over Uint8Arrays), without a copy. */
function asBuffers(reply: Reply, array: boolean): void {
  const names = array ? reply.binary! : reply.binary!.map((i) => reply.fields![i]);
  for (const row of reply.rows as Record<string | number, unknown>[]) {
    for (const k of names) {
      const v = row[k];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
}

/**
 * The local path that stands for a team database on this machine (what `name` is): run folders are made beside it.
 * Several team databases never share it; every login to one database on this machine does.
 */
export function teamLocalPath(connectionString: string, localDir = join(dataHome(), 'dayops', 'team')): string {
  const u = safeUrl(connectionString);
  const slug = [u?.hostname || 'local', u?.port || '5432', u?.pathname.replace(/^\//, '') || 'postgres']
    .join('-')
    .replace(/[^A-Za-z0-9._-]/g, '_');
  // The database, not the login: the operators of one machine share its run folders (a plan made by alice's dayops
  // is applied from the same folder whoever approves), as they share the database.
  const where = u ? `${u.hostname}:${u.port}${u.pathname}` : redactUrl(connectionString);
  const hash = createHash('sha256').update(where).digest('hex').slice(0, 8);
  return join(localDir, `${slug}-${hash}`);
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** The one-line error for a connection that could not be made (never with the password). */
export function connectionError(url: string, e: NonNullable<Reply['error']>): UserError {
  const code = e.code ?? '';
  const why =
    code === '28P01' || code === '28000'
      ? `authentication failed (${e.message}); check the user, PGPASSWORD or ~/.pgpass`
      : code === '3D000'
        ? `${e.message}; create it, then run \`dayops team init\``
        : code === 'ECONNREFUSED'
          ? 'connection refused: no PostgreSQL is listening there'
          : code === 'ENOTFOUND'
            ? 'unknown host'
            : e.message;
  return new UserError(`${url}: cannot connect to PostgreSQL: ${why}`);
}

/**
 * The one-line error for what PostgreSQL refused; undefined when it is not a database error. `who` says who was
 * refused ("alice is a dayops_viewer", src/app/permissions.ts `describeRole`): a privilege or row-level security
 * refusal (42501) that dayops did not foresee reads like the refusals it says itself.
 */
export function pgError(url: string, err: unknown, who?: string): UserError | undefined {
  if (err instanceof UserError) return err;
  if (!(err instanceof PgError)) return undefined;
  if (err.code === '42501')
    return new UserError(
      who
        ? `${who}: PostgreSQL refused it (${err.message}) on ${url}; an admin grants a dayops role (GRANT dayops_operator TO ...)`
        : `${url}: PostgreSQL refused it: ${err.message}; an admin grants a dayops role (GRANT dayops_operator TO ...)`,
    );
  if (err.code === '25006') return new UserError(`${url}: read-only session: ${err.message}`);
  if (err.code?.startsWith('08') || /terminat|closed|ECONN/i.test(err.message))
    return new UserError(`${url}: lost the connection to PostgreSQL (${err.message})`);
  return undefined;
}
