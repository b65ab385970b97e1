/** The demo's database and workspace: where they are, what the demo returns, and the safety checks that keep it
 * from ever replacing a database or folder that is not the demo's. */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { runsRoot } from '../day1/runner/rundir.js';
import { openDatabase } from '../db/open.js';
import { RunsRepo } from '../db/runs.js';
import { StacksRepo } from '../db/stacks.js';
import type { Environment } from '../domain/stack.js';
import { UserError } from '../errors.js';

/** The Alertmanager every demo stack points at (nothing listens there on a fresh machine: the alerts are stale). */
export const DEMO_ALERTMANAGER = 'http://127.0.0.1:9093';

/** The stack that really runs. */
export const DEMO_LOCAL = 'demo-local';

/** A file in the workspace that marks it as the demo's (a folder without it is never removed). */
export const DEMO_MARKER = '.dayops-demo';

/** `$XDG_DATA_HOME/dayops/demo/demo.db`: its own folder, so its run folders never mix with the real database's. */
export function defaultDemoDbPath(defaultDb: string): string {
  return join(dirname(defaultDb), 'demo', 'demo.db');
}

/** The workspace of a demo database: `<folder>/<name>-workspace`. */
export function demoWorkspace(dbPath: string): string {
  return join(dirname(dbPath), `${basename(dbPath, extname(dbPath))}-workspace`);
}

export interface DemoOptions {
  dbPath: string;
  /** The OS user recorded as the demo's operator for its own actions (default: demo users alice, bob). */
  user: string;
  env?: NodeJS.ProcessEnv;
  now?: number;
  /** Deploy demo-local for real and check it for drift (default true). */
  runLocal?: boolean;
  /** Told what is being made, one line at a time. */
  onProgress?: (message: string) => void;
}

export interface DemoStack {
  name: string;
  environment: Environment;
  tool: string;
  dir: string;
  /** One line: what the stack shows. */
  shows: string;
}

export interface DemoResult {
  dbPath: string;
  workspace: string;
  /** A previous demo was replaced. */
  replaced: boolean;
  stacks: DemoStack[];
  /** The real runs made for demo-local (ids), and whether restic backed it up. */
  local: { deployRunId: number | null; driftRunId: number | null; snapshot: string | null; notes: string[] };
  openCommand: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Safety: never touch a real database or folder

function inside(dir: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(dir));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * Refuse (UserError) when the database has a stack outside the workspace, or the workspace folder exists without
 * the demo's marker. Returns the run ids of the old demo (their folders are removed with it).
 */
export function checkReplaceable(dbPath: string, workspace: string): { existed: boolean; runIds: number[] } {
  if (existsSync(workspace) && !existsSync(join(workspace, DEMO_MARKER)) && readdirSync(workspace).length > 0) {
    throw new UserError(
      `dayops demo: ${workspace} exists and is not a dayops demo workspace; move it away or pick another database with --db`,
    );
  }
  if (!existsSync(dbPath)) return { existed: false, runIds: [] };
  const db = openDatabase(dbPath);
  try {
    const stacks = new StacksRepo(db).list();
    const foreign = stacks.filter((s) => !inside(s.dir, workspace));
    if (foreign.length > 0) {
      const names = foreign
        .slice(0, 5)
        .map((s) => s.name)
        .join(', ');
      throw new UserError(
        `dayops demo: ${dbPath} has stacks that are not demo stacks (${names}${foreign.length > 5 ? ', ...' : ''}); the demo never writes into a real database: pick another path with --db`,
      );
    }
    const runIds = new RunsRepo(db).list({ limit: 1_000_000 }).map((r) => r.id);
    return { existed: true, runIds };
  } finally {
    db.close();
  }
}

export function removeOld(dbPath: string, workspace: string, runIds: number[]): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  if (existsSync(join(workspace, DEMO_MARKER))) rmSync(workspace, { recursive: true, force: true });
  const root = runsRoot(dbPath);
  for (const id of runIds) rmSync(join(root, String(id)), { recursive: true, force: true });
}
