import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations, migrate, openDatabase } from '../../../src/db/open.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('migration 008 (validation)', () => {
  it('keeps every run, its transitions, approvals, tool groups and references, and lets a run be VALIDATING', () => {
    const path = join(tmpDir(), 'old.db');
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    const all = loadMigrations();
    migrate(
      db,
      all.filter((m) => m.version <= 7),
    );
    db.exec(`
      INSERT INTO stacks (name, dir, tool, environment, created_at, updated_at) VALUES ('a', '/x', 'custom', 'dev', 1, 1);
      INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at, applied_add, diagnostics_json)
        VALUES (1, 'tracked', 'FINISHED', 'ann', 1, 2, 3, '[]');
      INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at) VALUES (1, 'tracked', 'UNCONFIRMED', 'ann', 3, 4);
      INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at) VALUES (1, 'proposed', 'FINISHED', 'ann', 5, 6);
      DELETE FROM runs WHERE id = 3;
      INSERT INTO run_transitions (run_id, state, at) VALUES (1, 'QUEUED', 1), (1, 'FINISHED', 2), (2, 'QUEUED', 3);
      INSERT INTO approvals (run_id, user, at) VALUES (1, 'ann', 2);
      INSERT INTO tool_groups (run_id, pgid, owner_host, owner_pid, started_at) VALUES (2, 99, 'h', 1, 3);
      INSERT INTO drift_checks (stack_id, run_id, status, started_at) VALUES (1, 1, 'in_sync', 1);
    `);
    db.close();
    const db2 = openDatabase(path);
    expect(db2.prepare('SELECT id, state, applied_add, validation_status FROM runs ORDER BY id').all()).toEqual([
      { id: 1, state: 'FINISHED', applied_add: 3, validation_status: null },
      { id: 2, state: 'UNCONFIRMED', applied_add: null, validation_status: null },
    ]);
    expect(db2.prepare('SELECT count(*) AS n FROM run_transitions').get()).toEqual({ n: 3 });
    expect(db2.prepare('SELECT count(*) AS n FROM approvals').get()).toEqual({ n: 1 });
    expect(db2.prepare('SELECT count(*) AS n FROM tool_groups').get()).toEqual({ n: 1 });
    expect(db2.pragma('foreign_key_check')).toEqual([]);
    // The next run does not reuse the id of the deleted one.
    db2.exec(
      "INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at) VALUES (1, 'tracked', 'VALIDATING', 'ann', 7, 7)",
    );
    expect(db2.prepare('SELECT max(id) AS id FROM runs').get()).toEqual({ id: 4 });
    expect(() => db2.exec("UPDATE runs SET validation_status = 'maybe' WHERE id = 4")).toThrow(/CHECK/);
    // A run's check results go with it.
    db2.exec(
      "INSERT INTO check_results (run_id, stack_id, source, name, kind, status, started_at) VALUES (4, 1, 'after-apply', 'web', 'http', 'passed', 7)",
    );
    expect(db2.pragma('integrity_check', { simple: true })).toBe('ok');
    db2.close();
  });
});
