/**
 * `dayops team push`: the SQL of copying a personal workspace (a dayops SQLite file, opened read-only) into a team
 * database (PostgreSQL). `SourceWorkspace` reads the file; `PushTarget` writes the team database and its record of
 * what was pushed (`push_rows`, migrations/postgres/005-push.sql). What to copy and how ids are remapped is decided
 * in src/app/team/push.ts.
 *
 * Rows are copied column by column: the columns both sides have (so a column one engine's schema adds later, such
 * as a worker's lease, takes its default), never the source's id (the team database gives its own).
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { DB, Statement } from './engine.js';

/** The tables a push copies, in the order the summary lists them. */
export const PUSH_TABLES = [
  'stacks',
  'runs',
  'run_transitions',
  'approvals',
  'run_logs',
  'check_results',
  'drift_checks',
  'drift_resources',
  'run_cascades',
  'stack_outputs',
  'schedule_state',
  'drift_triage',
  'alert_acks',
  'silences',
  'audit_log',
] as const;
export type PushTable = (typeof PUSH_TABLES)[number];
export type Counts = Record<PushTable, number>;

/** The records with an identity of their own, kept in `push_rows` (the rest are copied with their run). */
export type PushKind =
  'stacks' | 'runs' | 'audit_log' | 'drift_triage' | 'drift_checks' | 'check_results' | 'alert_acks' | 'silences';

export const zeroCounts = (): Counts => Object.fromEntries(PUSH_TABLES.map((t) => [t, 0])) as Counts;

export type Row = Record<string, unknown>;

export interface SourceStack {
  id: number;
  name: string;
  dir: string;
  tool: string;
  environment: string;
}

export interface RunHead {
  id: number;
  stack_id: number;
  state: string;
  kind: string;
  triggered_by: string;
  created_at: number;
}

/** Chunk keys of run_logs: `run_id * 2^32 + first_seq` (src/db/logs.ts). */
export const LOG_KEY = 4294967296;

