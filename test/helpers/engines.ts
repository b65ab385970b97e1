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
import { SKIP_POSTGRES } from './postgres.js';
import { startTeamServer, type TeamServer } from './team-server.js';
import { tmpDir } from './tmp.js';

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

export interface EngineUnderTest {
  readonly engine: Engine;
  /** This test's fresh database (closed after the test). */
  readonly db: DB;
  /** Another connection to this test's database, closed after the test. */
  open(): DB;
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
