/**
 * What the `dayops` executable does with an error nobody handled. Nothing reaches the terminal but one line:
 *
 * - a UserError is the user's to fix: its message, and its exit code (1, or 2 for usage);
 * - an error the system raised (a full disk, a read-only file system, a permission, a locked or damaged
 *   database) is the environment's, not a bug: one line saying what and where, exit 1;
 * - anything else is a bug: exit 70 (EX_SOFTWARE), one line asking to report it, and the stack trace written to
 *   a crash file under the user's data directory (`$XDG_DATA_HOME/dayops/crashes/`), named in that line.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioReason } from './config/safe-read.js';
import { UserError } from './errors.js';
import { redactUrlsIn } from './db/engine.js';

/** The exit code of a bug (sysexits.h EX_SOFTWARE). */
export const EXIT_BUG = 70;

/** `$XDG_DATA_HOME/dayops`, else `~/.local/share/dayops`: where dayops keeps what is the user's. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : undefined;
  return join(home ?? join(env.HOME && env.HOME.startsWith('/') ? env.HOME : homedir(), '.local', 'share'), 'dayops');
}

/** Controls and escapes out of a message before it reaches the terminal, and one line of it at most. */
function oneLine(text: string, max = 300): string {
  const first = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const plain = first.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

/** errno codes that describe the machine, not dayops: the user can act on them. */
const SYSTEM_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENAMETOOLONG',
  'ENOTDIR',
  'ELOOP',
  'ENOENT',
  'EISDIR',
  'ENXIO',
  'ENODEV',
  'EBUSY',
  'ETXTBSY',
  'ENOMEM',
]);

/** SQLite's result codes that describe the database file or the disk under it (better-sqlite3's `code`). */
const SQLITE_ENVIRONMENT =
  /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|CORRUPT|NOTADB|FULL|CANTOPEN|PERM|AUTH|PROTOCOL|NOLFS|ROW)/;

/** One line for an error the environment caused, or undefined when it is a bug. */
export function environmentProblem(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (!code) return undefined;
  if (SYSTEM_CODES.has(code)) {
    const where = e?.path ?? (e as { dest?: string } | undefined)?.dest;
    return `dayops: ${where ? `${where}: ` : ''}${ioReason(err)}${e?.syscall ? ` (${e.syscall})` : ''}`;
  }
  if (SQLITE_ENVIRONMENT.test(code)) return `dayops: the database: ${oneLine(e?.message ?? code)} (${code})`;
  return undefined;
}

export interface CrashOptions {
  env?: NodeJS.ProcessEnv;
  argv?: readonly string[];
  version?: string;
  now?: Date;
}

/**
 * Write a bug's full story to a crash file (created for the owner only) and return the one line to show. When no
 * file can be written, the line says so; the trace still never reaches the terminal.
 */
export function recordCrash(err: unknown, opts: CrashOptions = {}): { line: string; file?: string } {
  const now = opts.now ?? new Date();
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  // A team database's URL may hold a password: never in the file, never on screen.
  const body = redactUrlsIn(
    [
      `dayops ${opts.version ?? ''} crashed at ${now.toISOString()}`,
      `node ${process.version} on ${process.platform}-${process.arch}, pid ${process.pid}`,
      `arguments: ${JSON.stringify(opts.argv ?? [])}`,
      '',
      err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err),
      ...(err instanceof Error && err.cause !== undefined
        ? ['', `cause: ${String((err.cause as Error)?.stack ?? err.cause)}`]
        : []),
      '',
    ].join('\n'),
  );
  const what = oneLine(redactUrlsIn(err instanceof Error ? err.message || err.name : String(err))) || 'unknown error';
  const places = [join(dataDir(opts.env), 'crashes'), join(tmpdir(), `dayops-crashes-${process.getuid?.() ?? 0}`)];
  // Never under a kernel file system: a recursive mkdir under /proc may never return.
  for (const dir of places.filter((d) => !/^\/(proc|sys|dev)(\/|$)/.test(d))) {
    const file = join(dir, `crash-${stamp}-${process.pid}.txt`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, body);
      } finally {
        closeSync(fd);
      }
      return {
        line: `dayops: internal error: ${what}. This is a bug in dayops: please report it, with the file ${file} (its details)`,
        file,
      };
    } catch {
      // Try the next place.
    }
  }
  return {
    line: `dayops: internal error: ${what}. This is a bug in dayops: please report it (no crash file could be written)`,
  };
}

/**
 * A value quoted from the input (`--name "xxxx..."`) shortened to its start and end when it is long, so that a
 * 5,000-character argument does not become a 5,000-character error line.
 */
export function shortenQuoted(message: string, max = 120): string {
  return message.replace(/"([^"\n]{121,})"/g, (_m, v: string) =>
    v.length > max ? `"${v.slice(0, 80)}…${v.slice(-20)}" (${v.length} characters)` : `"${v}"`,
  );
}

/** The one line and the exit code for any error that reached the executable's top. */
export function describeFailure(err: unknown, opts: CrashOptions = {}): { line: string; code: number } {
  if (err instanceof UserError) return { line: shortenQuoted(err.message), code: err.exitCode };
  const env = environmentProblem(err);
  if (env) return { line: env, code: 1 };
  return { line: recordCrash(err, opts).line, code: EXIT_BUG };
}
