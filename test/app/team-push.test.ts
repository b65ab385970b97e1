/**
 * `dayops team push --from FILE`: a personal workspace (the demo's history: stacks, runs with logs, approvals by
 * alice and bob, drift checks and triage, the audit log) copied into a real PostgreSQL that `team init` prepared,
 * by an admin login. Pushing again copies nothing; a run added afterwards is the only thing the next push copies;
 * a run still going is left out until it ended; the file is never changed; the CLI's refusals are one line and never
 * show the password.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pushWorkspace, type PushResult } from '../../src/app/team/push.js';
import { LogsRepo } from '../../src/db/logs.js';
import { loadMigrations, openDatabase, type DB } from '../../src/db/open.js';
import { PgDatabase } from '../../src/db/pg/database.js';
import { initTeamDatabase, openTeamDatabase } from '../../src/db/pg/open.js';
import { RunsRepo } from '../../src/db/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { createDemo } from '../../src/demo/index.js';
import { runCli } from '../helpers/cli.js';
import { SKIP_POSTGRES, startPostgres, type PgServer } from '../helpers/postgres.js';

const ADMIN_PW = 'adm-s3cret-pw';
const OPERATOR_PW = 'opr-s3cret-pw';

let server: PgServer;
let dir: string;
let source: string;
let adminUrl: string;
let operatorUrl: string;
const opened: PgDatabase[] = [];

function team(url = adminUrl): PgDatabase {
  const db = openTeamDatabase(url, { localDir: join(dir, 'local') });
  opened.push(db);
  return db;
}

const fileHash = () => createHash('sha256').update(readFileSync(source)).digest('hex');

function count(db: DB, sql: string, ...args: unknown[]): number {
  return Number((db.prepare(sql).get(...args) as { n: number }).n);
}

/** What the team database holds, per table. */
function teamCounts(db: DB) {
  const out: Record<string, number> = {};
  for (const t of ['stacks', 'runs', 'run_transitions', 'approvals', 'run_logs', 'drift_checks', 'audit_log'])
    out[t] = count(db, `SELECT count(*) AS n FROM ${t}`);
  return out;
}

/** The team id of a run pushed from `workspace` (its id there: `srcId`). */
function teamRunId(db: DB, workspace: string | null, srcId: number): number {
  return db
    .prepare<[string, string], { team_id: number }>(
      "SELECT team_id FROM push_rows WHERE kind = 'runs' AND workspace = ? AND source_key LIKE ?",
    )
    .get(workspace ?? '', `%,${srcId}]`)!.team_id;
}

/** A finished run added to the workspace, with a few log lines. */
function addFinishedRun(db: DB, stack: string, lines: string[]): number {
  const runs = new RunsRepo(db);
  const s = new StacksRepo(db).get(stack)!;
  const run = runs.create({
    stackId: s.id,
    kind: 'proposed',
    purpose: 'deploy',
    triggeredBy: 'carol',
    trigger: 'cli',
    autoApply: false,
    owner: { host: hostname(), pid: process.pid, start: null },
  });
  runs.move(run.id, 'start');
  runs.move(run.id, 'plan');
  new LogsRepo(db).append(
    run.id,
    lines.map((text, i) => ({
      runId: run.id,
      seq: i + 1,
      at: Date.now() + i,
      stream: 'stdout' as const,
      phase: 'plan' as const,
      text,
      plain: null,
      raw: null,
    })),
  );
  runs.move(run.id, 'finish', { note: 'plan only' });
  return run.id;
}

