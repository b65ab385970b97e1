/**
 * A stack's environment for its tool: the plain `env:` of dayops.yaml plus the `secrets:` it names, resolved
 * just before a run and given only to the tool's process. Secret values are never stored, shown or logged: the
 * runner passes every output line through a Redactor built from `secretValues`.
 *
 * Resolution: `fromEnv` reads dayops' own environment; `fromFile` reads a file (relative to the stack folder,
 * `~/` is the home folder) and drops trailing newlines (CR/LF; spaces are kept). A secret that is missing,
 * empty or unreadable stops the run with a one-line UserError naming the secret and where dayops looked, never
 * a value. A secret with the same name as a plain `env:` entry wins over it.
 *
 * Redaction (src/secrets/redactor.ts): every occurrence of every value, in every form tools print it in, becomes
 * `[REDACTED]`. Values shorter than MIN_SECRET_LENGTH (4) characters are NOT redacted: resolveStackEnv reports
 * such secrets in `warnings` so the runner can say so.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StackConfig } from '../config/stack-config.js';
import { UserError } from '../errors.js';
import { FileReadError, MAX_SECRET_BYTES, readTextFile } from '../config/safe-read.js';
import { MIN_SECRET_LENGTH } from '../secrets/redactor.js';

export interface ResolvedEnv {
  /** The stack's env plus its secrets, for the tool's process only. */
  env: Record<string, string>;
  /** Every secret value, for the Redactor. */
  secretValues: string[];
  /** Problems that do not stop a run ("secret PIN is shorter than 4 characters: it is not hidden in logs"). */
  warnings: string[];
}

function expandHome(path: string, from: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/')) {
    const home = from.HOME && from.HOME.startsWith('/') ? from.HOME : homedir();
    return join(home, path.slice(1));
  }
  return path;
}

function readSecretFile(name: string, shown: string, path: string): string {
  let text: string;
  try {
    // A regular file under the limit: a FIFO, a device or a huge file is refused at once, never waited on.
    text = readTextFile(path, { maxBytes: MAX_SECRET_BYTES });
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    const where = shown === path ? `file ${shown}` : `file ${shown} (${path})`;
    if (err.code === 'ENOENT') throw new UserError(`secret ${name}: ${where} does not exist`);
    throw new UserError(`secret ${name}: ${where} ${err.reason}`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new UserError(`secret ${name}: file ${shown} is empty`);
  return value;
}

/**
 * Resolve a stack's env and secrets. `from` is dayops' own environment (process.env). Throws UserError on the
 * first secret that cannot be resolved.
 */
export function resolveStackEnv(
  config: StackConfig,
  stackDir: string,
  from: NodeJS.ProcessEnv = process.env,
): ResolvedEnv {
  const env: Record<string, string> = { ...config.env };
  const secretValues: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const s of config.secrets) {
    if (seen.has(s.name)) throw new UserError(`secret ${s.name}: declared twice in secrets`);
    seen.add(s.name);
    let value: string;
    if (s.fromEnv) {
      const v = from[s.fromEnv];
      if (v === undefined) throw new UserError(`secret ${s.name}: environment variable ${s.fromEnv} is not set`);
      if (v === '') throw new UserError(`secret ${s.name}: environment variable ${s.fromEnv} is empty`);
      value = v;
    } else if (s.fromFile) {
      value = readSecretFile(s.name, s.fromFile, resolve(stackDir, expandHome(s.fromFile, from)));
    } else {
      // The schema requires exactly one source; a config built in code might not.
      throw new UserError(`secret ${s.name}: needs fromEnv or fromFile`);
    }
    if (value.length < MIN_SECRET_LENGTH) {
      warnings.push(`secret ${s.name} is shorter than ${MIN_SECRET_LENGTH} characters: it is not hidden in logs`);
    }
    env[s.name] = value;
    secretValues.push(value);
  }
  return { env, secretValues, warnings };
}

export { MIN_SECRET_LENGTH, REDACTED, Redactor } from '../secrets/redactor.js';
