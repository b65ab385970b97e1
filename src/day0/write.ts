/**
 * Writing generated files without losing a team's edits, and without being tricked into writing elsewhere.
 *
 * `.dayops/generated.json` in the output folder records the sha256 of every file as dayops last wrote it. A file
 * that exists and differs both from that record and from the new content was edited by someone (or was never
 * dayops'): it is refused, and when any file is refused nothing at all is written, so the caller can ask (the TUI)
 * or name the files (headless) and run again with `force`.
 *
 * Nothing is written through a symbolic link below the output folder (the folder itself may be one: the user
 * named it): every folder and file under it is checked with lstat, files are opened with O_NOFOLLOW, and a link
 * is refused with one line naming it. Every new file is first written in full to a temporary file in its own
 * folder (O_EXCL, fsync), the manifests included; only when all of them are on disk are they renamed over their
 * targets, so a full disk or a read-only folder leaves nothing half-written: the temporary files and any folder
 * made for them are removed, and the error is one line. Files are read with the shared safe reader
 * (src/config/safe-read.ts). Before the first file is replaced, the manifest records
 * both the old and the new hash of every file about to change, so a crash halfway through the renames leaves files
 * that a re-run still recognises as dayops' own; the final manifest keeps only the new hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { ioReason, kindOf, readRegularFile } from '../config/safe-read.js';
import { UserError } from '../errors.js';
import type { GeneratedFile } from './generate/index.js';

export const MANIFEST = '.dayops/generated.json';

export interface WriteResult {
  /** Files created or replaced. */
  written: string[];
  /** Files already holding exactly the generated content. */
  unchanged: string[];
  /** Files that were edited since dayops wrote them (or that dayops never wrote); nothing was written. */
  refused: string[];
}

