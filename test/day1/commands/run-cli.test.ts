/**
 * The headless Day-1 commands as a user runs them: the BUILT dayops (`npx tsc -p .` first), a temporary database,
 * custom stacks driven by node scripts, and the fake terraform.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { LogsRepo } from '../../../src/db/logs.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { pidAlive } from '../../../src/day1/runner/procinfo.js';
import { CLI, ROOT, runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { fakeTfStack } from '../../helpers/fake-tf.js';
import { PLAN_NO_CHANGES, PLAN_WAITS_FOR_RELEASE, appliedCount, customStack, until } from '../runs/helpers.js';

const GRACE = { DAYOPS_CANCEL_GRACE_MS: '500' };
const spawned: ChildProcess[] = [];
afterEach(() => {
  for (const c of spawned.splice(0)) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npx tsc -p .): ${CLI} is missing`);
});

function setup(opts: Parameters<typeof customStack>[0] = {}) {
  const home = tmpDir();
  const db = join(home, 'dayops.db');
  const stack = customStack(opts);
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(['--db', db, ...args], { env: { ...GRACE, ...env } });
  return { db, stack, cli };
}

/** The one JSON document `--json` prints: the whole of stdout (the log streams to stderr). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read fields of a JSON document
function onlyJson(stdout: string): Record<string, any> {
  return JSON.parse(stdout);
}

function background(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...GRACE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

function readDb(path: string) {
  const db = openDatabase(path);
  return { runs: new RunsRepo(db), logs: new LogsRepo(db), close: () => db.close() };
}

describe('dayops run', () => {
  it('--plan-only --json: streams the log to stderr, prints the run as the only JSON on stdout; exit 0', async () => {
    const { stack, cli } = setup();
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    const r = await cli(['run', 'app', '--plan-only', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Refreshing state...');
    expect(r.stdout).not.toContain('Refreshing state...');
    const j = onlyJson(r.stdout);
    expect(j).toMatchObject({
      id: 1,
      stack: 'app',
      state: 'FINISHED',
      kind: 'proposed',
      summary: { add: 1, change: 0, destroy: 0 },
      changes: [{ address: 'null_resource.a', action: 'create', actions: ['create'] }],
      policies: [],
      error: null,
      triggeredBy: expect.any(String),
      trigger: 'cli',
    });
    expect(new Date(j.startedAt).getTime()).toBeLessThanOrEqual(new Date(j.finishedAt).getTime());
    expect(appliedCount(stack.dir)).toBe(0);
  });

  it('stops UNCONFIRMED without a terminal (exit 4); `dayops approve` applies that same run (exit 0)', async () => {
    const { stack, cli } = setup();
    await cli(['stack', 'add', stack.dir]);
    const r = await cli(['run', 'app']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('dayops: run 1 is waiting for approval (0 of 1): dayops approve 1, or dayops discard 1');
    expect(appliedCount(stack.dir)).toBe(0);
    const a = await cli(['approve', '1', '--comment', 'ship it', '--json']);
    expect(a.code).toBe(0);
    expect(a.stderr).toContain('Apply complete! Resources: 1 added');
    const j = onlyJson(a.stdout);
    expect(j.state).toBe('FINISHED');
    expect(j.approvals.given).toEqual([expect.objectContaining({ comment: 'ship it' })]);
    expect(appliedCount(stack.dir)).toBe(1);
    // approving again: the run has ended
    const again = await cli(['approve', '1']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      'run 1 is FINISHED; only a run waiting for approval (UNCONFIRMED) can be approved',
    );
  });

  it('--auto-approve applies without stopping (exit 0); no changes finishes without asking', async () => {
    const { stack, cli } = setup();
    await cli(['stack', 'add', stack.dir]);
    const r = await cli(['run', 'app', '--auto-approve', '--json']);
    expect(r.code).toBe(0);
    expect(onlyJson(r.stdout)).toMatchObject({
      state: 'FINISHED',
      applied: { summary: { add: 1, change: 0, destroy: 0 } },
    });
    expect(appliedCount(stack.dir)).toBe(1);

    const quiet = setup({ plan: PLAN_NO_CHANGES });
    await quiet.cli(['stack', 'add', quiet.stack.dir]);
    expect((await quiet.cli(['run', 'app'])).code).toBe(0);
  });

  it('exit 3 when a policy denies, with the policies in --json', async () => {
    const { stack, cli } = setup({
      yaml: 'policies:\n  - { name: freeze, kind: deny, expr: "plan.summary.add > 0", message: "change freeze until Monday" }',
    });
    await cli(['stack', 'add', stack.dir]);
    const r = await cli(['run', 'app', '--auto-approve', '--json']);
    expect(r.code).toBe(3);
    const j = onlyJson(r.stdout);
    expect(j.state).toBe('POLICY_DENIED');
    expect(j.error).toBe('denied by policy: freeze: change freeze until Monday');
    expect(j.policies).toEqual([
      expect.objectContaining({ name: 'freeze', kind: 'deny', fired: true, message: 'change freeze until Monday' }),
    ]);
    expect(appliedCount(stack.dir)).toBe(0);
  });

  it('exit 1 when the plan fails, with the error; one line for an unknown stack', async () => {
    const { stack, cli } = setup({ plan: `console.error('boom'); process.exit(2);` });
    await cli(['stack', 'add', stack.dir]);
    const r = await cli(['run', 'app', '--json']);
    expect(r.code).toBe(1);
    expect(onlyJson(r.stdout)).toMatchObject({ state: 'FAILED', error: expect.stringContaining('exited with code 2') });
    const u = await cli(['run', 'nope']);
    expect(u.code).toBe(1);
    expect(u.stderr).toBe('no stack named "nope"; `dayops stack list` shows the registered stacks\n');
    expect((await cli(['run'])).code).toBe(2);
    expect((await cli(['run', 'app', '--bogus'])).code).toBe(2);
  });

  it('a require_approvals 2 run needs another user after mine (exit 4), and the same user twice is refused', async () => {
    const { stack, cli } = setup({
      yaml: 'policies:\n  - { name: two-eyes, kind: { require_approvals: 2 }, expr: "true", message: "two people" }',
    });
    await cli(['stack', 'add', stack.dir]);
    expect((await cli(['run', 'app', '--auto-approve'])).code).toBe(4);
    const first = await cli(['approve', '1']);
    expect(first.code).toBe(4);
    expect(first.stderr).toMatch(/approved by .* \(1 of 2\); run 1 needs 1 more approval\(s\) from other users/);
    const second = await cli(['approve', '1']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/has already approved run 1 \(1 of 2\); another user must approve/);
    expect(appliedCount(stack.dir)).toBe(0);
  });

  it('secrets never reach stdout, the --json output or the database', async () => {
    const secret = 'Tr0ub4dor-and-3-horses';
    const { stack, cli, db } = setup({
      plan: `console.log('using ' + process.env.DB_PASSWORD); console.log('dayops:change create db.' + process.env.DB_PASSWORD);`,
      yaml: 'secrets:\n  - { name: DB_PASSWORD, fromEnv: APP_DB_PASSWORD }',
    });
    await cli(['stack', 'add', stack.dir]);
    const r = await cli(['run', 'app', '--plan-only', '--json'], { APP_DB_PASSWORD: secret });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('using [REDACTED]');
    expect(onlyJson(r.stdout).changes[0].address).toBe('db.[REDACTED]');
    expect(r.stdout + r.stderr).not.toContain(secret);
    const d = readDb(db);
    try {
      expect(JSON.stringify(d.logs.page(1, 1, 100)) + JSON.stringify(d.runs.detail(1))).not.toContain(secret);
    } finally {
      d.close();
    }
  });

  it('discard and cancel a parked run; `dayops runs --json` lists runs newest first', async () => {
    const { stack, cli } = setup();
    await cli(['stack', 'add', stack.dir]);
    await cli(['run', 'app']);
    await cli(['run', 'app', '--plan-only']);
    const d = await cli(['discard', '1', '--comment', 'not now']);
    expect(d.code).toBe(0);
    expect(d.stdout).toBe('Discarded run 1.\n');
    expect((await cli(['discard', '1'])).code).toBe(1);
    await cli(['run', 'app']);
    const c = await cli(['cancel', '3']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('Canceled run 3.\n');
    const list = await cli(['runs', 'app', '--json']);
    expect(list.code).toBe(0);
    expect(
      JSON.parse(list.stdout).runs.map((r: { id: number; state: string; kind: string }) => [r.id, r.state, r.kind]),
    ).toEqual([
      [3, 'CANCELED', 'tracked'],
      [2, 'FINISHED', 'proposed'],
      [1, 'DISCARDED', 'tracked'],
    ]);
    const table = await cli(['runs']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID\s+STACK\s+STATE\s+KIND\s+BY\s+STARTED\s+DURATION\s+CHANGES\s+ERROR$/,
    );
    expect((await cli(['runs', 'nope'])).code).toBe(1);
    expect((await cli(['cancel', 'x'])).code).toBe(2);
  });

  it('--readonly: only plan-only runs; approve, discard, cancel refused with a clear message', async () => {
    const { stack, cli } = setup();
    await cli(['stack', 'add', stack.dir]);
    await cli(['run', 'app']);
    const r = await cli(['--readonly', 'run', 'app']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'readonly mode (--readonly): only plan-only runs may start (dayops run STACK --plan-only)',
    );
    expect((await cli(['--readonly', 'run', 'app', '--plan-only'])).code).toBe(0);
    for (const [cmd, word] of [
      ['approve', 'approving'],
      ['discard', 'discarding'],
      ['cancel', 'canceling'],
    ]) {
      const x = await cli(['--readonly', cmd, '1']);
      expect(x.code).toBe(1);
      expect(x.stderr.trim()).toBe(`readonly mode (--readonly): ${word} a run is not allowed`);
    }
  });
});

describe('dayops run: interruptions', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s during a headless run cancels it cleanly: exit 1, CANCELED, the tool stopped',
    async (sig) => {
      const { stack, db } = setup({ plan: PLAN_WAITS_FOR_RELEASE });
      expect((await runCli(['--db', db, 'stack', 'add', stack.dir])).code).toBe(0);
      const p = background(['--db', db, 'run', 'app']);
      await until(() => p.out().includes('waiting for release'));
      const d = readDb(db);
      const toolPid = d.runs.get(1)!.toolPid!;
      d.close();
      expect(pidAlive(toolPid)).toBe(true);
      p.child.kill(sig);
      const { code } = await p.exited;
      expect(code).toBe(1);
      expect(p.err()).toContain('dayops: run 1 CANCELED');
      const after = readDb(db);
      try {
        expect(after.runs.get(1)).toMatchObject({ state: 'CANCELED', error: `canceled: dayops received ${sig}` });
      } finally {
        after.close();
      }
      await until(() => !pidAlive(toolPid), 5000);
    },
  );

  it('an uncaught error in dayops still stops its tool processes (exit handler)', async () => {
    const dir = tmpDir();
    const script = join(dir, 'crash.mjs');
    writeFileSync(
      script,
      `import { installProcessHandlers, runProcess } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'day1', 'runner', 'process.js'))};
       installProcessHandlers();
       runProcess({ argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], cwd: ${JSON.stringify(dir)}, env: process.env,
         onLine: () => {}, onSpawn: (pid) => { console.log('tool ' + pid); setTimeout(() => { throw new Error('a bug'); }, 100); } });`,
    );
    const p = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    spawned.push(p);
    let out = '';
    p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise((r) => p.on('close', r));
    expect(code).toBe(1);
    const pid = Number(/tool (\d+)/.exec(out)![1]);
    await until(() => !pidAlive(pid), 5000);
  });

  it('dayops killed mid-plan and started again: the run is FAILED "interrupted", its lines kept, the tool gone', async () => {
    const { stack, db } = setup({ plan: PLAN_WAITS_FOR_RELEASE });
    await runCli(['--db', db, 'stack', 'add', stack.dir]);
    const p = background(['--db', db, 'run', 'app']);
    await until(() => p.out().includes('waiting for release'));
    let d = readDb(db);
    const toolPid = d.runs.get(1)!.toolPid!;
    const linesBefore = d.logs.count(1);
    d.close();
    p.child.kill('SIGKILL');
    await p.exited;
    // the tool lives on in its own process group until dayops starts again
    expect(pidAlive(toolPid)).toBe(true);
    const r = await runCli(['--db', db, 'runs', 'app', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'dayops: run 1 (app) was interrupted: dayops stopped while this run was PLANNING; marked FAILED\n',
    );
    expect(JSON.parse(r.stdout).runs[0]).toMatchObject({
      id: 1,
      state: 'FAILED',
      error: 'interrupted: dayops stopped while this run was PLANNING',
    });
    d = readDb(db);
    try {
      const texts = d.logs.page(1, 1, 1000).map((l) => l.text);
      expect(texts.length).toBe(linesBefore + 1);
      expect(texts).toContain('waiting for release');
      expect(texts[texts.length - 1]).toBe(
        'dayops: interrupted: dayops stopped while this run was PLANNING; marked FAILED',
      );
    } finally {
      d.close();
    }
    await until(() => !pidAlive(toolPid), 8000);
    // the stack is free again
    writeFileSync(join(stack.dir, 'release'), '');
    expect((await runCli(['--db', db, 'run', 'app', '--plan-only'], { env: GRACE })).code).toBe(0);
  });

  it('a run driven by another live dayops is never marked; a second run waits for it, then goes', async () => {
    const { stack, db } = setup({ plan: PLAN_WAITS_FOR_RELEASE });
    await runCli(['--db', db, 'stack', 'add', stack.dir]);
    const first = background(['--db', db, 'run', 'app', '--plan-only']);
    await until(() => first.out().includes('waiting for release'));
    const look = await runCli(['--db', db, 'runs', '--json']);
    expect(look.stderr).toBe('');
    expect(JSON.parse(look.stdout).runs[0]).toMatchObject({ id: 1, state: 'PLANNING' });
    const second = background(['--db', db, 'run', 'app', '--plan-only']);
    await until(() => second.out().includes('dayops: queued: stack app is busy with run 1 (PLANNING)'));
    expect(existsSync(join(stack.dir, 'planning-2'))).toBe(false);
    writeFileSync(join(stack.dir, 'release'), '');
    expect((await first.exited).code).toBe(0);
    expect((await second.exited).code).toBe(0);
    expect(existsSync(join(stack.dir, 'planning-2'))).toBe(true);
  });

  it('fake terraform: plan, approve, apply the saved plan; cancel mid-apply from another process ends CANCELED', async () => {
    const tf = fakeTfStack('create', { tool: 'opentofu', hang: 'apply:2' });
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const env = { ...GRACE, ...tf.env };
    expect((await runCli(['--db', db, 'stack', 'add', tf.dir, '--name', 'tf'], { env })).code).toBe(0);
    expect((await runCli(['--db', db, 'run', 'tf'], { env })).code).toBe(4);
    const applying = background(['--db', db, 'approve', '1'], env);
    await until(() => tf.invocations().some((i) => i.argv[1] === 'apply'));
    await new Promise((r) => setTimeout(r, 300));
    const c = await runCli(['--db', db, 'cancel', '1', '--comment', 'stop'], { env });
    expect(c.code).toBe(0);
    expect((await applying.exited).code).toBe(1);
    expect(applying.err()).toContain('dayops: run 1 CANCELED');
    const apply = tf.invocations().find((i) => i.argv[1] === 'apply')!;
    expect(apply.argv.some((a) => a.endsWith('plan.tfplan'))).toBe(true);
    const d = readDb(db);
    try {
      expect(d.runs.get(1)!.state).toBe('CANCELED');
      expect(d.logs.page(1, 1, 1000).some((l) => /Interrupt received/.test(l.plain ?? l.text))).toBe(true);
    } finally {
      d.close();
    }
  });
});

describe('dayops stack add', () => {
  it('registers a folder: name from dayops.yaml, else the folder name sanitized; tool detected; env default dev', async () => {
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const { dir } = customStack({ name: 'payments', environment: 'prod' });
    const r = await runCli(['--db', db, 'stack', 'add', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Added stack payments (custom, prod) at ${dir}\n`);

    const tfDir = join(tmpDir(), 'My_Network Stack');
    mkdirSync(tfDir);
    writeFileSync(join(tfDir, 'main.tf'), 'resource "null_resource" "a" {}\n');
    const t = await runCli(['--db', db, 'stack', 'add', tfDir]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^Added stack my-network-stack \((opentofu|terraform), dev\) at /);
    const o = await runCli([
      '--db',
      db,
      'stack',
      'add',
      tfDir,
      '--name',
      'net',
      '--tool',
      'terraform',
      '--env',
      'staging',
    ]);
    expect(o.stdout).toBe(`Added stack net (terraform, staging) at ${tfDir}\n`);
    const list = JSON.parse((await runCli(['--db', db, 'stack', 'list', '--json'])).stdout);
    expect(list.stacks.map((s: { name: string }) => s.name)).toEqual(['my-network-stack', 'net', 'payments']);
  });

  it('refuses with one line: missing folder, unknown tool, bad dayops.yaml, a policy that does not compile, bad flags', async () => {
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const missing = await runCli(['--db', db, 'stack', 'add', join(home, 'nope')]);
    expect([missing.code, missing.stderr]).toEqual([1, `${join(home, 'nope')}: no such folder\n`]);

    const empty = tmpDir();
    const unk = await runCli(['--db', db, 'stack', 'add', empty]);
    expect(unk.code).toBe(1);
    expect(unk.stderr).toMatch(/cannot tell which tool drives this folder.*pass --tool\n$/);
    expect(unk.stderr.split('\n')).toHaveLength(2);

    const bad = tmpDir();
    writeFileSync(join(bad, 'dayops.yaml'), 'tool: opentofu\nautoApply: maybe\n');
    const b = await runCli(['--db', db, 'stack', 'add', bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(new RegExp(`^${join(bad, 'dayops.yaml')}:2:\\d+: autoApply: .*\\n$`));

    const pol = tmpDir();
    writeFileSync(
      join(pol, 'dayops.yaml'),
      'tool: opentofu\npolicies:\n  - { name: p, kind: deny, expr: "plan.nope(", message: "m" }\n',
    );
    const p = await runCli(['--db', db, 'stack', 'add', pol]);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('dayops.yaml');
    expect(p.stderr.trim().split('\n')).toHaveLength(1);

    expect((await runCli(['--db', db, 'stack', 'add', empty, '--tool', 'pulumi'])).code).toBe(2);
    expect((await runCli(['--db', db, 'stack', 'add', empty, '--env', 'qa'])).code).toBe(2);
    expect((await runCli(['--db', db, 'stack', 'add', empty, '--name', 'Bad Name'])).code).toBe(2);
    expect((await runCli(['--db', db, 'stack', 'add'])).code).toBe(2);
    const list = JSON.parse((await runCli(['--db', db, 'stack', 'list', '--json'])).stdout);
    expect(list.stacks).toEqual([]);
  });

  it('refuses a name already registered for another folder', async () => {
    const home = tmpDir();
    const db = join(home, 'dayops.db');
    const a = customStack({ name: 'app' });
    const b = customStack({ name: 'app' });
    expect((await runCli(['--db', db, 'stack', 'add', a.dir])).code).toBe(0);
    const r = await runCli(['--db', db, 'stack', 'add', b.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`stack "app" is already registered for ${a.dir}; pick another name with --name\n`);
  });
});
