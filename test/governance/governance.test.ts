/**
 * Governance cannot be bypassed by one person (issue 7): the environment a folder declares, who approves, the
 * policies a prod stack loses, one limit for require_approvals, cron schedules checked at `stack add`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadStackConfig, MAX_APPROVALS } from '../../src/config/stack-config.js';
import { AuditRepo } from '../../src/db/audit.js';
import { openDatabase, type DB } from '../../src/db/open.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { RunService } from '../../src/day1/runs.js';
import { POLICIES_OFF, POLICIES_WEAKENED } from '../../src/day1/governance.js';
import { loadPolicies } from '../../src/domain/policies.js';
import { ConfigError } from '../../src/errors.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { customStack } from '../day1/runs/helpers.js';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

const services: RunService[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
});

function service(db: DB, path: string, user = 'alice'): RunService {
  const svc = new RunService(db, { dbPath: path, user, handleSignals: false, pollMs: 40, graceMs: 300 });
  services.push(svc);
  return svc;
}

function cliIn(dbPath: string) {
  return (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['--db', dbPath, ...args], { env });
}

describe('the environment a folder declares', () => {
  it('stack add --env dev on a folder whose dayops.yaml says prod is refused, naming both (exit 2); nothing stored', async () => {
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const cli = cliIn(db);
    const stack = customStack({ environment: 'prod' });
    for (const env of ['dev', 'staging']) {
      const r = await cli(['stack', 'add', stack.dir, '--env', env]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(join(stack.dir, 'dayops.yaml'));
      expect(lines[0]).toContain('environment is prod');
      expect(lines[0]).toContain(`--env is ${env}`);
    }
    expect(JSON.parse((await cli(['stack', 'list', '--json'])).stdout).stacks).toEqual([]);
    // the same --env as the file is fine
    expect((await cli(['stack', 'add', stack.dir, '--env', 'prod'])).code).toBe(0);
  });

  it('a change of environment is written to the audit log with who and from/to, and a run under a stale environment is refused', async () => {
    const home = tmpDir();
    const dbPath = join(home, 'dayops.db');
    const cli = cliIn(dbPath);
    const stack = customStack({ environment: 'prod' });
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    // someone edits the file to dev: runs refuse until the change is registered (and so audited)
    const yaml = join(stack.dir, 'dayops.yaml');
    const text = execFileSync('cat', [yaml], { encoding: 'utf8' });
    writeFileSync(yaml, text.replace('environment: prod', 'environment: dev'));
    const refused = await cli(['run', 'app', '--plan-only']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('environment is dev but stack app is registered as prod');
    const changed = await cli(['stack', 'add', stack.dir]);
    expect(changed.code).toBe(0);
    expect(changed.stderr).toContain('changed environment prod -> dev');

    const db = openDatabase(dbPath);
    try {
      const s = new StacksRepo(db).get('app')!;
      expect(s.environment).toBe('dev');
      const entries = new AuditRepo(db).forStack(s.id).filter((e) => e.action === 'environment');
      expect(entries).toHaveLength(1);
      expect(entries[0].detail).toMatchObject({ from: 'prod', to: 'dev' });
      expect(entries[0].user).toBe(execFileSync('id', ['-un'], { encoding: 'utf8' }).trim());
      // registering again with no change writes nothing more
    } finally {
      db.close();
    }
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    const db2 = openDatabase(dbPath);
    try {
      const s = new StacksRepo(db2).get('app')!;
      expect(new AuditRepo(db2).forStack(s.id).filter((e) => e.action === 'environment')).toHaveLength(1);
    } finally {
      db2.close();
    }
  });

  it('the database layer audits every environment change, whoever makes it (design, stack add)', () => {
    const { db } = tmpDb();
    const stacks = new StacksRepo(db);
    stacks.upsert({ name: 'a', dir: '/x', tool: 'terraform', environment: 'dev', by: 'alice' });
    stacks.upsert({ name: 'a', dir: '/x', tool: 'terraform', environment: 'dev', by: 'alice' });
    stacks.upsert({ name: 'a', dir: '/x', tool: 'terraform', environment: 'prod', by: 'bob' });
    stacks.upsert({ name: 'a', dir: '/x', tool: 'terraform', environment: 'staging', by: 'carol' });
    const entries = new AuditRepo(db)
      .forStack(stacks.get('a')!.id)
      .filter((e) => e.action === 'environment')
      .reverse();
    expect(entries.map((e) => [e.user, e.detail])).toEqual([
      ['bob', { from: 'dev', to: 'prod', dir: '/x' }],
      ['carol', { from: 'prod', to: 'staging', dir: '/x' }],
    ]);
  });
});

/** Whether this machine can run a process as a uid with no passwd entry (root with setpriv). */
function canSetpriv(): boolean {
  try {
    execFileSync('setpriv', ['--reuid=54321', '--regid=54321', '--clear-groups', 'true']);
    return true;
  } catch {
    return false;
  }
}

