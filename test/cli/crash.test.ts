/**
 * A bug in dayops (anything not a user's or the environment's error) exits 70 with one line asking to report it
 * and naming a crash file under the user's data directory; the trace is in that file, never on the terminal.
 * Bugs are injected into the built executable with a preloaded module (node --import).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFailure, EXIT_BUG, recordCrash } from '../../src/crash.js';
import { UserError } from '../../src/errors.js';
import { CLI } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

/** Run the built dayops with `preload` (JavaScript) loaded first. */
function runWith(preload: string, args: string[], env: NodeJS.ProcessEnv) {
  const dir = tmpDir();
  const file = join(dir, 'bug.mjs');
  writeFileSync(file, preload);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', file, CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const BUGS: Record<string, { preload: string; args: string[] }> = {
  'a TypeError inside a command': {
    // The first line a command writes throws, as a bug in the command would.
    preload: `const w = process.stdout.write.bind(process.stdout);
process.stdout.write = () => { process.stdout.write = w; null.boom; };`,
    args: ['stack', 'list'],
  },
  'an exception thrown from a timer after the command ended': {
    // Once dayops writes its first line (its handlers are in place by then), a timer throws.
    preload: `const w = process.stdout.write.bind(process.stdout);
process.stdout.write = (...a) => { process.stdout.write = w; setTimeout(() => { throw new RangeError('late bug'); }, 50); return w(...a); };`,
    args: ['--version'],
  },
  'a promise rejected that nobody handles': {
    preload: `const w = process.stdout.write.bind(process.stdout);
process.stdout.write = (...a) => { process.stdout.write = w; setTimeout(() => { Promise.reject(new Error('forgotten promise')); }, 50); return w(...a); };`,
    args: ['--version'],
  },
};

describe('a bug: exit 70, one line, the trace in a crash file', () => {
  it.each(Object.entries(BUGS))('%s', async (_what, bug) => {
    const home = tmpDir();
    const r = await runWith(bug.preload, ['--db', join(home, 'd.db'), ...bug.args], { XDG_DATA_HOME: home });
    expect(r.code).toBe(EXIT_BUG);
    const line = r.stderr.trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^dayops: internal error: .+\. This is a bug in dayops: please report it, with the file /);
    expect(line).not.toMatch(/\n\s+at /);
    const crashes = join(home, 'dayops', 'crashes');
    const [file] = readdirSync(crashes);
    expect(line).toContain(join(crashes, file));
    const body = readFileSync(join(crashes, file), 'utf8');
    expect(body).toMatch(/\n\s+at /);
    expect(body).toContain('arguments: ');
    expect(statSync(join(crashes, file)).mode & 0o777).toBe(0o600);
  });

  it("a team database's password never reaches the crash file or the line", () => {
    const home = tmpDir();
    const url = 'postgres://alice:hunter2-secret@db.example:5432/dayops?sslmode=verify-full&password=also-secret';
    const r = recordCrash(new Error(`query failed on ${url}`), {
      env: { XDG_DATA_HOME: home },
      argv: ['--db', url, 'run', 'web'],
    });
    const body = readFileSync(r.file!, 'utf8');
    expect(body).toContain('postgres://alice@db.example:5432/dayops');
    for (const text of [body, r.line]) {
      expect(text).not.toContain('hunter2-secret');
      expect(text).not.toContain('also-secret');
    }
  });

  it('a data directory that cannot be written: the crash file goes to the temporary folder', async () => {
    const r = await runWith(
      BUGS['a TypeError inside a command'].preload,
      ['--db', join(tmpDir(), 'd.db'), 'stack', 'list'],
      {
        XDG_DATA_HOME: '/proc/nope',
      },
    );
    expect(r.code).toBe(EXIT_BUG);
    const file = /with the file (\S+) \(/.exec(r.stderr)?.[1];
    expect(file && existsSync(file)).toBe(true);
  });
});

describe('errors that are not bugs', () => {
  const fsError = (code: string, syscall: string, path: string) =>
    Object.assign(new Error(`${code}: oops, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });

  it.each([
    [fsError('ENOSPC', 'write', '/data/x'), 'dayops: /data/x: no space left on the device (write)'],
    [fsError('EROFS', 'open', '/ro/y'), 'dayops: /ro/y: read-only file system (open)'],
    [fsError('EACCES', 'mkdir', '/root/z'), 'dayops: /root/z: permission denied (mkdir)'],
    [
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      'dayops: the database: database is locked (SQLITE_BUSY)',
    ],
    [
      Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' }),
      'dayops: the database: file is not a database (SQLITE_NOTADB)',
    ],
  ])('%s is one line, exit 1, no crash file', (err, line) => {
    const home = tmpDir();
    expect(describeFailure(err, { env: { XDG_DATA_HOME: home } })).toEqual({ line, code: 1 });
    expect(existsSync(join(home, 'dayops', 'crashes'))).toBe(false);
  });

  it('a user error keeps its message and its code', () => {
    expect(describeFailure(new UserError('dayops run: unknown stack "x"', 2))).toEqual({
      line: 'dayops run: unknown stack "x"',
      code: 2,
    });
  });
});
