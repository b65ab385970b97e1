/**
 * What the headless commands print is what happened, in a shape scripts can rely on: every `--json` is exactly
 * one JSON document on stdout (the live log goes to stderr), failed and canceled applies say what they applied,
 * a failed init says what Terraform said, and `dayops demo --open` reopens the demo as it was left. The BUILT
 * dayops (`npm run build` first), temporary databases, the fake terraform replaying Terraform 1.11.4's output.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { demoWorkspace } from '../../../src/demo/index.js';
import { CLI, ROOT, runCli } from '../../helpers/cli.js';
import { fakeTfStack, type FakeTfOptions, type TfScenario } from '../../helpers/fake-tf.js';
import { tmpDir } from '../../helpers/tmp.js';
import { hasTmux, requireTool, Terminal } from '../../helpers/tmux.js';
import { addStack, describeRestic, resticEnv } from '../../day2/backups/util.js';
import { customStack, until } from '../runs/helpers.js';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

const GRACE = { DAYOPS_CANCEL_GRACE_MS: '2000' };

function home() {
  const dir = tmpDir();
  const db = join(dir, 'dayops.db');
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(['--db', db, ...args], { env: { XDG_DATA_HOME: dir, ...GRACE, ...env } });
  return { dir, db, cli };
}

/** The whole of stdout as one JSON document: JSON.parse refuses anything before or after it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read fields of a JSON document
function onlyJson(stdout: string, what: string): any {
  try {
    return JSON.parse(stdout);
  } catch (err) {
    throw new Error(`${what}: stdout is not exactly one JSON document (${(err as Error).message}):\n${stdout}`, {
      cause: err,
    });
  }
}

/** A terraform stack replaying a recorded scenario, registered as `name`. */
async function tfStack(
  cli: ReturnType<typeof home>['cli'],
  name: string,
  scenario: TfScenario,
  opts: FakeTfOptions = {},
) {
  const tf = fakeTfStack(scenario, { tool: 'terraform', ...opts });
  const env = Object.entries(tf.env)
    .filter(([k]) => k !== 'PATH')
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  writeFileSync(
    join(tf.dir, 'dayops.yaml'),
    ['apiVersion: dayops/v1', 'kind: Stack', `name: ${name}`, 'tool: terraform', 'env:', ...env, ''].join('\n'),
  );
  const env2 = { PATH: tf.env.PATH };
  expect((await cli(['stack', 'add', tf.dir], env2)).code).toBe(0);
  return { tf, env: env2 };
}

describe('--json: one JSON document on stdout, nothing else', () => {
  type Check = [string[], number, (j: Record<string, unknown>, stderr: string) => void];

  /** Each command in turn: its exit code as before, and the whole of its stdout one JSON document. */
  async function expectJson(cli: ReturnType<typeof home>['cli'], checks: Check[], env: NodeJS.ProcessEnv = {}) {
    for (const [args, code, check] of checks) {
      const r = await cli(args, env);
      const what = `dayops ${args.join(' ')}`;
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
      check(onlyJson(r.stdout, what), r.stderr);
    }
  }

  it('run, approve, runs and stack list; the live log goes to stderr; exit codes unchanged', async () => {
    const { cli } = home();
    const app = customStack();
    expect((await cli(['stack', 'add', app.dir])).code).toBe(0);
    const { env } = await tfStack(cli, 'tf', 'create');
    await expectJson(
      cli,
      [
        [['stack', 'list', '--json'], 0, (j) => expect(j.stacks).toHaveLength(2)],
        [
          ['run', 'app', '--plan-only', '--json'],
          0,
          (j, stderr) => {
            expect(j).toMatchObject({ id: 1, state: 'FINISHED' });
            // the live log, on stderr
            expect(stderr).toContain('Refreshing state...');
            expect(stderr).toContain('dayops: plan: +1 ~0 -0');
          },
        ],
        [['run', 'app', '--json'], 4, (j) => expect(j).toMatchObject({ id: 2, state: 'UNCONFIRMED' })],
        [
          ['approve', '2', '--json'],
          0,
          (j, stderr) => {
            expect(j).toMatchObject({ id: 2, state: 'FINISHED' });
            expect(stderr).toContain('Apply complete! Resources: 1 added');
          },
        ],
        [
          ['run', 'tf', '--auto-approve', '--json'],
          0,
          (j, stderr) => {
            expect(j).toMatchObject({ state: 'FINISHED', applied: { summary: { add: 5 } } });
            expect(stderr).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
          },
        ],
        [['runs', '--json'], 0, (j) => expect(j.runs).toHaveLength(3)],
        [['runs', 'tf', '--json'], 0, (j) => expect(j.runs).toHaveLength(1)],
      ],
      env,
    );
  });

  it('status, drift, alerts, alerts sync, backup status and backup self', async () => {
    const { dir, cli } = home();
    const { env } = await tfStack(cli, 'tf', 'create');
    await expectJson(
      cli,
      [
        [['status', '--json'], 0, (j) => expect(j).toBeTypeOf('object')],
        // the fake plans five creates the state lacks: drift, exit 2
        [['drift', 'tf', '--json'], 2, (j) => expect(j.stacks).toMatchObject([{ name: 'tf', drifted: true }])],
        [['alerts', '--json'], 0, (j) => expect(j).toBeTypeOf('object')],
        [['alerts', 'sync', '--json'], 0, (j) => expect(j).toBeTypeOf('object')],
        [['backup', 'status', '--json'], 0, (j) => expect(j.stacks).toBeDefined()],
        [['backup', 'self', '--out', join(dir, 'self.db'), '--json'], 0, (j) => expect(j).toMatchObject({ ok: true })],
      ],
      env,
    );
  });

  it('design and demo', async () => {
    const { dir, cli } = home();
    await expectJson(cli, [
      [
        [
          'design',
          '--from',
          join(ROOT, 'test/fixtures/day0/shop.blueprint.yaml'),
          '--out',
          join(dir, 'shop'),
          '--json',
        ],
        0,
        (j) => expect(j.findings).toEqual([]),
      ],
      [['demo', '--db', join(dir, 'demo', 'demo.db'), '--json'], 0, (j) => expect(j.stacks).toBeDefined()],
    ]);
  });

  describeRestic('backup commands', () => {
    it('backup run, list, verify and prune with --json print one document each', async () => {
      const { db, path, dir } = (() => {
        const h = home();
        return { db: openDatabase(h.db), path: h.db, dir: h.dir };
      })();
      try {
        addStack(db, dir, { backups: { repository: '../repo', retention: { last: 1 } }, rpoMinutes: 60 });
      } finally {
        db.close();
      }
      const env = resticEnv(dir);
      for (const args of [
        ['backup', 'run', 'payments', '--json'],
        ['backup', 'list', 'payments', '--json'],
        ['backup', 'verify', 'payments', '--json'],
        ['backup', 'prune', 'payments', '--json'],
      ]) {
        const r = await runCli(['--db', path, ...args], { env });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        onlyJson(r.stdout, args.join(' '));
      }
    });
  });
});

