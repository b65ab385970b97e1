/**
 * Team mode (a shared PostgreSQL) against the embedded SQLite, on the same data:
 *
 * - Dashboard: the 1,000-stack fleet of bench/dashboard.ts (100,000 cached alerts, 20,000 runs), built in SQLite
 *   and copied row for row into a team database. What the dashboard's first frame reads (`stackStatuses` of every
 *   stack, on a connection opened for it) is timed on each engine, with the number of queries it sent; then the
 *   real first frame (`dayops --db TARGET` in a pseudo-terminal, spawn to the table on screen) on each. Target
 *   (the issue's): team mode within 1.5x of SQLite.
 * - Log ingest: 200,000 run log lines stored through the run engine's log writer (`LogsRepo.append`, batches of
 *   2,000 lines, as the runner hands them over) into each engine; lines per second. The runner's own figure on
 *   SQLite (its log thread) stays in the runner-log benchmark.
 *
 * The PostgreSQL server is started here as the tests start theirs (test/helpers/postgres.ts: initdb and pg_ctl on
 * a temporary folder and a free port; durability off, as a throwaway server).
 *
 * Run: `npm run bench` or `npm run build && node dist/bench/run.js team`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { redactUrl, type DB } from '../src/db/engine.js';
import { LogsRepo, type LogLine } from '../src/db/logs.js';
import { openDatabase } from '../src/db/open.js';
import { PgDatabase } from '../src/db/pg/database.js';
import { RunsRepo } from '../src/db/runs/repo.js';
import { StacksRepo } from '../src/db/stacks.js';
import { stackStatuses } from '../src/day2/status.js';
import { findPostgresBin } from '../test/helpers/postgres.js';
import { startTeamServer } from '../test/helpers/team-server.js';
import { buildFleet, timeToScreen } from './dashboard.js';
import type { Benchmark, BenchReport } from './run.js';
import { median } from './timing.js';

const STACKS = 1_000;
const REPS = 7;
const LOG_LINES = 200_000;
const LOG_BATCH = 2_000;
const TARGET_RATIO = 1.5;

/**
 * Copy every table of a SQLite database into an empty team database with the same schema (migrations/postgres
 * keeps them equal), many rows per INSERT; foreign keys and triggers are off while copying (replica role), and the
 * identity sequences are moved past the copied ids.
 */
export async function copySqliteToTeam(sqlitePath: string, url: string): Promise<void> {
  const src = new BetterSqlite3(sqlitePath, { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL session_replication_role = 'replica'");
    const tables = src
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((t) => t.name);
    for (const table of tables) {
      const cols = src
        .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)
        .all()
        .map((c) => c.name);
      const per = Math.max(1, Math.floor(20_000 / cols.length));
      const list = cols.map((c) => pg.escapeIdentifier(c)).join(', ');
      let batch: unknown[][] = [];
      const flush = async () => {
        if (!batch.length) return;
        const values: unknown[] = [];
        const rows = batch.map((r) => `(${r.map((v) => (values.push(v), `$${values.length}`)).join(', ')})`);
        await client.query(
          `INSERT INTO ${pg.escapeIdentifier(table)} (${list}) OVERRIDING SYSTEM VALUE VALUES ${rows.join(', ')}`,
          values,
        );
        batch = [];
      };
      for (const row of src.prepare(`SELECT * FROM "${table}"`).raw(true).iterate() as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length >= per) await flush();
      }
      await flush();
    }
    const identities = await client.query<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
        WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE 'nextval%')`,
    );
    for (const { t, c } of identities.rows) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${pg.escapeIdentifier(c)}) FROM ${pg.escapeIdentifier(t)}), 1))`,
        [t, c],
      );
    }
    await client.query('COMMIT');
    // What autovacuum has done on a database in use: statistics, and the visibility map (index-only scans).
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
    src.close();
  }
}

/** Queries a team connection sends while `fn` runs. */
function countQueries<T>(fn: () => T): { value: T; queries: number } {
  const proto = PgDatabase.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  let queries = 0;
  proto.query = function (this: unknown, ...a: unknown[]) {
    queries++;
    return original.apply(this, a);
  };
  try {
    return { value: fn(), queries };
  } finally {
    proto.query = original;
  }
}

/** `stackStatuses` on a connection opened for it (the first frame's read), then warm, median of REPS each. */
function statusTimes(target: string): { firstMs: number; warmMs: number; queries: number } {
  const first: number[] = [];
  const warm: number[] = [];
  let queries = 0;
  for (let i = 0; i < REPS; i++) {
    const db = openDatabase(target);
    try {
      const t0 = performance.now();
      const { value, queries: q } = countQueries(() => stackStatuses(db, Date.now()));
      first.push(performance.now() - t0);
      if (value.length !== STACKS) throw new Error(`stackStatuses returned ${value.length} stacks, not ${STACKS}`);
      const t1 = performance.now();
      stackStatuses(db, Date.now());
      warm.push(performance.now() - t1);
      queries = q;
    } finally {
      db.close();
    }
  }
  return { firstMs: median(first), warmMs: median(warm), queries };
}

/** Lines as a Terraform plan prints them. */
function logLines(runId: number, from: number, n: number): LogLine[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    const text = `  # aws_instance.web[${seq}] will be updated in-place ~ tags = { "Name" = "web-${seq}" -> "web-${seq}-b" }`;
    return { runId, seq, at: 1_700_000_000_000 + seq, stream: 'stdout', phase: 'plan', text, plain: null, raw: null };
  });
}

