import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../../src/db/open.js';
import { AuditRepo } from '../../../src/db/audit.js';
import { changeToken } from '../../../src/db/runs.js';
import { RunService, type RunServiceOptions } from '../../../src/day1/runs.js';
import { registerRunHooks } from '../../../src/day1/runner/hooks.js';
import { runDirFor } from '../../../src/day1/runner/rundir.js';
import { pidAlive } from '../../../src/day1/runner/procinfo.js';
import { tmpDb } from '../../helpers/tmp.js';
import { fakeTfStack } from '../../helpers/fake-tf.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { PLAN_NO_CHANGES, PLAN_WAITS_FOR_RELEASE, appliedCount, customStack, until } from './helpers.js';
import { writeFileSync } from 'node:fs';

const services: RunService[] = [];
const extraDbs: DB[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
  while (extraDbs.length) extraDbs.pop()!.close();
});

function service(db: DB, path: string, opts: RunServiceOptions = {}): RunService {
  const svc = new RunService(db, {
    dbPath: path,
    user: 'alice',
    handleSignals: false,
    pollMs: 40,
    graceMs: 300,
    ...opts,
  });
  services.push(svc);
  return svc;
}

/** A second connection to the same database, as another dayops process would have. */
function otherConnection(path: string): DB {
  const db = openDatabase(path);
  extraDbs.push(db);
  return db;
}

describe('run service: the run life', () => {
  it('a plan-only run goes QUEUED, INITIALIZING, PLANNING, FINISHED and stores its plan, without applying', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db });
    const svc = service(db, path);
    const states: string[] = [];
    svc.on('state', (r) => states.push(r.state));
    const id = await svc.start('app', { planOnly: true, trigger: 'cli' });
    const run = await svc.wait(id);
    expect(run.state).toBe('FINISHED');
    expect(run.kind).toBe('proposed');
    const d = svc.detail(id)!;
    expect(d.transitions.map((t) => t.state)).toEqual(['QUEUED', 'INITIALIZING', 'PLANNING', 'FINISHED']);
    expect(d.transitions.every((t, i) => i === 0 || t.at >= d.transitions[i - 1].at)).toBe(true);
    expect(d.plan?.changes.map((c) => `${c.action} ${c.address}`)).toEqual(['create null_resource.a']);
    expect(d.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(d.triggeredBy).toBe('alice');
    expect(d.trigger).toBe('cli');
    expect(d.startedAt).not.toBeNull();
    expect(d.finishedAt).not.toBeNull();
    expect(appliedCount(stack.dir)).toBe(0);
    expect(states).toEqual(['QUEUED', 'INITIALIZING', 'PLANNING', 'FINISHED']);
    expect(existsSync(runDirFor(path, id))).toBe(false);
    // every line of the tool is in the log, with dayops' own lines
    const texts = svc.logs.page(id, 1, 100).map((l) => l.text);
    expect(texts).toEqual(
      expect.arrayContaining(['Refreshing state...', 'dayops:change create null_resource.a', 'Plan: 1 to add']),
    );
    expect(svc.logs.phases(id)).toMatchObject({ init: 1 });
    expect(svc.logs.phases(id).plan).toBeGreaterThan(1);
  });

  it('a tracked run with changes parks UNCONFIRMED with its plan folder, then applies the same run when approved', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db });
    const svc = service(db, path);
    const id = await svc.start('app');
    const parked = await svc.wait(id);
    expect(parked.state).toBe('UNCONFIRMED');
    expect(parked.owner).toBeNull();
    expect(parked.requiredApprovals).toBe(1);
    expect(statSync(runDirFor(path, id)).mode & 0o777).toBe(0o700);
    expect(appliedCount(stack.dir)).toBe(0);

    const res = await svc.approve(id, 'bob', 'looks fine');
    expect(res).toMatchObject({ approvals: 1, required: 1, applying: true, state: 'APPLYING' });
    const done = await svc.wait(id);
    expect(done.state).toBe('FINISHED');
    expect(appliedCount(stack.dir)).toBe(1);
    const d = svc.detail(id)!;
    expect(d.transitions.map((t) => t.state)).toEqual([
      'QUEUED',
      'INITIALIZING',
      'PLANNING',
      'UNCONFIRMED',
      'APPLYING',
      'FINISHED',
    ]);
    expect(d.approvals).toEqual([expect.objectContaining({ user: 'bob', comment: 'looks fine' })]);
    expect(d.apply?.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(new AuditRepo(db).forRun(id).map((e) => [e.action, e.user, e.comment])).toEqual([
      ['approve', 'bob', 'looks fine'],
    ]);
    expect(existsSync(runDirFor(path, id))).toBe(false);
    expect(svc.logs.phases(id).apply).toBeGreaterThan(svc.logs.phases(id).plan!);
  });

  it('a tracked run with no changes finishes after planning without asking', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, plan: PLAN_NO_CHANGES });
    const svc = service(db, path);
    const id = await svc.start('app');
    expect((await svc.wait(id)).state).toBe('FINISHED');
    expect(svc.detail(id)!.transitions.map((t) => t.state)).toEqual(['QUEUED', 'INITIALIZING', 'PLANNING', 'FINISHED']);
    expect(appliedCount(stack.dir)).toBe(0);
  });

  it('a failing plan ends FAILED with the tool error, and keeps the lines', async () => {
    const { db, path } = tmpDb();
    customStack({ db, plan: `console.log('about to fail'); console.error('Error: bad thing'); process.exit(3);` });
    const svc = service(db, path);
    const id = await svc.start('app');
    const run = await svc.wait(id);
    expect(run.state).toBe('FAILED');
    expect(run.error).toMatch(/^plan failed: .*exited with code 3$/);
    expect(svc.logs.page(id, 1, 50).map((l) => l.text)).toEqual(
      expect.arrayContaining(['about to fail', 'Error: bad thing']),
    );
  });

  it('a bad policy fails the run at once with the config error, before any tool runs', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({
      db,
      plan: `import { writeFileSync } from 'node:fs'; writeFileSync('planned', '1');`,
      yaml: `policies:\n  - { name: broken, kind: deny, expr: "plan.resource_changes.exists(r, ", message: "x" }`,
    });
    const svc = service(db, path);
    const id = await svc.start('app');
    const run = await svc.wait(id);
    expect(run.state).toBe('FAILED');
    expect(run.error).toContain('dayops.yaml');
    expect(run.error).toContain('broken');
    expect(existsSync(join(stack.dir, 'planned'))).toBe(false);
    expect(svc.detail(id)!.transitions.map((t) => t.state)).toEqual(['QUEUED', 'FAILED']);
  });

  it('an unknown stack is refused without creating a run', async () => {
    const { db, path } = tmpDb();
    const svc = service(db, path);
    await expect(svc.start('nope')).rejects.toThrow('no stack named "nope"');
    expect(svc.runs.list()).toEqual([]);
  });
});

