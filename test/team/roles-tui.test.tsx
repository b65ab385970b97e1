/**
 * Roles in the app (team mode, a real PostgreSQL): the header says who you are, as which role, on which database
 * (its URL without the password); the footer and help leave out what the role cannot do, and pressing such a key
 * anyway says why in one line. An operator sees and may use the same keys. `teamRole`/`can` for each group role.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { can, deniedActions, teamRole } from '../../src/app/permissions.js';
import { currentUser } from '../../src/identity.js';
import { Leadership } from '../../src/day2/leader.js';
import { MIN_COLUMNS } from '../../components/App.js';
import { headerParts, headerWidth } from '../../components/layout/Header.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { initTeamDatabase, openTeamDatabase } from '../../src/db/pg/open.js';
import { PgDatabase, teamLocalPath } from '../../src/db/pg/database.js';
import { openDatabase } from '../../src/db/open.js';
import { binding } from '../../src/keymap/index.js';
import { BINDING_NEEDS } from '../../src/keymap/permissions.js';
import { driveApp, type DrivenApp } from '../helpers/ink.js';
import { SKIP_POSTGRES, startPostgres, type PgServer } from '../helpers/postgres.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';

const local = tmpDir('dayops-team-tui-');
let app: DrivenApp | undefined;
const open: PgDatabase[] = [];
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
  for (const db of open.splice(0)) db.close();
});

test('SQLite: the one owner may do everything, as the OS user', () => {
  const { db } = tmpDb();
  try {
    expect(teamRole(db)).toBe('admin');
    expect(can(db, 'approve')).toEqual({ ok: true });
    expect(deniedActions(db).size).toBe(0);
    expect(currentUser(db)).not.toBe('');
  } finally {
    db.close();
  }
});

test('the header with who and where always fits; the URL goes first, the user last', () => {
  const stack = { name: 'payments-api', environment: 'prod' };
  const team = { user: 'alice', role: 'operator', url: 'postgres://alice@db.example.com:5432/dayops' };
  for (const w of [MIN_COLUMNS, 70, 80, 100, 140, 200]) {
    const p = headerParts(w, false, stack, team);
    expect(headerWidth(p, stack), `${w} columns`).toBeLessThanOrEqual(w);
    expect(p.environment).toBe(true);
  }
  expect(headerParts(200, false, stack, team).team).toBe(
    'alice · operator · postgres://alice@db.example.com:5432/dayops ',
  );
  expect(headerParts(100, false, stack, team).team).toBe('alice · operator ');
  expect(headerParts(200, false, stack).team).toBe('');
});

test('every key the roles can hide is a binding of the keymap', () => {
  for (const id of Object.keys(BINDING_NEEDS)) expect(() => binding(id), id).not.toThrow();
});

describe.skipIf(SKIP_POSTGRES)('roles in team mode', () => {
  let server: PgServer;
  const url = (user: string) => server.url(user, `pw-${user}`, 'team');
  const as = (user: string) => {
    // A login without a dayops role may not even read the schema's version: connect without that check.
    const db =
      user === 'nobody'
        ? new PgDatabase(url(user), { localDir: local })
        : openTeamDatabase(url(user), { localDir: local });
    open.push(db);
    return db;
  };

  beforeAll(async () => {
    server = await startPostgres();
    await server.createDatabase('team');
    initTeamDatabase(server.url('postgres', new URL(server.superuserUrl).password, 'team'), { localDir: local });
    await server.createLoginRole('vic', 'pw-vic', ['dayops_viewer']);
    await server.createLoginRole('alice', 'pw-alice', ['dayops_operator']);
    await server.createLoginRole('ada', 'pw-ada', ['dayops_admin']);
    await server.createLoginRole('wendy', 'pw-wendy', ['dayops_worker']);
    await server.createLoginRole('nobody', 'pw-nobody');
    const admin = openDatabase(url('ada'));
    try {
      new StacksRepo(admin).upsert({ name: 'payments', dir: tmpDir(), tool: 'custom', environment: 'dev' });
    } finally {
      admin.close();
    }
    await server.query(
      `INSERT INTO runs (stack_id, kind, state, triggered_by, trigger, required_approvals, created_at, updated_at)
       SELECT id, 'tracked', 'UNCONFIRMED', 'ada', 'cli', 2, $1, $1 FROM stacks WHERE name = 'payments'`,
      [Date.now()],
      'team',
    );
  }, 120_000);
  afterAll(async () => server?.stop());

  test('each login has its role; can() says why not in one line', () => {
    expect(teamRole(as('vic'))).toBe('viewer');
    expect(teamRole(as('alice'))).toBe('operator');
    expect(teamRole(as('ada'))).toBe('admin');
    expect(teamRole(as('wendy'))).toBe('worker');
    expect(teamRole(as('nobody'))).toBe('none');
    expect(can(as('vic'), 'approve')).toEqual({
      ok: false,
      reason: 'vic is a dayops_viewer: approving a run needs dayops_operator',
    });
    expect(can(as('alice'), 'approve')).toEqual({ ok: true });
    expect(can(as('alice'), 'change-stack')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('dayops_admin'),
    });
    expect(can(as('ada'), 'change-stack')).toEqual({ ok: true });
    expect(can(as('wendy'), 'refresh')).toEqual({ ok: true });
    expect(can(as('wendy'), 'approve').ok).toBe(false);
    expect(can(as('nobody'), 'ack')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('nobody has no dayops role'),
    });
    expect(currentUser(as('alice'))).toBe('alice');
  });

  test('a viewer never leads the Day-2 refreshers (it may not write the caches); an operator does', () => {
    expect(new Leadership(as('vic')).leads('alerts')).toBe(false);
    expect(new Leadership(as('alice')).leads('alerts')).toBe(true);
  });

  test("a viewer's app: who and where in the header, no approve key in the footer, and 'a' says why", async () => {
    const db = as('vic');
    app = await driveApp(db, { dbPath: teamLocalPath(url('vic'), local), columns: 140, rows: 30 });
    await app.press('2');
    const f = await app.waitFor('payments');
    const header = f.split('\n')[0];
    expect(header).toContain('vic · viewer · postgresql://vic@127.0.0.1');
    expect(header).not.toContain('pw-vic');
    const footer = f.trimEnd().split('\n').at(-1)!;
    expect(footer).not.toMatch(/approve|discard|deploy|plan\b/);
    const after = await app.press('a');
    expect(after).toContain('vic is a dayops_viewer: approving a run needs dayops_operator');
    await app.press('?');
    expect(app.frame()).not.toContain('Approve a waiting run');
  });

  test("an operator's app shows the approve key and its role", async () => {
    const db = as('alice');
    app = await driveApp(db, { dbPath: teamLocalPath(url('alice'), local), columns: 140, rows: 30 });
    await app.press('2');
    const f = await app.waitFor('payments');
    expect(f.split('\n')[0]).toContain('alice · operator');
    expect(f.trimEnd().split('\n').at(-1)).toMatch(/a approve/);
  });
});
