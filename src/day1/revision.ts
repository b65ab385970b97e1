/**
 * The revision a run ran: what a promotion or a rollback can name and reproduce.
 *
 * - A stack folder inside a git checkout: the checkout's HEAD commit, and `dirty` when the folder's working tree
 *   differs from it (a changed, staged, deleted or untracked file in the stack folder; files git ignores do not
 *   count). A dirty run is not a clean revision: nothing can be promoted or rolled back to it.
 * - Any other folder: `sha256:<hex>`, a content hash of the folder's files (their relative paths, executable bits,
 *   contents, and the targets of symbolic links), in path order.
 *
 * Neither counts what the tool or dayops write while operating the stack, nor dayops' per-environment settings:
 * `.git/`, `.terraform/`, Terraform state (`*.tfstate`, `*.tfstate.backup`, `.terraform.tfstate.lock.info`,
 * `terraform.tfstate.d/`), `.dayops/`, dayops' temporary files (`*.dayops-tmp`), the database and its run folders
 * when they lie in the folder, a backup repository in the folder (`backups.repository`), and (content hash only)
 * `dayops.yaml`, which names the environment and so always differs between two environments of one design.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { STACK_CONFIG_FILE } from '../config/stack-config.js';

export type RevisionKind = 'git' | 'content';

export interface Revision {
  kind: RevisionKind;
  /** The commit (40 hex digits) or `sha256:<hex>`. */
  revision: string;
  /** git only: the stack folder's working tree differs from the commit. */
  dirty: boolean;
  /** git only: the checkout's top folder. */
  toplevel?: string;
  /** git only: the changed paths that made it dirty (relative to the stack folder; at most 20). */
  changed?: string[];
}

export interface RevisionOptions {
  /** Absolute paths that are dayops' own (the database, its `.runs` folder, a backup repository). */
  exclude?: string[];
}

/** Names (of a file or folder, at any depth) that never count. */
const EXCLUDED_DIRS = new Set(['.git', '.terraform', '.dayops', 'terraform.tfstate.d']);

function excludedName(name: string, isDir: boolean): boolean {
  if (isDir) return EXCLUDED_DIRS.has(name);
  return (
    name.endsWith('.tfstate') ||
    name.endsWith('.tfstate.backup') ||
    name === '.terraform.tfstate.lock.info' ||
    name.endsWith('.dayops-tmp') ||
    name === '.git'
  );
}

/** The absolute paths dayops writes for a database file: the file, its journals, its run folders. */
export function databaseExcludes(dbPath: string | undefined): string[] {
  if (!dbPath || dbPath === ':memory:') return [];
  const p = resolve(dbPath);
  return [p, `${p}-wal`, `${p}-shm`, `${p}-journal`, `${p}.runs`];
}

/** Is the path (relative to the stack folder, `/`-separated) one that does not count? */
function excludedPath(dir: string, rel: string, isDir: boolean, exclude: string[]): boolean {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    if (excludedName(parts[i], i < parts.length - 1 || isDir)) return true;
  }
  const abs = resolve(dir, rel);
  return exclude.some((e) => abs === e || abs.startsWith(`${e}${sep}`));
}

function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'git',
      args,
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        // No prompt, no pager, no user config that changes the output.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The folder's git checkout top, or undefined when it is not in one (or git is missing). */
export async function gitToplevel(dir: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--show-toplevel']);
  return r.code === 0 ? r.stdout.trim() || undefined : undefined;
}

async function gitRevision(dir: string, toplevel: string, exclude: string[]): Promise<Revision | undefined> {
  const head = await git(dir, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  // A repository with no commit yet has no revision to name: the folder's content is the revision.
  if (head.code !== 0) return undefined;
  const status = await git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.']);
  if (status.code !== 0) throw new Error(`git status failed in ${dir}: ${status.stderr.trim().split('\n')[0]}`);
  const changed: string[] = [];
  for (const entry of status.stdout.split('\0')) {
    if (entry.length < 4) continue;
    // Paths are relative to the top of the checkout.
    const rel = relative(dir, join(toplevel, entry.slice(3)))
      .split(sep)
      .join('/');
    if (excludedPath(dir, rel, false, exclude)) continue;
    changed.push(rel);
  }
  return {
    kind: 'git',
    revision: head.stdout.trim(),
    dirty: changed.length > 0,
    toplevel,
    ...(changed.length ? { changed: changed.slice(0, 20) } : {}),
  };
}

/** The content hash of a folder's files (see the module comment for what does not count). */
export function contentHash(dir: string, opts: RevisionOptions = {}): string {
  const exclude = (opts.exclude ?? []).map((e) => resolve(e));
  const root = realpathSync(dir);
  const hash = createHash('sha256');
  const walk = (relDir: string): void => {
    const names = readdirSync(join(root, relDir)).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      let st: Stats;
      try {
        st = lstatSync(join(root, rel));
      } catch {
        continue; // removed while reading
      }
      if (!relDir && name === STACK_CONFIG_FILE) continue;
      if (excludedPath(root, rel, st.isDirectory(), exclude)) continue;
      if (st.isDirectory()) {
        walk(rel);
      } else if (st.isSymbolicLink()) {
        hash.update(`L\0${rel}\0${readlinkSync(join(root, rel))}\0`);
      } else if (st.isFile()) {
        const content = readFileSync(join(root, rel));
        hash.update(`F\0${rel}\0${st.mode & 0o111 ? 'x' : '-'}\0${content.length}\0`);
        hash.update(content);
      }
    }
  };
  walk('');
  return `sha256:${hash.digest('hex')}`;
}

/** The revision of a stack folder now. Throws (one line) when git fails on a checkout or the folder cannot be read. */
export async function stackRevision(dir: string, opts: RevisionOptions = {}): Promise<Revision> {
  const exclude = (opts.exclude ?? []).map((e) => (isAbsolute(e) ? e : resolve(dir, e)));
  const top = await gitToplevel(dir);
  if (top) {
    const rev = await gitRevision(dir, top, exclude);
    if (rev) return rev;
  }
  return { kind: 'content', revision: contentHash(dir, { exclude }), dirty: false };
}

/** `abc1234` for a commit, `sha256:abc1234` for a content hash; `+dirty` when it was not clean. */
export function shortRevision(rev: { revision: string | null; dirty?: boolean } | null | undefined): string {
  if (!rev?.revision) return '-';
  const r = rev.revision;
  const short = r.startsWith('sha256:') ? `sha256:${r.slice(7, 19)}` : r.slice(0, 12);
  return rev.dirty ? `${short}+dirty` : short;
}

/** Is this commit in the checkout's object store? */
export async function hasCommit(dir: string, commit: string): Promise<boolean> {
  return (await git(dir, ['cat-file', '-e', `${commit}^{commit}`])).code === 0;
}

/** How many commits `from` lacks of `to` (`git rev-list --count from..to`); undefined when git cannot say. */
export async function commitsBehind(dir: string, from: string, to: string): Promise<number | undefined> {
  if (from === to) return 0;
  const r = await git(dir, ['rev-list', '--count', `${from}..${to}`]);
  if (r.code !== 0) return undefined;
  const n = Number(r.stdout.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}