describe('run service: policies and approvals', () => {
  const twoEyes = `policies:\n  - { name: two-eyes, kind: { require_approvals: 2 }, expr: "plan.summary.add > 0", message: "adds need two approvers" }`;

  it('require_approvals 2 needs two distinct users; the second approval applies, in the process that gave it', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, yaml: twoEyes });
    const svc = service(db, path);
    const id = await svc.start('app');
    const parked = await svc.wait(id);
    expect(parked.state).toBe('UNCONFIRMED');
    expect(parked.requiredApprovals).toBe(2);
    const policies = svc.detail(id)!.policies;
    expect(policies).toEqual([expect.objectContaining({ name: 'two-eyes', fired: true, approvals: 2 })]);

    expect(await svc.approve(id, 'alice')).toMatchObject({
      approvals: 1,
      required: 2,
      applying: false,
      state: 'UNCONFIRMED',
    });
    await expect(svc.approve(id, 'alice')).rejects.toThrow(
      'alice has already approved run 1 (1 of 2); another user must approve',
    );

    // bob approves from another dayops process (another connection): it applies there
    const other = service(otherConnection(path), path, { user: 'bob', recover: false });
    expect(await other.approve(id, 'bob')).toMatchObject({ approvals: 2, required: 2, applying: true });
    expect(other.isLive(id)).toBe(true);
    expect(svc.isLive(id)).toBe(false);
    // the first process sees it end too
    const done = await svc.wait(id, 'terminal');
    expect(done.state).toBe('FINISHED');
    expect(appliedCount(stack.dir)).toBe(1);
    expect(new AuditRepo(db).forRun(id).map((e) => `${e.action}:${e.user}`)).toEqual(['approve:alice', 'approve:bob']);
    // an approval after the apply started is refused, and nothing applies twice
    await expect(svc.approve(id, 'carol')).rejects.toThrow(
      'run 1 is FINISHED; only a run waiting for approval (UNCONFIRMED) can be approved',
    );
    expect(appliedCount(stack.dir)).toBe(1);
  });

  it('auto-apply without a firing policy applies without stopping and audits an automatic approval', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, yaml: 'autoApply: true' });
    const svc = service(db, path);
    const id = await svc.start('app');
    const run = await svc.wait(id);
    expect(run.state).toBe('FINISHED');
    expect(run.autoApply).toBe(true);
    expect(appliedCount(stack.dir)).toBe(1);
    expect(svc.detail(id)!.transitions.map((t) => t.state)).toEqual([
      'QUEUED',
      'INITIALIZING',
      'PLANNING',
      'APPLYING',
      'FINISHED',
    ]);
    expect(new AuditRepo(db).forRun(id).map((e) => [e.action, e.user, e.comment])).toEqual([
      ['auto-approve', 'alice', 'autoApply: true in dayops.yaml'],
    ]);
  });

  it('--auto-approve with a firing require_approvals policy stops for approval', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, yaml: twoEyes });
    const svc = service(db, path);
    const id = await svc.start('app', { autoApprove: true });
    const run = await svc.wait(id);
    expect(run.state).toBe('UNCONFIRMED');
    expect(appliedCount(stack.dir)).toBe(0);
    expect(new AuditRepo(db).forRun(id)).toEqual([]);
    expect(svc.logs.page(id, 1, 100).map((l) => l.text)).toContain(
      'dayops: not applied automatically: policies require 2 approvals',
    );
  });

  it('a firing deny policy ends POLICY_DENIED with its message, even with auto-apply', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({
      db,
      yaml: `autoApply: true\npolicies:\n  - { name: no-new, kind: deny, expr: "plan.summary.add > 0", message: "no new resources today: {{ plan.resource_changes.map(r, r.address) }}" }\n  - { name: heads-up, kind: warn, expr: "true", message: "be careful" }`,
    });
    const svc = service(db, path);
    const id = await svc.start('app');
    const run = await svc.wait(id);
    expect(run.state).toBe('POLICY_DENIED');
    expect(run.error).toBe('denied by policy: no-new: no new resources today: null_resource.a');
    expect(appliedCount(stack.dir)).toBe(0);
    const d = svc.detail(id)!;
    expect(d.policies.map((p) => [p.name, p.kind, p.fired])).toEqual([
      ['no-new', 'deny', true],
      ['heads-up', 'warn', true],
    ]);
    expect(d.plan?.summary.add).toBe(1);
  });

  it('discard ends a parked run DISCARDED with an audit entry; it can then not be approved', async () => {
    const { db, path } = tmpDb();
    customStack({ db });
    const svc = service(db, path);
    const id = await svc.start('app');
    await svc.wait(id);
    const run = await svc.discard(id, 'bob', 'not today');
    expect(run.state).toBe('DISCARDED');
    expect(existsSync(runDirFor(path, id))).toBe(false);
    expect(new AuditRepo(db).forRun(id).map((e) => [e.action, e.user, e.comment])).toEqual([
      ['discard', 'bob', 'not today'],
    ]);
    await expect(svc.approve(id, 'bob')).rejects.toThrow('is DISCARDED');
    await expect(svc.discard(id, 'bob')).rejects.toThrow(
      'run 1 is DISCARDED; only a run waiting for approval (UNCONFIRMED) can be discarded',
    );
  });
});