interface Manifest {
  version: 1;
  /** Relative path -> sha256 of the content dayops wrote. */
  files: Record<string, string>;
  /** During a write: relative path -> the hash the file had before (also dayops' own). */
  pending?: Record<string, string>;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${path}: cannot be used (${ioReason(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The output folder

/** Kernel file systems: nothing a design writes belongs there (and Node's mkdir may never return under /proc). */
const KERNEL_ROOTS = ['/proc', '/sys', '/dev'];

/** The deepest existing folder at or above `dir`, resolved through links (the user may name a link). */
function existingAncestor(dir: string): string {
  let d = dir;
  for (;;) {
    try {
      return realpathSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`${d}: cannot be used (${ioReason(err)})`);
    }
    const up = dirname(d);
    if (up === d) return d;
    d = up;
  }
}

/** Why the output folder cannot hold a design, or undefined: checked before anything is read or written. */
export function outputFolderProblem(outDir: string): string | undefined {
  const dir = resolve(outDir);
  let real: string;
  try {
    real = existingAncestor(dir);
  } catch (err) {
    return (err as Error).message;
  }
  const root = KERNEL_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  if (root) return `${dir}: is under ${root}, a kernel file system; choose a folder on disk`;
  try {
    // The output folder itself may be a link to a folder: the user named it.
    const st = statSync(dir);
    if (!st.isDirectory()) return `${dir}: is ${kindOf(st)}, not a folder`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return `${dir}: cannot be used (${ioReason(err)})`;
  }
  return undefined;
}

function checkRelative(path: string): void {
  const n = normalize(path);
  if (isAbsolute(path) || n === '..' || n.startsWith(`..${sep}`) || n.split(sep).includes('..') || path === MANIFEST) {
    throw new Error(`refusing to write ${path}: generated paths must stay inside the output folder`);
  }
}

/**
 * Each folder between the output folder and a file, checked with lstat: a link or a file where a folder should be
 * is refused. Returns the folders that do not exist yet, outermost first.
 */
function checkFolders(outDir: string, rel: string, checked: Map<string, boolean>): string[] {
  const missing: string[] = [];
  const parts = rel.split('/').slice(0, -1);
  let cur = outDir;
  let absent = checked.get(outDir) === false;
  for (const part of parts) {
    cur = join(cur, part);
    if (absent) {
      missing.push(cur);
      continue;
    }
    const known = checked.get(cur);
    if (known !== undefined) {
      absent = !known;
      if (absent) missing.push(cur);
      continue;
    }
    const st = lstatOrNull(cur);
    if (st?.isSymbolicLink())
      throw new UserError(
        `${cur}: is a symbolic link; dayops writes nothing through a link (remove it, or write elsewhere)`,
      );
    if (st && !st.isDirectory()) throw new UserError(`${cur}: is ${kindOf(st)}, not a folder`);
    checked.set(cur, Boolean(st));
    absent = !st;
    if (absent) missing.push(cur);
  }
  return missing;
}

/** A file's current content (for its hash), or null when it does not exist; a link or a non-file is refused. */
function readTarget(path: string): Buffer | null {
  const st = lstatOrNull(path);
  if (!st) return null;
  if (st.isSymbolicLink())
    throw new UserError(
      `${path}: is a symbolic link; dayops writes nothing through a link (remove it, or write elsewhere)`,
    );
  if (!st.isFile()) throw new UserError(`${path}: is ${kindOf(st)}, not a file dayops can replace`);
  // Generated files are small: a huge file is not one of dayops' own, so it counts as edited.
  if (st.size > MAX_TARGET_BYTES) return Buffer.from(`\0too large: ${st.size}`);
  return readRegularFile(path, { maxBytes: MAX_TARGET_BYTES, noFollow: true });
}

const MAX_TARGET_BYTES = 16 << 20;

function readManifest(outDir: string): Manifest {
  const data = readTarget(join(outDir, MANIFEST));
  if (!data) return { version: 1, files: {} };
  try {
    const m = JSON.parse(data.toString('utf8')) as Partial<Manifest>;
    if (m && typeof m.files === 'object' && m.files !== null)
      return { version: 1, files: { ...m.files }, pending: m.pending ? { ...m.pending } : undefined };
  } catch {
    // An unreadable manifest protects nothing: every existing file counts as edited, which is the safe side.
  }
  return { version: 1, files: {} };
}

// ---------------------------------------------------------------------------------------------------------------
// Staging: every file written in full beside its target, then renamed

interface Staged {
  tmp: string;
  target: string;
  /** The generated file's relative path (none for the manifests). */
  rel?: string;
}

/** Write a new file in full next to `target` (O_EXCL, no link followed, fsync); returns its name. */
function stage(target: string, content: string | Buffer, mode: number): string {
  const tmp = join(dirname(target), `.${randomBytes(6).toString('hex')}.dayops-tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

export function writeDesign(
  outDir: string,
  files: readonly GeneratedFile[],
  opts: { force?: boolean } = {},
): WriteResult {
  const dir = resolve(outDir);
  const problem = outputFolderProblem(dir);
  if (problem) throw new UserError(problem);
  for (const f of files) checkRelative(f.path);

  // Look before writing anything: folders and files under the output folder, with lstat.
  const checked = new Map<string, boolean>([[dir, Boolean(lstatOrNull(dir))]]);
  const missing = new Set<string>();
  const manifestPath = join(dir, MANIFEST);
  for (const rel of [...files.map((f) => f.path), MANIFEST])
    for (const m of checkFolders(dir, rel, checked)) missing.add(m);
  const manifest = readManifest(dir);
  const written: string[] = [];
  const unchanged: string[] = [];
  const refused: string[] = [];
  const toWrite: { file: GeneratedFile; hash: string; before?: string; mode: number }[] = [];
  for (const file of files) {
    const target = join(dir, file.path);
    const hash = sha256(file.content);
    const current = checked.get(dirname(target)) === false ? null : readTarget(target);
    if (!current) {
      toWrite.push({ file, hash, mode: 0o644 });
      continue;
    }
    const currentHash = sha256(current);
    if (currentHash === hash) {
      unchanged.push(file.path);
      continue;
    }
    const ours = manifest.files[file.path] === currentHash || manifest.pending?.[file.path] === currentHash;
    // A replaced file keeps its permissions.
    const mode = lstatSync(target).mode & 0o7777;
    if (!ours && !opts.force) refused.push(file.path);
    else toWrite.push({ file, hash, before: currentHash, mode });
  }
  if (refused.length > 0) return { written: [], unchanged, refused };

  const finalFiles: Record<string, string> = { ...manifest.files };
  for (const f of files) finalFiles[f.path] = sha256(f.content);
  const wanted = `${JSON.stringify({ version: 1, files: finalFiles } satisfies Manifest, null, 2)}\n`;
  const manifestNow = checked.get(dirname(manifestPath)) === false ? null : readTarget(manifestPath);
  if (toWrite.length === 0 && manifestNow?.toString('utf8') === wanted) return { written, unchanged, refused: [] };

  const made: string[] = [];
  const staged: Staged[] = [];
  const undo = () => {
    for (const s of staged) {
      try {
        unlinkSync(s.tmp);
      } catch {
        /* already renamed or gone */
      }
    }
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty: something else is in it now */
      }
    }
  };
  let at = dir;
  try {
    for (const d of [...(checked.get(dir) ? [] : mkdirChain(dir)), ...missing]) {
      at = d;
      mkdirSync(d);
      made.push(d);
    }
    at = dirname(manifestPath);
    if (toWrite.length > 0) {
      const pending: Record<string, string> = {};
      for (const w of toWrite) if (w.before) pending[w.file.path] = w.before;
      const text = `${JSON.stringify({ version: 1, files: finalFiles, pending } satisfies Manifest, null, 2)}\n`;
      staged.push({ tmp: stage(manifestPath, text, 0o644), target: manifestPath });
    }
    for (const w of toWrite) {
      const target = join(dir, w.file.path);
      at = dirname(target);
      staged.push({ tmp: stage(target, w.file.content, w.mode), target, rel: w.file.path });
    }
    at = dirname(manifestPath);
    staged.push({ tmp: stage(manifestPath, wanted, 0o644), target: manifestPath });
  } catch (err) {
    undo();
    if (err instanceof UserError) throw err;
    throw new UserError(`${at}: cannot write the design (${ioReason(err)}); nothing was written`);
  }

  // Everything is on disk: rename the pending manifest first, then the files, then the final manifest.
  let i = 0;
  try {
    for (; i < staged.length; i++) {
      const s = staged[i];
      // A folder below the output folder may have become a link since it was checked: never rename through one.
      if (dirname(s.target) !== dir && lstatOrNull(dirname(s.target))?.isSymbolicLink())
        throw new UserError(`${dirname(s.target)}: became a symbolic link while the design was written`);
      renameSync(s.tmp, s.target);
      if (s.rel) written.push(s.rel);
    }
  } catch (err) {
    for (const s of staged.slice(i)) {
      try {
        unlinkSync(s.tmp);
      } catch {
        /* gone */
      }
    }
    const why = err instanceof UserError ? err.message : `${staged[i].target}: ${ioReason(err)}`;
    throw new UserError(
      `${why}; ${written.length} file${written.length === 1 ? ' was' : 's were'} replaced before it (dayops recognises them as its own: run again)`,
    );
  }
  return { written, unchanged, refused: [] };
}

/** The output folder and its missing parents, outermost first (made one level at a time: see KERNEL_ROOTS). */
function mkdirChain(dir: string): string[] {
  const chain: string[] = [];
  for (let d = dir; !lstatOrNull(d); d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  return chain;
}
