import type { Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { DB } from '../db/open.js';
import { UserError } from '../errors.js';

/** What every command gets: where the database is, the output streams, and whether a person is there. */
export interface CommandContext {
  /** The SQLite file; in team mode the local path that stands for the team database (src/db/pg/database.ts). */
  dbPath: string;
  /**
   * What `--db`/`DAYOPS_DB` named: the SQLite file, or the team database's `postgres://` URL, which may hold a
   * password: never printed (print `redactUrl(dbTarget)`).
   */
  dbTarget: string;
  /** Opens (and migrates) the database on first use; the same handle afterwards. */
  db(): DB;
  stdout: Writable;
  stderr: Writable;
  /** stdin and stdout are both terminals. */
  isTTY: boolean;
  readonly: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** `stack list`, `backup run`: the words that select it. */
  name: string;
  usage: string;
  summary: string;
  run(args: string[], ctx: CommandContext): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with one-line errors a user can act on. */
export function parseFlags<O extends Options>(command: string, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    let msg = (err as Error).message.split('\n')[0].replace(/\. To specify a positional argument.*$/, '');
    // `--limit -3`: node calls a value that starts with '-' ambiguous; say what to write instead.
    const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec(msg);
    if (ambiguous) {
      msg = `${ambiguous[1]} needs a value; one that starts with '-' is written ${ambiguous[1]}=VALUE`;
    }
    throw new UserError(`dayops ${command}: ${msg}`, 2);
  }
}

export function writeJson(ctx: CommandContext, value: unknown): void {
  // JSON leaves C1 controls (0x80-0x9f) and DEL as they are: escaped here, the same document, safe on a terminal.
  const text = JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  ctx.stdout.write(`${text}\n`);
}

export function line(ctx: CommandContext, text = ''): void {
  ctx.stdout.write(`${text}\n`);
}
