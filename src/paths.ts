import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPostgresUrl } from './db/engine.js';

/** `$XDG_DATA_HOME`, else `~/.local/share`. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/')
    ? env.XDG_DATA_HOME
    : join(homedir(), '.local', 'share');
}

/** `$XDG_DATA_HOME/dayops/dayops.db`, else `~/.local/share/dayops/dayops.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), 'dayops', 'dayops.db');
}

/**
 * `--db PATH` wins, then `DAYOPS_DB`, then the default under the user's data directory. A `postgres://` URL (team
 * mode) is kept as given.
 */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag || env.DAYOPS_DB;
  if (given && isPostgresUrl(given)) return given;
  if (given) return resolve(given);
  return defaultDbPath(env);
}

let root: string | undefined;
/** The installed package's folder (holds migrations/ and assets), whether running from dist/ or from source. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'migrations'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('dayops: cannot find its package folder (migrations/)');
    dir = up;
  }
  root = dir;
  return dir;
}