describe('an approval needs an identity the system can establish', () => {
  it('a uid with no passwd entry cannot approve, whatever USER and LOGNAME say (exit 2); the run still waits', async () => {
    if (process.getuid?.() !== 0 || !canSetpriv()) {
      if (process.env.CI) throw new Error('this test needs root and setpriv (util-linux)');
      console.warn('skipped: needs root and setpriv');
      return;
    }
    expect(() => execFileSync('getent', ['passwd', '54321'])).toThrow();
    const home = tmpDir();
    chmodSync(home, 0o777);
    const dbPath = join(home, 'dayops.db');
    const cli = cliIn(dbPath);
    const stack = customStack();
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    expect((await cli(['run', 'app'])).code).toBe(4); // waiting for approval
    for (const f of readdirSync(home)) chmodSync(join(home, f), 0o666);
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    for (const args of [
      ['approve', '1'],
      ['run', 'app', '--auto-approve'],
    ]) {
      const r = spawnSync(
        'setpriv',
        ['--reuid=54321', '--regid=54321', '--clear-groups', process.execPath, CLI, '--db', dbPath, ...args],
        {
          encoding: 'utf8',
          env: { ...process.env, USER: me, LOGNAME: me, HOME: home, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('cannot tell who you are');
      expect(lines[0]).toContain('uid 54321');
    }
    const db = openDatabase(dbPath);
    try {
      const svc = service(db, dbPath, me);
      const d = svc.detail(1)!;
      expect(d.state).toBe('UNCONFIRMED');
      expect(d.approvals).toEqual([]);
      expect(new AuditRepo(db).list().filter((e) => e.action === 'approve')).toEqual([]);
    } finally {
      await services.pop()!.shutdown();
      db.close();
    }
  });

  it('the run service refuses an approval by a user it could not establish', async () => {
    const { db, path } = tmpDb();
    customStack({ db });
    const svc = service(db, path);
    const id = await svc.start('app');
    await svc.wait(id);
    await expect(svc.approve(id, 'uid:54321')).rejects.toThrow(/cannot tell who you are/);
    expect(svc.detail(id)!.state).toBe('UNCONFIRMED');
  });
});

describe('a prod stack that loses policies', () => {
  it('defaultPolicies: false shows on every run, is audited once, and needs a second approver the first time it applies', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, environment: 'prod', yaml: 'defaultPolicies: false' });
    const svc = service(db, path, 'alice');
    const stackId = new StacksRepo(db).get('app')!.id;

    const first = await svc.start('app');
    const r1 = await svc.wait(first);
    expect(r1.state).toBe('UNCONFIRMED');
    expect(r1.requiredApprovals).toBe(2);
    const d1 = svc.detail(first)!;
    expect(d1.policies.filter((p) => p.fired).map((p) => [p.name, p.kind])).toEqual([
      [POLICIES_OFF, 'warn'],
      [POLICIES_WEAKENED, 'require_approvals'],
    ]);
    const weakened = d1.policies.find((p) => p.name === POLICIES_WEAKENED)!;
    expect(weakened.message).toContain('deletes-need-second-approver');
    expect(weakened.message).toContain('max-changes');
    const log1 = svc.logs.page(first, 1, 200).map((l) => l.text);
    expect(log1.some((t) => t.includes('defaultPolicies: false'))).toBe(true);
    expect(log1.some((t) => t.includes('needs a second approver'))).toBe(true);

    // one person cannot apply it
    const a1 = await svc.approve(first, 'alice');
    expect(a1).toMatchObject({ approvals: 1, required: 2, applying: false });
    await expect(svc.approve(first, 'alice')).rejects.toThrow();
    await svc.approve(first, 'bob');
    expect((await svc.wait(first)).state).toBe('FINISHED');

    // next run: still shown, no second approver, no second audit entry
    const second = await svc.start('app');
    const r2 = await svc.wait(second);
    expect(r2.requiredApprovals).toBe(1);
    const fired2 = svc
      .detail(second)!
      .policies.filter((p) => p.fired)
      .map((p) => p.name);
    expect(fired2).toEqual([POLICIES_OFF]);
    expect(svc.logs.page(second, 1, 200).some((l) => l.text.includes('defaultPolicies: false'))).toBe(true);
    await svc.discard(second);

    const audit = new AuditRepo(db).forStack(stackId).filter((e) => e.action === 'policy-weakened');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user: 'alice', runId: first });
    expect((audit[0].detail as { removed: string[] }).removed).toEqual(
      expect.arrayContaining(['deletes-need-second-approver', 'max-changes', 'no-ssh-rdp-from-internet']),
    );
    expect(stack.dir).toBeTruthy();
  });

  it('removing or weakening a policy after an apply: audited, second approver once, and the removal shows on every later run', async () => {
    const { db, path } = tmpDb();
    const policies = `policies:
  - { name: no-deletes, kind: deny, expr: "plan.summary.destroy > 0", message: "no deletes" }
  - { name: two-eyes, kind: { require_approvals: 2 }, expr: "plan.summary.destroy > 5", message: "big" }`;
    const stack = customStack({ db, environment: 'prod', yaml: policies });
    const svc = service(db, path, 'alice');
    const id1 = await svc.start('app');
    expect((await svc.wait(id1)).requiredApprovals).toBe(1);
    await svc.approve(id1, 'alice');
    expect((await svc.wait(id1)).state).toBe('FINISHED');
    expect(svc.detail(id1)!.policies.some((p) => p.source === 'dayops')).toBe(false);

    // drop no-deletes, turn two-eyes into a warning
    const yaml = join(stack.dir, 'dayops.yaml');
    const text = execFileSync('cat', [yaml], { encoding: 'utf8' });
    writeFileSync(
      yaml,
      text.replace(/ {2}- \{ name: no-deletes[^\n]*\n/, '').replace('kind: { require_approvals: 2 }', 'kind: warn'),
    );
    const id2 = await svc.start('app');
    const r2 = await svc.wait(id2);
    expect(r2.requiredApprovals).toBe(2);
    const w = svc.detail(id2)!.policies.find((p) => p.name === POLICIES_WEAKENED)!;
    expect(w.message).toContain('removed no-deletes');
    expect(w.message).toContain('two-eyes (require_approvals: 2 -> warn)');
    expect(w.message).toContain(`since run ${id1}`);
    // a plan-only run of the same set does not take effect: the next deploy still needs two
    await svc.discard(id2);
    const id3 = await svc.start('app');
    expect((await svc.wait(id3)).requiredApprovals).toBe(2);
    await svc.approve(id3, 'alice');
    await svc.approve(id3, 'bob');
    expect((await svc.wait(id3)).state).toBe('FINISHED');

    const id4 = await svc.start('app');
    expect((await svc.wait(id4)).requiredApprovals).toBe(1);
    const off = svc.detail(id4)!.policies.find((p) => p.name === POLICIES_OFF)!;
    expect(off).toMatchObject({ fired: true, kind: 'warn' });
    expect(off.message).toContain('removed policies still off: no-deletes');
    await svc.discard(id4);
    const audit = new AuditRepo(db).list().filter((e) => e.action === 'policy-weakened');
    expect(audit).toHaveLength(1);
  });

  it('a dev stack with defaultPolicies: false asks nothing more', async () => {
    const { db, path } = tmpDb();
    customStack({ db, environment: 'dev', yaml: 'defaultPolicies: false' });
    const svc = service(db, path);
    const id = await svc.start('app');
    const r = await svc.wait(id);
    expect(r.requiredApprovals).toBe(1);
    expect(svc.detail(id)!.policies).toEqual([]);
    await svc.discard(id);
  });
});