describe('failed and canceled applies say what they applied', () => {
  it('a failed apply: --json `applied` with each status, `runs` shows the applied count and says so', async () => {
    const { cli } = home();
    const { env } = await tfStack(cli, 'boot', 'provisioner-error');
    const r = await cli(['run', 'boot', '--auto-approve', '--json'], env);
    expect(r.code).toBe(1);
    const j = onlyJson(r.stdout, 'run --json');
    expect(j.state).toBe('FAILED');
    expect(j.summary).toEqual({ add: 2, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(j.applied.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(j.applied.changes.map((c: { address: string; status: string }) => [c.address, c.status])).toEqual([
      ['terraform_data.bootstrap', 'failed'],
      ['terraform_data.ok', 'applied'],
    ]);
    expect(j.error).toBe(
      'apply failed: local-exec provisioner error (terraform_data.bootstrap, main.tf:9) (1 of 2 changes made)',
    );
    expect(j.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', summary: 'local-exec provisioner error', file: 'main.tf', line: 9 }),
    ]);
    const list = await cli(['runs']);
    expect(list.stdout.split('\n')[1]).toMatch(/^1\s+boot\s+FAILED\s+tracked\s.*\s\+1 ~0 -0 applied\s+apply failed/);
    const lj = onlyJson((await cli(['runs', '--json'])).stdout, 'runs --json');
    expect(lj.runs[0]).toMatchObject({
      summary: { add: 2, change: 0, destroy: 0, import: 0, forget: 0 },
      applied: { summary: { add: 1, change: 0, destroy: 0, import: 0, forget: 0 } },
    });
  });

  it('a canceled apply keeps what was applied ("1 of 5 changes made") where it used to drop it', async () => {
    const { db, cli } = home();
    // the fake prints the first 9 lines of the recorded apply (two creates started, one complete), then waits
    const { tf, env } = await tfStack(cli, 'five', 'create', { hang: 'apply:9', interruptDelayMs: 50 });
    const child = spawn(process.execPath, [CLI, '--db', db, 'run', 'five', '--auto-approve', '--json'], {
      env: { ...process.env, NO_COLOR: '1', ...GRACE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await until(() => stderr.includes('terraform_data.old: Creation complete'));
    expect(tf.invocations().some((i) => i.argv[1] === 'apply')).toBe(true);
    expect((await cli(['cancel', '1'])).code).toBe(0);
    expect(await exited).toBe(1);
    const j = onlyJson(stdout, 'run --json');
    expect(j.state).toBe('CANCELED');
    expect(j.error).toBe('canceled from another dayops process (1 of 5 changes made)');
    expect(j.applied.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(
      Object.fromEntries(j.applied.changes.map((c: { address: string; status: string }) => [c.address, c.status])),
    ).toEqual({
      'terraform_data.old': 'applied',
      'terraform_data.web': 'interrupted',
      'terraform_data.cache': 'not-started',
      'terraform_data.legacy': 'not-started',
      'terraform_data.db': 'not-started',
    });
    const list = await cli(['runs']);
    expect(list.stdout.split('\n')[1]).toMatch(/^1\s+five\s+CANCELED\s.*\s\+1 ~0 -0 applied\s+canceled from/);
    // a plan-only run shows what it planned, and says so
    expect((await cli(['run', 'five', '--plan-only'], env)).code).toBe(0);
    expect((await cli(['runs'])).stdout.split('\n')[1]).toMatch(
      /^2\s+five\s+FINISHED\s+proposed\s.*\s\+5 ~0 -0 planned/,
    );
  });
});

describe('a failing init says what Terraform said', () => {
  it('a syntax error: the error names the first diagnostic, --json has them all with file and line', async () => {
    const { cli } = home();
    const { env } = await tfStack(cli, 'broken', 'syntax-error');
    const r = await cli(['run', 'broken', '--json'], env);
    expect(r.code).toBe(1);
    const j = onlyJson(r.stdout, 'run --json');
    expect(j.state).toBe('FAILED');
    expect(j.error).toBe('init failed: Unclosed configuration block (main.tf:1) and 1 more error');
    expect(j.diagnostics).toEqual([
      {
        severity: 'error',
        summary: 'Unclosed configuration block',
        detail:
          'There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.',
        location: 'main.tf:1',
        file: 'main.tf',
        line: 1,
        column: 33,
      },
      {
        severity: 'error',
        summary:
          'Terraform encountered problems during initialisation, including problems\nwith the configuration, described below.\n\nThe Terraform configuration must be valid before initialization so that\nTerraform can determine which modules and providers need to be installed.',
        detail: null,
        file: null,
        line: null,
        column: null,
      },
    ]);
    expect(r.stderr).toContain('dayops: error: Unclosed configuration block (main.tf:1): There is no closing brace');
  });
});

describe('dayops demo --open and --reset', () => {
  /** A made demo, with a file left in its workspace and a run of ours in its database. */
  async function madeDemo() {
    const { dir, cli } = home();
    const dbPath = join(dir, 'demo', 'demo.db');
    expect((await cli(['demo', '--db', dbPath])).code).toBe(0);
    const marker = join(demoWorkspace(dbPath), 'stacks', 'left-over.txt');
    writeFileSync(marker, 'mine');
    const db = openDatabase(dbPath);
    const runs = () => new RunsRepo(db).list({ limit: 1000 }).length;
    return { dir, cli, dbPath, marker, runs, close: () => db.close() };
  }

  it('--open keeps the demo as it was left (without a terminal it says so and changes nothing); --reset rebuilds it', async () => {
    const d = await madeDemo();
    try {
      const before = d.runs();
      const open = await d.cli(['demo', '--db', d.dbPath, '--open']);
      expect(open.code).toBe(2);
      expect(open.stderr.trim()).toBe(
        `dayops demo --open: the app needs a terminal; open it later with dayops --db ${d.dbPath}`,
      );
      expect(open.stdout).toBe('');
      expect(existsSync(d.marker)).toBe(true);
      expect(d.runs()).toBe(before);
      expect((await d.cli(['demo', '--db', d.dbPath, '--open', '--json'])).code).toBe(2);

      const reset = await d.cli(['demo', '--db', d.dbPath, '--reset']);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain(`dayops demo: remade ${d.dbPath}`);
      expect(existsSync(d.marker)).toBe(false);
    } finally {
      d.close();
    }
  });

  it.runIf(requireTool(hasTmux(), 'tmux'))(
    '--open in a terminal opens the existing demo without remaking it',
    async () => {
      const d = await madeDemo();
      d.close();
      const t = Terminal.start(['demo', '--db', d.dbPath, '--open'], {
        columns: 120,
        rows: 30,
        env: { XDG_DATA_HOME: d.dir },
      });
      try {
        await t.waitFor('demo-local');
        expect(existsSync(d.marker)).toBe(true);
        t.key('C-c');
        await t.waitFor('[exited 0]');
      } finally {
        t.stop();
      }
    },
  );

  it('dayops help documents --open and --reset', async () => {
    const r = await runCli(['help']);
    expect(r.stdout).toContain('dayops demo [--db PATH] [--open] [--reset] [--json]');
    expect(r.stdout).toMatch(/--open opens the existing demo as you left it, --reset rebuilds it/);
  });
});
