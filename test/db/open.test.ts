import Database from 'better-sqlite3';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate, openDatabase } from '../../src/db/open.js';
import { defaultDbPath, resolveDbPath } from '../../src/paths.js';
import { UserError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';

describe('the database', () => {
  it('is created readable by its owner only, in WAL mode, with every migration applied once', () => {
    const dir = tmpDir();
    const path = join(dir, 'nested', 'dayops.db');
    const db = openDatabase(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const latest = loadMigrations().at(-1)!.version;
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    db.prepare(
      "INSERT INTO stacks (name, dir, tool, environment, created_at, updated_at) VALUES ('a', '/x', 'custom', 'dev', 1, 1)",
    ).run();
    db.close();
    // Opening again runs nothing twice and keeps the data.
    const again = openDatabase(path);
    expect(again.prepare('SELECT count(*) AS n FROM stacks').get()).toEqual({ n: 1 });
    again.close();
  });

  it('refuses a database written by a newer dayops, and leaves it untouched', () => {
    const dir = tmpDir();
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE future_things (x)');
    raw.pragma('user_version = 999');
    raw.close();
    const before = statSync(path).mtimeMs;
    expect(() => openDatabase(path)).toThrow(UserError);
    expect(() => openDatabase(path)).toThrow(/written by a newer dayops \(schema 999/);
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(999);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'stacks'").get()).toEqual({ n: 0 });
    check.close();
    expect(statSync(path).mtimeMs).toBe(before);
  });

  it('rolls a failing migration back whole, version included', () => {
    const db = new Database(':memory:');
    const migrations = [
      { version: 1, name: 'ok', sql: 'CREATE TABLE a (x);' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE b (x); INSERT INTO nowhere VALUES (1);' },
    ];
    expect(() => migrate(db, migrations)).toThrow(/nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()).toEqual({ n: 0 });
  });

  it('says clearly when a file is not a database', () => {
    const dir = tmpDir();
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are my notes, not a database, and they are long enough to have a header'.repeat(20));
    expect(() => openDatabase(path)).toThrow(/notes\.txt: not a dayops database/);
  });

  it('lives under XDG_DATA_HOME, else ~/.local/share; --db and DAYOPS_DB override', () => {
    expect(defaultDbPath({ XDG_DATA_HOME: '/data' })).toBe('/data/dayops/dayops.db');
    expect(defaultDbPath({})).toMatch(/\.local\/share\/dayops\/dayops\.db$/);
    expect(resolveDbPath('/tmp/a.db', { DAYOPS_DB: '/tmp/b.db' })).toBe('/tmp/a.db');
    expect(resolveDbPath(undefined, { DAYOPS_DB: '/tmp/b.db' })).toBe('/tmp/b.db');
  });
});
