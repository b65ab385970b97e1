/**
 * The one way dayops reads a file a person or another program put on disk: the blueprint, `dayops.yaml`, policy
 * files, `fromFile` secrets, a design's own files and manifest. Whatever is there, the answer is its content or
 * one line naming the file and what is wrong, at once:
 *
 * - a FIFO, a device (`/dev/zero`), a socket or a folder is refused before a byte is read: the file is opened
 *   non-blocking (a FIFO with no writer does not wait) and checked with fstat on the open descriptor (no race
 *   between the check and the read);
 * - a file over the size limit is refused without being read, and one that grows while it is read is refused at
 *   the first byte past the limit, so memory stays bounded whatever the file is;
 * - a symbolic link is refused when the caller asks (O_NOFOLLOW), else followed to what it names, checked the same.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { UserError } from '../errors.js';

/** A blueprint, dayops.yaml or policy file is a few kilobytes; nothing past this is one. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** A secret file (a password, a key, a service account's JSON, a kubeconfig). */
export const MAX_SECRET_BYTES = 1 << 20;

/** A file that cannot be read as dayops reads files: `file` as named to the user and `reason`, in words. */
export class FileReadError extends UserError {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** The errno code, when the system refused (ENOENT, EACCES, ...). */
    readonly code?: string,
  ) {
    super(`${file}: ${reason}`, 1);
    this.name = 'FileReadError';
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'the path is too long',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'is a symbolic link',
  EISDIR: 'is a folder, not a file',
  ENOENT: 'no such file or folder',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EBUSY: 'busy',
  EAGAIN: 'would block',
};

/** What an errno means, in words (the code itself when it is not a common one). */
export function ioReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && REASONS[code]) ?? code ?? String((err as Error)?.message ?? err).split('\n')[0];
}

/** What a file that is not a regular file is, in words. */
export const kindOf = (st: Stats): string =>
  st.isFIFO()
    ? 'a named pipe'
    : st.isCharacterDevice() || st.isBlockDevice()
      ? 'a device'
      : st.isSocket()
        ? 'a socket'
        : st.isDirectory()
          ? 'a folder'
          : st.isSymbolicLink()
            ? 'a symbolic link'
            : 'not a regular file';

export const formatSize = (n: number): string =>
  n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;

/** Something is at `path`, a dangling or looping link included (existsSync says no to those). */
export function somethingAt(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export interface ReadOptions {
  /** Refuse a larger file (one line) instead of reading it. */
  maxBytes: number;
  /** How the file is named in errors (as the user typed it); the path by default. */
  shownAs?: string;
  /** Refuse a symbolic link instead of following it. */
  noFollow?: boolean;
}

/**
 * The content of a regular file under `maxBytes`, else a FileReadError naming the file: never waits on a FIFO,
 * never reads a device, never holds more than `maxBytes + 1` bytes.
 */
export function readRegularFile(path: string, opts: ReadOptions): Buffer {
  const name = opts.shownAs ?? path;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileReadError(
      name,
      code === 'ENOENT'
        ? isLink(path)
          ? 'is a symbolic link to nothing (its target does not exist)'
          : 'no such file'
        : code === 'ELOOP' && opts.noFollow
          ? 'is a symbolic link; dayops does not follow it'
          : code === 'ELOOP'
            ? 'is a loop of symbolic links'
            : code === 'EISDIR'
              ? 'is a folder, not a file'
              : `cannot be read (${ioReason(err)})`,
      code,
    );
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileReadError(name, 'is a folder, not a file', 'EISDIR');
    if (!st.isFile()) throw new FileReadError(name, `is ${kindOf(st)}, not a regular file`);
    if (st.size > opts.maxBytes)
      throw new FileReadError(
        name,
        `is ${formatSize(st.size)}, more than the ${formatSize(opts.maxBytes)} dayops reads`,
      );
    // Read at most one byte past the limit: a file that grows while it is read is refused too.
    const buf = Buffer.alloc(Math.min(opts.maxBytes + 1, Math.max(st.size + 1, 4096)));
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > opts.maxBytes) throw new FileReadError(name, `is more than the ${formatSize(opts.maxBytes)} dayops reads`);
    return buf.subarray(0, n);
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new FileReadError(name, `cannot be read (${ioReason(err)})`, (err as NodeJS.ErrnoException).code);
  } finally {
    closeSync(fd);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A regular file's content as UTF-8 text (a byte-order mark dropped); a file that is not UTF-8 is one line. */
export function readTextFile(path: string, opts: ReadOptions): string {
  const data = readRegularFile(path, opts);
  try {
    return utf8.decode(data);
  } catch {
    throw new FileReadError(opts.shownAs ?? path, 'is not UTF-8 text');
  }
}
