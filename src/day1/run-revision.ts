/**
 * The revision of each run (src/day1/revision.ts), recorded by the run driver just before the run's tool starts,
 * and the guard of promoted and rolled-back runs: such a run runs at exactly the revision it claims, or fails
 * before its tool touches anything.
 */
import { resolve } from 'node:path';
import type { StackConfig } from '../config/stack-config.js';
import type { DB } from '../db/open.js';
import { RevisionsRepo } from '../db/revisions.js';
import { errorMessage, UserError } from '../errors.js';
import { databaseExcludes, shortRevision, stackRevision, type Revision, type RevisionKind } from './revision.js';

/** A run started at a given revision: a promotion or a rollback. */
export interface AtRevision {
  revision: string;
  kind: RevisionKind;
  /** The run whose revision this run takes. */
  fromRunId: number;
  /** A rollback: the run whose validation failed. */
  rollbackOfRunId?: number;
  /** The audit entry's action and detail. */
  action: 'promote' | 'rollback';
  detail: unknown;
}

/** What dayops writes in a stack folder and no revision counts: its database and run folders, a backup repository. */
export function revisionExcludes(dir: string, config: StackConfig | undefined, dbPath: string): string[] {
  const out = databaseExcludes(dbPath);
  if (config?.backups?.repository && !config.backups.repository.includes('://'))
    out.push(resolve(dir, config.backups.repository.replace(/^~(?=\/)/, process.env.HOME ?? '~')));
  return out;
}

/** The revision of a stack folder as a run would record it. */
export function revisionOfStack(dir: string, config: StackConfig | undefined, dbPath: string): Promise<Revision> {
  return stackRevision(dir, { exclude: revisionExcludes(dir, config, dbPath) });
}

/** Link a new run to the run it takes its revision from, with the audit entry. */
export function linkRun(db: DB, runId: number, stackId: number, user: string, at: AtRevision): void {
  new RevisionsRepo(db).link(
    runId,
    { promotedFromRunId: at.fromRunId, rollbackOfRunId: at.rollbackOfRunId },
    { user, action: at.action, stackId, detail: at.detail },
  );
}

/**
 * Measure and store the run's revision; returns the line for the run's log. A run at a given revision fails
 * (UserError) when the folder is not at exactly that revision, clean; for any other run a revision that cannot be
 * read is a warning, never a failure.
 */
export async function recordRunRevision(
  db: DB,
  run: { id: number; dir: string; stackName: string; config: StackConfig; dbPath: string; at?: AtRevision },
): Promise<string> {
  const repo = new RevisionsRepo(db);
  let rev: Revision;
  try {
    rev = await revisionOfStack(run.dir, run.config, run.dbPath);
  } catch (err) {
    repo.set(run.id, null);
    if (run.at) throw new UserError(`the revision of ${run.stackName} cannot be read: ${errorMessage(err)}`);
    return `dayops: warning: the revision of ${run.stackName} cannot be read: ${errorMessage(err)}`;
  }
  repo.set(run.id, rev);
  const what = rev.kind === 'git' ? `git commit ${shortRevision(rev)}` : `content ${shortRevision(rev)}`;
  if (run.at && (rev.revision !== run.at.revision || rev.dirty || rev.kind !== run.at.kind)) {
    throw new UserError(
      `${run.stackName} is at ${what}, not at ${shortRevision({ revision: run.at.revision })} as the ${run.at.action} of run ${run.at.fromRunId} requires; nothing was run`,
    );
  }
  const dirty = rev.dirty ? ` (uncommitted changes: ${(rev.changed ?? []).join(', ')})` : '';
  return `dayops: revision: ${what}${dirty}`;
}