/** Lines per second stored through `LogsRepo.append` in batches, into a fresh database at `target`. */
function logIngest(target: string): number {
  const db: DB = openDatabase(target);
  try {
    const stack = new StacksRepo(db).upsert({ name: 'logs', dir: '/tmp/logs', tool: 'terraform', environment: 'dev' });
    const run = new RunsRepo(db).create({
      stackId: stack.id,
      kind: 'tracked',
      purpose: 'deploy',
      triggeredBy: 'bench',
      trigger: 'cli',
      autoApply: false,
      owner: null,
    });
    const logs = new LogsRepo(db);
    const batches = Array.from({ length: LOG_LINES / LOG_BATCH }, (_, b) =>
      logLines(run.id, 1 + b * LOG_BATCH, LOG_BATCH),
    );
    const t0 = performance.now();
    for (const b of batches) logs.append(run.id, b);
    const ms = performance.now() - t0;
    if (logs.count(run.id) !== LOG_LINES) throw new Error(`stored ${logs.count(run.id)} lines, not ${LOG_LINES}`);
    return (LOG_LINES / ms) * 1000;
  } finally {
    db.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export const teamBenchmark: Benchmark = {
  name: 'team',
  summary: 'team mode (PostgreSQL) vs SQLite: dashboard first frame at 1,000 stacks, log lines/s stored',
  async run(): Promise<BenchReport> {
    if (!findPostgresBin())
      return {
        name: 'team',
        ok: false,
        lines: ['not measured: PostgreSQL (initdb, pg_ctl) is needed: apt-get install postgresql'],
      };
    const dir = mkdtempSync(join(tmpdir(), 'dayops-bench-team-'));
    const team = await startTeamServer(join(dir, 'team'));
    try {
      const lines: string[] = [];
      const figures: Record<string, number> = {};

      // Dashboard: the same fleet in both engines.
      const t0 = performance.now();
      const sqlitePath = buildFleet(dir);
      const teamUrl = team.fresh('fleet');
      await copySqliteToTeam(sqlitePath, teamUrl);
      lines.push(
        `fleet: ${STACKS} stacks, 100,000 cached alerts, 20,000 runs in SQLite and copied to PostgreSQL (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      const lite = statusTimes(sqlitePath);
      const pgs = statusTimes(teamUrl);
      const readRatio = pgs.firstMs / lite.firstMs;
      figures.statusSqliteMs = lite.firstMs;
      figures.statusPostgresMs = pgs.firstMs;
      figures.statusPostgresQueries = pgs.queries;
      figures.statusRatio = readRatio;
      lines.push(
        `first frame's read (stackStatuses of ${STACKS} stacks on a new connection), median of ${REPS}: SQLite ${lite.firstMs.toFixed(0)} ms, PostgreSQL ${pgs.firstMs.toFixed(0)} ms in ${pgs.queries} queries (${readRatio.toFixed(2)}x); warm ${lite.warmMs.toFixed(0)} / ${pgs.warmMs.toFixed(0)} ms`,
      );

      // The real first frame of each, spawn to the table on screen.
      const cli = join(import.meta.dirname, '..', 'dayops.mjs');
      const firstFrame = (s: string) =>
        s.includes('STACK') &&
        s.includes(`Stacks ${STACKS}`) &&
        /svc-0000\s+dev\s.*(drifted|in sync|checking|failed)/.test(s);
      const frame = async (target: string) =>
        (await timeToScreen([process.execPath, cli, '--db', target], [firstFrame]))[0];
      let ok = true;
      try {
        await frame(sqlitePath);
        await frame(teamUrl);
        const l: number[] = [];
        const p: number[] = [];
        for (let i = 0; i < REPS; i++) {
          l.push(await frame(sqlitePath));
          p.push(await frame(teamUrl));
        }
        const lm = median(l);
        const pm = median(p);
        const ratio = pm / lm;
        figures.firstFrameSqliteMs = lm;
        figures.firstFramePostgresMs = pm;
        figures.firstFrameRatio = ratio;
        ok = ratio < TARGET_RATIO;
        lines.push(
          `dashboard first frame (dayops --db, pseudo-terminal, spawn to screen), median of ${REPS}: SQLite ${lm.toFixed(0)} ms, PostgreSQL ${pm.toFixed(0)} ms: ${ratio.toFixed(2)}x (target under ${TARGET_RATIO}x)`,
        );
      } catch (err) {
        ok = false;
        const why = (err as Error).message.split('\n')[0].replaceAll(teamUrl, redactUrl(teamUrl));
        lines.push(`dashboard first frame: not measured: ${why}`);
      }

      // Log ingest.
      const liteLogs = logIngest(join(dir, 'logs.db'));
      const pgLogs = logIngest(team.fresh('logs'));
      figures.logLinesPerSecSqlite = liteLogs;
      figures.logLinesPerSecPostgres = pgLogs;
      lines.push(
        `log lines stored (LogsRepo.append, ${fmt(LOG_LINES)} lines in batches of ${fmt(LOG_BATCH)}): SQLite ${fmt(liteLogs)} lines/s, PostgreSQL ${fmt(pgLogs)} lines/s (${(pgLogs / liteLogs).toFixed(2)}x)`,
      );
      return { name: 'team', ok, lines, figures };
    } finally {
      await team.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
