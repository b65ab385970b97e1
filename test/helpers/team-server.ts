/**
 * A PostgreSQL server holding the team schema (test/helpers/engines.ts for the tests, bench/team.ts for the
 * benchmark; no vitest here): the schema applied once by `initTeamDatabase` to a template database, and each fresh
 * database copied from it (`CREATE DATABASE ... TEMPLATE`, milliseconds rather than a migration run).
 */
import { PgDatabase } from '../../src/db/pg/database.js';
import { initTeamDatabase } from '../../src/db/pg/open.js';
import { startPostgres, type PgServer } from './postgres.js';

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
  /** A new database with the schema (named `name`, or the next `dayops_tN`): its superuser URL. */
  fresh(name?: string): string;
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
      fresh(name = `dayops_t${++n}`) {
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
