/**
 * A real PostgreSQL server for tests (team mode): `initdb` into a temporary folder (password authentication,
 * scram-sha-256, for every connection; superuser `postgres` with a random password), then `pg_ctl start` on
 * 127.0.0.1 with a free port and the Unix socket in that folder. The newest /usr/lib/postgresql/<version>/bin is
 * used (Debian's layout), else initdb on PATH. initdb and postgres refuse to run as root: as root they run as the
 * `postgres` OS user (`runuser -u postgres --`), the folder given to it.
 *
 * `stop()` stops it and removes the folder; a server still running when the process exits is stopped then (the
 * server is not a child of the test process: pg_ctl starts it in the background).
 *
 * In CI (`CI` set) a missing PostgreSQL fails the tests that need it; elsewhere they skip with a message.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chownSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort, IN_CI } from './alertmanager.js';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of initdb, pg_ctl and postgres: the newest /usr/lib/postgresql/<version>/bin, else initdb's on PATH. */
export function findPostgresBin(): string | undefined {
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    /* not Debian's layout */
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = `/usr/lib/postgresql/${v}/bin`;
    if (executable(join(bin, 'initdb')) && executable(join(bin, 'pg_ctl'))) return bin;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

export const POSTGRES_BIN = findPostgresBin();
/** Skip PostgreSQL tests only outside CI; in CI a missing PostgreSQL must fail them. */
export const SKIP_POSTGRES = !POSTGRES_BIN && !IN_CI;
if (SKIP_POSTGRES) console.warn('PostgreSQL (initdb, pg_ctl) not found: skipping tests against a real PostgreSQL');

export interface PgServer {
  host: string;
  port: number;
  /** The folder holding the server's Unix socket. */
  socketDir: string;
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/postgres` */
  superuserUrl: string;
  /** A connection URL for `user` (database `postgres` unless given). */
  url(user: string, password: string, db?: string): string;
  /** CREATE DATABASE, owned by the superuser. */
  createDatabase(name: string): Promise<void>;
  /** A login role with a password, member of `groups` (which must exist). */
  createLoginRole(name: string, password: string, groups?: readonly string[]): Promise<void>;
  /** One statement (or, without params, several) as the superuser, in database `db` (default `postgres`). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
    db?: string,
  ): Promise<pg.QueryResult<R>>;
  /** A script (several statements) as the superuser in one transaction: all of it, or nothing. */
  exec(sql: string, db?: string): Promise<void>;
  /** Stop the server (fast shutdown) and remove its folder. */
  stop(): Promise<void>;
}

const running = new Set<() => void>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const stop of running) stop();
  });
}

/** `id -u postgres` / `id -g postgres`: the OS user that runs PostgreSQL when the tests run as root. */
function postgresOsUser(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'running as root, PostgreSQL needs the `postgres` OS user (initdb refuses root): apt-get install postgresql',
    );
  }
}

function run(cmd: string, args: string[], asPostgres: boolean, timeoutMs: number): Promise<string> {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout + stderr);
    });
  });
}

/** Start a fresh PostgreSQL; resolves once it accepts the superuser's password connection. */
export async function startPostgres(): Promise<PgServer> {
  const bin = POSTGRES_BIN;
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql); CI needs it');
  const asPostgres = process.getuid?.() === 0;
  const owner = asPostgres ? postgresOsUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dayops-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const pgCtl = join(bin, 'pg_ctl');
  const stopSync = () => {
    try {
      const args = ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30'];
      if (asPostgres) execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { stdio: 'ignore' });
      else execFileSync(pgCtl, args, { stdio: 'ignore' });
    } catch {
      /* not running */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stopSync);
  hookExit();
  // The server is not our child: when this process dies without its exit handlers (a test worker killed at the
  // end of a run, a crash), a watchdog stops the server and removes the folder.
  const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const stopCmd = [
    ...(asPostgres ? ['runuser', '-u', 'postgres', '--'] : []),
    pgCtl,
    'stop',
    '-D',
    data,
    '-m',
    'immediate',
  ]
    .map(q)
    .join(' ');
  const watchdog = spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${stopCmd} >/dev/null 2>&1; rm -rf ${q(dir)}`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  const stopWatchdog = () => {
    try {
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  running.add(stopWatchdog);
  let port = 0;
  try {
    await run(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        'postgres',
        `--pwfile=${pwfile}`,
        '-A',
        'scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      asPostgres,
      120_000,
    );
    rmSync(pwfile, { force: true });
    // A port picked free can be taken before the server binds it: try a few.
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        // A throwaway server: durability off, for speed.
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        await run(pgCtl, ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', options], asPostgres, 90_000);
        break;
      } catch (err) {
        let text = '';
        try {
          text = readFileSync(log, 'utf8');
        } catch {
          /* no log */
        }
        if (attempt >= 3 || !/address already in use|could not bind/i.test(text)) {
          throw new Error(`${(err as Error).message}\n${text.slice(-800)}`, { cause: err });
        }
      }
    }
  } catch (err) {
    running.delete(stopSync);
    running.delete(stopWatchdog);
    stopWatchdog();
    stopSync();
    throw err;
  }

  const host = '127.0.0.1';
  const url = (user: string, pw: string, db = 'postgres') =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@${host}:${port}/${encodeURIComponent(db)}`;
  const pools = new Map<string, pg.Pool>();
  const pool = (db: string) => {
    let p = pools.get(db);
    if (!p) {
      p = new pg.Pool({ connectionString: url('postgres', password, db), max: 2 });
      // An idle client the server drops (stop) is not an unhandled error.
      p.on('error', () => undefined);
      pools.set(db, p);
    }
    return p;
  };
  const query: PgServer['query'] = (sql, params, db = 'postgres') => pool(db).query(sql, params);
  const ident = (name: string) => pg.escapeIdentifier(name);

  // pg_ctl -w saw the server ready; make sure a password connection works before handing it out.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await query('SELECT 1');
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        running.delete(stopSync);
        running.delete(stopWatchdog);
        stopWatchdog();
        stopSync();
        throw new Error(`PostgreSQL on ${host}:${port} does not accept connections: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    host,
    port,
    socketDir: dir,
    superuserUrl: url('postgres', password),
    url,
    async createDatabase(name) {
      await query(`CREATE DATABASE ${ident(name)}`);
    },
    async createLoginRole(name, pw, groups = []) {
      const inRole = groups.length ? ` IN ROLE ${groups.map(ident).join(', ')}` : '';
      await query(`CREATE ROLE ${ident(name)} LOGIN PASSWORD ${pg.escapeLiteral(pw)}${inRole}`);
    },
    query,
    async exec(sql, db = 'postgres') {
      const client = await pool(db).connect();
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async stop() {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
      pools.clear();
      if (!running.delete(stopSync)) return;
      running.delete(stopWatchdog);
      stopWatchdog();
      try {
        await run(pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], asPostgres, 90_000);
      } catch {
        /* already down */
      }
      stopSync();
    },
  };
}
