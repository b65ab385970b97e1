/**
 * dayops: arguments -> open the database -> a headless command, or the full-screen app.
 */
import { UserError } from './errors.js';
import { terminalStream } from './terminal/sanitize.js';
import { resolveDbPath } from './paths.js';
import { databaseError, dbWaitMs, openDatabase, type DB } from './db/open.js';
import { isPostgresUrl, isTeamDb, redactUrl } from './db/engine.js';
import { describeRole, loginWithoutRole } from './app/permissions.js';
import { pgError, teamLocalPath } from './db/pg/database.js';
import type { CommandContext } from './commands/context.js';
import { COMMANDS, findCommand } from './commands/index.js';
import { recoverRuns } from './day1/runner/recover.js';
// Day-2's hooks into the run engine (quiet applies, drift checks), for the app and every headless command.
import './day2/install.js';

export const VERSION = '0.1.0';

function usage(): string {
  return [
    'dayops: a terminal cockpit for Day-0 design, Day-1 deploys and Day-2 operations',
    '',
    'Usage:',
    '  dayops [--db PATH|URL] [--readonly]',
    '      open the app (needs a terminal)',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Global flags: --db PATH (or DAYOPS_DB) picks the database, default $XDG_DATA_HOME/dayops/dayops.db;',
    '  --db postgres://USER@HOST:PORT/DB puts dayops on a shared PostgreSQL (team mode, see `dayops team init`);',
    '  --readonly shows everything and starts proposed (plan-only) runs only.',
    'Run `dayops help` for this text, `dayops --version` for the version.',
  ].join('\n');
}

/** Pull the global flags (--db, --readonly) out of argv wherever they stand. */
function splitGlobals(argv: string[]): { db?: string; readonly: boolean; rest: string[] } {
  const rest: string[] = [];
  let db: string | undefined;
  let readonly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--db') {
      db = argv[++i];
      if (!db) throw new UserError('--db needs a path (or a postgres:// URL)', 2);
    } else if (a.startsWith('--db=')) db = a.slice(5);
    else if (a === '--readonly') readonly = true;
    else if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    } else rest.push(a);
  }
  return { db, readonly, rest };
}

/**
 * The app's modules, with React's production build (the development build renders several times slower; React
 * picks its build when first loaded). NODE_ENV is restored at once, so tools the app runs never inherit it.
 */
export async function importTui(): Promise<typeof import('./tui.js')> {
  const before = process.env.NODE_ENV;
  if (before === undefined) process.env.NODE_ENV = 'production';
  try {
    return await import('./tui.js');
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { db: dbFlag, readonly, rest } = splitGlobals(argv);
  if (rest[0] === '--version' || rest[0] === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (rest[0] === 'help' || rest[0] === '--help' || rest[0] === '-h') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  let handle: DB | undefined;
  const dbTarget = resolveDbPath(dbFlag, env);
  const team = isPostgresUrl(dbTarget);
  // In team mode what this machine keeps for the database (run folders) lives under a local path standing for it.
  const dbPath = team ? teamLocalPath(dbTarget) : dbTarget;
  // Waiting for another dayops's lock, or a database that cannot be written, is said on stderr (before the app's
  // screen opens); a database opened read-only makes this dayops read-only too.
  const open = (): DB => {
    const db = openDatabase(dbTarget, {
      waitMs: dbWaitMs(env),
      onWait: (m) => ctx.stderr.write(`dayops: ${m}\n`),
      onReadonly: (m) => ctx.stderr.write(`dayops: ${m}\n`),
    });
    if (db.readonly) ctx.readonly = true;
    return db;
  };
  const ctx: CommandContext = {
    dbPath,
    dbTarget,
    db: () => (handle ??= open()),
    // Every line a command prints goes through the one sanitiser: text from outside never drives the terminal.
    stdout: terminalStream(process.stdout, env),
    stderr: terminalStream(process.stderr, env),
    isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    readonly,
    env,
    cwd: process.cwd(),
  };
  try {
    if (rest.length === 0) {
      const { runTui } = await importTui();
      return await runTui(ctx);
    }
    const found = findCommand(rest);
    if (!found) {
      throw new UserError(`dayops: unknown command "${rest.join(' ')}"; run \`dayops help\` for the commands`, 2);
    }
    // Every command sees runs as they are: those a crashed dayops left mid-flight are marked interrupted first,
    // and said so on stderr (the app does the same at start-up, and says so on screen).
    ctx.db = () => {
      if (!handle) {
        handle = open();
        if (handle.readonly) return handle;
        for (const r of recoverRuns(handle, { dbPath })) {
          ctx.stderr.write(`dayops: run ${r.id} (${r.stackName}) was ${r.error}; marked FAILED\n`);
        }
      }
      return handle;
    };
    return await found.command.run(found.rest, ctx);
  } catch (err) {
    // What SQLite says about the file (locked, damaged, read-only, full) is one line naming it, never a trace.
    // What PostgreSQL refused (a role's missing grant, a lost connection) is one line too, never with a password.
    if (team)
      throw (
        pgError(
          redactUrl(dbTarget),
          err,
          handle && isTeamDb(handle) ? describeRole(handle) : loginWithoutRole(dbTarget, env),
        ) ?? err
      );
    throw databaseError(dbPath, err) ?? err;
  } finally {
    handle?.close();
  }
}
