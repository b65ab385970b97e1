/**
 * Writing generated files without losing a team's edits.
 *
 * `.dayops/generated.json` in the output folder records the sha256 of every file as dayops last wrote it. A file
 * that exists and differs both from that record and from the new content was edited by someone (or was never
 * dayops'): it is refused, and when any file is refused nothing at all is written, so the caller can ask (the TUI)
 * or name the files (headless) and run again with `force`.
 *
 * Each file is written atomically (a temporary file in the same folder, fsync, rename). Before the first file is
 * replaced, the manifest records both the old and the new hash of every file about to change, so a crash halfway
 * leaves files that a re-run still recognises as dayops' own; the final manifest keeps only the new hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
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

function readManifest(outDir: string): Manifest {
  const file = join(outDir, MANIFEST);
  if (!existsSync(file)) return { version: 1, files: {} };
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>;
    if (m && typeof m.files === 'object' && m.files !== null)
      return { version: 1, files: { ...m.files }, pending: m.pending ? { ...m.pending } : undefined };
  } catch {
    // An unreadable manifest protects nothing: every existing file counts as edited, which is the safe side.
  }
  return { version: 1, files: {} };
}

/** Write a file atomically: temporary file next to it, fsync, rename over the target. */
export function writeFileAtomic(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.dayops-tmp`);
  // A replaced file keeps its permissions.
  const mode = existsSync(path) ? statSync(path).mode & 0o7777 : 0o644;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function checkRelative(path: string): void {
  const n = normalize(path);
  if (isAbsolute(path) || n === '..' || n.startsWith(`..${sep}`) || n.split(sep).includes('..') || path === MANIFEST) {
    throw new Error(`refusing to write ${path}: generated paths must stay inside the output folder`);
  }
}

export function writeDesign(
  outDir: string,
  files: readonly GeneratedFile[],
  opts: { force?: boolean } = {},
): WriteResult {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UserError(`${outDir}: is a file, not a folder`);
  for (const f of files) checkRelative(f.path);
  const manifest = readManifest(outDir);
  const written: string[] = [];
  const unchanged: string[] = [];
  const refused: string[] = [];
  const toWrite: { file: GeneratedFile; hash: string; before?: string }[] = [];
  for (const file of files) {
    const target = join(outDir, file.path);
    const hash = sha256(file.content);
    if (!existsSync(target)) {
      toWrite.push({ file, hash });
      continue;
    }
    let current: string;
    try {
      current = sha256(readFileSync(target));
    } catch (err) {
      throw new UserError(`${target}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (current === hash) {
      unchanged.push(file.path);
      continue;
    }
    const ours = manifest.files[file.path] === current || manifest.pending?.[file.path] === current;
    if (!ours && !opts.force) refused.push(file.path);
    else toWrite.push({ file, hash, before: current });
  }
  if (refused.length > 0) return { written: [], unchanged, refused };

  const finalFiles: Record<string, string> = { ...manifest.files };
  for (const f of files) finalFiles[f.path] = sha256(f.content);
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, MANIFEST);
  if (toWrite.length > 0) {
    const pending: Record<string, string> = {};
    for (const w of toWrite) if (w.before) pending[w.file.path] = w.before;
    writeFileAtomic(
      manifestPath,
      `${JSON.stringify({ version: 1, files: finalFiles, pending } satisfies Manifest, null, 2)}\n`,
    );
    for (const w of toWrite) {
      writeFileAtomic(join(outDir, w.file.path), w.file.content);
      written.push(w.file.path);
    }
  }
  const wanted = `${JSON.stringify({ version: 1, files: finalFiles } satisfies Manifest, null, 2)}\n`;
  if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== wanted) writeFileAtomic(manifestPath, wanted);
  return { written, unchanged, refused: [] };
}