/** A personal workspace, read-only: nothing here writes to the file. */
export class SourceWorkspace {
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Open `path` read-only and check it is a dayops database of this dayops' schema (`latest`). One-line errors:
   * missing, not a dayops database, newer or older schema.
   */
  static open(path: string, latest: number): SourceWorkspace {
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch (err) {
      throw new UserError(`${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!isFile) throw new UserError(`${path}: not a file; --from names a dayops database file`);
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('stacks', 'runs', 'run_logs', 'audit_log')",
        )
        .all();
      if (version === 0 || tables.length !== 4) throw new UserError(`${path}: not a dayops database`);
      if (version > latest)
        throw new UserError(
          `${path}: written by a newer dayops (schema ${version}, this dayops knows ${latest}); push it with that dayops, or upgrade this one`,
        );
      if (version < latest)
        throw new UserError(
          `${path}: written by an older dayops (schema ${version}, this dayops knows ${latest}); open it once with this dayops (\`dayops --db ${path} status\`) to upgrade it, then push`,
        );
      // One snapshot for the whole push: a dayops writing the file meanwhile changes nothing of what is read.
      db.exec('BEGIN');
      return new SourceWorkspace(db, path);
    } catch (err) {
      db?.close();
      if (err instanceof UserError) throw err;
      const code = String((err as { code?: unknown }).code ?? '');
      if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
        throw new UserError(`${path}: not a dayops database (${(err as Error).message})`);
      throw new UserError(`${path}: cannot read it (${(err as Error).message})`);
    }
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private all<R = Row>(sql: string, ...args: unknown[]): R[] {
    return this.stmt(sql).all(...args) as R[];
  }

  /**
   * The workspace's id: its first stack's name and creation time, hashed. Stacks are never removed, so it never
   * changes; it does not depend on where the file lies. Null when the workspace has no stack (nothing to push).
   */
  workspaceId(): string | null {
    const first = this.stmt('SELECT name, created_at FROM stacks ORDER BY id LIMIT 1').get() as
      { name: string; created_at: number } | undefined;
    if (!first) return null;
    return createHash('sha256')
      .update(`dayops-workspace\0${first.name}\0${first.created_at}`)
      .digest('hex')
      .slice(0, 16);
  }

  /** How many rows each table holds. */
  totals(): Counts {
    const out = zeroCounts();
    for (const t of PUSH_TABLES) out[t] = (this.stmt(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return out;
  }

  stacks(): (SourceStack & Row)[] {
    return this.all('SELECT * FROM stacks ORDER BY id');
  }

  runHeads(): RunHead[] {
    return this.all('SELECT id, stack_id, state, kind, triggered_by, created_at FROM runs ORDER BY id');
  }

  run(id: number): Row {
    return this.stmt('SELECT * FROM runs WHERE id = ?').get(id) as Row;
  }

  /** Rows of a table bound to one run (`run_id = ?`), in id order where the table has one. */
  ofRun(table: 'run_transitions' | 'approvals' | 'check_results' | 'drift_checks', runId: number): Row[] {
    return this.all(`SELECT * FROM ${table} WHERE run_id = ? ORDER BY id`, runId);
  }

  cascade(runId: number): Row | undefined {
    return this.stmt('SELECT * FROM run_cascades WHERE run_id = ?').get(runId) as Row | undefined;
  }

  /** The run's log chunks, in order, as stored (compressed). */
  logChunks(runId: number): Row[] {
    return this.all(
      'SELECT * FROM run_logs WHERE id >= ? AND id < ? ORDER BY id',
      runId * LOG_KEY,
      (runId + 1) * LOG_KEY,
    );
  }

  driftResources(checkId: number): Row[] {
    return this.all('SELECT * FROM drift_resources WHERE check_id = ? ORDER BY address', checkId);
  }

  /** Drift checks and check results not bound to a run (`dayops check`, scheduled checks, a check never started). */
  unbound(table: 'drift_checks' | 'check_results'): Row[] {
    return this.all(`SELECT * FROM ${table} WHERE run_id IS NULL ORDER BY id`);
  }

  scheduleState(stackId: number): Row[] {
    return this.all('SELECT * FROM schedule_state WHERE stack_id = ? ORDER BY job', stackId);
  }

  stackOutputs(stackId: number): Row | undefined {
    return this.stmt('SELECT * FROM stack_outputs WHERE stack_id = ?').get(stackId) as Row | undefined;
  }

  triage(): Row[] {
    return this.all('SELECT * FROM drift_triage ORDER BY id');
  }

  audit(): Row[] {
    return this.all('SELECT * FROM audit_log ORDER BY id');
  }

  acks(): Row[] {
    return this.all('SELECT * FROM alert_acks ORDER BY at');
  }

  silences(): Row[] {
    return this.all('SELECT * FROM silences ORDER BY created_at');
  }
}

export interface TeamStack {
  id: number;
  name: string;
  dir: string;
  tool: string;
  environment: string;
}

/** The team database's side: its rows and its record of what was pushed. */
export class PushTarget {
  private readonly columnsOf = new Map<string, Set<string>>();
  private readonly inserts = new Map<string, Statement>();
  private readonly stackStmt;
  private readonly pushedStmt;
  private readonly lookupStmt;
  private readonly recordStmt;
  private readonly triageAtStmt;

  constructor(readonly db: DB) {
    this.stackStmt = db.prepare<[string], TeamStack>(
      'SELECT id, name, dir, tool, environment FROM stacks WHERE name = ?',
    );
    this.pushedStmt = db.prepare<[string, string], { source_key: string; team_id: number }>(
      'SELECT source_key, team_id FROM push_rows WHERE workspace = ? AND kind = ?',
    );
    this.lookupStmt = db.prepare<[string, string, string], { team_id: number }>(
      'SELECT team_id FROM push_rows WHERE workspace = ? AND kind = ? AND source_key = ?',
    );
    this.recordStmt = db.prepare(
      'INSERT INTO push_rows (workspace, kind, source_key, team_id, pushed_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.triageAtStmt = db.prepare<[number, string], { at: number | null }>(
      'SELECT max(at) AS at FROM drift_triage WHERE stack_id = ? AND address = ?',
    );
  }

  /** The session may push: create stacks and record pushed rows (dayops_admin, or the tables' owner). */
  canPush(): boolean {
    const row = this.db
      .prepare<[], { ok: boolean }>(
        "SELECT has_table_privilege('stacks', 'INSERT') AND has_table_privilege('push_rows', 'INSERT') AS ok",
      )
      .get();
    return row?.ok === true;
  }

  stack(name: string): TeamStack | undefined {
    return this.stackStmt.get(name);
  }

  /** Everything pushed from `workspace` as `kind`: source key to team id. */
  pushed(workspace: string, kind: PushKind): Map<string, number> {
    return new Map(this.pushedStmt.all(workspace, kind).map((r) => [r.source_key, r.team_id]));
  }

  lookup(workspace: string, kind: PushKind, key: string): number | undefined {
    return this.lookupStmt.get(workspace, kind, key)?.team_id;
  }

  record(workspace: string, kind: PushKind, key: string, teamId: number, now: number): void {
    this.recordStmt.run(workspace, kind, key, teamId, now);
  }

  /** A fresh id of a table's identity column, taken before the row is written (so push_rows can name it first). */
  nextId(table: 'audit_log' | 'drift_triage'): number {
    const row = this.db
      .prepare<[], { id: number }>(`SELECT nextval(pg_get_serial_sequence('${table}', 'id')) AS id`)
      .get();
    if (!row) throw new Error(`no id from the sequence of ${table}`);
    return Number(row.id);
  }

  /** The team has an acknowledgement of this alert already (its own is kept). */
  hasAck(stackId: number, fingerprint: string): boolean {
    return (
      this.db
        .prepare<[number, string], { n: number }>(
          'SELECT count(*) AS n FROM alert_acks WHERE stack_id = ? AND fingerprint = ?',
        )
        .get(stackId, fingerprint)!.n > 0
    );
  }

  hasSilence(id: string): boolean {
    return this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM silences WHERE id = ?').get(id)!.n > 0;
  }

  /** When the team last triaged this address of this stack (null: never). */
  lastTriageAt(stackId: number, address: string): number | null {
    return this.triageAtStmt.get(stackId, address)?.at ?? null;
  }

  private columns(table: PushTable): Set<string> {
    let cols = this.columnsOf.get(table);
    if (!cols) {
      const rows = this.db
        .prepare<[string], { name: string }>(
          'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
        )
        .all(table);
      cols = new Set(rows.map((r) => r.name));
      this.columnsOf.set(table, cols);
    }
    return cols;
  }

  /**
   * Insert `row` into `table`: the columns the team table has, `id` only when `keepId` (log chunks' keys, and ids
   * taken with `nextId`). Returns the row's id (0 for a table without one). `onConflict`: `DO NOTHING` and the
   * like, for rows the team may hold already (then `inserted` is false).
   */
  insert(
    table: PushTable,
    row: Row,
    opts: { keepId?: boolean; onConflict?: string } = {},
  ): { id: number; inserted: boolean } {
    const have = this.columns(table);
    const cols = Object.keys(row).filter((c) => have.has(c) && (c !== 'id' || opts.keepId));
    const returning = have.has('id') && table !== 'run_logs' ? ' RETURNING id' : '';
    const sql = `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})${opts.onConflict ? ` ON CONFLICT ${opts.onConflict}` : ''}${returning}`;
    let stmt = this.inserts.get(sql);
    if (!stmt) this.inserts.set(sql, (stmt = this.db.prepare(sql)));
    const info = stmt.run(...cols.map((c) => row[c]));
    return { id: Number(info.lastInsertRowid), inserted: info.changes > 0 };
  }
}
