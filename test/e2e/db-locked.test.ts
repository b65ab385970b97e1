/**
 * The app (the BUILT bundle, in real tmux) while another process holds the database's write lock: it opens and
 * stays open (it used to die after 5 s), and when a migration must wait for the lock it says so in the terminal
 * and opens once the writer is done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, openDatabase } from '../../src/db/open.js';
import { ROOT } from '../helpers/cli.js';
import { hasTmux, requireTool, Terminal } from '../helpers/tmux.js';
import { tmpDir } from '../helpers/tmp.js';

let term: Terminal | undefined;
const holders: ChildProcess[] = [];
afterEach(() => {
  term?.stop();
  for (const h of holders.splice(0)) h.kill('SIGKILL');
});

/** A second, real process holding BEGIN IMMEDIATE until it is told to commit. */
async function holdWriteLock(path: string): Promise<() => void> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, path], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  holders.push(child);
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()),
  );
  return () => child.stdin!.write('commit\n');
}

const TUI = requireTool(hasTmux(), 'tmux');

describe('the app and a database another dayops is writing', () => {
  it.runIf(TUI)('opens at once and stays open past the old 5 s limit', async () => {
    const db = join(tmpDir(), 'dayops.db');
    openDatabase(db).close();
    await holdWriteLock(db);
    term = Terminal.start(['--db', db], { columns: 100, rows: 30, env: { NO_COLOR: '1' } });
    await term.waitFor('Basics  1/10');
    await new Promise((r) => setTimeout(r, 7000));
    const screen = term.screen();
    expect(screen).not.toMatch(/exited|internal error|database is locked/);
    expect(screen).toContain('Basics  1/10');
  });

  it.runIf(TUI)('says it waits while a migration needs the lock, then opens when the writer is done', async () => {
    const db = join(tmpDir(), 'dayops.db');
    openDatabase(db, { migrations: loadMigrations().slice(0, -1) }).close();
    const release = await holdWriteLock(db);
    term = Terminal.start(['--db', db], { columns: 100, rows: 30, env: { NO_COLOR: '1' } });
    await term.waitFor('waiting for the database: another dayops is writing');
    release();
    await term.waitFor('Basics  1/10');
  });
});