describe('run service: secrets', () => {
  it('never stores a secret: log lines, plan_json, policy messages and errors are redacted', async () => {
    const { db, path } = tmpDb();
    const secret = 's3cr3t-Passw0rd-xyz';
    customStack({
      db,
      plan: `console.log('token=' + process.env.API_TOKEN);
             console.error(JSON.stringify({ password: process.env.API_TOKEN }));
             console.log('dayops:change create aws_secret.' + process.env.API_TOKEN);`,
      yaml: `secrets:\n  - { name: API_TOKEN, fromEnv: TEST_API_TOKEN }\npolicies:\n  - { name: show, kind: warn, expr: "true", message: "changes {{ plan.resource_changes.map(r, r.address) }}" }`,
    });
    const svc = service(db, path, { env: { ...process.env, TEST_API_TOKEN: secret } });
    const id = await svc.start('app');
    const run = await svc.wait(id);
    expect(run.state).toBe('UNCONFIRMED');
    const lines = svc.logs.page(id, 1, 100);
    expect(lines.map((l) => l.text)).toEqual(expect.arrayContaining(['token=[REDACTED]', '{"password":"[REDACTED]"}']));
    const d = svc.detail(id)!;
    expect(d.plan!.changes[0].address).toBe('aws_secret.[REDACTED]');
    expect(d.policies[0].message).toBe('changes aws_secret.[REDACTED]');
    // nothing anywhere in the database holds the value
    const dump =
      JSON.stringify(db.prepare('SELECT * FROM run_logs').all()) +
      JSON.stringify(db.prepare('SELECT * FROM runs').all());
    expect(dump).not.toContain(secret);
  });

  it('a missing secret fails the run at once naming the secret, never a value', async () => {
    const { db, path } = tmpDb();
    customStack({ db, yaml: `secrets:\n  - { name: API_TOKEN, fromEnv: TEST_MISSING_TOKEN_XYZ }` });
    const svc = service(db, path, { env: { PATH: process.env.PATH } });
    const id = await svc.start('app');
    const run = await svc.wait(id);
    expect(run.state).toBe('FAILED');
    expect(run.error).toBe('secret API_TOKEN: environment variable TEST_MISSING_TOKEN_XYZ is not set');
  });
});

