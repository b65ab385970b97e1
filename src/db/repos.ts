/**
 * Every repository of a database handle, each prepared once per handle: readers that run on every render or
 * every refresh ask `repos(db).x` instead of making (and preparing the statements of) a new repository each time.
 */
import { AlertsRepo } from './alerts.js';
import { AuditRepo } from './audit.js';
import { BackupsRepo } from './backups.js';
import { DraftsRepo } from './drafts.js';
import { DriftRepo } from './drift/repo.js';
import { LogsRepo } from './logs.js';
import type { DB } from './open.js';
import { OverviewRepo } from './overview.js';
import { RunsRepo } from './runs/repo.js';
import { SloRepo } from './slo.js';
import { SourcesRepo } from './sources.js';
import { StacksRepo } from './stacks.js';

const MAKERS = {
  alerts: (db: DB) => new AlertsRepo(db),
  audit: (db: DB) => new AuditRepo(db),
  backups: (db: DB) => new BackupsRepo(db),
  drafts: (db: DB) => new DraftsRepo(db),
  drift: (db: DB) => new DriftRepo(db),
  logs: (db: DB) => new LogsRepo(db),
  overview: (db: DB) => new OverviewRepo(db),
  runs: (db: DB) => new RunsRepo(db),
  slo: (db: DB) => new SloRepo(db),
  sources: (db: DB) => new SourcesRepo(db),
  stacks: (db: DB) => new StacksRepo(db),
};

/** The repositories of one database handle, made on first use. */
export type Repos = { readonly [K in keyof typeof MAKERS]: ReturnType<(typeof MAKERS)[K]> };

const MADE = new WeakMap<DB, Repos>();

/** The repositories of `db`, the same objects on every call for the same handle. */
export function repos(db: DB): Repos {
  let r = MADE.get(db);
  if (!r) {
    const made: Partial<Record<keyof Repos, unknown>> = {};
    r = {} as Repos;
    for (const name of Object.keys(MAKERS) as (keyof Repos)[]) {
      Object.defineProperty(r, name, {
        enumerable: true,
        get: () => (made[name] ??= MAKERS[name](db)),
      });
    }
    MADE.set(db, r);
  }
  return r;
}