describe.skipIf(SKIP_POSTGRES)('team push', () => {
  let activeRun = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dayops-push-'));
    source = join(dir, 'alice.db');
    await createDemo({ dbPath: source, user: 'alice', runLocal: false });
    // A run still waiting for approval: not copied until it ended.
    const db = openDatabase(source);
    try {
      const runs = new RunsRepo(db);
      const s = new StacksRepo(db).list()[0];
      const run = runs.create({
        stackId: s.id,
        kind: 'tracked',
        purpose: 'deploy',
        triggeredBy: 'alice',
        trigger: 'cli',
        autoApply: false,
        owner: { host: hostname(), pid: process.pid, start: null },
      });
      runs.move(run.id, 'start');
      runs.move(run.id, 'plan');
      runs.move(run.id, 'park', { patch: { owner: null } });
      activeRun = run.id;
    } finally {
      db.close();
    }
    server = await startPostgres();
    await server.createDatabase('team');
    initTeamDatabase(server.url('postgres', new URL(server.superuserUrl).password, 'team'), {
      localDir: join(dir, 'local'),
    });
    await server.createLoginRole('adm', ADMIN_PW, ['dayops_admin']);
    await server.createLoginRole('opr', OPERATOR_PW, ['dayops_operator']);
    adminUrl = server.url('adm', ADMIN_PW, 'team');
    operatorUrl = server.url('opr', OPERATOR_PW, 'team');
  }, 180_000);

  afterAll(async () => {
    for (const db of opened) db.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let first: PushResult;

  test('copies stacks, ended runs with their logs and approvals, triage and the audit log; leaves the file as it was', () => {
    const before = fileHash();
    const src = openDatabase(source, { readonly: true });
    const db = team();
    try {
      first = pushWorkspace(source, db);
      expect(fileHash()).toBe(before);
      const srcStacks = count(src, 'SELECT count(*) AS n FROM stacks');
      const srcRuns = count(src, 'SELECT count(*) AS n FROM runs');
      expect(first.copied.stacks).toBe(srcStacks);
      expect(first.copied.runs).toBe(srcRuns - 1);
      expect(first.skipped.runs).toBe(1);
      expect(first.notes.join('\n')).toMatch(new RegExp(`run ${activeRun} of .* is UNCONFIRMED: not copied`));
      expect(first.copied.schedule_state).toBe(count(src, 'SELECT count(*) AS n FROM schedule_state'));
      for (const t of [
        'run_transitions',
        'approvals',
        'run_logs',
        'drift_checks',
        'drift_resources',
        'drift_triage',
      ] as const)
        expect(first.copied[t], t).toBeGreaterThan(0);
      expect(teamCounts(db).stacks).toBe(srcStacks);
      expect(teamCounts(db).runs).toBe(srcRuns - 1);

      // Every copied run: same stack (by name), same state and people, its log line for line.
      const srcRunsRepo = new RunsRepo(src);
      const srcLogs = new LogsRepo(src);
      const teamLogs = new LogsRepo(db);
      const pushed = db
        .prepare<[], { source_key: string; team_id: number }>(
          "SELECT source_key, team_id FROM push_rows WHERE kind = 'runs'",
        )
        .all();
      expect(pushed).toHaveLength(srcRuns - 1);
      let lines = 0;
      for (const p of pushed) {
        const [stackName, , , , srcId] = JSON.parse(p.source_key) as [string, number, string, string, number];
        const mine = srcRunsRepo.get(srcId)!;
        const theirs = db
          .prepare<
            [number],
            { name: string; state: string; triggered_by: string; created_at: number; log_lines: number }
          >(
            'SELECT s.name, r.state, r.triggered_by, r.created_at, r.log_lines FROM runs r JOIN stacks s ON s.id = r.stack_id WHERE r.id = ?',
          )
          .get(p.team_id)!;
        expect(theirs).toMatchObject({
          name: stackName,
          state: mine.state,
          triggered_by: mine.triggeredBy,
          created_at: mine.createdAt,
        });
        const want = srcLogs.page(srcId, 1, 1_000_000).map(({ runId: _r, ...l }) => l);
        const got = teamLogs.page(p.team_id, 1, 1_000_000).map(({ runId: _r, ...l }) => l);
        expect(got).toEqual(want);
        lines += got.length;
        expect(
          db
            .prepare<[number], { user: string }>('SELECT "user" FROM approvals WHERE run_id = ? ORDER BY id')
            .all(p.team_id)
            .map((a) => a.user),
        ).toEqual(srcRunsRepo.approvals(srcId).map((a) => a.user));
      }
      expect(lines).toBeGreaterThan(100);
      // Approvals and audit entries keep who made them (not the admin who pushed), and the push is audited.
      const approvers = db.prepare<[], { user: string }>('SELECT DISTINCT "user" FROM approvals').all();
      expect(approvers.map((a) => a.user)).not.toContain('adm');
      expect(count(db, 'SELECT count(*) AS n FROM audit_log WHERE "user" <> \'adm\'')).toBe(first.copied.audit_log);
      // The acknowledgement and the silence keep who made them too.
      expect(first.copied.alert_acks).toBe(count(src, 'SELECT count(*) AS n FROM alert_acks'));
      expect(first.copied.silences).toBe(count(src, 'SELECT count(*) AS n FROM silences'));
      expect(first.copied.silences).toBeGreaterThan(0);
      expect(db.prepare('SELECT "user" AS who FROM alert_acks').all()).toEqual(
        src.prepare('SELECT "user" AS who FROM alert_acks').all(),
      );
      expect(db.prepare('SELECT id, created_by FROM silences').all()).toEqual(
        src.prepare('SELECT id, created_by FROM silences').all(),
      );
      const pushEntry = db
        .prepare<[], { comment: string }>(
          "SELECT comment FROM audit_log WHERE action = 'team-push' AND \"user\" = 'adm'",
        )
        .all();
      expect(pushEntry).toHaveLength(1);
    } finally {
      src.close();
    }
  });

  test('pushing again copies nothing; a run added afterwards (and the one that ended) are all the next push copies', () => {
    const db = team();
    const before = teamCounts(db);
    const again = pushWorkspace(source, db);
    expect(Object.values(again.copied).every((n) => n === 0)).toBe(true);
    expect(again.skipped.runs).toBe(first.skipped.runs + first.copied.runs);
    expect(teamCounts(db)).toEqual({ ...before, audit_log: before.audit_log });

    const src = openDatabase(source);
    let added: number;
    try {
      added = addFinishedRun(src, new StacksRepo(src).list()[1].name, ['one', 'two', 'three']);
      new RunsRepo(src).moveAudited(
        activeRun,
        'discard',
        { user: 'alice', action: 'discard', comment: 'not today' },
        { patch: { error: 'discarded by alice' } },
      );
    } finally {
      src.close();
    }
    const third = pushWorkspace(source, db);
    expect(third.copied.runs).toBe(2);
    expect(third.copied.stacks).toBe(0);
    expect(third.copied.audit_log).toBe(1); // the discard
    expect(third.copied.run_logs).toBe(1);
    const after = teamCounts(db);
    expect(after.runs).toBe(before.runs + 2);
    // The audit log holds the discard and this push's own entry; nothing else was added twice.
    expect(after.audit_log).toBe(before.audit_log + 2);
    const teamId = teamRunId(db, first.workspace, added);
    expect(new LogsRepo(db).page(teamId, 1, 10).map((l) => l.text)).toEqual(['one', 'two', 'three']);
    expect(pushWorkspace(source, db).copied.runs).toBe(0);
    // A copy of the file elsewhere is the same workspace: nothing of it is copied again.
    const copy = join(dir, 'moved', 'alice-copy.db');
    mkdirSync(dirname(copy));
    copyFileSync(source, copy);
    const moved = pushWorkspace(copy, db);
    expect(moved.workspace).toBe(first.workspace);
    expect(Object.values(moved.copied).every((n) => n === 0)).toBe(true);
  });

  test('a stack the team has with another folder is kept as the team has it, and said so', () => {
    const db = team();
    const name = new StacksRepo(db).list()[0].name;
    const other = join(dir, 'bob.db');
    const src = openDatabase(other);
    try {
      const stacks = new StacksRepo(src);
      stacks.upsert({ name, dir: join(dir, 'elsewhere'), tool: 'custom', environment: 'dev' });
      stacks.upsert({ name: 'bobs-own', dir: join(dir, 'bobs-own'), tool: 'custom', environment: 'dev' });
      addFinishedRun(src, name, ['bob was here']);
    } finally {
      src.close();
    }
    const runsBefore = teamCounts(db).runs;
    const r = pushWorkspace(other, db);
    expect(r.copied.stacks).toBe(1);
    expect(r.copied.runs).toBe(0);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/kept the team's; nothing of this workspace's .* was copied/);
    expect(teamCounts(db).runs).toBe(runsBefore);
  });

  test('a run the server refuses half-way is not copied at all; pushing again copies it whole', async () => {
    const src = openDatabase(source);
    let added: number;
    try {
      added = addFinishedRun(src, new StacksRepo(src).list()[2].name, ['a', 'b', 'c', 'd']);
    } finally {
      src.close();
    }
    // The run's row and transitions go in, then its log chunk is refused.
    await server.exec(
      `CREATE FUNCTION refuse_logs() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$;
       CREATE TRIGGER refuse_logs BEFORE INSERT ON run_logs FOR EACH ROW EXECUTE FUNCTION refuse_logs();`,
      'team',
    );
    const db = team();
    const before = teamCounts(db);
    expect(() => pushWorkspace(source, db)).toThrow(
      new RegExp(
        `copying run ${added} of .* failed \\(disk quota exceeded\\); nothing of it was written.*push again to continue`,
      ),
    );
    expect(teamCounts(db)).toEqual(before);
    await server.exec('DROP TRIGGER refuse_logs ON run_logs; DROP FUNCTION refuse_logs();', 'team');
    const r = pushWorkspace(source, db);
    expect(r.copied.runs).toBe(1);
    expect(r.copied.run_logs).toBe(1);
    const teamId = teamRunId(db, first.workspace, added);
    expect(new LogsRepo(db).page(teamId, 1, 10).map((l) => l.text)).toEqual(['a', 'b', 'c', 'd']);
  });

  test("a triage entry older than the team's own of that resource is not copied: the team's newer decision stands", async () => {
    const db = team();
    const stack = new StacksRepo(db).list()[0];
    await server.query(
      `INSERT INTO drift_triage (stack_id, address, fingerprint, kind, "user", at) VALUES ($1, 'aws_s3_bucket.logs', 'f1', 'cleared', 'opr', $2)`,
      [stack.id, Date.now() + 60_000],
      'team',
    );
    const src = openDatabase(source);
    try {
      src
        .prepare(
          `INSERT INTO drift_triage (stack_id, address, fingerprint, kind, user, at)
           VALUES (?, 'aws_s3_bucket.logs', 'f1', 'accepted', 'alice', ?), (?, 'aws_s3_bucket.other', 'f2', 'accepted', 'alice', ?)`,
        )
        .run(new StacksRepo(src).get(stack.name)!.id, Date.now(), new StacksRepo(src).get(stack.name)!.id, Date.now());
    } finally {
      src.close();
    }
    const r = pushWorkspace(source, db);
    expect(r.copied.drift_triage).toBe(1);
    expect(r.notes).toEqual([
      `drift triage of ${stack.name} aws_s3_bucket.logs: the team triaged it since; its newer decision stands, this workspace's older entries were not copied`,
    ]);
    const latest = db
      .prepare<[number], { kind: string }>(
        "SELECT kind FROM drift_triage WHERE stack_id = ? AND address = 'aws_s3_bucket.logs' ORDER BY id DESC LIMIT 1",
      )
      .get(stack.id);
    expect(latest).toEqual({ kind: 'cleared' });
  });

  test('references between copied rows point at the team ids: cascades, promotions, checks, output digests', () => {
    const path = join(dir, 'refs.db');
    const src = openDatabase(path);
    let ids: number[];
    try {
      const stacks = new StacksRepo(src);
      stacks.upsert({ name: 'refs-up', dir: join(dir, 'refs-up'), tool: 'custom', environment: 'dev' });
      stacks.upsert({ name: 'refs-down', dir: join(dir, 'refs-down'), tool: 'custom', environment: 'staging' });
      const up = addFinishedRun(src, 'refs-up', ['up']);
      const down = addFinishedRun(src, 'refs-down', ['down']);
      const promoted = addFinishedRun(src, 'refs-down', ['promoted']);
      const downStack = stacks.get('refs-down')!.id;
      src
        .prepare('INSERT INTO run_cascades VALUES (?, ?, ?, 1, ?, NULL)')
        .run(down, up, up, 'outputs of refs-up changed');
      src.prepare('UPDATE runs SET promoted_from_run_id = ? WHERE id = ?').run(down, promoted);
      src
        .prepare(
          `INSERT INTO check_results (run_id, stack_id, source, name, kind, status, started_at) VALUES
             (?, ?, 'after-apply', 'http', 'http', 'passed', 5), (NULL, ?, 'manual', 'http', 'http', 'failed', 6)`,
        )
        .run(down, downStack, downStack);
      src.prepare("INSERT INTO stack_outputs VALUES (?, 'salt', ?, '{}', 7)").run(downStack, down);
      ids = [up, down, promoted];
    } finally {
      src.close();
    }
    const db = team();
    const r = pushWorkspace(path, db);
    expect(r.copied).toMatchObject({ stacks: 2, runs: 3, run_cascades: 1, check_results: 2, stack_outputs: 1 });
    const [up, down, promoted] = ids.map((id) => teamRunId(db, r.workspace, id));
    expect(up).not.toBe(ids[0]);
    expect(db.prepare('SELECT root_run_id, upstream_run_id FROM run_cascades WHERE run_id = ?').get(down)).toEqual({
      root_run_id: up,
      upstream_run_id: up,
    });
    expect(db.prepare('SELECT promoted_from_run_id AS p FROM runs WHERE id = ?').get(promoted)).toEqual({ p: down });
    const downStack = new StacksRepo(db).get('refs-down')!.id;
    expect(
      db.prepare('SELECT run_id, stack_id, status FROM check_results WHERE stack_id = ? ORDER BY id').all(downStack),
    ).toEqual([
      { run_id: down, stack_id: downStack, status: 'passed' },
      { run_id: null, stack_id: downStack, status: 'failed' },
    ]);
    expect(db.prepare('SELECT run_id FROM stack_outputs WHERE stack_id = ?').get(downStack)).toEqual({ run_id: down });
    expect(Object.values(pushWorkspace(path, db).copied).every((n) => n === 0)).toBe(true);
  });

  test('a workspace of an older or newer schema is refused in one line, and left as it was', () => {
    const older = join(dir, 'older.db');
    openDatabase(older, { migrations: loadMigrations().slice(0, 5) }).close();
    expect(() => pushWorkspace(older, team())).toThrow(
      /older\.db: written by an older dayops \(schema 5, this dayops knows \d+\); open it once with this dayops/,
    );
    const newer = join(dir, 'newer.db');
    const db = openDatabase(newer);
    db.pragma('user_version = 999');
    db.close();
    const before = createHash('sha256').update(readFileSync(newer)).digest('hex');
    expect(() => pushWorkspace(newer, team())).toThrow(/newer\.db: written by a newer dayops \(schema 999/);
    expect(createHash('sha256').update(readFileSync(newer)).digest('hex')).toBe(before);
    expect(() => pushWorkspace(join(dir, 'missing.db'), team())).toThrow(/missing\.db: cannot read it \(ENOENT\)/);
  });

  test("an admin writes others' approvals and audit entries only for pushed rows (row-level security)", async () => {
    // A run started in the team database itself, not pushed.
    const { rows } = await server.query<{ id: string }>(
      `INSERT INTO runs (stack_id, kind, state, triggered_by, created_at, updated_at)
       SELECT id, 'tracked', 'UNCONFIRMED', 'opr', 1, 1 FROM stacks ORDER BY id LIMIT 1 RETURNING id`,
      [],
      'team',
    );
    const db = team();
    const forge = () =>
      db.prepare('INSERT INTO approvals (run_id, "user", at) VALUES (?, ?, ?)').run(Number(rows[0].id), 'bob', 1);
    expect(forge).toThrow(/row-level security/);
    expect(() => db.prepare(`INSERT INTO audit_log (at, "user", action) VALUES (1, 'bob', 'approve')`).run()).toThrow(
      /row-level security/,
    );
    // As itself, as always.
    db.prepare('INSERT INTO approvals (run_id, at) VALUES (?, ?)').run(Number(rows[0].id), 1);
    expect(
      db.prepare<[number], { user: string }>('SELECT "user" FROM approvals WHERE run_id = ?').all(Number(rows[0].id)),
    ).toEqual([{ user: 'adm' }]);
  });

  test('an operator may not push: one line naming the role it takes', () => {
    expect(() => pushWorkspace(source, team(operatorUrl))).toThrow(
      /opr may not push .*only dayops_admin may do \(GRANT dayops_admin TO opr\)/,
    );
  });

  test('the command: summary or JSON on stdout; a file that is not a dayops database is one line, exit 1; no password anywhere', async () => {
    const env = { DAYOPS_DB: adminUrl, XDG_DATA_HOME: join(dir, 'data') };
    const json = await runCli(['team', 'push', '--from', source, '--json'], { env });
    expect(json.stderr + json.stdout).not.toContain(ADMIN_PW);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { copied: Record<string, number>; skipped: Record<string, number> };
    expect(out.copied.runs).toBe(0);
    expect(out.skipped.runs).toBeGreaterThan(10);

    const human = await runCli(['--db', adminUrl, 'team', 'push', '--from', source], { env: {} });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Nothing new in .*alice\.db/);
    expect(human.stdout).toMatch(/runs +0 +\d+/);
    expect(human.stderr + human.stdout).not.toContain(ADMIN_PW);

    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'this is not a database\n'.repeat(100));
    const bad = await runCli(['team', 'push', '--from', junk], { env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/notes\.txt: not a dayops database/);
    expect(bad.stderr).not.toContain(ADMIN_PW);

    const sqlite = join(dir, 'not-team.db');
    const local = await runCli(['--db', sqlite, 'team', 'push', '--from', source], { env: {} });
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/must name the team database \(postgres:\/\/\.\.\.\)/);
    expect(existsSync(sqlite)).toBe(false);

    const denied = await runCli(['team', 'push', '--from', source], { env: { ...env, DAYOPS_DB: operatorUrl } });
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).toMatch(/opr may not push/);
    expect(denied.stderr).not.toContain(OPERATOR_PW);
  }, 60_000);
});