describe('run service: one run at a time per stack', () => {
  it('a second tracked run waits QUEUED while the first holds the stack (through UNCONFIRMED), then starts', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db });
    const svc = service(db, path);
    const first = await svc.start('app');
    expect((await svc.wait(first)).state).toBe('UNCONFIRMED');
    const second = await svc.start('app');
    await new Promise((r) => setTimeout(r, 400));
    expect(svc.get(second)!.state).toBe('QUEUED');
    expect(svc.logs.page(second, 1, 10).map((l) => l.text)).toContain(
      `dayops: queued: stack app is busy with run ${first} (UNCONFIRMED)`,
    );
    // a plan-only run may plan meanwhile
    const proposed = await svc.start('app', { planOnly: true });
    expect((await svc.wait(proposed)).state).toBe('FINISHED');
    expect(svc.get(second)!.state).toBe('QUEUED');
    await svc.approve(first, 'bob');
    expect((await svc.wait(first)).state).toBe('FINISHED');
    expect((await svc.wait(second)).state).toBe('UNCONFIRMED');
    const t1 = svc.detail(first)!.transitions.find((t) => t.state === 'FINISHED')!.at;
    const t2 = svc.detail(second)!.transitions.find((t) => t.state === 'INITIALIZING')!.at;
    expect(t2).toBeGreaterThanOrEqual(t1);
    expect(appliedCount(stack.dir)).toBe(1);
  });

  it('an approved run waits for a plan-only run working in the folder, then applies; later plan-only runs wait for it', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({
      db,
      plan: `import { existsSync, writeFileSync } from 'node:fs';
             writeFileSync('planning-' + process.env.DAYOPS_RUN_ID, '');
             if (process.env.DAYOPS_RUN_ID !== '1') while (!existsSync('release')) await new Promise((r) => setTimeout(r, 20));
             console.log('dayops:change create null_resource.a');`,
    });
    const svc = service(db, path);
    const tracked = await svc.start('app');
    expect((await svc.wait(tracked)).state).toBe('UNCONFIRMED');
    const drift = await svc.start('app', { planOnly: true, purpose: 'drift' });
    await until(() => existsSync(join(stack.dir, `planning-${drift}`)));
    const res = await svc.approve(tracked, 'bob');
    expect(res).toMatchObject({ approvals: 1, required: 1, applying: true, state: 'UNCONFIRMED' });
    const later = await svc.start('app', { planOnly: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(svc.get(tracked)!.state).toBe('UNCONFIRMED');
    expect(svc.get(later)!.state).toBe('QUEUED');
    expect(appliedCount(stack.dir)).toBe(0);
    writeFileSync(join(stack.dir, 'release'), '');
    expect((await svc.wait(drift)).state).toBe('FINISHED');
    expect((await svc.wait(tracked, 'terminal')).state).toBe('FINISHED');
    expect(appliedCount(stack.dir)).toBe(1);
    expect((await svc.wait(later)).state).toBe('FINISHED');
    const applyStart = svc.detail(tracked)!.transitions.find((t) => t.state === 'APPLYING')!.at;
    expect(svc.detail(drift)!.finishedAt!).toBeLessThanOrEqual(applyStart);
    expect(svc.detail(later)!.startedAt!).toBeGreaterThanOrEqual(svc.detail(tracked)!.finishedAt!);
  });

  it('a run queued in another process starts when the first ends there (polling the database)', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, plan: PLAN_WAITS_FOR_RELEASE });
    const a = service(db, path);
    const b = service(otherConnection(path), path, { user: 'bob', recover: false });
    const first = await a.start('app', { planOnly: true });
    await until(() => a.get(first)!.state === 'PLANNING');
    const second = await b.start('app', { planOnly: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(b.get(second)!.state).toBe('QUEUED');
    expect(existsSync(join(stack.dir, `planning-${second}`))).toBe(false);
    writeFileSync(join(stack.dir, 'release'), '');
    expect((await b.wait(second)).state).toBe('FINISHED');
    expect((await a.wait(first)).state).toBe('FINISHED');
  });

  it('runs of different stacks plan at the same time', async () => {
    const { db, path } = tmpDb();
    const s1 = customStack({ db, name: 'one', plan: PLAN_WAITS_FOR_RELEASE });
    const s2 = customStack({ db, name: 'two', plan: PLAN_WAITS_FOR_RELEASE });
    const svc = service(db, path);
    const a = await svc.start('one', { planOnly: true });
    const b = await svc.start('two', { planOnly: true });
    await until(() => svc.get(a)!.state === 'PLANNING' && svc.get(b)!.state === 'PLANNING');
    await until(() => existsSync(join(s1.dir, `planning-${a}`)) && existsSync(join(s2.dir, `planning-${b}`)));
    writeFileSync(join(s1.dir, 'release'), '');
    writeFileSync(join(s2.dir, 'release'), '');
    expect((await svc.wait(a)).state).toBe('FINISHED');
    expect((await svc.wait(b)).state).toBe('FINISHED');
  });
});

