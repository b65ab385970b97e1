/**
 * A wrapper around the `restic` executable (checked against restic 0.14.0, the Debian 12 package, and the JSON
 * documented for 0.17+). Real child processes, never a shell; every machine-readable answer is validated with
 * zod (unknown fields ignored, both the 0.14 and newer shapes accepted), and every failure is a one-line
 * ResticError saying which of a few things went wrong.
 *
 * Facts of restic 0.14 this relies on (recorded on this machine, see test/fixtures/restic/):
 * - Every failure exits 1 (0.17+ adds 10 = no repository, 11 = lock failed, 12 = wrong password; 3 = `backup`
 *   could not read some files, the snapshot exists but is incomplete). So the kind is read from stderr:
 *   `Fatal: wrong password or no key found`, `Is there a repository at the following location?`,
 *   `repository is already locked ...`.
 * - `init`, `check`, `restore` and `unlock` print plain text even with `--json`; `forget --prune --json` prints the
 *   JSON array on its FIRST stdout line only, then prune's text; `ls --json BADID` exits 0 with nothing on stdout.
 * - `backup --json` prints `status` lines (about 60 a second while data flows) and a final `summary`.
 * - A restic killed during an exclusive operation (`check`, `prune`) leaves a stale lock: `restic unlock` removes
 *   locks whose process is gone (same host) or that are older than 30 minutes, and never a live one. This wrapper
 *   runs it once when a lock blocks a command, then retries the command once.
 * - A truncated or missing pack makes `restore` retry its reads for about 45 s before it gives up; `check` finds
 *   it at once by size. A pack overwritten in place (same size) passes a plain `check`, and is found by
 *   `restore` (the authenticated encryption refuses it: "ciphertext verification failed") or `check --read-data`.
 *
 * The password reaches restic only through its environment (RESTIC_PASSWORD_FILE when it is a file, else
 * RESTIC_PASSWORD); dayops never stores or prints it: a password dayops holds (from an environment variable) is
 * masked (src/secrets/redactor.ts) in every text of restic's that becomes part of an error, a problem or an
 * event, before it is cut. What restic printed is read as it is (its JSON, its fixed phrases such as "wrong
 * password", which a weak password could be part of). stdin is closed so restic never prompts.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { Redactor } from '../secrets/redactor.js';

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type ResticErrorKind =
  | 'not-installed'
  | 'wrong-password'
  | 'no-password'
  | 'repository-missing'
  | 'locked'
  | 'interrupted'
  | 'malformed'
  | 'failed';

export class ResticError extends UserError {
  constructor(
    message: string,
    readonly kind: ResticErrorKind,
    /** restic's exit code, when it ran. */
    readonly code: number | null = null,
  ) {
    super(message, 1);
    this.name = 'ResticError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Schemas (zod objects drop unknown keys, so newer fields are ignored)

const count = z.number().nonnegative();

/** `backup --json` progress. Every field but message_type may be missing (0 values are omitted). */
export const backupStatusSchema = z.object({
  message_type: z.literal('status'),
  seconds_elapsed: count.optional(),
  seconds_remaining: count.optional(),
  // Above 1 when files grew while restic read them (bytes_done > total_bytes): shown as 100%, never refused.
  percent_done: z.number().nonnegative().default(0),
  total_files: count.optional(),
  files_done: count.optional(),
  total_bytes: count.optional(),
  bytes_done: count.optional(),
  error_count: count.optional(),
  current_files: z.array(z.string()).nullish(),
});

export const backupSummarySchema = z.object({
  message_type: z.literal('summary'),
  dry_run: z.boolean().optional(),
  files_new: count.default(0),
  files_changed: count.default(0),
  files_unmodified: count.default(0),
  dirs_new: count.default(0),
  dirs_changed: count.default(0),
  dirs_unmodified: count.default(0),
  data_blobs: z.number().default(0),
  tree_blobs: z.number().default(0),
  data_added: count.default(0),
  data_added_packed: count.optional(),
  total_files_processed: count.default(0),
  total_bytes_processed: count.default(0),
  total_duration: count.default(0),
  backup_start: z.string().optional(),
  backup_end: z.string().optional(),
  /** Short (0.14) or full (newer) id; omitted when no snapshot was written (dry run). */
  snapshot_id: z
    .string()
    .regex(/^[0-9a-f]{8,64}$/)
    .optional(),
});

/** A per-file error of `backup`/`restore` (stderr). `error` is `{message}`, or `{}` in 0.14 for some errors. */
export const itemErrorSchema = z.object({
  message_type: z.literal('error'),
  error: z.union([z.object({ message: z.string().optional() }).loose(), z.string()]).optional(),
  message: z.string().optional(),
  during: z.string().optional(),
  item: z.string().optional(),
});

/** restic >= 0.17: the last stderr line of a failed command. */
export const exitErrorSchema = z.object({
  message_type: z.literal('exit_error'),
  code: z.number().int(),
  message: z.string(),
});

export type BackupStatusLine = z.infer<typeof backupStatusSchema>;
export type BackupSummary = z.infer<typeof backupSummarySchema>;

const snapshotSummarySchema = z.object({
  backup_start: z.string().optional(),
  backup_end: z.string().optional(),
  files_new: count.optional(),
  files_changed: count.optional(),
  files_unmodified: count.optional(),
  dirs_new: count.optional(),
  dirs_changed: count.optional(),
  dirs_unmodified: count.optional(),
  data_blobs: z.number().optional(),
  tree_blobs: z.number().optional(),
  data_added: count.optional(),
  data_added_packed: count.optional(),
  total_files_processed: count.optional(),
  total_bytes_processed: count.optional(),
});

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time');

export const resticSnapshotSchema = z.object({
  time: isoTime,
  parent: z.string().optional(),
  tree: z.string(),
  paths: z.array(z.string()).nullish(),
  hostname: z.string().default(''),
  username: z.string().default(''),
  uid: z.number().optional(),
  gid: z.number().optional(),
  excludes: z.array(z.string()).nullish(),
  tags: z.array(z.string()).nullish(),
  program_version: z.string().optional(),
  summary: snapshotSummarySchema.optional(),
  id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-hex snapshot id'),
  short_id: z.string().optional(),
});
export type ResticSnapshotJson = z.infer<typeof resticSnapshotSchema>;

/** A snapshot as dayops uses it. */
export interface Snapshot {
  id: string;
  shortId: string;
  /** Epoch ms of the backup's start. */
  time: number;
  hostname: string;
  username: string;
  paths: string[];
  tags: string[];
  parent: string | null;
  tree: string;
  /** restic >= 0.17 writes the version and the backup's statistics into the snapshot. */
  programVersion: string | null;
  summary: z.infer<typeof snapshotSummarySchema> | null;
}

export function toSnapshot(s: ResticSnapshotJson): Snapshot {
  return {
    id: s.id,
    shortId: s.short_id || s.id.slice(0, 8),
    time: Date.parse(s.time),
    hostname: s.hostname,
    username: s.username,
    paths: s.paths ?? [],
    tags: s.tags ?? [],
    parent: s.parent ?? null,
    tree: s.tree,
    programVersion: s.program_version ?? null,
    summary: s.summary ?? null,
  };
}

export const lsNodeSchema = z.object({
  name: z.string(),
  type: z.string(),
  path: z.string(),
  size: count.optional(),
  mode: z.number().optional(),
  mtime: isoTime.optional(),
  link_target: z.string().optional(),
});
export type LsNode = z.infer<typeof lsNodeSchema>;

const forgetGroupSchema = z.object({
  tags: z.array(z.string()).nullish(),
  host: z.string().nullish(),
  paths: z.array(z.string()).nullish(),
  keep: z.array(resticSnapshotSchema).nullish(),
  remove: z.array(resticSnapshotSchema).nullish(),
});

// ---------------------------------------------------------------------------------------------------------------
// Parsers (pure: the wrapper uses them on live output, tests on recorded output)

function jsonLine(line: string): unknown {
  const t = line.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function describeZod(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}` : 'invalid';
}

export type BackupMessage =
  | { type: 'status'; status: BackupStatusLine }
  | { type: 'summary'; summary: BackupSummary }
  | { type: 'error'; item: string | null; message: string }
  | { type: 'exit_error'; code: number; message: string }
  | { type: 'other' };

/** One line of `backup --json` (stdout or stderr). Non-JSON lines and unknown message types are `other`. */
export function parseBackupLine(line: string): BackupMessage {
  const v = jsonLine(line) as { message_type?: unknown } | undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { type: 'other' };
  switch (v.message_type) {
    case 'status': {
      const r = backupStatusSchema.safeParse(v);
      if (!r.success)
        throw new ResticError(`restic backup: unexpected status line (${describeZod(r.error)})`, 'malformed');
      return { type: 'status', status: r.data };
    }
    case 'summary': {
      const r = backupSummarySchema.safeParse(v);
      if (!r.success) throw new ResticError(`restic backup: unexpected summary (${describeZod(r.error)})`, 'malformed');
      return { type: 'summary', summary: r.data };
    }
    case 'error': {
      const r = itemErrorSchema.safeParse(v);
      if (!r.success) return { type: 'other' };
      const e = r.data.error;
      const message = (typeof e === 'string' ? e : e?.message) || r.data.message || 'unknown error';
      return {
        type: 'error',
        item: r.data.item ?? null,
        message: r.data.during ? `${message} (during ${r.data.during})` : message,
      };
    }
    case 'exit_error': {
      const r = exitErrorSchema.safeParse(v);
      return r.success ? { type: 'exit_error', code: r.data.code, message: r.data.message } : { type: 'other' };
    }
    default:
      return { type: 'other' };
  }
}

/** A whole recorded `backup --json` stdout: its status lines and summary. */
export function parseBackupOutput(text: string): {
  statuses: BackupStatusLine[];
  summary: BackupSummary | null;
  errors: string[];
} {
  const statuses: BackupStatusLine[] = [];
  const errors: string[] = [];
  let summary: BackupSummary | null = null;
  for (const line of text.split('\n')) {
    const m = parseBackupLine(line);
    if (m.type === 'status') statuses.push(m.status);
    else if (m.type === 'summary') summary = m.summary;
    else if (m.type === 'error') errors.push(m.item ? `${m.item}: ${m.message}` : m.message);
  }
  return { statuses, summary, errors };
}

/** `snapshots --json`: one JSON array (compact in 0.14, possibly pretty-printed). Sorted oldest first. */
export function parseSnapshots(text: string): Snapshot[] {
  let v: unknown;
  try {
    v = JSON.parse(text.trim() || '[]');
  } catch {
    throw new ResticError('restic snapshots: the answer is not JSON', 'malformed');
  }
  const r = z.array(resticSnapshotSchema).safeParse(v);
  if (!r.success) throw new ResticError(`restic snapshots: unexpected answer (${describeZod(r.error)})`, 'malformed');
  return r.data.map(toSnapshot).sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
}

/** `ls --json ID`: the snapshot line, then one line per node (`struct_type`, or `message_type` in 0.17+). */
export function parseLs(text: string): { snapshot: Snapshot | null; nodes: LsNode[] } {
  let snapshot: Snapshot | null = null;
  const nodes: LsNode[] = [];
  for (const line of text.split('\n')) {
    const v = jsonLine(line) as { struct_type?: unknown; message_type?: unknown } | undefined;
    if (!v || typeof v !== 'object') continue;
    const kind = v.message_type ?? v.struct_type;
    if (kind === 'snapshot') {
      const r = resticSnapshotSchema.safeParse(v);
      if (!r.success)
        throw new ResticError(`restic ls: unexpected snapshot line (${describeZod(r.error)})`, 'malformed');
      snapshot = toSnapshot(r.data);
    } else if (kind === 'node') {
      const r = lsNodeSchema.safeParse(v);
      if (!r.success) throw new ResticError(`restic ls: unexpected node line (${describeZod(r.error)})`, 'malformed');
      nodes.push(r.data);
    }
  }
  return { snapshot, nodes };
}

export interface ForgetResult {
  kept: Snapshot[];
  removed: Snapshot[];
  /** prune's text report (what was repacked and deleted), as printed. */
  pruneOutput: string;
}

/** `forget --json [--prune]` stdout: the JSON array on its first line, prune's text after it. */
export function parseForget(stdout: string): ForgetResult {
  const lines = stdout.split('\n');
  const idx = lines.findIndex((l) => l.trim().startsWith('['));
  if (idx < 0) return { kept: [], removed: [], pruneOutput: stdout.trim() };
  let v: unknown;
  try {
    v = JSON.parse(lines[idx]);
  } catch {
    throw new ResticError('restic forget: the first line is not a JSON array', 'malformed');
  }
  const r = z.array(forgetGroupSchema).safeParse(v);
  if (!r.success) throw new ResticError(`restic forget: unexpected answer (${describeZod(r.error)})`, 'malformed');
  const kept = r.data.flatMap((g) => (g.keep ?? []).map(toSnapshot));
  const removed = r.data.flatMap((g) => (g.remove ?? []).map(toSnapshot));
  return {
    kept,
    removed,
    pruneOutput: lines
      .slice(idx + 1)
      .join('\n')
      .trim(),
  };
}

export interface CheckResult {
  ok: boolean;
  /** The problems restic named (one per line), empty when ok. */
  errors: string[];
  /** `[0:00] 100.00%  3 / 3 snapshots` -> 3, when printed. */
  snapshots: number | null;
  output: string;
}

const CHECK_NOISE =
  /^(using temporary cache|create exclusive lock|load indexes|check all packs|check snapshots, trees and blobs|read all data|read .*data packs|no errors were found|\[\d+:\d+\]|Fatal: repository contains errors|$)/;

/** `check` output (text in every version; JSON lines with `num_errors` in 0.17+ when --json is given). */
export function parseCheck(code: number, stdout: string, stderr: string): CheckResult {
  const output = `${stdout}\n${stderr}`.trim();
  const errors: string[] = [];
  let numErrors: number | null = null;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const v = jsonLine(line) as { message_type?: string; num_errors?: number; message?: string } | undefined;
    if (v && v.message_type === 'summary' && typeof v.num_errors === 'number') numErrors = v.num_errors;
    else if (v && v.message_type === 'error' && v.message) errors.push(v.message);
    else if (!v && !CHECK_NOISE.test(line)) errors.push(line);
  }
  const m = /\]\s+[\d.]+%\s+(\d+)\s*\/\s*\d+\s+snapshots/.exec(output) ?? /\]\s+(\d+) snapshots/.exec(output);
  // The exit code is authoritative (restic's docs); 0.17+ JSON also counts the errors.
  const ok = code === 0 && (numErrors ?? 0) === 0;
  // Lines that read like problems first, in case a newer restic prints progress text this list does not know.
  const problem = (l: string) =>
    /error|not match|unexpected|does not exist|missing|damaged|invalid|broken|fail/i.test(l);
  const ranked = [...errors.filter(problem), ...errors.filter((l) => !problem(l))];
  return {
    ok,
    errors: ok ? [] : ranked.length ? ranked : [`restic check exited ${code}`],
    snapshots: m ? Number(m[1]) : null,
    output,
  };
}

export interface RestoreResult {
  ok: boolean;
  /** `ignoring error for /path: message` lines and the Fatal line. */
  errors: string[];
  /** `finished verifying N files` (with --verify). */
  verifiedFiles: number | null;
  output: string;
}

export function parseRestore(code: number, stdout: string, stderr: string): RestoreResult {
  const output = `${stdout}\n${stderr}`.trim();
  const errors: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const v = jsonLine(line);
    if (v) {
      const m = parseBackupLine(line);
      if (m.type === 'error') errors.push(m.item ? `${m.item}: ${m.message}` : m.message);
      continue;
    }
    if (/retrying after/.test(line)) continue;
    if (/^ignoring error for /.test(line) || /^Fatal: /.test(line)) errors.push(line);
  }
  const m = /finished verifying (\d+) files/.exec(output);
  return {
    ok: code === 0,
    errors: code === 0 ? [] : errors.length ? errors : [`restic restore exited ${code}`],
    verifiedFiles: m ? Number(m[1]) : null,
    output,
  };
}

/** The most telling line of a failed command's stderr, for a one-line message. */
export function fatalLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const l of lines) {
    const v = jsonLine(l) as { message_type?: string; message?: string } | undefined;
    if (v?.message_type === 'exit_error' && v.message) return v.message.split('\n')[0];
  }
  const fatal = lines.find((l) => l.startsWith('Fatal: '));
  if (fatal) return fatal.slice(7);
  const lock = lines.find((l) => /already locked/.test(l));
  if (lock) return lock;
  return lines.filter((l) => !/retrying after/.test(l)).pop() ?? '';
}

/**
 * Decide what a failed restic command means, from its exit code and stderr; what the message quotes of restic's
 * text goes through `redact` first.
 */
export function classifyFailure(
  code: number | null,
  stderr: string,
  repository: string,
  command: string,
  redact: (text: string) => string = (t) => t,
): ResticError {
  const detail = redact(fatalLine(stderr));
  if (code === 12 || /wrong password or no key found/.test(stderr)) {
    return new ResticError(
      `wrong password for the restic repository ${repository} (restic: wrong password or no key found)`,
      'wrong-password',
      code,
    );
  }
  if (
    code === 10 ||
    /Is there a repository at the following location\?/.test(stderr) ||
    /repository does not exist/.test(stderr)
  ) {
    return new ResticError(`there is no restic repository at ${repository}`, 'repository-missing', code);
  }
  if (code === 11 || /repository is already locked/.test(stderr)) {
    const by = /already locked (?:exclusively )?by (.+)$/m.exec(stderr)?.[1]?.trim();
    const who = by && redact(by);
    return new ResticError(
      `the restic repository ${repository} is locked${who ? ` by ${who}` : ''}; another restic is still working on it (a stale lock would have been removed)`,
      'locked',
      code,
    );
  }
  if (/an empty password is not a password/.test(stderr)) {
    return new ResticError(`the restic password for ${repository} is empty`, 'no-password', code);
  }
  if (code === 130) return new ResticError(`restic ${command} was interrupted`, 'interrupted', code);
  return new ResticError(
    `restic ${command} failed (exit ${code ?? 'signal'})${detail ? `: ${detail}` : ''}`,
    'failed',
    code,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Where the repository and the password are

const URL_SCHEMES = ['sftp', 's3', 'rest', 'b2', 'azure', 'gs', 'rclone', 'swift'];

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~') return env.HOME || homedir();
  if (p.startsWith('~/')) return resolve(env.HOME || homedir(), p.slice(2));
  return p;
}

/** A repository location as restic takes it: URLs unchanged, local paths absolute (relative to `baseDir`). */
export function resolveRepository(repository: string, baseDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const scheme = /^([a-z0-9]+):/.exec(repository)?.[1];
  if (scheme && URL_SCHEMES.includes(scheme)) return repository;
  const local = scheme === 'local' ? repository.slice('local:'.length) : repository;
  const p = expandHome(local, env);
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

export type PasswordSource =
  | { kind: 'env'; from: string; value: string }
  | { kind: 'file'; from: string; path: string }
  | { kind: 'command'; from: string; command: string };

export interface PasswordConfig {
  passwordEnv?: string;
  passwordFile?: string;
}

/**
 * Find the repository password: the variable or file dayops.yaml names (`backups.passwordEnv`,
 * `backups.passwordFile`), else RESTIC_PASSWORD, RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND from dayops'
 * environment. Throws a one-line ResticError (kind `no-password`) naming where it looked. Never reads the file:
 * restic does, through RESTIC_PASSWORD_FILE.
 */
export function resolvePassword(
  cfg: PasswordConfig,
  baseDir: string,
  env: NodeJS.ProcessEnv,
  label: string,
): PasswordSource {
  const fileSource = (raw: string, from: string): PasswordSource => {
    const path = resolve(baseDir, expandHome(raw, env));
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile())
        throw new ResticError(`${label}: no restic password: ${from} ${path} is not a file`, 'no-password');
      size = st.size;
    } catch (err) {
      if (err instanceof ResticError) throw err;
      throw new ResticError(`${label}: no restic password: ${from} ${path} does not exist`, 'no-password');
    }
    if (size === 0) throw new ResticError(`${label}: no restic password: ${from} ${path} is empty`, 'no-password');
    return { kind: 'file', from, path };
  };
  if (cfg.passwordEnv) {
    const value = env[cfg.passwordEnv];
    if (!value) {
      throw new ResticError(
        `${label}: no restic password: backups.passwordEnv names $${cfg.passwordEnv}, which is not set`,
        'no-password',
      );
    }
    return { kind: 'env', from: `$${cfg.passwordEnv}`, value };
  }
  if (cfg.passwordFile) return fileSource(cfg.passwordFile, 'backups.passwordFile');
  if (env.RESTIC_PASSWORD) return { kind: 'env', from: '$RESTIC_PASSWORD', value: env.RESTIC_PASSWORD };
  if (env.RESTIC_PASSWORD_FILE) return fileSource(env.RESTIC_PASSWORD_FILE, '$RESTIC_PASSWORD_FILE');
  if (env.RESTIC_PASSWORD_COMMAND)
    return { kind: 'command', from: '$RESTIC_PASSWORD_COMMAND', command: env.RESTIC_PASSWORD_COMMAND };
  throw new ResticError(
    `${label}: no restic password: set backups.passwordEnv or backups.passwordFile in dayops.yaml, or RESTIC_PASSWORD or RESTIC_PASSWORD_FILE in the environment`,
    'no-password',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The wrapper

/** Variables restic would read on its own: removed from the child's environment, then set from our choice. */
const RESTIC_OWN_VARS = [
  'RESTIC_PASSWORD',
  'RESTIC_PASSWORD_FILE',
  'RESTIC_PASSWORD_COMMAND',
  'RESTIC_REPOSITORY',
  'RESTIC_REPOSITORY_FILE',
];

export interface ResticOptions {
  /** As restic takes it (see resolveRepository). */
  repository: string;
  password: PasswordSource;
  /** Default: $DAYOPS_RESTIC, else `restic` on PATH. */
  binary?: string;
  /** The environment restic starts from (default process.env); restic's own password/repository variables are replaced. */
  env?: NodeJS.ProcessEnv;
  /** Where restic runs (default: the current folder). */
  cwd?: string;
  /** Told about things worth knowing that are not errors ("removed a stale lock"). */
  onNotice?: (message: string) => void;
}

export interface RunOptions {
  cwd?: string;
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BackupProgress {
  percentDone: number;
  filesDone: number;
  totalFiles: number | null;
  bytesDone: number;
  totalBytes: number | null;
  secondsElapsed: number | null;
  secondsRemaining: number | null;
  currentFiles: string[];
}

/** The progress a finished backup reports: everything done, from the summary's own counts. */
export function finishedProgress(s: BackupSummary): BackupProgress {
  return {
    percentDone: 1,
    filesDone: s.total_files_processed,
    totalFiles: s.total_files_processed,
    bytesDone: s.total_bytes_processed,
    totalBytes: s.total_bytes_processed,
    secondsElapsed: s.total_duration,
    secondsRemaining: 0,
    currentFiles: [],
  };
}

export function toProgress(s: BackupStatusLine): BackupProgress {
  return {
    percentDone: Math.min(1, s.percent_done),
    filesDone: s.files_done ?? 0,
    totalFiles: s.total_files ?? null,
    bytesDone: s.bytes_done ?? 0,
    totalBytes: s.total_bytes ?? null,
    secondsElapsed: s.seconds_elapsed ?? null,
    secondsRemaining: s.seconds_remaining ?? null,
    currentFiles: s.current_files ?? [],
  };
}

export interface BackupOptions {
  tags?: string[];
  host?: string;
  /** The snapshot's time (default: now). */
  time?: Date;
  /** Where relative paths are read from (default: the wrapper's cwd). */
  cwd?: string;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
}

export interface BackupResult {
  summary: BackupSummary;
  /** Files restic could not read (exit 3: the snapshot exists but misses them). */
  errors: string[];
  incomplete: boolean;
}

export interface Retention {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

/** `--keep-*` flags for a retention policy; empty when the policy keeps nothing explicit. */
export function retentionArgs(r: Retention): string[] {
  const out: string[] = [];
  for (const k of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
    const n = r[k];
    if (n !== undefined && n > 0) out.push(`--keep-${k}`, String(n));
  }
  return out;
}

/** `2012-11-01 22:08:41` in local time, as `backup --time` reads it. */
function resticTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export class Restic {
  readonly repository: string;
  readonly binary: string;
  private readonly password: PasswordSource;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly cwd: string | undefined;
  private readonly onNotice: (message: string) => void;
  /** The password masked in a text of restic's (see the top of this file). */
  private readonly redact: (text: string) => string;

  constructor(opts: ResticOptions) {
    this.repository = opts.repository;
    this.password = opts.password;
    const redactor = new Redactor(opts.password.kind === 'env' ? [opts.password.value] : []);
    this.redact = (text) => redactor.redact(text);
    this.baseEnv = opts.env ?? process.env;
    this.binary = opts.binary ?? (this.baseEnv.DAYOPS_RESTIC || 'restic');
    this.cwd = opts.cwd;
    this.onNotice = opts.onNotice ?? (() => {});
  }

  private childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.baseEnv };
    for (const k of RESTIC_OWN_VARS) delete env[k];
    if (this.password.kind === 'env') {
      // The variable dayops.yaml names is not restic's business.
      if (this.password.from !== '$RESTIC_PASSWORD') delete env[this.password.from.slice(1)];
      env.RESTIC_PASSWORD = this.password.value;
    } else if (this.password.kind === 'file') env.RESTIC_PASSWORD_FILE = this.password.path;
    else env.RESTIC_PASSWORD_COMMAND = this.password.command;
    return env;
  }

  /** Run `restic -r REPO ARGS...` once. Rejects only when restic cannot start or was interrupted. */
  run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = ['-r', this.repository, ...args];
    const command = args[0] ?? '';
    return new Promise<RunResult>((resolveRun, reject) => {
      if (opts.signal?.aborted) {
        reject(new ResticError(`restic ${command} was cancelled`, 'interrupted'));
        return;
      }
      const child = spawn(this.binary, argv, {
        cwd: opts.cwd ?? this.cwd,
        env: this.childEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: string[] = [];
      let err = '';
      const MAX_STDERR = 256 * 1024;
      let aborted = false;
      const onAbort = () => {
        aborted = true;
        // SIGINT lets restic remove its lock before it exits.
        child.kill('SIGINT');
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const outLines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      outLines.on('line', (l) => {
        out.push(l);
        opts.onStdoutLine?.(l);
      });
      const errLines = createInterface({ input: child.stderr, crlfDelay: Infinity });
      errLines.on('line', (l) => {
        err += `${l}\n`;
        if (err.length > MAX_STDERR) err = err.slice(err.length - MAX_STDERR);
        opts.onStderrLine?.(l);
      });
      let settled = false;
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (e.code === 'ENOENT' || e.code === 'EACCES') {
          const where =
            this.binary === 'restic' ? '"restic" was not found on PATH' : `${this.binary} cannot be run (${e.code})`;
          reject(
            new ResticError(
              `restic is not installed: ${where}; install restic or set DAYOPS_RESTIC to its path`,
              'not-installed',
            ),
          );
        } else reject(new ResticError(`cannot start restic: ${e.message}`, 'failed'));
      });
      // `close` comes after both streams ended, so every line has been seen.
      child.on('close', (code) => {
        if (settled) return;
        settled = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (aborted) {
          reject(new ResticError(`restic ${command} was cancelled`, 'interrupted', code));
          return;
        }
        resolveRun({ code, stdout: out.join('\n'), stderr: err });
      });
    });
  }

  /**
   * Run a command that needs the repository lock. When a lock blocks it, `restic unlock` removes stale locks
   * (a restic that died, or a lock older than 30 minutes; never a live one) and the command is tried once more.
   */
  private async runLocked(args: string[], opts: RunOptions = {}, okCodes: number[] = [0]): Promise<RunResult> {
    let r = await this.run(args, opts);
    if (r.code !== null && okCodes.includes(r.code)) return r;
    if (classifyFailure(r.code, r.stderr, this.repository, args[0], this.redact).kind === 'locked') {
      const u = await this.run(['unlock'], { signal: opts.signal });
      if (u.code === 0)
        this.onNotice(`ran \`restic unlock\` on ${this.repository}: a lock blocked \`restic ${args[0]}\``);
      r = await this.run(args, opts);
    }
    return r;
  }

  private fail(r: RunResult, command: string): never {
    throw classifyFailure(r.code, r.stderr, this.repository, command, this.redact);
  }

  /** `restic version`: e.g. "0.14.0". */
  async version(): Promise<string> {
    const r = await this.run(['version']);
    if (r.code !== 0) this.fail(r, 'version');
    const m = /restic ([\d.]+\S*)/.exec(r.stdout);
    return m ? m[1] : r.stdout.trim();
  }

  /**
   * Whether the repository exists (`restic cat config`). Throws on a wrong password or any other failure, so
   * `false` means exactly "nothing there yet".
   */
  async exists(signal?: AbortSignal): Promise<boolean> {
    const r = await this.run(['cat', 'config'], { signal });
    if (r.code === 0) return true;
    const e = classifyFailure(r.code, r.stderr, this.repository, 'cat config', this.redact);
    if (e.kind === 'repository-missing') return false;
    throw e;
  }

  /** `restic init`; returns the new repository's short id. */
  async init(signal?: AbortSignal): Promise<string> {
    const r = await this.run(['init'], { signal });
    if (r.code !== 0) this.fail(r, 'init');
    // 0.14: "created restic repository 6a98bcb11d at ..."; 0.17 --json: {"message_type":"initialized","id":...}
    return /created restic repository ([0-9a-f]+)/.exec(r.stdout)?.[1] ?? '';
  }

  /** Create the repository unless it exists. */
  async ensure(signal?: AbortSignal): Promise<{ created: boolean; id?: string }> {
    if (await this.exists(signal)) return { created: false };
    return { created: true, id: await this.init(signal) };
  }

  /** `restic backup --json PATHS`, reporting progress as it goes. Exit 3 (unreadable files) still has a snapshot. */
  async backup(paths: string[], opts: BackupOptions = {}): Promise<BackupResult> {
    if (paths.length === 0) throw new ResticError('restic backup: nothing to back up', 'failed');
    const args = ['backup', '--json'];
    for (const t of opts.tags ?? []) args.push('--tag', t);
    if (opts.host) args.push('--host', opts.host);
    if (opts.time) args.push('--time', resticTime(opts.time));
    args.push('--', ...paths);
    let summary: BackupSummary | null = null;
    const errors: string[] = [];
    let parseError: ResticError | null = null;
    const onLine = (line: string) => {
      try {
        const m = parseBackupLine(line);
        if (m.type === 'status') opts.onProgress?.(toProgress(m.status));
        else if (m.type === 'summary') {
          summary = m.summary;
          // restic's last status line is sent on its own clock and may say 93%: the summary is the finish.
          opts.onProgress?.(finishedProgress(m.summary));
        } else if (m.type === 'error') errors.push(this.redact(m.item ? `${m.item}: ${m.message}` : m.message));
      } catch (e) {
        parseError ??= e as ResticError;
      }
    };
    const r = await this.runLocked(
      args,
      { cwd: opts.cwd, signal: opts.signal, onStdoutLine: onLine, onStderrLine: onLine },
      [0, 3],
    );
    if (r.code !== 0 && r.code !== 3) this.fail(r, 'backup');
    if (parseError) throw parseError;
    if (!summary) throw new ResticError('restic backup: finished without a summary line', 'malformed', r.code);
    const s = summary as BackupSummary;
    if (!s.snapshot_id) throw new ResticError('restic backup: the summary names no snapshot', 'malformed', r.code);
    if (r.code === 3 && errors.length === 0) {
      errors.push(
        ...r.stderr
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !jsonLine(l))
          .map(this.redact),
      );
    }
    return { summary: s, errors, incomplete: r.code === 3 };
  }

  /** `restic snapshots --json`, filtered by tags (all must match) and host. Oldest first. */
  async snapshots(opts: { tags?: string[]; host?: string; signal?: AbortSignal } = {}): Promise<Snapshot[]> {
    const args = ['snapshots', '--json'];
    if (opts.tags?.length) args.push('--tag', opts.tags.join(','));
    if (opts.host) args.push('--host', opts.host);
    const r = await this.runLocked(args, { signal: opts.signal });
    if (r.code !== 0) this.fail(r, 'snapshots');
    return parseSnapshots(r.stdout);
  }

  /** `restic ls --json ID`: the snapshot and every node in it (files, dirs, symlinks), with sizes. */
  async ls(snapshotId: string, signal?: AbortSignal): Promise<{ snapshot: Snapshot; nodes: LsNode[] }> {
    const r = await this.runLocked(['ls', '--json', snapshotId], { signal });
    if (r.code !== 0) this.fail(r, 'ls');
    const parsed = parseLs(r.stdout);
    if (!parsed.snapshot) {
      throw new ResticError(
        `restic ls: no snapshot ${snapshotId} in ${this.repository}${r.stderr.trim() ? ` (${this.redact(fatalLine(r.stderr))})` : ''}`,
        'failed',
        r.code,
      );
    }
    return { snapshot: parsed.snapshot, nodes: parsed.nodes };
  }

  /** `restic check [--read-data-subset S]`. Resolves with ok false when the repository has errors; throws when check cannot run. */
  async check(opts: { readDataSubset?: string; signal?: AbortSignal } = {}): Promise<CheckResult> {
    const args = ['check'];
    if (opts.readDataSubset) args.push('--read-data-subset', opts.readDataSubset);
    const r = await this.runLocked(args, { signal: opts.signal });
    if (r.code !== 0) {
      const e = classifyFailure(r.code, r.stderr, this.repository, 'check', this.redact);
      if (e.kind !== 'failed') throw e;
    }
    const res = parseCheck(r.code ?? -1, r.stdout, r.stderr);
    return { ...res, errors: res.errors.map(this.redact) };
  }

  /** `restic restore ID --target DIR [--verify]`. Resolves with ok false when files could not be restored. */
  async restore(
    snapshotId: string,
    target: string,
    opts: { verify?: boolean; signal?: AbortSignal } = {},
  ): Promise<RestoreResult> {
    const args = ['restore', snapshotId, '--target', target];
    if (opts.verify) args.push('--verify');
    const r = await this.runLocked(args, { signal: opts.signal });
    if (r.code !== 0) {
      const e = classifyFailure(r.code, r.stderr, this.repository, 'restore', this.redact);
      if (e.kind !== 'failed') throw e;
    }
    const res = parseRestore(r.code ?? -1, r.stdout, r.stderr);
    return { ...res, errors: res.errors.map(this.redact) };
  }

  /**
   * `restic forget --json --prune` with the retention's `--keep-*` flags, over the snapshots carrying all
   * `tags`, as one group (`--group-by ''`), so that changing paths do not split a stack's history.
   */
  async forget(
    retention: Retention,
    opts: { tags?: string[]; prune?: boolean; signal?: AbortSignal } = {},
  ): Promise<ForgetResult> {
    const keep = retentionArgs(retention);
    if (keep.length === 0)
      throw new ResticError(
        'restic forget: the retention policy keeps nothing explicitly; refusing to forget',
        'failed',
      );
    const args = ['forget', '--json', '--group-by', ''];
    if (opts.tags?.length) args.push('--tag', opts.tags.join(','));
    args.push(...keep);
    if (opts.prune !== false) args.push('--prune');
    const r = await this.runLocked(args, { signal: opts.signal });
    if (r.code !== 0) this.fail(r, 'forget');
    return parseForget(r.stdout);
  }

  /** `restic unlock`: removes stale locks only. */
  async unlock(signal?: AbortSignal): Promise<void> {
    const r = await this.run(['unlock'], { signal });
    if (r.code !== 0) this.fail(r, 'unlock');
  }
}