describe('require_approvals: one limit in every form', () => {
  const forms = (n: string) => [
    `kind: { require_approvals: ${n} }`,
    `kind: "require_approvals: ${n}"`,
    `kind: "require_approvals:${n}"`,
    `kind:\n      require_approvals: ${n}`,
  ];
  const load = (kind: string) => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'dayops.yaml'), `policies:\n  - name: p\n    ${kind}\n    expr: "true"\n    message: m\n`);
    return loadPolicies(loadStackConfig(dir), dir, 'dev');
  };
  it(`accepts 1 to ${MAX_APPROVALS} written any way`, () => {
    for (const n of ['1', String(MAX_APPROVALS)]) {
      for (const f of forms(n)) expect(load(f).policies[0]).toMatchObject({ approvals: Number(n) });
    }
  });
  it('refuses 0, 11 and a huge number written any way, with one line naming the file and the field', () => {
    for (const n of ['0', String(MAX_APPROVALS + 1), '99999999999999999999']) {
      for (const f of forms(n)) {
        let err: unknown;
        try {
          load(f);
        } catch (e) {
          err = e;
        }
        expect(err, `${f}`).toBeInstanceOf(ConfigError);
        const msg = (err as Error).message;
        expect(msg.split('\n')).toHaveLength(1);
        expect(msg).toContain('dayops.yaml');
        expect(msg).toContain('policies[0].kind');
        expect(msg).toMatch(n === '0' ? /at least 1 approval/ : new RegExp(`at most ${MAX_APPROVALS} approvals`));
      }
    }
  });
});

describe('cron schedules are checked at stack add', () => {
  const cases: [string, string][] = [
    ['drift:\n  schedule: "61 * * * *"', 'drift.schedule'],
    ['drift:\n  schedule: "every hour"', 'drift.schedule'],
    ['backups:\n  repository: ./r\n  schedule: "0 0 30 2 *"', 'backups.schedule'],
    ['backups:\n  repository: ./r\n  restoreTestSchedule: "* * *"', 'backups.restoreTestSchedule'],
  ];
  it('a bad or never-firing schedule is one line naming the file and field (exit 1); nothing registered', async () => {
    const home = tmpDir();
    const cli = cliIn(join(home, 'dayops.db'));
    for (const [yaml, field] of cases) {
      const stack = customStack({ yaml });
      const r = await cli(['stack', 'add', stack.dir]);
      expect(r.code, yaml).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(join(stack.dir, 'dayops.yaml'));
      expect(lines[0]).toContain(field);
    }
    expect(JSON.parse((await cli(['stack', 'list', '--json'])).stdout).stacks).toEqual([]);
    const good = customStack({ yaml: 'drift:\n  schedule: "0 */6 * * *"' });
    expect((await cli(['stack', 'add', good.dir])).code).toBe(0);
  });
});