describe('run service: cancel', () => {
  it('cancel mid-plan interrupts the tool and ends CANCELED with its log and an audit entry', async () => {
    const { db, path } = tmpDb();
    customStack({ db, plan: PLAN_WAITS_FOR_RELEASE });
    const svc = service(db, path);
    const seen: string[] = [];
    svc.on('line', (l) => seen.push(l.text));
    const id = await svc.start('app');
    await until(() => seen.includes('waiting for release') && svc.get(id)!.toolPid !== null);
    const toolPid = svc.get(id)!.toolPid!;
    await svc.cancel(id, 'bob', 'wrong branch');
    const run = await svc.wait(id);
    expect(run.state).toBe('CANCELED');
    expect(run.error).toBe('canceled by bob: wrong branch');
    expect(pidAlive(toolPid)).toBe(false);
    const texts = svc.logs.page(id, 1, 100).map((l) => l.text);
    expect(texts).toContain('waiting for release');
    expect(texts).toContain('dayops: canceled by bob: wrong branch; stopping the tool');
    expect(new AuditRepo(db).forRun(id).map((e) => `${e.action}:${e.user}:${e.comment}`)).toEqual([
      'cancel:bob:wrong branch',
    ]);
    await expect(svc.cancel(id, 'bob')).rejects.toThrow(`run ${id} has already ended (CANCELED)`);
  });

  it('cancel of a queued run ends it CANCELED without running anything', async () => {
    const { db, path } = tmpDb();
    customStack({ db });
    const svc = service(db, path);
    const first = await svc.start('app');
    await svc.wait(first);
    const second = await svc.start('app');
    await svc.cancel(second, 'alice');
    expect((await svc.wait(second)).state).toBe('CANCELED');
    expect(svc.detail(second)!.transitions.map((t) => t.state)).toEqual(['QUEUED', 'CANCELED']);
  });

  it('cancel from another process reaches the process that drives the run', async () => {
    const { db, path } = tmpDb();
    const stack = customStack({ db, plan: PLAN_WAITS_FOR_RELEASE });
    const owner = service(db, path);
    const id = await owner.start('app', { planOnly: true });
    await until(() => existsSync(join(stack.dir, `planning-${id}`)));
    const other = service(otherConnection(path), path, { user: 'bob', recover: false });
    const after = await other.cancel(id, 'bob');
    expect(after.state).toBe('PLANNING');
    expect(after.cancelRequested).toBe(true);
    expect((await other.wait(id)).state).toBe('CANCELED');
    expect(owner.get(id)!.error).toBe('canceled from another dayops process');
  });

  it('cancel of a parked run ends it at once', async () => {
    const { db, path } = tmpDb();
    customStack({ db });
    const svc = service(db, path);
    const id = await svc.start('app');
    await svc.wait(id);
    expect((await svc.cancel(id, 'bob')).state).toBe('CANCELED');
    expect(existsSync(runDirFor(path, id))).toBe(false);
  });

  it('a run cancelled mid-apply (fake terraform) ends CANCELED after Terraform saved its state, log kept', async () => {
    const { db, path } = tmpDb();
    const tf = fakeTfStack('create', { tool: 'opentofu', hang: 'apply:2', interruptDelayMs: 100 });
    new StacksRepo(db).upsert({ name: 'tf', dir: tf.dir, tool: 'opentofu', environment: 'dev' });
    const svc = service(db, path, { env: { ...process.env, ...tf.env }, graceMs: 5000 });
    const id = await svc.start('tf');
    expect((await svc.wait(id)).state).toBe('UNCONFIRMED');
    await svc.approve(id, 'bob');
    await until(
      () =>
        tf.invocations().some((i) => i.argv[1] === 'apply') && svc.logs.count(id) > 0 && svc.get(id)!.toolPid !== null,
    );
    await new Promise((r) => setTimeout(r, 200));
    await svc.cancel(id, 'bob');
    const run = await svc.wait(id);
    expect(run.state).toBe('CANCELED');
    const apply = svc.logs.page(id, svc.logs.phases(id).apply!, 1000).map((l) => l.plain ?? l.text);
    expect(apply.some((t) => /Interrupt received/.test(t))).toBe(true);
    // the plan's lines are kept too
    expect(svc.logs.phases(id).plan).toBeGreaterThan(0);
    expect(svc.detail(id)!.transitions.map((t) => t.state)).toEqual([
      'QUEUED',
      'INITIALIZING',
      'PLANNING',
      'UNCONFIRMED',
      'APPLYING',
      'CANCELED',
    ]);
  });
});

