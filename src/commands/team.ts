/**
 * `dayops team init [--json]`: create or upgrade a team database (schema from migrations/postgres, the four group
 * roles), idempotent, safe to run from two places at once. `dayops team whoami [--json]`: who dayops takes you for,
 * with which role, on which engine.
 */
import { engineOf, isPostgresUrl, redactUrl } from '../db/engine.js';
import { PgError } from '../db/pg/database.js';
import { initTeamDatabase, openTeamDatabase, type InitResult } from '../db/pg/open.js';
import { UserError } from '../errors.js';
import { currentUser } from '../identity.js';
import { TEAM_ROLES, teamRole, roleName } from '../app/permissions.js';
import { type Command, line, parseFlags, writeJson } from './context.js';

/** The group roles in the order the README describes them. */
const ROLES_SHOWN = ['dayops_viewer', 'dayops_operator', 'dayops_admin', 'dayops_worker'];

function loginOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch {
    return '';
  }
}

export const teamInit: Command = {
  name: 'team init',
  usage: 'dayops team init [--json]',
  summary:
    'create or upgrade the team database (--db postgres://... or DAYOPS_DB): its schema and the roles dayops_viewer, dayops_operator, dayops_admin, dayops_worker; run it as a role that may create roles',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('team init', args, { json: { type: 'boolean' } });
    if (positionals.length > 0) throw new UserError(`dayops team init: unexpected argument "${positionals[0]}"`, 2);
    if (!isPostgresUrl(ctx.dbTarget))
      throw new UserError(
        'dayops team init: needs a team database: --db postgres://USER@HOST:PORT/DB (or DAYOPS_DB=postgres://...)',
        2,
      );
    if (ctx.readonly) throw new UserError('dayops team init: --readonly: initialising changes the database', 2);
    const url = redactUrl(ctx.dbTarget);
    // Never ctx.db(): it refuses a database team init has not prepared yet.
    let result: InitResult;
    try {
      result = initTeamDatabase(ctx.dbTarget);
    } catch (err) {
      if (err instanceof PgError && err.code === '42501') {
        const who = loginOf(ctx.dbTarget) || 'this role';
        throw new UserError(
          `dayops team init: ${who} may not create the schema or the roles (${err.message}) on ${url}; run it as the database's owner with CREATEROLE, or a superuser`,
        );
      }
      throw err;
    }
    const db = openTeamDatabase(ctx.dbTarget);
    let roles: string[];
    try {
      const present = new Set(
        db
          .prepare<[], { rolname: string }>(
            `SELECT rolname FROM pg_roles WHERE rolname IN (${TEAM_ROLES.map((r) => `'${r}'`).join(', ')})`,
          )
          .all()
          .map((r) => r.rolname),
      );
      roles = ROLES_SHOWN.filter((r) => present.has(r));
    } finally {
      db.close();
    }
    if (values.json) {
      writeJson(ctx, { from: result.from, to: result.to, applied: result.applied, roles });
      return 0;
    }
    line(
      ctx,
      result.applied.length === 0
        ? `${url}: schema ${result.to} is up to date (nothing to apply)`
        : `${url}: schema ${result.from} -> ${result.to}: applied ${result.applied.join(', ')}`,
    );
    line(ctx, `roles ${roles.join(', ')} ready`);
    line(
      ctx,
      "grant a role with plain SQL, e.g.: CREATE ROLE alice LOGIN PASSWORD '...'; GRANT dayops_operator TO alice;",
    );
    return 0;
  },
};

export const teamWhoami: Command = {
  name: 'team whoami',
  usage: 'dayops team whoami [--json]',
  summary: 'who dayops takes you for: the user it records, its role, the engine and database',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('team whoami', args, { json: { type: 'boolean' } });
    if (positionals.length > 0) throw new UserError(`dayops team whoami: unexpected argument "${positionals[0]}"`, 2);
    const db = ctx.db();
    const engine = engineOf(db);
    const doc = {
      user: currentUser(db),
      role: teamRole(db),
      engine,
      database: engine === 'postgres' ? redactUrl(ctx.dbTarget) : ctx.dbPath,
    };
    if (values.json) writeJson(ctx, doc);
    else
      line(
        ctx,
        engine === 'postgres'
          ? `${doc.user} (${roleName(doc.role)}) on ${doc.database}`
          : `${doc.user} (the owner of a personal SQLite database: every action) on ${doc.database}`,
      );
    return 0;
  },
};
