/**
 * The OpenTofu/Terraform adapter end to end with real child processes: the fake `tofu`/`terraform`
 * (test/fixtures/bin/fake-tf) replaying outputs recorded from Terraform 1.11.4 (test/fixtures/terraform/).
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../src/day1/adapters/index.js';
import { PLAN_FILE, TerraformAdapter } from '../../../src/day1/adapters/terraform.js';
import { SENSITIVE, UNKNOWN } from '../../../src/day1/adapters/terraform-show.js';
import type { PlanResult } from '../../../src/domain/plan.js';
import { FAKE_TF, fakeTfStack, TF_SCENARIOS_DIR, type FakeTfOptions } from '../../helpers/fake-tf.js';
import { tmpDir } from '../../helpers/tmp.js';
import { makeHarness, rejection, type HarnessOptions } from './harness.js';

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

const brief = (r: PlanResult) => r.changes.map((c) => [c.address, c.action]);

describe('Terraform adapter: the commands it runs', () => {
  it('runs init, plan with -detailed-exitcode and -out into the run folder, show -json of that file, apply of that same file', async () => {
    const { tf, h, adapter } = setup('create');
    await adapter.init(h.ctx);
    const plan = await adapter.plan(h.ctx);
    await adapter.apply(h.ctx, plan);
    const planFile = join(h.ctx.runDir, PLAN_FILE);
    expect(tf.invocations().map((i) => i.argv)).toEqual([
      ['tofu', 'init', '-input=false', '-json'],
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
    expect(r.summary).toEqual({ add: 5, change: 0, destroy: 0, import: 0, forget: 0 });
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
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
  });

  it('update: before and after of the changed input', async () => {
    const r = await planOf('update');
    expect(brief(r)).toEqual([['terraform_data.web', 'update']]);
    const web = r.changes[0];
    expect(web.actions).toEqual(['update']);
    expect((web.before as Record<string, unknown>).input).toEqual({ name: 'web', size: 'small' });
    expect((web.after as Record<string, unknown>).input).toEqual({ name: 'web', size: 'large' });
    expect((web.after as Record<string, unknown>).output).toBe(UNKNOWN);
    expect(r.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 0, forget: 0 });
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
    expect(r.summary).toEqual({ add: 1, change: 0, destroy: 1, import: 0, forget: 0 });
  });

  it('replace-cbd: create_before_destroy is the same replace, ["create","delete"]', async () => {
    const r = await planOf('replace-cbd');
    expect(r.changes).toEqual([
      expect.objectContaining({ address: 'terraform_data.cache', action: 'replace', actions: ['create', 'delete'] }),
    ]);
    expect(r.summary).toEqual({ add: 1, change: 0, destroy: 1, import: 0, forget: 0 });
  });

  it('import-forget: an import, an import with an update, a forget; counted as Terraform counts them', async () => {
    const r = await planOf('import-forget');
    expect(r.changes.map((c) => [c.address, c.action, c.actions, c.importing ?? false])).toEqual([
      ['terraform_data.legacy', 'import', ['no-op'], true],
      ['terraform_data.old', 'forget', ['forget'], false],
      ['terraform_data.web', 'update', ['update'], true],
    ]);
    // "Plan: 2 to import, 0 to add, 1 to change, 0 to destroy." and the forget Terraform 1.11 does not count
    expect(r.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 2, forget: 1 });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', summary: 'Some objects will no longer be managed by Terraform' }),
    ]);
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
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 1, import: 0, forget: 0 });
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
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
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
    expect(r.summary).toEqual({ add: 2, change: 1, destroy: 2, import: 0, forget: 0 });
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
    expect(r.summary).toEqual({ add: 1, change: 1, destroy: 0, import: 0, forget: 0 });
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
    expect(r.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 0, forget: 0 });
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
      ['terraform_data.cache', 'replace', 'applied'],
      ['terraform_data.modern', 'move', 'applied'],
      ['terraform_data.new', 'create', 'applied'],
      ['terraform_data.old', 'delete', 'applied'],
      ['terraform_data.web', 'update', 'applied'],
    ]);
    expect(r.summary).toEqual({ add: 2, change: 1, destroy: 2, import: 0, forget: 0 });
    expect(h.text('stdout')).toContain('Apply complete! Resources: 2 added, 1 changed, 2 destroyed.');
  });

  it('applies both orders of replace, and imports and forgets, which have no progress events of their own', async () => {
    const cbd = setup('replace-cbd');
    const r1 = await cbd.adapter.apply(cbd.h.ctx, await cbd.adapter.plan(cbd.h.ctx));
    expect(r1.changes.map((c) => [c.address, c.action, c.status])).toEqual([
      ['terraform_data.cache', 'replace', 'applied'],
    ]);
    expect(r1.summary).toEqual({ add: 1, change: 0, destroy: 1, import: 0, forget: 0 });

    const imp = setup('import-forget');
    const r2 = await imp.adapter.apply(imp.h.ctx, await imp.adapter.plan(imp.h.ctx));
    expect(r2.changes.map((c) => [c.address, c.action, c.status])).toEqual([
      ['terraform_data.legacy', 'import', 'applied'],
      ['terraform_data.old', 'forget', 'applied'],
      ['terraform_data.web', 'update', 'applied'],
    ]);
    // "Apply complete! Resources: 2 imported, 0 added, 1 changed, 0 destroyed."
    expect(r2.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 2, forget: 1 });
  });

  it('an apply stopped early: what had no progress event is unknown, not made', async () => {
    let seen = 0;
    const ref: { abort?: () => void } = {};
    const { h, adapter } = setup('import-forget', {
      hang: 'apply:4',
      onLine: (l) => {
        if (l.phase === 'apply' && l.stream === 'stdout' && ++seen === 4) ref.abort?.();
      },
    });
    ref.abort = h.abort;
    const err = await rejection(adapter.apply(h.ctx, await adapter.plan(h.ctx)));
    expect(err.message).toBe('apply cancelled (0 of 3 changes made)');
    expect(err.partial!.changes.map((c) => [c.address, c.status])).toEqual([
      ['terraform_data.legacy', 'unknown'],
      ['terraform_data.old', 'unknown'],
      ['terraform_data.web', 'interrupted'],
    ]);
    expect(err.partial!.summary).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
  });

  it('provisioner-error: a ToolError with the diagnostic and what was done before it', async () => {
    const { h, adapter } = setup('provisioner-error');
    const plan = await adapter.plan(h.ctx);
    expect(plan.summary).toEqual({ add: 2, change: 0, destroy: 0, import: 0, forget: 0 });
    const err = await rejection(adapter.apply(h.ctx, plan));
    expect(err.message).toBe(
      'apply failed: local-exec provisioner error (terraform_data.bootstrap, main.tf:9) (1 of 2 changes made)',
    );
    expect(err.exitCode).toBe(1);
    expect(err.diagnostics[0].detail).toContain('exit status 3');
    expect(err.partial?.changes.map((c) => [c.address, c.status])).toEqual([
      ['terraform_data.bootstrap', 'failed'],
      ['terraform_data.ok', 'applied'],
    ]);
    expect(err.partial?.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(h.text('stdout')).toContain('terraform_data.bootstrap: (local-exec): bootstrapping');
  });

  it('refuses to apply without the saved plan, and a plan applied once is stale', async () => {
    const { h, adapter } = setup('update');
    const none = await rejection(
      adapter.apply(h.ctx, {
        changes: [],
        drift: [],
        summary: { add: 0, change: 0, destroy: 0, import: 0, forget: 0 },
        diagnostics: [],
      }),
    );
    expect(none.message).toMatch(/^apply refused: the saved plan .*plan\.tfplan is missing; plan again/);

    const plan = await adapter.plan(h.ctx);
    await adapter.apply(h.ctx, plan);
    const stale = await rejection(adapter.apply(h.ctx, plan));
    expect(stale.message).toBe('apply failed: Saved plan is stale (0 of 1 changes made)');
    expect(stale.partial?.changes).toEqual([
      expect.objectContaining({ address: 'terraform_data.web', status: 'not-started' }),
    ]);
    expect(stale.partial?.summary).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
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
    // 9 lines: version, 5 planned, old and web started, old complete
    expect(err.message).toBe('apply cancelled (1 of 5 changes made)');
    const shown = h.lines.filter((l) => l.phase === 'apply').map((l) => l.text);
    expect(shown).toContain(
      'Interrupt received. Please wait for OpenTofu to exit or data loss may occur. Gracefully shutting down...',
    );
    expect(shown[shown.length - 1]).toBe('Error: execution halted');
    const byAddr = Object.fromEntries(err.partial!.changes.map((c) => [c.address, c.status]));
    expect(byAddr).toEqual({
      'terraform_data.old': 'applied',
      'terraform_data.web': 'interrupted', // started, outcome unknown
      'terraform_data.cache': 'not-started',
      'terraform_data.legacy': 'not-started',
      'terraform_data.db': 'not-started',
    });
    expect(err.partial!.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
  });
});

describe('Terraform adapter: init', () => {
  it('shows each init -json message as its text, and has no diagnostics when all went well', async () => {
    const { h, adapter } = setup('create');
    const r = await adapter.init(h.ctx);
    expect(r).toEqual({ diagnostics: [] });
    const shown = h.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(shown).toContain('Terraform has been successfully initialized!');
    expect(shown.every((l) => !l.startsWith('{'))).toBe(true);
  });

  it('a syntax error: init fails with every diagnostic of init -json, the error names the first', async () => {
    const { h, adapter } = setup('syntax-error');
    const err = await rejection(adapter.init(h.ctx));
    expect(err.message).toBe('init failed: Unclosed configuration block (main.tf:1) and 1 more error');
    expect(err.exitCode).toBe(1);
    expect(err.diagnostics).toEqual([
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
        summary: expect.stringMatching(
          /^Terraform encountered problems during initialisation, including problems\nwith/,
        ),
      }),
    ]);
    // the pane shows each message on one line
    expect(h.text('stdout')).toContain('Error: Unclosed configuration block: There is no closing brace');
  });

  it('a tool without init -json: init again with human output, and its diagnostics read in full', async () => {
    const { tf, h, adapter } = setup('syntax-error', { noInitJson: true });
    const err = await rejection(adapter.init(h.ctx));
    expect(tf.invocations().map((i) => i.argv.slice(1))).toEqual([
      ['init', '-input=false', '-json'],
      ['init', '-input=false', '-no-color'],
    ]);
    expect(h.text('system')).toContain('tofu has no init -json; running init with human output');
    expect(err.message).toBe('init failed: Unclosed configuration block (main.tf:1) and 1 more error');
    expect(err.diagnostics).toEqual([
      {
        severity: 'error',
        summary: 'Unclosed configuration block',
        detail:
          'There is no closing brace for this block before the end of the file. This may\nbe caused by incorrect brace nesting elsewhere in this file.',
        location: 'main.tf:1',
        file: 'main.tf',
        line: 1,
      },
      {
        severity: 'error',
        summary:
          'Terraform encountered problems during initialisation, including problems\nwith the configuration, described below.',
        detail:
          'The Terraform configuration must be valid before initialization so that\nTerraform can determine which modules and providers need to be installed.',
      },
    ]);
  });

  it('a failing init without a diagnostic says how the tool ended', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'init.jsonl'), '{"@level":"info","@message":"Terraform 1.11.4","type":"version"}\n');
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ exit: { init: 1 } }));
    const { h, adapter } = setup(dir);
    const err = await rejection(adapter.init(h.ctx));
    expect(err.message).toBe('init failed: tofu exited with code 1');
    expect(err.diagnostics).toEqual([]);
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