describe('run service: readonly mode', () => {
  it('only plan-only runs start; approve, discard and cancel are refused', async () => {
    const { db, path } = tmpDb();
    customStack({ db });
    const rw = service(db, path);
    const parked = await rw.start('app');
    await rw.wait(parked);
    const ro = service(db, path, { readonly: true, recover: false });
    await expect(ro.start('app')).rejects.toThrow('readonly mode (--readonly): only plan-only runs may start');
    const id = await ro.start('app', { planOnly: true });
    expect((await ro.wait(id)).state).toBe('FINISHED');
    await expect(ro.approve(parked, 'bob')).rejects.toThrow(
      'readonly mode (--readonly): approving a run is not allowed',
    );
    await expect(ro.discard(parked, 'bob')).rejects.toThrow(
      'readonly mode (--readonly): discarding a run is not allowed',
    );
    await expect(ro.cancel(parked, 'bob')).rejects.toThrow(
      'readonly mode (--readonly): canceling a run is not allowed',
    );
    expect(rw.get(parked)!.state).toBe('UNCONFIRMED');
  });
});

describe('run service: hooks and change token', () => {
  it('calls the apply hooks around an apply with the run, stack and approver', async () => {
    const { db, path } = tmpDb();
    customStack({ db, yaml: 'autoApply: true' });
    const calls: string[] = [];
    const off = registerRunHooks({
      onApplyStart: (c) => void calls.push(`start ${c.runId} ${c.stack.name} ${c.user} ${c.db === db}`),
      onApplyEnd: (c) => void calls.push(`end ${c.runId} ${c.run.state} -> ${c.outcome}`),
      onRunEnd: (c) => void calls.push(`run-end ${c.runId} ${c.run.state}`),
    });
    const failing = registerRunHooks({
      onApplyStart: () => {
        throw new Error('alertmanager is down');
      },
    });
    try {
      const svc = service(db, path);
      const id = await svc.start('app');
      expect((await svc.wait(id)).state).toBe('FINISHED');
      expect(calls).toEqual([`start ${id} app alice true`, `end ${id} APPLYING -> FINISHED`, `run-end ${id} FINISHED`]);
      expect(svc.logs.page(id, 1, 100).map((l) => l.text)).toContain('dayops: apply hook failed: alertmanager is down');
    } finally {
      off();
      failing();
    }
  });

  it('changeToken moves when another connection or this one changes a run', async () => {
    const { db, path } = tmpDb();
    customStack({ db, plan: PLAN_NO_CHANGES });
    const other = otherConnection(path);
    const t0 = changeToken(db);
    expect(changeToken(db)).toBe(t0);
    const svc = service(other, path, { recover: false });
    const id = await svc.start('app', { planOnly: true });
    const t1 = changeToken(db);
    expect(t1).not.toBe(t0);
    await svc.wait(id);
    expect(changeToken(db)).not.toBe(t1);
  });
});
