/**
 * The REAL `terraform` (1.11.4 on these machines): the adapter alone, and whole runs through the run engine
 * (RunService, as `dayops run` and the app drive them) with what each run records. Only the built-in
 * `terraform_data` resource, `local-exec` provisioners, `moved`/`removed`/`import` blocks and a local module are
 * used, so nothing is downloaded; `TF_CLI_CONFIG_FILE=/dev/null` keeps the machine's CLI config out.
 * In CI a missing terraform fails these tests; elsewhere they are skipped with a message.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterFor } from '../../../src/day1/adapters/index.js';
import { SENSITIVE } from '../../../src/day1/adapters/terraform-show.js';
import { onPath } from '../../../src/day1/detect.js';
import { RunService, runJson, type RunDetail } from '../../../src/day1/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { ResourceChange } from '../../../src/domain/plan.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { makeHarness, rejection, type HarnessOptions } from './harness.js';

const HAVE = onPath('terraform');
const CI = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!HAVE && !CI) console.warn('skipping the real Terraform tests: terraform is not on PATH');

describe.runIf(!HAVE && CI)('terraform in CI', () => {
  it('is installed (these tests need the real terraform 1.11)', () => {
    expect.fail('terraform is not on PATH: these tests need the real Terraform (1.11.4 on the build machines)');
  });
});

/** No CLI config of the machine, no update check. */
const TF_ENV = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };

const CONFIG = (size: string) => `
variable "token" {
  type      = string
  default   = "s3cr3t-token"
  sensitive = true
}

resource "terraform_data" "web" {
  input = { size = "${size}" }
}

resource "terraform_data" "token" {
  input = var.token
}
`;

function stack(main: string, onLine?: HarnessOptions['onLine']) {
  const dir = tmpDir('dayops-real-tf-');
  writeFileSync(join(dir, 'main.tf'), main);
  const h = makeHarness({ dir, tool: 'terraform', env: TF_ENV, runDir: tmpDir('dayops-real-run-'), onLine });
  return { dir, h, adapter: adapterFor('terraform') };
}

