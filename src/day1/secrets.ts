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
 * Redaction: every occurrence of every value becomes `[REDACTED]`, longest value first (so a secret that is a
 * prefix of another never leaves the rest of the longer one visible). Besides the value itself, the Redactor
 * hides the forms tools print it in:
 *   - JSON-escaped (`"` `\` and control characters escaped), the ASCII-only variant with `\uXXXX` escapes
 *     (Python's json.dumps, Ansible) and Go's HTML-safe variant (`<` as `\u003c`: Terraform, OpenTofu);
 *   - URL-encoded (connection strings: `postgres://app:p%40ss@db`);
 *   - base64 and base64url, also where the value sits inside a longer encoded text (Basic auth headers,
 *     user_data): for each of the three byte alignments the part of the encoding that depends on the value
 *     alone, kept only when it is at least 8 characters long (shorter fragments would hide random text);
 *   - each line of a multi-line value (a PEM key), since logs are stored a line at a time.
 * Values shorter than MIN_SECRET_LENGTH (4) characters are NOT redacted: hiding every "abc" would shred the
 * logs and hide nothing. resolveStackEnv reports such secrets in `warnings` so the runner can say so.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StackConfig } from '../config/stack-config.js';
import { UserError } from '../errors.js';

export interface ResolvedEnv {
  /** The stack's env plus its secrets, for the tool's process only. */
  env: Record<string, string>;
  /** Every secret value, for the Redactor. */
  secretValues: string[];
  /** Problems that do not stop a run ("secret PIN is shorter than 4 characters: it is not hidden in logs"). */
  warnings: string[];
}

/** Values shorter than this are not redacted (see the top of this file). */
export const MIN_SECRET_LENGTH = 4;
export const REDACTED = '[REDACTED]';

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
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = shown === path ? `file ${shown}` : `file ${shown} (${path})`;
    if (code === 'ENOENT') throw new UserError(`secret ${name}: ${where} does not exist`);
    if (code === 'EISDIR') throw new UserError(`secret ${name}: ${where} is a folder, not a file`);
    if (code === 'EACCES' || code === 'EPERM')
      throw new UserError(`secret ${name}: ${where} cannot be read (permission denied)`);
    throw new UserError(`secret ${name}: ${where} cannot be read (${code ?? 'error'})`);
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

// ---------------------------------------------------------------------------------------------------------------

/** The stable middle of base64(prefix + value) for each of the 3 alignments a value can have in a longer text. */
function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const buf = Buffer.concat([Buffer.alloc(pad), bytes]);
    const full = buf.toString('base64').replace(/=+$/, '');
    // Characters mixed with the bytes before the value: 0, 2 or 3.
    const head = pad === 0 ? 0 : pad === 1 ? 2 : 3;
    // The last character is mixed with the bytes after the value unless the value ends on a 3-byte boundary.
    const tail = buf.length % 3 === 0 ? 0 : 1;
    const middle = full.slice(head, full.length - tail);
    if (middle.length >= 8) {
      out.push(middle, middle.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  // The whole value encoded on its own, with its padding.
  const whole = bytes.toString('base64');
  if (whole.length >= 8) out.push(whole, whole.replace(/\+/g, '-').replace(/\//g, '_'));
  return out;
}

/** The forms a tool may print a secret in (see the top of this file). */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const json = JSON.stringify(value).slice(1, -1);
  forms.add(json);
  const uEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  forms.add(json.replace(/[\u007f-\uffff]/g, uEscape));
  // Go's encoding/json (Terraform, OpenTofu) also escapes <, > and & and the JS line separators.
  forms.add(json.replace(/[<>&\u2028\u2029]/g, uEscape));
  try {
    forms.add(encodeURIComponent(value));
  } catch {
    /* a lone surrogate: no URL form */
  }
  if (/[\r\n]/.test(value)) for (const line of value.split(/\r?\n/)) forms.add(line.replace(/\r$/, ''));
  for (const f of base64Fragments(value)) forms.add(f);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Replaces secret values in text with `[REDACTED]`. Built once per run; `redact` is called on every log line,
 * so it is one precompiled RegExp of escaped literals (longest first), and returns the line untouched without
 * running it when there is nothing to hide or the line is shorter than the shortest form.
 */
export class Redactor {
  readonly active: boolean;
  private readonly re: RegExp | undefined;
  private readonly shortest: number;
  /** With few forms, `includes` (Boyer-Moore in V8) rules a line out faster than the alternation can. */
  private readonly prefilter: readonly string[] | undefined;

  constructor(values: readonly string[]) {
    const forms = new Set<string>();
    for (const v of values) if (v.length >= MIN_SECRET_LENGTH) for (const f of secretForms(v)) forms.add(f);
    const sorted = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
    this.active = sorted.length > 0;
    this.shortest = sorted.length > 0 ? sorted[sorted.length - 1].length : Infinity;
    this.re = this.active ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
    this.prefilter = sorted.length <= 16 ? sorted : undefined;
  }

  redact(text: string): string {
    if (!this.re || text.length < this.shortest) return text;
    if (this.prefilter && !this.prefilter.some((f) => text.includes(f))) return text;
    return text.replace(this.re, REDACTED);
  }

  /** True when no secret (in any of its forms) is in `text`: its lines need no redaction. */
  absentFrom(text: string): boolean {
    if (!this.re || text.length < this.shortest) return true;
    if (this.prefilter) return !this.prefilter.some((f) => text.includes(f));
    this.re.lastIndex = 0;
    return !this.re.test(text);
  }
}
