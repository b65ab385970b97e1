/**
 * The OpenTofu/Terraform adapter end to end with real child processes: the fake `tofu`/`terraform`
 * (test/fixtures/bin/fake-tf) replaying outputs recorded from Terraform 1.11.4 (test/fixtures/terraform/).
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/day1/adapter.js';
import { adapterFor } from '../../../src/day1/adapters/index.js';
import { PLAN_FILE, TerraformAdapter } from '../../../src/day1/adapters/terraform.js';
import { SENSITIVE, UNKNOWN } from '../../../src/day1/adapters/terraform-show.js';
import type { PlanResult } from '../../../src/domain/plan.js';
import { FAKE_TF, fakeTfStack, TF_SCENARIOS_DIR, type FakeTfOptions } from '../../helpers/fake-tf.js';
import { tmpDir } from '../../helpers/tmp.js';
import { makeHarness, type HarnessOptions } from './harness.js';

function setup(
  scenario: string,
  opts: FakeTfOptions & {
    tool?: 'opentofu' | 'terraform';
    config?: Record<string, unknown>;
    onLine?: HarnessOptions['onLine'];
  } = {},
) {
  const tf = fakeTfStack(scenario, opts);
  const tool = opts.tool ?? 'opentofu';
  const h = makeHarness({ dir: tf.dir, tool, env: tf.env, config: opts.config, onLine: opts.onLine });
  return { tf, h, adapter: adapterFor(tool) };
}

async function planOf(scenario: string): Promise<PlanResult> {
  const { h, adapter } = setup(scenario);
  await adapter.init(h.ctx);
  return adapter.plan(h.ctx);
}

async function rejection(p: Promise<unknown>): Promise<ToolError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolError);
  return err as ToolError;
}

const brief = (r: PlanResult) => r.changes.map((c) => [c.address, c.action]);

describe('Terraform adapter: the commands it runs', () => {
  it('runs init, plan with -detailed-exitcode and -out into the run folder, show -json of that file, apply of that same file', async () => {
    const { tf, h, adapter } = setup('create');
    await adapter.init(h.ctx);
    const plan = await adapter.plan(h.ctx);
    await adapter.apply(h.ctx, plan);
    const planFile = join(h.ctx.runDir, PLAN_FILE);
    expect(tf.invocations().map((i) => i.argv)).toEqual([
      ['tofu', 'init', '-input=false', '-no-color'],
      ['tofu', 'plan', '-input=false', '-json', '-detailed-exitcode', `-out=${planFile}`],
      ['tofu', 'show', '-json', planFile],
      ['tofu', 'apply', '-input=false', '-json', planFile],
    ]);
    expect(tf.invocations().every((i) => i.cwd === tf.dir)).toBe(true);
    // show's stdout is captured (it holds variables in clear), everything else streams
    expect(h.calls.map((c) => c.stdout ?? 'log')).toEqual(['log', 'log', 'capture', 'log']);
    expect(h.calls.map((c) => c.phase)).toEqual(['init', 'plan', 'plan', 'apply']);
    expect(h.calls.every((c) => !c.shell)).toBe(true);
  });

  it('uses terraform for the terraform tool and binary: from dayops.yaml when set', async () => {
    const a = setup('no-changes', { tool: 'terraform' });
    await a.adapter.plan(a.h.ctx);
    expect(a.tf.invocations().map((i) => i.argv[0])).toEqual(['terraform', 'terraform']);

    const b = setup('no-changes', { config: { binary: FAKE_TF } });
    await b.adapter.plan(b.h.ctx);
    expect(b.h.calls.map((c) => c.argv[0])).toEqual([FAKE_TF, FAKE_TF]);
    expect(b.tf.invocations().map((i) => i.argv[0])).toEqual(['fake-tf', 'fake-tf']);
  });

  it('shows each JSON line as its message while streaming, and never logs the show document', async () => {
    const { h, adapter } = setup('sensitive');
    await adapter.plan(h.ctx);
    const stdout = h.lines.filter((l) => l.stream === 'stdout');
    expect(stdout.map((l) => l.text)).toContain('terraform_data.db: Plan to update');
    expect(stdout.map((l) => l.text)).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(stdout.every((l) => !l.text.startsWith('{'))).toBe(true);
    expect(stdout.every((l) => l.raw.startsWith('{'))).toBe(true);
    // the new secret value is in the show document (variables) but in no logged line
    expect(h.lines.some((l) => l.raw.includes('correct-horse'))).toBe(false);
    expect(h.text('system')).toContain('show -json');
  });

  it('reports a missing executable in one line', async () => {
    const { h, adapter } = setup('create', { config: { binary: '/nonexistent/tofu' } });
    const err = await rejection(adapter.plan(h.ctx));
    expect(err.message).toBe(
      'plan failed: /nonexistent/tofu was not found (install OpenTofu or set binary: in dayops.yaml)',
    );
  });
});

describe('Terraform adapter: plans from the recorded scenarios', () => {
  it('create: five creates, the sensitive input redacted, unknown values marked', async () => {
    const r = await planOf('create');
    expect(brief(r)).toEqual([
      ['terraform_data.cache', 'create'],
      ['terraform_data.db', 'create'],
      ['terraform_data.legacy', 'create'],
      ['terraform_data.old', 'create'],
      ['terraform_data.web', 'create'],
    ]);
    expect(r.summary).toEqual({ add: 5, change: 0, destroy: 0 });
    const db = r.changes.find((c) => c.address === 'terraform_data.db')!;
    expect(db.after).toEqual({ input: SENSITIVE, triggers_replace: null, id: UNKNOWN, output: UNKNOWN });
    expect(db).toMatchObject({
      type: 'terraform_data',
      name: 'db',
      provider: 'terraform.io/builtin/terraform',
      before: null,
    });
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(r.drift).toEqual([]);
    expect(r.diagnostics).toEqual([]);
  });

  it('no-changes: exit 0 under -detailed-exitcode is a plan with nothing to do', async () => {
    const r = await planOf('no-changes');
    expect(r.changes).toEqual([]);
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 0 });
  });

  it('update: before and after of the changed input', async () => {
    const r = await planOf('update');
    expect(brief(r)).toEqual([['terraform_data.web', 'update']]);
    const web = r.changes[0];
    expect(web.actions).toEqual(['update']);
    expect((web.before as Record<string, unknown>).input).toEqual({ name: 'web', size: 'small' });
    expect((web.after as Record<string, unknown>).input).toEqual({ name: 'web', size: 'large' });
    expect((web.after as Record<string, unknown>).output).toBe(UNKNOWN);
    expect(r.summary).toEqual({ add: 0, change: 1, destroy: 0 });
  });

  it('replace: ["delete","create"] is one replace with its reason, counted as an add and a destroy', async () => {
    const r = await planOf('replace');
    expect(r.changes).toEqual([
      expect.objectContaining({
        address: 'terraform_data.cache',
        action: 'replace',
        actions: ['delete', 'create'],
        reason: 'replace_because_cannot_update',
      }),
    ]);
    expect(r.summary).toEqual({ add: 1, change: 0, destroy: 1 });
  });

  it('delete: the removed resource with delete_because_no_resource_config', async () => {
    const r = await planOf('delete');
    expect(r.changes).toEqual([
      expect.objectContaining({
        address: 'terraform_data.old',
        action: 'delete',
        reason: 'delete_because_no_resource_config',
        after: null,
      }),
    ]);
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 1 });
  });

  it('move: a no-op with a previous address is a move, counted as nothing', async () => {
    const r = await planOf('move');
    expect(r.changes).toEqual([
      expect.objectContaining({
        address: 'terraform_data.modern',
        action: 'move',
        actions: ['no-op'],
        previousAddress: 'terraform_data.legacy',
      }),
    ]);
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 0 });
  });

  it('sensitive: a changed secret shows as (sensitive) before and after', async () => {
    const r = await planOf('sensitive');
    expect(brief(r)).toEqual([['terraform_data.db', 'update']]);
    const db = r.changes[0];
    expect((db.before as Record<string, unknown>).input).toBe(SENSITIVE);
    expect((db.after as Record<string, unknown>).input).toBe(SENSITIVE);
    expect(JSON.stringify(r)).not.toContain('correct-horse');
  });

  it('mixed: create, delete, move, replace and update in one plan; the streamed summary agrees', async () => {
    const { h, adapter } = setup('mixed');
    const r = await adapter.plan(h.ctx);
    expect(brief(r)).toEqual([
      ['terraform_data.cache', 'replace'],
      ['terraform_data.modern', 'move'],
      ['terraform_data.new', 'create'],
      ['terraform_data.old', 'delete'],
      ['terraform_data.web', 'update'],
    ]);
    expect(r.summary).toEqual({ add: 2, change: 1, destroy: 2 });
    expect(h.text('system')).not.toContain('using the saved plan');
  });

  it('drift: resource_drift from the saved plan, next to the changes that undo it', async () => {
    const r = await planOf('drift');
    expect(r.drift).toEqual([
      expect.objectContaining({ address: 'terraform_data.old', action: 'delete', after: null }),
      expect.objectContaining({ address: 'terraform_data.web', action: 'update' }),
    ]);
    expect((r.drift[1].after as Record<string, unknown>).input).toEqual({ name: 'web', size: 'medium' });
    expect(brief(r)).toEqual([
      ['terraform_data.old', 'create'],
      ['terraform_data.web', 'update'],
    ]);
    expect(r.summary).toEqual({ add: 1, change: 1, destroy: 0 });
  });

  it('error: a ToolError with the diagnostic and its place, no plan file, no show', async () => {
    const { tf, h, adapter } = setup('error');
    // a plan file left by an earlier attempt must not survive a failed plan
    writeFileSync(join(h.ctx.runDir, PLAN_FILE), 'stale');
    const err = await rejection(adapter.plan(h.ctx));
    expect(err.message).toBe('plan failed: Unsupported block type (main.tf:3)');
    expect(err.exitCode).toBe(1);
    expect(err.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', summary: 'Unsupported block type', location: 'main.tf:3' }),
    ]);
    expect(existsSync(join(h.ctx.runDir, PLAN_FILE))).toBe(false);
    expect(tf.invocations().map((i) => i.argv[1])).toEqual(['plan']);
    // the pane shows the error with its detail on one line
    expect(h.text('stdout')).toContain(
      'Error: Unsupported block type: Blocks of type "triggers" are not expected here.',
    );
  });

  it('a change_summary that disagrees with the saved plan: the saved plan wins, with a note', async () => {
    const dir = tmpDir();
    cpSync(join(TF_SCENARIOS_DIR, 'update'), dir, { recursive: true });
    const file = join(dir, 'plan.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"add":0,"change":1', '"add":4,"change":1'));
    const { h, adapter } = setup(dir);
    const r = await adapter.plan(h.ctx);
    expect(r.summary).toEqual({ add: 0, change: 1, destroy: 0 });
    expect(h.text('system')).toContain(
      'the plan stream said +4 ~1 -0 but the saved plan holds +0 ~1 -0; using the saved plan',
    );
  });
});

describe('Terraform adapter: apply', () => {
  it('applies the saved plan: every change made, the apply summary', async () => {
    const { h, adapter } = setup('mixed');
    const plan = await adapter.plan(h.ctx);
    const r = await adapter.apply(h.ctx, plan);
    expect(r.changes.map((c) => [c.address, c.action, c.status])).toEqual([
      ['terraform_data.cache', 'replace', 'changed'],
      ['terraform_data.modern', 'move', 'changed'],
      ['terraform_data.new', 'create', 'changed'],
      ['terraform_data.old', 'delete', 'changed'],
      ['terraform_data.web', 'update', 'changed'],
    ]);
    expect(r.summary).toEqual({ add: 2, change: 1, destroy: 2 });
    expect(h.text('stdout')).toContain('Apply complete! Resources: 2 added, 1 changed, 2 destroyed.');
  });

  it('provisioner-error: a ToolError with the diagnostic and what was done before it', async () => {
    const { h, adapter } = setup('provisioner-error');
    const plan = await adapter.plan(h.ctx);
    expect(plan.summary).toEqual({ add: 2, change: 0, destroy: 0 });
    const err = await rejection(adapter.apply(h.ctx, plan));
    expect(err.message).toBe(
      'apply failed: local-exec provisioner error (terraform_data.bootstrap, main.tf:9) (1 of 2 changes made)',
    );
    expect(err.exitCode).toBe(1);
    expect(err.diagnostics[0].detail).toContain('exit status 3');
    expect(err.partial?.changes.map((c) => [c.address, c.status])).toEqual([
      ['terraform_data.bootstrap', 'failed'],
      ['terraform_data.ok', 'changed'],
    ]);
    expect(err.partial?.summary).toEqual({ add: 1, change: 0, destroy: 0 });
    expect(h.text('stdout')).toContain('terraform_data.bootstrap: (local-exec): bootstrapping');
  });

  it('refuses to apply without the saved plan, and a plan applied once is stale', async () => {
    const { h, adapter } = setup('update');
    const none = await rejection(
      adapter.apply(h.ctx, { changes: [], drift: [], summary: { add: 0, change: 0, destroy: 0 }, diagnostics: [] }),
    );
    expect(none.message).toMatch(/^apply refused: the saved plan .*plan\.tfplan is missing; plan again/);

    const plan = await adapter.plan(h.ctx);
    await adapter.apply(h.ctx, plan);
    const stale = await rejection(adapter.apply(h.ctx, plan));
    expect(stale.message).toBe('apply failed: Saved plan is stale (0 of 1 changes made)');
    expect(stale.partial?.changes).toEqual([
      expect.objectContaining({ address: 'terraform_data.web', status: 'skipped' }),
    ]);
  });

  it('cancel: SIGINT to the tool, which stops gracefully; the error says what was made', async () => {
    let seen = 0;
    const ref: { abort?: () => void } = {};
    const { h, adapter } = setup('create', {
      hang: 'apply:9',
      onLine: (l) => {
        if (l.phase === 'apply' && l.stream === 'stdout' && ++seen === 9) ref.abort?.();
      },
    });
    ref.abort = h.abort;
    const plan = await adapter.plan(h.ctx);
    const err = await rejection(adapter.apply(h.ctx, plan));
    // 9 lines: version, 5 planned, 2 starts and the completion of terraform_data.old
    expect(err.message).toBe('apply cancelled (1 of 5 changes made)');
    const shown = h.lines.filter((l) => l.phase === 'apply').map((l) => l.text);
    expect(shown).toContain(
      'Interrupt received. Please wait for OpenTofu to exit or data loss may occur. Gracefully shutting down...',
    );
    expect(shown[shown.length - 1]).toBe('Error: execution halted');
    const byAddr = Object.fromEntries(err.partial!.changes.map((c) => [c.address, c.status]));
    expect(byAddr).toEqual({
      'terraform_data.old': 'changed',
      'terraform_data.web': undefined, // started, outcome unknown
      'terraform_data.cache': 'skipped',
      'terraform_data.legacy': 'skipped',
      'terraform_data.db': 'skipped',
    });
  });
});

describe('Terraform adapter: init', () => {
  it('logs the init output', async () => {
    const { h, adapter } = setup('create');
    await adapter.init(h.ctx);
    expect(h.text('stdout')).toContain('Terraform has been successfully initialized!');
  });

  it('a failing init is a one-line ToolError from its Error: line', async () => {
    const dir = tmpDir();
    writeFileSync(
      join(dir, 'init.txt'),
      [
        'Initializing the backend...',
        'Initializing provider plugins...',
        '- Finding hashicorp/aws versions matching "~> 5.0"...',
        '',
        'Error: Failed to query available provider packages',
        '',
        'Could not retrieve the list of available versions for provider hashicorp/aws: could not connect to',
        'registry.terraform.io',
      ].join('\n') + '\n',
    );
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ exit: { init: 1 } }));
    const { h, adapter } = setup(dir);
    const err = await rejection(adapter.init(h.ctx));
    expect(err.message).toBe('init failed: Failed to query available provider packages');
    expect(err.exitCode).toBe(1);
  });

  it('the terraform tool and the opentofu tool are the same adapter with different binaries', () => {
    expect(adapterFor('terraform')).toBeInstanceOf(TerraformAdapter);
    expect((adapterFor('terraform') as TerraformAdapter).binary({ config: { binary: undefined } as never })).toBe(
      'terraform',
    );
    expect((adapterFor('opentofu') as TerraformAdapter).binary({ config: { binary: undefined } as never })).toBe(
      'tofu',
    );
  });
});
