/** The custom adapter with real processes: argv commands, shell strings, the dayops: line protocol. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/day1/adapter.js';
import { CustomAdapter, CustomProtocolParser } from '../../../src/day1/adapters/custom.js';
import { adapterFor } from '../../../src/day1/adapters/index.js';
import { stackConfigSchema } from '../../../src/config/stack-config.js';
import { ConfigError } from '../../../src/errors.js';
import type { PlanResult } from '../../../src/domain/plan.js';
import { tmpDir } from '../../helpers/tmp.js';
import { makeHarness } from './harness.js';

const NODE = process.execPath;

function stack(custom: Record<string, unknown>, files: Record<string, string> = {}) {
  const dir = tmpDir('dayops-custom-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const h = makeHarness({ dir, tool: 'custom', config: { tool: 'custom', custom } });
  return { dir, h, adapter: adapterFor('custom') };
}

const EMPTY: PlanResult = {
  changes: [],
  drift: [],
  summary: { add: 0, change: 0, destroy: 0, import: 0, forget: 0 },
  diagnostics: [],
};

describe('custom adapter', () => {
  it('plan without dayops: lines is a plan with no structured changes', async () => {
    const { h, adapter } = stack({ plan: [NODE, '-e', 'console.log("nothing to report")'] });
    const r = await adapter.plan(h.ctx);
    expect(r).toEqual({
      changes: [],
      drift: [],
      summary: { add: 0, change: 0, destroy: 0, import: 0, forget: 0 },
      diagnostics: [],
    });
    expect(h.text('stdout')).toBe('nothing to report');
    expect(h.calls[0]).toMatchObject({ argv: [NODE, '-e', 'console.log("nothing to report")'], phase: 'plan' });
    expect(h.calls[0].shell).toBeUndefined();
  });

  it('dayops:change and dayops:drift lines become the plan; other lines are output', async () => {
    const script = [
      'console.log("planning...")',
      'console.log("dayops:change create dns.record.www")',
      'console.log("dayops:change replace vm.web-1")',
      'console.log("dayops:change move vm.web-2 vm.old-web")',
      'console.log("dayops:drift update firewall.default")',
      'console.log("dayops:change explode everything")',
    ].join(';');
    const { h, adapter } = stack({ plan: [NODE, '-e', script] });
    const r = await adapter.plan(h.ctx);
    expect(r.changes).toEqual([
      { address: 'dns.record.www', action: 'create', actions: ['create'] },
      { address: 'vm.web-1', action: 'replace', actions: ['replace'] },
      { address: 'vm.web-2', action: 'move', actions: ['move'], previousAddress: 'vm.old-web' },
    ]);
    expect(r.drift).toEqual([{ address: 'firewall.default', action: 'update', actions: ['update'] }]);
    expect(r.summary).toEqual({ add: 2, change: 0, destroy: 1, import: 0, forget: 0 });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        summary: 'ignored a malformed dayops: line: dayops:change explode everything',
      }),
    ]);
  });

  it('a shell string runs in the shell only with custom.shell: true; env tells the phase and run folder', async () => {
    const { h, adapter } = stack({
      shell: true,
      plan: 'echo "dayops:change update app.config" && echo "phase=$DAYOPS_PHASE" && echo planned > "$DAYOPS_RUN_DIR/plan.out"',
      apply: 'test "$(cat "$DAYOPS_RUN_DIR/plan.out")" = planned && echo "dayops:change update app.config"',
    });
    const plan = await adapter.plan(h.ctx);
    expect(h.calls[0]).toMatchObject({
      shell: true,
      argv: [expect.stringContaining('echo "dayops:change update app.config"')],
    });
    expect(h.text('stdout')).toContain('phase=plan');
    expect(plan.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 0, forget: 0 });
    const applied = await adapter.apply(h.ctx, plan);
    expect(applied.changes).toEqual([
      { address: 'app.config', action: 'update', actions: ['update'], status: 'changed' },
    ]);
    expect(h.calls[1].env).toMatchObject({ DAYOPS_PHASE: 'apply', DAYOPS_RUN_ID: '1', DAYOPS_RUN_DIR: h.ctx.runDir });
  });

  it('a string without shell: true is refused (by the schema, and by the adapter if it gets one)', async () => {
    expect(() => stackConfigSchema.parse({ custom: { plan: 'make plan' } })).toThrow(/custom\.shell: true/);
    const { h } = stack({ plan: ['true'] });
    (h.ctx.config.custom as { plan: string | string[] }).plan = 'make plan';
    await expect(new CustomAdapter().plan(h.ctx)).rejects.toThrow(ConfigError);
    expect(h.calls).toEqual([]);
  });

  it('a non-zero exit is a ToolError; an apply that failed keeps what it reported as done', async () => {
    const { h, adapter } = stack({
      plan: ['sh', '-c', 'echo checking; exit 3'],
      apply: ['sh', '-c', 'echo "dayops:change create db.main"; echo "disk full" >&2; exit 1'],
    });
    const err = (await adapter.plan(h.ctx).catch((e: unknown) => e)) as ToolError;
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe('plan failed: sh -c echo checking; exit 3 exited with code 3');
    expect(err.exitCode).toBe(3);
    const applyErr = (await adapter.apply(h.ctx, EMPTY).catch((e: unknown) => e)) as ToolError;
    expect(applyErr.message).toMatch(/^apply failed: sh -c .* exited with code 1$/);
    expect(applyErr.partial?.changes).toEqual([
      { address: 'db.main', action: 'create', actions: ['create'], status: 'changed' },
    ]);
    expect(h.text('stderr')).toBe('disk full');
  });

  it('init runs when configured and is skipped when not; apply without custom.apply is a ConfigError', async () => {
    const a = stack({ init: ['sh', '-c', 'echo init ran'], plan: ['true'] });
    await a.adapter.init(a.h.ctx);
    expect(a.h.text('stdout')).toBe('init ran');
    const b = stack({ plan: ['true'] });
    await b.adapter.init(b.h.ctx);
    expect(b.h.calls).toEqual([]);
    await expect(b.adapter.apply(b.h.ctx, EMPTY)).rejects.toThrow(
      /custom\.apply: not set, so this stack can only be planned/,
    );
  });

  it('a command that does not exist is a one-line ToolError', async () => {
    const { h, adapter } = stack({ plan: ['/nonexistent/plan-tool', 'x'] });
    await expect(adapter.plan(h.ctx)).rejects.toThrow(/^plan failed: \/nonexistent\/plan-tool was not found$/);
  });

  it('the protocol parser alone', () => {
    const p = new CustomProtocolParser();
    for (const l of [
      'dayops:change delete a.b',
      '  dayops:change read data.x  ',
      'dayops:change update a b',
      'not dayops:change create z',
      'dayops:drift create q',
    ])
      p.push(l);
    expect(p.changes.map((c) => [c.address, c.action])).toEqual([
      ['a.b', 'delete'],
      ['data.x', 'read'],
    ]);
    expect(p.drift.map((c) => c.address)).toEqual(['q']);
    expect(p.diagnostics).toHaveLength(1); // a previous address is only for move
  });
});
