/**
 * Team mode's PostgreSQL schema (migrations/postgres): it is the SQLite schema's final state (same tables, columns,
 * indexes, foreign keys), applying the roles twice works, and PostgreSQL itself refuses what a role may not do, on
 * real connections of real login roles.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../src/db/open.js';
import { loadPgMigrations } from '../src/db/pg/open.js';
import { packageRoot } from '../src/paths.js';
import { SKIP_POSTGRES, startPostgres, type PgServer } from './helpers/postgres.js';

const DIR = join(packageRoot(), 'migrations', 'postgres');
const ROLES = readFileSync(join(DIR, '002-roles.sql'), 'utf8');
const DB = 'dayops';

/** The migration runner's own table (src/db/pg creates it before the first migration). */
const RUNNER_TABLE = `CREATE TABLE dayops_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
  applied_at BIGINT NOT NULL, applied_by TEXT NOT NULL DEFAULT session_user)`;

const PEOPLE = {
  alice: 'dayops_operator',
  bob: 'dayops_operator',
  vic: 'dayops_viewer',
  adm: 'dayops_admin',
  wrk: 'dayops_worker',
} as const;
type Person = keyof typeof PEOPLE;
const password = (who: Person) => `pw-${who}-${who.length}`;

/** What SQLite's final schema has: tables (with columns), indexes, foreign keys. */
function sqliteSchema() {
  const db = openDatabase(':memory:');
  try {
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((t) => t.name);
    const columns = new Map<string, string[]>();
    const indexes: { table: string; name: string; unique: boolean; partial: boolean }[] = [];
    const fks: string[] = [];
    /** Primary keys and UNIQUE constraints: `table p|u (columns)`. */
    const keys: string[] = [];
    /** CHECK (column IN (...)): `table.column: value, value`. */
    const checks: string[] = [];
    for (const t of tables) {
      const { sql } = db.prepare<[string], { sql: string }>('SELECT sql FROM sqlite_master WHERE name = ?').get(t)!;
      for (const m of sql.matchAll(/CHECK \((\w+) IN \(([^)]*)\)\)/g)) {
        checks.push(`${t}.${m[1]}: ${[...m[2].matchAll(/'([^']*)'/g)].map((v) => v[1]).join(', ')}`);
      }
      const pk = db
        .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${t}') WHERE pk > 0 ORDER BY pk`)
        .all()
        .map((c) => c.name);
      keys.push(`${t} p (${pk.join(', ')})`);
      columns.set(
        t,
        db
          .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${t}') ORDER BY cid`)
          .all()
          .map((c) => c.name),
      );
      for (const i of db
        .prepare<[], { name: string; unique: number; partial: number; origin: string }>(
          `SELECT name, "unique", partial, origin FROM pragma_index_list('${t}')`,
        )
        .all()) {
        if (i.origin === 'c')
          indexes.push({ table: t, name: i.name, unique: i.unique === 1, partial: i.partial === 1 });
        if (i.origin === 'u') {
          const cols = db
            .prepare<[], { name: string }>(`SELECT name FROM pragma_index_info('${i.name}') ORDER BY seqno`)
            .all()
            .map((c) => c.name);
          keys.push(`${t} u (${cols.join(', ')})`);
        }
      }
      for (const f of db
        .prepare<[], { table: string; from: string; to: string; on_delete: string }>(
          `SELECT "table", "from", "to", on_delete FROM pragma_foreign_key_list('${t}')`,
        )
        .all()) {
        fks.push(`${t}.${f.from} -> ${f.table}.${f.to} ON DELETE ${f.on_delete}`);
      }
    }
    return { tables, columns, indexes, fks: fks.sort(), keys: keys.sort(), checks: checks.sort() };
  } finally {
    db.close();
  }
}

