/**
 * Each run's private folder (the plan file lives here) is `<database file>.runs/<id>/` next to the database,
 * created 0700, so a later process (`dayops approve`) applies the same plan. It is removed when the run ends.
 * Named after the database file, so two databases in one folder never share run folders.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function runsRoot(dbPath: string): string {
  if (!dbPath || dbPath === ':memory:') return join(tmpdir(), `dayops-runs-${process.getuid?.() ?? 'user'}`);
  return `${dbPath}.runs`;
}

export function runDirFor(dbPath: string, runId: number): string {
  return join(runsRoot(dbPath), String(runId));
}

export function createRunDir(dbPath: string, runId: number): string {
  const root = runsRoot(dbPath);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = join(root, String(runId));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export function removeRunDir(dbPath: string, runId: number): void {
  try {
    rmSync(runDirFor(dbPath, runId), { recursive: true, force: true });
  } catch {
    /* best effort: a leftover folder is harmless */
  }
}
