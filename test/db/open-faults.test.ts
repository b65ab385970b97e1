/**
 * The database under faults, through the shipped executable and a real SQLite file: another process holding the
 * write lock, a damaged or truncated file, /dev/null, a read-only file, a read-only folder. Each is one line on
 * stderr (naming the file and the way back) or a read-only open that says so; never a stack trace, never a change.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, openDatabase } from '../../src/db/open.js';
import { CLI, ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const holders: ChildProcess[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.kill('SIGKILL');
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
});

/** A second, real process that holds the database's write lock (BEGIN IMMEDIATE) until it is told to commit. */
async function holdWriteLock(path: string): Promise<{ release: () => Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  holders.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return {
    release: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.write('commit\n');
      }),
  };
}

/** No stack frame, and exactly one line. */
function oneLine(r: CliResult): string {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/internal error/);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

function migratedDb(dir: string, migrations = loadMigrations()): string {
  const path = join(dir, 'dayops.db');
  openDatabase(path, { migrations }).close();
  return path;
}

describe('a database another dayops is writing', () => {
  it('is read by every reading command at once: opening takes no write lock when nothing is to migrate', async () => {
    const path = migratedDb(tmpDir());
    await holdWriteLock(path);
    for (const args of [['stack', 'list'], ['status'], ['runs'], ['status', '--json']]) {
      const r = await runCli(['--db', path, ...args], { env: { DAYOPS_DB_WAIT_MS: '60000' } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('with a migration pending: says it waits, and goes on when the writer is done', async () => {
    const path = migratedDb(tmpDir(), loadMigrations().slice(0, -1));
    const lock = await holdWriteLock(path);
    const child = spawn(process.execPath, [CLI, '--db', path, 'stack', 'list'], {
      cwd: ROOT,
      env: { ...process.env, DAYOPS_DB_WAIT_MS: '120000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const waiting = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('\n')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waiting;
    expect(stderr).toMatch(/^dayops: waiting for the database: another dayops is writing \(.*dayops\.db/);
    await lock.release();
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/No stacks yet/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(loadMigrations().at(-1)!.version);
    db.close();
  });

  it('gives up after the bounded wait with one line naming the file (exit 1)', async () => {
    const path = migratedDb(tmpDir(), loadMigrations().slice(0, -1));
    await holdWriteLock(path);
    const r = await runCli(['--db', path, 'stack', 'list'], { env: { DAYOPS_DB_WAIT_MS: '1500' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/waiting for the database: another dayops is writing/);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(`${path}: another dayops kept the database locked for 2 s; try again when it is done`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a database file that is not one', () => {
  const cases: [string, (dir: string) => string][] = [
    [
      'truncated',
      (dir) => {
        const full = migratedDb(dir);
        const cut = join(dir, 'cut.db');
        writeFileSync(cut, readFileSync(full).subarray(0, 3000));
        return cut;
      },
    ],
    [
      'its header overwritten',
      (dir) => {
        const p = migratedDb(dir);
        const bytes = readFileSync(p);
        bytes.fill(0x41, 0, 100);
        writeFileSync(p, bytes);
        return p;
      },
    ],
    [
      'its pages overwritten',
      (dir) => {
        const p = migratedDb(dir);
        const bytes = readFileSync(p);
        // Keep the header: SQLite reads the schema and finds it damaged.
        for (let i = 100; i < bytes.length; i += 7) bytes[i] = (i * 31) & 0xff;
        writeFileSync(p, bytes);
        return p;
      },
    ],
    [
      'a text file',
      (dir) => {
        const p = join(dir, 'notes.db');
        writeFileSync(p, 'not a database at all, just words\n'.repeat(100));
        return p;
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: one line naming it, with the way back (exit 1), and the file untouched`, async () => {
      const path = make(tmpDir());
      const before = readFileSync(path);
      for (const args of [['stack', 'list'], ['status'], ['runs', '--json']]) {
        const r = await runCli(['--db', path, ...args]);
        expect(r.code).toBe(1);
        const line = oneLine(r);
        expect(line.startsWith(`${path}: `)).toBe(true);
        expect(line).toMatch(/dayops backup self/);
        expect(r.stdout).toBe('');
      }
      expect(readFileSync(path).equals(before)).toBe(true);
    });
  }

  it('--db /dev/null (not a regular file) is one line', async () => {
    const r = await runCli(['--db', '/dev/null', 'stack', 'list']);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('/dev/null: not a regular file; --db (or DAYOPS_DB) names a database file');
  });
});

describe('a database that cannot be written', () => {
  it('a read-only (0400) file is opened read-only, says so, and stays 0400; a change is refused in one line', async () => {
    const dir = tmpDir();
    const path = migratedDb(dir);
    chmodSync(path, 0o400);
    const list = await runCli(['--db', path, 'stack', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/No stacks yet/);
    expect(oneLine(list)).toBe(
      `dayops: ${path} cannot be written (read-only file or disk): opened read-only, nothing will be changed`,
    );
    expect(statSync(path).mode & 0o777).toBe(0o400);
    const stack = join(dir, 'stack');
    mkdirSync(stack);
    writeFileSync(join(stack, 'dayops.yaml'), 'tool: custom\ncustom:\n  plan: [echo, hi]\n');
    const add = await runCli(['--db', path, 'stack', 'add', stack]);
    expect(add.code).toBe(1);
    expect(add.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(add.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^${path}: .*cannot be written`));
    expect(statSync(path).mode & 0o777).toBe(0o400);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM stacks').get()).toEqual({ n: 0 });
    db.close();
  });

  it('in a read-only folder (a read-only mount): read from a copy, said so; a new database there is one line', async () => {
    const dir = tmpDir();
    const src = join(dir, 'src');
    mkdirSync(src);
    const path = migratedDb(src);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    // Root ignores file modes: a read-only bind mount is a folder nobody can write.
    expect(spawnSync('mount', ['--bind', src, ro]).status).toBe(0);
    mounts.push(ro);
    expect(spawnSync('mount', ['-o', 'remount,bind,ro', ro]).status).toBe(0);
    const inRo = join(ro, 'dayops.db');
    const list = await runCli(['--db', inRo, 'stack', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/No stacks yet/);
    expect(oneLine(list)).toMatch(new RegExp(`^dayops: ${inRo} cannot be written .*opened read-only`));
    const fresh = await runCli(['--db', join(ro, 'new', 'dayops.db'), 'stack', 'list']);
    expect(fresh.code).toBe(1);
    expect(oneLine(fresh)).toMatch(new RegExp(`^${ro}/new: cannot create the database's folder \\(EROFS\\)`));
    const fresh2 = await runCli(['--db', join(ro, 'other.db'), 'stack', 'list']);
    expect(fresh2.code).toBe(1);
    expect(oneLine(fresh2)).toBe(
      `${ro}/other.db: cannot create the database (EROFS); use --db with a path in a folder you can write`,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