describe.skipIf(SKIP_POSTGRES)('PostgreSQL schema and roles (migrations/postgres)', () => {
  let server: PgServer;
  const clients = new Map<Person, pg.Client>();
  let stackId = 0;
  let runId = 0;

  /** A statement on `who`'s own connection to the dayops database. */
  const as = async (who: Person, sql: string, params: unknown[] = []) => {
    let c = clients.get(who);
    if (!c) {
      c = new pg.Client({ connectionString: server.url(who, password(who), DB) });
      await c.connect();
      clients.set(who, c);
    }
    return c.query(sql, params);
  };
  const denied = /permission denied for table/;
  const rls = /new row violates row-level security policy/;

  beforeAll(async () => {
    server = await startPostgres();
    await server.createDatabase(DB);
    await server.exec(RUNNER_TABLE, DB);
    // Every file of migrations/postgres in order (001 the schema, 002 the roles, then what later branches add), each
    // in one transaction, recorded as the runner does.
    const files = loadPgMigrations();
    expect(files.slice(0, 2).map((m) => m.name)).toEqual(['schema', 'roles']);
    for (const m of files) {
      await server.exec(
        `${m.sql}\n;\nINSERT INTO dayops_schema (version, name, applied_at) VALUES (${m.version}, '${m.name}', 0)`,
        DB,
      );
    }
    for (const [who, group] of Object.entries(PEOPLE))
      await server.createLoginRole(who, password(who as Person), [group]);
    const s = await server.query<{ id: string }>(
      `INSERT INTO stacks (name, dir, tool, environment, created_at, updated_at)
       VALUES ('web', '/srv/web', 'terraform', 'prod', 1, 1) RETURNING id`,
      [],
      DB,
    );
    stackId = Number(s.rows[0].id);
    const r = await server.query<{ id: string }>(
      `INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at)
       VALUES ($1, 'tracked', 'UNCONFIRMED', 'alice', 2, 2) RETURNING id`,
      [stackId],
      DB,
    );
    runId = Number(r.rows[0].id);
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.end().catch(() => undefined)));
    await server?.stop();
  });

  test('every SQLite table is there with the same columns, keys, indexes, CHECK constraints and foreign keys', async () => {
    const lite = sqliteSchema();
    expect(lite.tables.length).toBeGreaterThan(20);
    const pgCols = await server.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'
       ORDER BY table_name, ordinal_position`,
      [],
      DB,
    );
    const pgTables = new Map<string, string[]>();
    for (const r of pgCols.rows) pgTables.set(r.table_name, [...(pgTables.get(r.table_name) ?? []), r.column_name]);
    for (const t of lite.tables)
      expect({ table: t, columns: pgTables.get(t)?.sort() }).toEqual({
        table: t,
        columns: lite.columns.get(t)?.sort(),
      });
    // Nothing more than the SQLite tables, but the runner's own.

    const pgIdx = await server.query<{ name: string; table: string; unique: boolean; partial: boolean }>(
      `SELECT i.relname AS name, t.relname AS table, x.indisunique AS unique, x.indpred IS NOT NULL AS partial
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'`,
      [],
      DB,
    );
    const byName = new Map(pgIdx.rows.map((i) => [i.name, i]));
    expect(lite.indexes.length).toBeGreaterThan(25);
    for (const i of lite.indexes) expect(byName.get(i.name)).toEqual(i);

    const pgFks = await server.query<{ fk: string }>(
      `SELECT c.conrelid::regclass || '.' || a.attname || ' -> ' || c.confrelid::regclass || '.' || b.attname
         || ' ON DELETE ' || CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'c' THEN 'CASCADE'
           WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT' ELSE 'SET DEFAULT' END AS fk
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
       WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY ($1)`,
      [lite.tables],
      DB,
    );
    expect(pgFks.rows.map((r) => r.fk).sort()).toEqual(lite.fks);

    const pgKeys = await server.query<{ key: string }>(
      `SELECT c.conrelid::regclass::text || ' ' || c.contype::text || ' (' || string_agg(a.attname, ', ' ORDER BY k.i) || ')' AS key
       FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, i)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.contype IN ('p', 'u') AND c.conrelid::regclass::text = ANY ($1)
       GROUP BY c.oid, c.conrelid, c.contype`,
      [lite.tables],
      DB,
    );
    expect(pgKeys.rows.map((r) => r.key).sort()).toEqual(lite.keys);

    // PostgreSQL shows `CHECK ((state = ANY (ARRAY['QUEUED'::text, ...])))`.
    const pgChecks = await server.query<{ t: string; def: string }>(
      `SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE contype = 'c' AND conrelid::regclass::text = ANY ($1)`,
      [lite.tables],
      DB,
    );
    const checks = pgChecks.rows.map(({ t, def }) => {
      const column = /^CHECK \(\((\w+) = ANY/.exec(def)?.[1] ?? def;
      return `${t}.${column}: ${[...def.matchAll(/'([^']*)'::text/g)].map((v) => v[1]).join(', ')}`;
    });
    expect(lite.checks.length).toBeGreaterThan(20);
    expect(checks.sort()).toEqual(lite.checks);
  });

  test('CHECK constraints and the append-only audit log hold, also for the superuser', async () => {
    await expect(
      server.query(
        `INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at)
         VALUES ($1, 'tracked', 'DONE', 'x', 1, 1)`,
        [stackId],
        DB,
      ),
    ).rejects.toThrow(/runs_state_check/);
    await server.query(`INSERT INTO audit_log (at, "user", action) VALUES (1, 'postgres', 'approve')`, [], DB);
    await expect(server.query('UPDATE audit_log SET action = $1', ['discard'], DB)).rejects.toThrow(
      'audit_log is append-only',
    );
    await expect(server.query('DELETE FROM audit_log', [], DB)).rejects.toThrow('audit_log is append-only');
    await expect(server.query('TRUNCATE audit_log', [], DB)).rejects.toThrow('audit_log is append-only');
  });

  test('a run keeps an error of any length (no index entry holds it)', async () => {
    // Random text does not compress: far beyond the ~2.7 kB a B-tree entry may hold.
    const error = Array.from({ length: 5000 }, () => Math.random().toString(36).slice(2, 6)).join(' ');
    const r = await server.query<{ n: number }>(
      `INSERT INTO runs (stack_id, kind, state, triggered_by, error, created_at, updated_at)
       VALUES ($1, 'tracked', 'FAILED', 'alice', $2, 3, 3) RETURNING length(error) AS n`,
      [stackId, error],
      DB,
    );
    expect(r.rows[0].n).toBe(error.length);
  });

  test('applying the roles again changes nothing and fails nothing', async () => {
    const privileges = () =>
      server.query(
        `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
         WHERE grantee LIKE 'dayops_%' ORDER BY 1, 2, 3`,
        [],
        DB,
      );
    const before = (await privileges()).rows;
    await server.exec(ROLES, DB);
    expect((await privileges()).rows).toEqual(before);
    expect(before.length).toBeGreaterThan(50);
  });

  test('a viewer reads everything and changes nothing', async () => {
    const runs = await as('vic', 'SELECT id, state FROM runs WHERE id = $1', [runId]);
    expect(runs.rows).toEqual([{ id: String(runId), state: 'UNCONFIRMED' }]);
    const applied = await as('vic', 'SELECT name FROM dayops_schema ORDER BY version');
    expect(applied.rows.slice(0, 2)).toEqual([{ name: 'schema' }, { name: 'roles' }]);
    await expect(
      as(
        'vic',
        `INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at)
         VALUES ($1, 'tracked', 'QUEUED', 'vic', 1, 1)`,
        [stackId],
      ),
    ).rejects.toThrow(denied);
    await expect(
      as('vic', `INSERT INTO approvals (run_id, "user", at) VALUES ($1, 'vic', 1)`, [runId]),
    ).rejects.toThrow(denied);
    await expect(as('vic', 'UPDATE runs SET cancel_requested = 1 WHERE id = $1', [runId])).rejects.toThrow(denied);
    await expect(as('vic', 'DELETE FROM runs WHERE id = $1', [runId])).rejects.toThrow(denied);
    await expect(as('vic', 'CREATE ROLE sneaky LOGIN')).rejects.toThrow(/permission denied/);
  });

  test('an operator approves as itself only; the approval names the login by default', async () => {
    await as('alice', `INSERT INTO approvals (run_id, "user", comment, at) VALUES ($1, 'alice', 'ok', 10)`, [runId]);
    await expect(
      as('alice', `INSERT INTO approvals (run_id, "user", comment, at) VALUES ($1, 'bob', 'forged', 11)`, [runId]),
    ).rejects.toThrow(rls);
    await as('bob', 'INSERT INTO approvals (run_id, at) VALUES ($1, 12)', [runId]);
    const rows = await as('vic', 'SELECT "user" FROM approvals WHERE run_id = $1 ORDER BY id', [runId]);
    expect(rows.rows).toEqual([{ user: 'alice' }, { user: 'bob' }]);
    // Nor can an operator slip another name into the audit log, an acknowledgement, a triage or a silence.
    await expect(
      as('alice', `INSERT INTO audit_log (at, "user", action) VALUES (1, 'bob', 'approve')`),
    ).rejects.toThrow(rls);
    await as('alice', `INSERT INTO audit_log (at, action, run_id) VALUES (13, 'approve', $1)`, [runId]);
    await expect(
      as(
        'alice',
        `INSERT INTO alert_acks (stack_id, fingerprint, starts_at, "user", at) VALUES ($1, 'f1', 1, 'bob', 1)`,
        [stackId],
      ),
    ).rejects.toThrow(rls);
    await as('alice', `INSERT INTO alert_acks (stack_id, fingerprint, starts_at, at) VALUES ($1, 'f1', 1, 1)`, [
      stackId,
    ]);
    // Re-acknowledging takes the ack over, under one's own name only.
    const takeOver = `INSERT INTO alert_acks (stack_id, fingerprint, starts_at, "user", at) VALUES ($1, 'f1', 1, $2, 2)
      ON CONFLICT (stack_id, fingerprint) DO UPDATE SET "user" = excluded."user", at = excluded.at`;
    await expect(as('bob', takeOver, [stackId, 'alice'])).rejects.toThrow(rls);
    await as('bob', takeOver, [stackId, 'bob']);
    await expect(
      as(
        'alice',
        `INSERT INTO drift_triage (stack_id, address, fingerprint, kind, "user", at)
         VALUES ($1, 'aws_s3_bucket.logs', 'h', 'accepted', 'bob', 1)`,
        [stackId],
      ),
    ).rejects.toThrow(rls);
    const silence = `INSERT INTO silences (id, stack_id, url, matchers, starts_at, ends_at, created_by, comment, kind, created_at)
      VALUES ($1, $2, 'http://am', '[]', 1, 2, $3, 'c', 'manual', 1)`;
    await expect(as('alice', silence, ['s1', stackId, 'bob'])).rejects.toThrow(rls);
    await as('alice', silence, ['s1', stackId, 'alice']);
    // Expiring is recorded under one's own name; who created it stays as it was.
    await expect(as('bob', `UPDATE silences SET expired_at = 5, expired_by = 'alice' WHERE id = 's1'`)).rejects.toThrow(
      rls,
    );
    await expect(as('bob', `UPDATE silences SET created_by = 'bob' WHERE id = 's1'`)).rejects.toThrow(denied);
    await as('bob', `UPDATE silences SET expired_at = 5, expired_by = 'bob' WHERE id = 's1'`);
    // The operator drives its runs.
    await as('alice', 'UPDATE runs SET cancel_requested = 1 WHERE id = $1', [runId]);
    await as('alice', `INSERT INTO run_transitions (run_id, state, at) VALUES ($1, 'CANCELED', 20)`, [runId]);
  });

  test('stacks are an admin matter; only an admin deletes, and nobody the audit log', async () => {
    const add = `INSERT INTO stacks (name, dir, tool, environment, created_at, updated_at)
      VALUES ($1, '/srv/x', 'ansible', 'dev', 1, 1) RETURNING id`;
    await expect(as('alice', add, ['from-alice'])).rejects.toThrow(denied);
    await expect(as('wrk', add, ['from-wrk'])).rejects.toThrow(denied);
    const made = await as('adm', add, ['from-adm']);
    expect(made.rows).toHaveLength(1);
    await as('adm', `UPDATE stacks SET environment = 'staging' WHERE name = 'from-adm'`);
    await expect(as('alice', `DELETE FROM runs WHERE id = $1`, [runId])).rejects.toThrow(denied);
    await expect(as('alice', 'DELETE FROM approvals')).rejects.toThrow(denied);
    await as('adm', `DELETE FROM stacks WHERE name = 'from-adm'`);
    await expect(as('adm', 'DELETE FROM audit_log')).rejects.toThrow(denied);
    await expect(as('adm', `UPDATE audit_log SET "user" = 'adm'`)).rejects.toThrow(denied);
  });

  test('a worker executes runs and Day-2 jobs but does not approve', async () => {
    const r = await as(
      'wrk',
      `INSERT INTO runs (stack_id, kind, purpose, state, triggered_by, trigger, created_at, updated_at)
       VALUES ($1, 'proposed', 'drift', 'QUEUED', 'wrk', 'schedule', 30, 30) RETURNING id`,
      [stackId],
    );
    const id = Number(r.rows[0].id);
    await as('wrk', `UPDATE runs SET state = 'PLANNING', log_lines = 1 WHERE id = $1`, [id]);
    await as(
      'wrk',
      `INSERT INTO run_logs (id, last_seq, at, meta, text) VALUES ($1, 1, 31, '\\x00'::bytea, '\\x0b'::bytea)`,
      [id * 2 ** 32 + 1],
    );
    await as('wrk', `INSERT INTO sources (key, fetched_at, failures) VALUES ('alerts:web', 1, 0)`);
    await as(
      'wrk',
      `INSERT INTO notify_outbox (event_id, route, cond_key, kind, target, payload, created_at, next_attempt_at)
       VALUES ('e1', 'alertmanager', 'test:web', 'test', 'http://am', '{}', 1, 1)`,
    );
    await as('wrk', `INSERT INTO audit_log (at, action, stack_id) VALUES (32, 'drift', $1)`, [stackId]);
    await as('wrk', `DELETE FROM alert_acks WHERE stack_id = $1`, [stackId]);
    await expect(
      as('wrk', `INSERT INTO approvals (run_id, "user", at) VALUES ($1, 'wrk', 1)`, [runId]),
    ).rejects.toThrow(denied);
    await expect(
      as(
        'wrk',
        `INSERT INTO drift_triage (stack_id, address, fingerprint, kind, at) VALUES ($1, 'a', 'h', 'accepted', 1)`,
        [stackId],
      ),
    ).rejects.toThrow(denied);
    const audit = await as('vic', `SELECT "user" FROM audit_log WHERE action = 'drift'`);
    expect(audit.rows).toEqual([{ user: 'wrk' }]);
  });
});
