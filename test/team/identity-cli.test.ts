/**
 * Team mode's identities and roles, as users run dayops: the BUILT dayops (`npm run build` first) against a real
 * PostgreSQL the test starts. Who acts is the database login (never USER), the two-person rule compares logins,
 * a viewer is refused by dayops in one line and by PostgreSQL when it tries with SQL, `team init` is idempotent
 * (also twice at once), and a password given in the URL never appears in anything dayops prints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { SKIP_POSTGRES, startPostgres, type PgServer } from '../helpers/postgres.js';
import { tmpDir } from '../helpers/tmp.js';
import { customStack } from '../day1/runs/helpers.js';

const PW = {
  ada: 'Ada-s3cret-pw',
  alice: 'Alice-s3cret-pw',
  carol: 'Carol-s3cret-pw',
  vic: 'Vic-s3cret-pw',
  nobody: 'Nobody-s3cret-pw',
};
const SECRETS = [...Object.values(PW)];

/** Every output of every dayops this test ran: none may hold a password. */
const outputs: CliResult[] = [];

function noPassword(r: CliResult): void {
  for (const s of [...SECRETS, 'superpw']) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

describe.skipIf(SKIP_POSTGRES)('team mode: who acts, and what each role may do', () => {
  let server: PgServer;
  let superPw: string;
  const data = tmpDir('dayops-team-home-');

  /** dayops as `user` on database `db` (its password in the URL), with USER and LOGNAME saying someone else. */
  async function as(user: keyof typeof PW | 'postgres', args: string[], db = 'team'): Promise<CliResult> {
    const password = user === 'postgres' ? superPw : PW[user];
    const r = await runCli(['--db', server.url(user, password, db), ...args], {
      env: { XDG_DATA_HOME: data, USER: 'bob', LOGNAME: 'bob', PGPASSWORD: '', DAYOPS_CANCEL_GRACE_MS: '500' },
    });
    outputs.push(r);
    return r;
  }

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
    server = await startPostgres();
    superPw = new URL(server.superuserUrl).password;
    await server.createDatabase('team');
    await server.createDatabase('fresh');
  }, 120_000);
  afterAll(async () => server?.stop());

  test('team init creates the schema and the roles, then is up to date; needs a postgres:// database', async () => {
    const first = await as('postgres', ['team', 'init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/schema 0 -> \d+: applied 001-schema, 002-roles/);
    expect(first.stdout).toContain('roles dayops_viewer, dayops_operator, dayops_admin, dayops_worker ready');
    expect(first.stdout).toContain('GRANT dayops_operator TO alice;');
    const again = await as('postgres', ['team', 'init', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout) as { from: number; to: number; applied: string[]; roles: string[] };
    expect(doc.from).toBe(doc.to);
    expect(doc.applied).toEqual([]);
    expect(doc.roles).toEqual(['dayops_viewer', 'dayops_operator', 'dayops_admin', 'dayops_worker']);
    const human = await as('postgres', ['team', 'init']);
    expect(human.stdout).toContain('up to date');

    const sqlite = await runCli(['--db', join(data, 'personal.db'), 'team', 'init']);
    expect(sqlite.code).toBe(2);
    expect(sqlite.stderr.trim().split('\n')).toHaveLength(1);
    expect(sqlite.stderr).toContain('--db postgres://');

    await server.createLoginRole('ada', PW.ada, ['dayops_admin']);
    await server.createLoginRole('alice', PW.alice, ['dayops_operator']);
    await server.createLoginRole('carol', PW.carol, ['dayops_operator']);
    await server.createLoginRole('vic', PW.vic, ['dayops_viewer']);
    await server.createLoginRole('nobody', PW.nobody);
  }, 60_000);

  test('two team init processes at once: one applies, the other finds it done; both exit 0', async () => {
    await server.createDatabase('race');
    const [a, b] = await Promise.all([
      as('postgres', ['team', 'init', '--json'], 'race'),
      as('postgres', ['team', 'init', '--json'], 'race'),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const docs = [a, b].map((r) => JSON.parse(r.stdout) as { from: number; to: number; applied: string[] });
    const appliedBy = docs.filter((d) => d.applied.length > 0);
    expect(appliedBy).toHaveLength(1);
    expect(appliedBy[0].from).toBe(0);
    expect(docs.find((d) => d.applied.length === 0)?.from).toBe(appliedBy[0].to);
    const versions = await server.query<{ n: string }>('SELECT count(*) AS n FROM dayops_schema', [], 'race');
    expect(Number(versions.rows[0].n)).toBe(appliedBy[0].to);
  }, 60_000);

  test('team init by a role that may not create roles or the schema: one line, exit 1', async () => {
    const r = await as('alice', ['team', 'init'], 'fresh');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/alice may not create the schema or the roles/);
  });

  test('approvals by logins: USER=bob changes nothing, one operator cannot approve twice, a viewer cannot at all', async () => {
    const stack = customStack({
      yaml: 'policies:\n  - { name: two-eyes, kind: { require_approvals: 2 }, expr: "true", message: "two people" }',
    });
    // Only an admin registers stacks: an operator is refused by dayops before PostgreSQL would.
    const byOperator = await as('alice', ['stack', 'add', stack.dir]);
    expect(byOperator.code).toBe(1);
    expect(byOperator.stderr.trim()).toBe('alice is a dayops_operator: changing a stack needs dayops_admin');
    const added = await as('ada', ['stack', 'add', stack.dir]);
    expect(added.code, added.stderr).toBe(0);

    // A login in no dayops role may not even read: one line saying so.
    const none = await as('nobody', ['runs']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/^nobody has no dayops role: PostgreSQL refused it \(permission denied/);

    const who = await as('vic', ['team', 'whoami', '--json']);
    expect(JSON.parse(who.stdout)).toMatchObject({ user: 'vic', role: 'viewer', engine: 'postgres' });

    // A viewer starts nothing.
    const viewerRun = await as('vic', ['run', 'app']);
    expect(viewerRun.code).toBe(1);
    expect(viewerRun.stderr.trim()).toBe('vic is a dayops_viewer: starting a run needs dayops_operator');

    // A run waiting for three approvals, as the run engine leaves one (planning in team mode is the worker
    // branch's; the approvals are what this test is about).
    const seeded = await server.query<{ id: string }>(
      `INSERT INTO runs (stack_id, kind, state, triggered_by, trigger, required_approvals, created_at, updated_at)
       SELECT id, 'tracked', 'UNCONFIRMED', 'alice', 'cli', 3, $1, $1 FROM stacks WHERE name = 'app' RETURNING id`,
      [Date.now()],
      'team',
    );
    const runId = String(seeded.rows[0].id);

    const one = await as('alice', ['approve', runId, '--comment', 'looks right']);
    expect(one.code, one.stderr).toBe(4);
    expect(one.stderr).toContain('approved by alice (1 of 3)');

    const twice = await as('alice', ['approve', runId]);
    expect(twice.code).not.toBe(0);
    expect(twice.code).not.toBe(4);
    expect(twice.stderr.trim().split('\n')).toHaveLength(1);
    expect(twice.stderr).toMatch(/alice/);

    const viewer = await as('vic', ['approve', runId]);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr.trim()).toBe('vic is a dayops_viewer: approving a run needs dayops_operator');

    // The same refusal from PostgreSQL itself, to a viewer who tries with SQL.
    const client = new pg.Client({ connectionString: server.url('vic', PW.vic, 'team') });
    await client.connect();
    try {
      await expect(
        client.query('INSERT INTO approvals (run_id, "user", at) VALUES ($1, $2, $3)', [runId, 'vic', Date.now()]),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
    // An operator cannot approve in someone else's name with SQL either (row-level security).
    const alice = new pg.Client({ connectionString: server.url('alice', PW.alice, 'team') });
    await alice.connect();
    try {
      await expect(
        alice.query('INSERT INTO approvals (run_id, "user", at) VALUES ($1, $2, $3)', [runId, 'carol', Date.now()]),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await alice.end();
    }

    // Another operator's approval counts (distinct logins), whatever USER says.
    const two = await as('carol', ['approve', runId]);
    expect(two.code, two.stderr).toBe(4);
    expect(two.stderr).toContain('approved by carol (2 of 3)');
    const approvals = await server.query<{ user: string; comment: string | null }>(
      'SELECT "user", comment FROM approvals WHERE run_id = $1 ORDER BY id',
      [runId],
      'team',
    );
    expect(approvals.rows).toEqual([
      { user: 'alice', comment: 'looks right' },
      { user: 'carol', comment: null },
    ]);
    const audit = await server.query<{ user: string }>(
      'SELECT "user" FROM audit_log WHERE action = \'approve\' ORDER BY id',
      [],
      'team',
    );
    expect(audit.rows.map((r) => r.user)).toEqual(['alice', 'carol']);
    expect(JSON.stringify(audit.rows)).not.toContain('bob');
  }, 120_000);

  test('a password is never printed: a wrong one, a refused action, --json, nor stored in the audit log', async () => {
    const wrong = await runCli(['--db', server.url('alice', 'Wrong-s3cret-pw', 'team'), 'runs', 'app', '--json'], {
      env: { XDG_DATA_HOME: data, PGPASSWORD: '' },
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('authentication failed');
    expect(wrong.stdout + wrong.stderr).not.toContain('Wrong-s3cret-pw');
    // PGPASSWORD (libpq's convention) works and stays unprinted too.
    const viaEnv = await runCli(['--db', server.url('alice', '', 'team').replace(':@', '@'), 'team', 'whoami'], {
      env: { XDG_DATA_HOME: data, PGPASSWORD: PW.alice },
    });
    outputs.push(viaEnv);
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(viaEnv.stdout).toMatch(/^alice \(dayops_operator\) on postgres(ql)?:\/\/alice@127/);
    outputs.push(await as('alice', ['runs', 'app', '--json']));
    outputs.push(await as('vic', ['discard', '1']));
    outputs.push(await as('alice', ['status', '--json']));
    const status = await as('alice', ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(
      /^postgres(ql)?:\/\/alice@127\.0\.0\.1:\d+\/team: you are alice \(dayops_operator\)$/,
    );
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) noPassword(r);
    const stored = await server.query('SELECT * FROM audit_log', [], 'team');
    for (const s of SECRETS) expect(JSON.stringify(stored.rows)).not.toContain(s);
  }, 60_000);
});