describe.runIf(HAVE)('real terraform: the adapter', () => {
  it('init, plan, apply, plan again (nothing), change, plan (update), apply', async () => {
    const { dir, h, adapter } = stack(CONFIG('small'));
    expect(await adapter.init(h.ctx)).toEqual({ diagnostics: [] });
    const first = await adapter.plan(h.ctx);
    expect(first.changes.map((c) => [c.address, c.action])).toEqual([
      ['terraform_data.token', 'create'],
      ['terraform_data.web', 'create'],
    ]);
    expect(first.summary).toEqual({ add: 2, change: 0, destroy: 0, import: 0, forget: 0 });
    expect((first.changes[0].after as Record<string, unknown>).input).toBe(SENSITIVE);
    expect(JSON.stringify(first)).not.toContain('s3cr3t-token');
    expect(h.lines.some((l) => l.raw.includes('s3cr3t-token'))).toBe(false);
    expect(h.text('stdout')).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy\./);

    const applied = await adapter.apply(h.ctx, first);
    expect(applied.changes.map((c) => c.status)).toEqual(['applied', 'applied']);
    expect(applied.summary).toEqual({ add: 2, change: 0, destroy: 0, import: 0, forget: 0 });

    const again = await adapter.plan(h.ctx);
    expect(again.changes).toEqual([]);
    expect(again.summary).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });

    writeFileSync(join(dir, 'main.tf'), CONFIG('large'));
    const update = await adapter.plan(h.ctx);
    expect(update.changes).toEqual([
      expect.objectContaining({ address: 'terraform_data.web', action: 'update', actions: ['update'] }),
    ]);
    expect((update.changes[0].before as Record<string, unknown>).input).toEqual({ size: 'small' });
    expect((update.changes[0].after as Record<string, unknown>).input).toEqual({ size: 'large' });
    const done = await adapter.apply(h.ctx, update);
    expect(done.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 0, forget: 0 });
  });

  it('a configuration error caught by plan is a ToolError with the diagnostic and its line', async () => {
    const { h, adapter } = stack('resource "terraform_data" "x" {\n  input = "x"\n  triggers {\n  }\n}\n');
    await adapter.init(h.ctx);
    const err = await rejection(adapter.plan(h.ctx));
    expect(err.message).toBe('plan failed: Unsupported block type (main.tf:3)');
    expect(err.diagnostics).toEqual([
      expect.objectContaining({ summary: 'Unsupported block type', file: 'main.tf', line: 3, column: 3 }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Whole runs through the run engine

const services: RunService[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
});

/** A registered terraform stack `name` in a new database, and a run engine as `alice` with auto-approve. */
function engine(name = 'real') {
  const { db, path } = tmpDb();
  const dir = tmpDir('dayops-real-stack-');
  new StacksRepo(db).upsert({ name, dir, tool: 'terraform', environment: 'dev' });
  const svc = new RunService(db, {
    dbPath: path,
    user: 'alice',
    handleSignals: false,
    pollMs: 40,
    env: { ...process.env, ...TF_ENV },
  });
  services.push(svc);
  const write = (files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  };
  /** One run with auto-approve, to its end; its record and its `--json`. */
  const run = async (opts: { approveAs?: string[] } = {}) => {
    const id = await svc.start(name, { autoApprove: true, trigger: 'cli' });
    let r = await svc.wait(id);
    for (const user of opts.approveAs ?? []) {
      if (r.state !== 'UNCONFIRMED') break;
      await svc.approve(id, user);
      r = await svc.wait(id, r.requiredApprovals > 1 ? 'settled' : 'terminal');
    }
    if (r.state === 'APPLYING') r = await svc.wait(id, 'terminal');
    const detail = svc.detail(id)!;
    return { id, run: r, detail, json: runJson(detail) as unknown as JsonRun };
  };
  const tf = (...args: string[]) =>
    execFileSync('terraform', args, { cwd: dir, env: { ...process.env, ...TF_ENV }, encoding: 'utf8' });
  return { db, dir, svc, write, run, tf };
}

interface JsonRun {
  state: string;
  error: string | null;
  summary: Record<string, number>;
  changes: ResourceChange[];
  applied: { summary: Record<string, number>; changes: ResourceChange[] } | null;
  diagnostics: Record<string, unknown>[];
  policies: { name: string; fired: boolean; message: string }[];
}

const brief = (d: RunDetail) => d.plan!.changes.map((c) => [c.address, c.action, c.actions]);
const statuses = (j: JsonRun) => Object.fromEntries(j.applied!.changes.map((c) => [c.address, c.status]));
const sum = (add: number, change: number, destroy: number, imp = 0, forget = 0) => ({
  add,
  change,
  destroy,
  import: imp,
  forget,
});

const MODULE = {
  'mod/main.tf': 'variable "label" {}\n\nresource "terraform_data" "inner" {\n  input = var.label\n}\n',
};

const BASE = `
module "app" {
  source = "./mod"
  label  = "v1"
}

resource "terraform_data" "web" {
  input = "small"
}

resource "terraform_data" "cache" {
  input            = "redis"
  triggers_replace = ["v1"]
}

resource "terraform_data" "queue" {
  input            = "sqs"
  triggers_replace = ["v1"]

  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "old" {
  input = "to be removed"
}

resource "terraform_data" "legacy" {
  input = "to be renamed"
}
`;

describe.runIf(HAVE)('real terraform: runs through the run engine record what happened', () => {
  it('create, update, replace in both orders, delete and move: each run applied exactly what it planned', async () => {
    const e = engine();
    e.write({ 'main.tf': BASE, ...MODULE });
    const create = await e.run();
    expect(create.run.state).toBe('FINISHED');
    // in Terraform's order: the root module's resources, then the module's
    expect(brief(create.detail)).toEqual([
      ['terraform_data.cache', 'create', ['create']],
      ['terraform_data.legacy', 'create', ['create']],
      ['terraform_data.old', 'create', ['create']],
      ['terraform_data.queue', 'create', ['create']],
      ['terraform_data.web', 'create', ['create']],
      ['module.app.terraform_data.inner', 'create', ['create']],
    ]);
    expect(create.json.summary).toEqual(sum(6, 0, 0));
    expect(create.json.applied!.summary).toEqual(sum(6, 0, 0));
    expect(Object.values(statuses(create.json))).toEqual(Array(6).fill('applied'));
    expect(create.run.applied).toEqual(sum(6, 0, 0));

    // update (in the module too), both replaces, a delete and a move, each its own run
    const steps: [string, (t: string) => string, [string, string, string[]][], ReturnType<typeof sum>][] = [
      [
        'update',
        (t) => t.replace('"small"', '"large"').replace('"v1"\n}', '"v2"\n}'),
        [
          ['terraform_data.web', 'update', ['update']],
          ['module.app.terraform_data.inner', 'update', ['update']],
        ],
        sum(0, 2, 0),
      ],
      [
        'replace (destroy, then create)',
        (t) =>
          t.replace(
            'input            = "redis"\n  triggers_replace = ["v1"]',
            'input            = "redis"\n  triggers_replace = ["v2"]',
          ),
        [['terraform_data.cache', 'replace', ['delete', 'create']]],
        sum(1, 0, 1),
      ],
      [
        'replace (create_before_destroy)',
        (t) =>
          t.replace(
            'input            = "sqs"\n  triggers_replace = ["v1"]',
            'input            = "sqs"\n  triggers_replace = ["v2"]',
          ),
        [['terraform_data.queue', 'replace', ['create', 'delete']]],
        sum(1, 0, 1),
      ],
      [
        'delete',
        (t) => t.replace('resource "terraform_data" "old" {\n  input = "to be removed"\n}\n', ''),
        [['terraform_data.old', 'delete', ['delete']]],
        sum(0, 0, 1),
      ],
      [
        'move',
        (t) =>
          t.replace('"legacy"', '"modern"') +
          '\nmoved {\n  from = terraform_data.legacy\n  to   = terraform_data.modern\n}\n',
        [['terraform_data.modern', 'move', ['no-op']]],
        sum(0, 0, 0),
      ],
    ];
    let text = BASE;
    for (const [what, edit, changes, counts] of steps) {
      text = edit(text);
      e.write({ 'main.tf': text });
      const r = await e.run();
      expect(r.run.state, what).toBe('FINISHED');
      expect(brief(r.detail), what).toEqual(changes);
      expect(r.json.summary, what).toEqual(counts);
      expect(r.json.applied!.summary, what).toEqual(counts);
      expect(Object.values(statuses(r.json)), what).toEqual(changes.map(() => 'applied'));
    }
    expect(e.tf('state', 'list').trim().split('\n').sort()).toEqual([
      'module.app.terraform_data.inner',
      'terraform_data.cache',
      'terraform_data.modern',
      'terraform_data.queue',
      'terraform_data.web',
    ]);
  });

  it('import and forget are actions of their own, counted, seen by policies and listed in what was applied', async () => {
    const e = engine();
    e.write({
      'main.tf':
        'resource "terraform_data" "a" {\n}\n\nresource "terraform_data" "b" {\n  input = "b"\n}\n\nresource "terraform_data" "c" {\n  input = "c"\n}\n',
      'dayops.yaml': [
        'apiVersion: dayops/v1',
        'kind: Stack',
        'policies:',
        '  - name: imports',
        '    kind: warn',
        '    expr: "plan.resource_changes.exists(r, r.importing)"',
        '    message: "imports {{ plan.resource_changes.filter(r, r.importing).map(r, r.address) }}"',
        '  - name: forgets-need-two',
        '    kind: { require_approvals: 2 }',
        `    expr: "plan.resource_changes.exists(r, r.action == 'forget') || plan.summary.forget > 0"`,
        `    message: "{{ plan.summary.forget }} object(s) would be left unmanaged"`,
        '',
      ].join('\n'),
    });
    expect((await e.run()).run.state).toBe('FINISHED');
    const idOf = (addr: string) => /id\s+=\s+"([^"]+)"/.exec(e.tf('state', 'show', '-no-color', addr))![1];
    const a = idOf('terraform_data.a');
    const b = idOf('terraform_data.b');
    e.tf('state', 'rm', 'terraform_data.a', 'terraform_data.b');
    e.write({
      'main.tf':
        'resource "terraform_data" "a" {\n}\n\nresource "terraform_data" "b" {\n  input = "b"\n}\n\n' +
        `import {\n  to = terraform_data.a\n  id = "${a}"\n}\n\nimport {\n  to = terraform_data.b\n  id = "${b}"\n}\n\n` +
        'removed {\n  from = terraform_data.c\n\n  lifecycle {\n    destroy = false\n  }\n}\n',
    });
    // the forget needs two approvals: the run parks; alice and bob approve; it applies
    const r = await e.run({ approveAs: ['alice', 'bob'] });
    expect(r.run.state).toBe('FINISHED');
    expect(r.detail.plan!.changes.map((c) => [c.address, c.action, c.actions, c.importing ?? false])).toEqual([
      ['terraform_data.a', 'import', ['no-op'], true],
      // an imported terraform_data has no input until it is updated: an import with an update keeps `update`
      ['terraform_data.b', 'update', ['update'], true],
      ['terraform_data.c', 'forget', ['forget'], false],
    ]);
    // "Plan: 2 to import, 0 to add, 1 to change, 0 to destroy.", and one forgotten
    expect(r.json.summary).toEqual(sum(0, 1, 0, 2, 1));
    expect(r.json.policies).toEqual([
      expect.objectContaining({ name: 'imports', fired: true, message: 'imports terraform_data.a, terraform_data.b' }),
      expect.objectContaining({
        name: 'forgets-need-two',
        fired: true,
        message: '1 object(s) would be left unmanaged',
      }),
    ]);
    expect(r.run.requiredApprovals).toBe(2);
    // "Apply complete! Resources: 2 imported, 0 added, 1 changed, 0 destroyed."
    expect(r.json.applied!.summary).toEqual(sum(0, 1, 0, 2, 1));
    expect(statuses(r.json)).toEqual({
      'terraform_data.a': 'applied',
      'terraform_data.b': 'applied',
      'terraform_data.c': 'applied',
    });
    // forgotten: out of the state, not destroyed (nothing to destroy for terraform_data, but it was not asked to)
    expect(e.tf('state', 'list').trim().split('\n').sort()).toEqual(['terraform_data.a', 'terraform_data.b']);
  });

  it('a failing provisioner: FAILED, what was made and what failed in `applied`, the diagnostic with its place', async () => {
    const e = engine();
    e.write({
      'main.tf':
        'resource "terraform_data" "ok" {\n  input = "fine"\n}\n\n' +
        'resource "terraform_data" "bootstrap" {\n  input      = "bootstrap"\n  depends_on = [terraform_data.ok]\n\n' +
        '  provisioner "local-exec" {\n    command = "echo bootstrapping; exit 3"\n  }\n}\n',
    });
    const r = await e.run();
    expect(r.run.state).toBe('FAILED');
    expect(r.json.error).toBe(
      'apply failed: local-exec provisioner error (terraform_data.bootstrap, main.tf:9) (1 of 2 changes made)',
    );
    expect(statuses(r.json)).toEqual({ 'terraform_data.ok': 'applied', 'terraform_data.bootstrap': 'failed' });
    expect(r.json.applied!.summary).toEqual(sum(1, 0, 0));
    expect(r.run.applied).toEqual(sum(1, 0, 0));
    expect(r.json.summary).toEqual(sum(2, 0, 0));
    expect(r.json.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        summary: 'local-exec provisioner error',
        detail: expect.stringContaining('exit status 3'),
        address: 'terraform_data.bootstrap',
        file: 'main.tf',
        line: 9,
      }),
    ]);
  });

  it('a cancel mid-apply: CANCELED, `applied` has the resource that finished, the one stopped and the one never started', async () => {
    const e = engine();
    e.write({
      'main.tf':
        'resource "terraform_data" "fast" {\n  input = "fast"\n}\n\n' +
        'resource "terraform_data" "slow" {\n  input      = "slow"\n  depends_on = [terraform_data.fast]\n\n' +
        '  provisioner "local-exec" {\n    command = "sleep 30"\n  }\n}\n\n' +
        'resource "terraform_data" "later" {\n  input      = "later"\n  depends_on = [terraform_data.slow]\n}\n',
    });
    e.svc.on('line', (l) => {
      if (l.phase === 'apply' && l.text.includes("terraform_data.slow: Provisioning with 'local-exec'")) {
        e.svc.cancel(l.runId, 'alice').catch(() => undefined);
      }
    });
    const started = Date.now();
    const r = await e.run();
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(r.run.state).toBe('CANCELED');
    expect(r.json.error).toBe('canceled by alice (1 of 3 changes made)');
    // Terraform stops the provisioner and says the creation errored (the object stays, tainted): failed. When it is
    // stopped before it says so (a busy machine, seen in CI), the resource was interrupted mid-change, and says that.
    const seen = statuses(r.json);
    expect(seen['terraform_data.fast']).toBe('applied');
    expect(['failed', 'interrupted']).toContain(seen['terraform_data.slow']);
    expect(seen['terraform_data.later']).toBe('not-started');
    expect(Object.keys(seen).sort()).toEqual(['terraform_data.fast', 'terraform_data.later', 'terraform_data.slow']);
    expect(r.json.applied!.summary).toEqual(sum(1, 0, 0));
    expect(r.run.applied).toEqual(sum(1, 0, 0));
    expect(r.json.summary).toEqual(sum(3, 0, 0));
  });

  it('a syntax error: init fails, and the run says what Terraform said, with every diagnostic and its place', async () => {
    const e = engine();
    e.write({
      'main.tf': 'resource "terraform_data" "web" {\n  input = "web"\n\nresource "terraform_data" "db" {\n}\n',
    });
    const r = await e.run();
    expect(r.run.state).toBe('FAILED');
    expect(r.json.error).toBe('init failed: Unclosed configuration block (main.tf:1) and 1 more error');
    expect(r.json.diagnostics).toEqual([
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
      expect.objectContaining({
        severity: 'error',
        summary: expect.stringContaining('Terraform encountered problems during initialisation'),
        file: null,
        line: null,
      }),
    ]);
    expect(r.json.applied).toBeNull();
    expect(r.run.applied).toBeNull();
  });
});
