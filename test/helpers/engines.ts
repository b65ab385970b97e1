/**
 * One test file, both engines: `describeEngines(name, (engine) => { test(...) })` runs the same tests against the
 * embedded SQLite (a temporary file, as `openDatabase(path)` makes it) and a team database on a real PostgreSQL
 * (`openDatabase('postgres://...')`, the superuser's connection). Every test gets a fresh, migrated database of its
 * engine as `engine.db`; `engine.open()` opens another connection to the same database (a second dayops process).
 *
 * PostgreSQL: one server per test file (test/helpers/postgres.ts), the schema applied once by `initTeamDatabase`
 * to a template database, and each test's database copied from it (`CREATE DATABASE ... TEMPLATE`, milliseconds).
 * Outside CI a machine without PostgreSQL runs the SQLite half only (with a warning); in CI it fails.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import type { DB, Engine } from '../../src/db/engine.js';
import { openDatabase } from '../../src/db/open.js';
import { PgDatabase } from '../../src/db/pg/database.js';
import { initTeamDatabase } from '../../src/db/pg/open.js';
import { SKIP_POSTGRES, startPostgres, type PgServer } from './postgres.js';
import { tmpDir } from './tmp.js';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface EngineUnderTest {
  readonly engine: Engine;
  /** This test's fresh database (closed after the test). */
  readonly db: DB;
  /** Another connection to this test's database, closed after the test. */
  open(): DB;
}

const TEMPLATE = 'dayops_template';

/** The URL of database `name` on `server`, as its superuser. */
export function superuserUrlOf(server: PgServer, name: string): string {
  const u = new URL(server.superuserUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A PostgreSQL server with the team schema in a template database; `fresh()` makes a new database from it
 * (synchronously, through the engine's own connection) and returns its superuser URL.
 */
export interface TeamServer {
  server: PgServer;
  fresh(): string;
  stop(): Promise<void>;
}

export async function startTeamServer(localDir: string): Promise<TeamServer> {
  const server = await startPostgres();
  try {
    await server.createDatabase(TEMPLATE);
    initTeamDatabase(superuserUrlOf(server, TEMPLATE), { localDir });
    const admin = new PgDatabase(server.superuserUrl, { localDir });
    let n = 0;
    return {
      server,
      fresh() {
        const name = `dayops_t${++n}`;
        admin.exec(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
        return superuserUrlOf(server, name);
      },
      async stop() {
        admin.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** `describe` once per engine (`name [sqlite]`, `name [postgres]`), each test with a fresh database. */
export function describeEngines(name: string, body: (engine: EngineUnderTest) => void): void {
  for (const engine of ENGINES) {
    const skip = engine === 'postgres' && SKIP_POSTGRES;
    (skip ? describe.skip : describe)(`${name} [${engine}]`, () => {
      let team: TeamServer | undefined;
      let target = '';
      let current: DB | undefined;
      const opened: DB[] = [];

      if (engine === 'postgres') {
        beforeAll(async () => {
          team = await startTeamServer(join(tmpdir(), 'dayops-team'));
        }, 120_000);
        afterAll(async () => {
          await team?.stop();
        });
      }

      const openTarget = (): DB => {
        const db = openDatabase(target);
        opened.push(db);
        return db;
      };

      beforeEach(() => {
        if (engine === 'postgres') {
          if (!team) throw new Error('PostgreSQL did not start');
          target = team.fresh();
        } else {
          target = join(tmpDir(), 'dayops.db');
        }
        current = openTarget();
      });
      afterEach(() => {
        while (opened.length) {
          try {
            opened.pop()!.close();
          } catch {
            /* already closed */
          }
        }
        current = undefined;
      });

      body({
        engine,
        get db() {
          if (!current) throw new Error('engine.db is only there inside a test');
          return current;
        },
        open: openTarget,
      });
    });
  }
}
