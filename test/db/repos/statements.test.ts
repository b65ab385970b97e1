/**
 * Every statement a repository prepares is one both engines accept: each repository is made on a fresh database
 * of each engine and every SQL text it prepared is compiled by the engine (SQLite compiles in `prepare`; PostgreSQL
 * is asked to `PREPARE` it, which checks names, functions, grouping and the types of the parameters).
 */
import { expect, test } from 'vitest';
import { AlertsRepo } from '../../../src/db/alerts.js';
import { AuditRepo } from '../../../src/db/audit.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { ChecksRepo } from '../../../src/db/checks.js';
import { DependenciesRepo } from '../../../src/db/dependencies.js';
import { DraftsRepo } from '../../../src/db/drafts.js';
import { DriftRepo } from '../../../src/db/drift/repo.js';
import type { DB } from '../../../src/db/engine.js';
import { GovernanceRepo } from '../../../src/db/governance.js';
import { LogsRepo } from '../../../src/db/logs.js';
import { NotifyRepo } from '../../../src/db/notify.js';
import { OverviewRepo } from '../../../src/db/overview.js';
import { PgDatabase } from '../../../src/db/pg/database.js';
import { translate } from '../../../src/db/pg/sql.js';
import { RevisionsRepo } from '../../../src/db/revisions.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { SloRepo } from '../../../src/db/slo.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { ToolGroupsRepo } from '../../../src/db/tool-groups.js';
import { describeEngines } from '../../helpers/engines.js';

const REPOS: Record<string, (db: DB) => unknown> = {
  alerts: (db) => new AlertsRepo(db),
  audit: (db) => new AuditRepo(db),
  backups: (db) => new BackupsRepo(db),
  checks: (db) => new ChecksRepo(db),
  dependencies: (db) => new DependenciesRepo(db),
  drafts: (db) => new DraftsRepo(db),
  drift: (db) => new DriftRepo(db),
  governance: (db) => new GovernanceRepo(db),
  logs: (db) => new LogsRepo(db),
  notify: (db) => new NotifyRepo(db),
  overview: (db) => new OverviewRepo(db),
  revisions: (db) => new RevisionsRepo(db),
  runs: (db) => new RunsRepo(db),
  slo: (db) => new SloRepo(db),
  sources: (db) => new SourcesRepo(db),
  stacks: (db) => new StacksRepo(db),
  toolGroups: (db) => new ToolGroupsRepo(db),
};

describeEngines('repository statements', (e) => {
  for (const [name, make] of Object.entries(REPOS)) {
    test(`${name}: every prepared statement compiles`, () => {
      const db = e.db;
      const seen: string[] = [];
      const prepare = db.prepare.bind(db);
      db.prepare = ((sql: string) => {
        seen.push(sql);
        return prepare(sql);
      }) as typeof db.prepare;
      make(db);
      db.prepare = prepare;
      expect(seen.length).toBeGreaterThan(0);
      const failures: string[] = [];
      if (db instanceof PgDatabase) {
        seen.forEach((sql, i) => {
          try {
            db.exec(`PREPARE dayops_probe_${i} AS ${translate(sql).text}`);
            db.exec(`DEALLOCATE dayops_probe_${i}`);
          } catch (err) {
            failures.push(`${(err as Error).message}\n    in: ${sql.replace(/\s+/g, ' ').slice(0, 300)}`);
          }
        });
      }
      expect(failures).toEqual([]);
    });
  }
});
