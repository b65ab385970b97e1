import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type DB } from '../../src/db/open.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) {
    try {
      cleanups.pop()!();
    } catch {
      /* already gone */
    }
  }
});

/** A temporary folder removed after the test. */
export function tmpDir(prefix = 'dayops-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh, migrated database file in a temporary folder, closed after the test. */
export function tmpDb(): { db: DB; path: string; dir: string } {
  const dir = tmpDir();
  const path = join(dir, 'dayops.db');
  const db = openDatabase(path);
  cleanups.push(() => db.close());
  return { db, path, dir };
}
