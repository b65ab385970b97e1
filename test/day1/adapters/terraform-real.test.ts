/**
 * The adapter against a REAL `tofu` or `terraform` when one is on PATH (skipped otherwise: neither can be
 * installed from the package registries this project uses). Only the built-in `terraform_data` resource is used,
 * so nothing is downloaded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/day1/adapter.js';
import { adapterFor } from '../../../src/day1/adapters/index.js';
import { SENSITIVE } from '../../../src/day1/adapters/terraform-show.js';
import { onPath } from '../../../src/day1/detect.js';
import { tmpDir } from '../../helpers/tmp.js';
import { makeHarness, type HarnessOptions } from './harness.js';

const tool = onPath('tofu') ? 'opentofu' : onPath('terraform') ? 'terraform' : undefined;
if (!tool) console.warn('skipping the real OpenTofu/Terraform tests: neither tofu nor terraform is on PATH');

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
  // a plugin cache or CLI config of the machine must not matter
  const h = makeHarness({
    dir,
    tool: tool!,
    env: { CHECKPOINT_DISABLE: '1' },
    runDir: tmpDir('dayops-real-run-'),
    onLine,
  });
  return { dir, h, adapter: adapterFor(tool!) };
}

describe.skipIf(!tool)(`real ${tool ?? 'tofu/terraform'}`, () => {
  it('init, plan, apply, plan again (nothing), change, plan (update), apply', async () => {
    const { dir, h, adapter } = stack(CONFIG('small'));
    await adapter.init(h.ctx);
    const first = await adapter.plan(h.ctx);
    expect(first.changes.map((c) => [c.address, c.action])).toEqual([
      ['terraform_data.token', 'create'],
      ['terraform_data.web', 'create'],
    ]);
    expect(first.summary).toEqual({ add: 2, change: 0, destroy: 0 });
    expect((first.changes[0].after as Record<string, unknown>).input).toBe(SENSITIVE);
    expect(JSON.stringify(first)).not.toContain('s3cr3t-token');
    expect(h.lines.some((l) => l.raw.includes('s3cr3t-token'))).toBe(false);
    expect(h.text('stdout')).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy\./);

    const applied = await adapter.apply(h.ctx, first);
    expect(applied.changes.map((c) => c.status)).toEqual(['changed', 'changed']);
    expect(applied.summary).toEqual({ add: 2, change: 0, destroy: 0 });

    const again = await adapter.plan(h.ctx);
    expect(again.changes).toEqual([]);
    expect(again.summary).toEqual({ add: 0, change: 0, destroy: 0 });

    writeFileSync(join(dir, 'main.tf'), CONFIG('large'));
    const update = await adapter.plan(h.ctx);
    expect(update.changes).toEqual([
      expect.objectContaining({ address: 'terraform_data.web', action: 'update', actions: ['update'] }),
    ]);
    expect((update.changes[0].before as Record<string, unknown>).input).toEqual({ size: 'small' });
    expect((update.changes[0].after as Record<string, unknown>).input).toEqual({ size: 'large' });
    const done = await adapter.apply(h.ctx, update);
    expect(done.summary).toEqual({ add: 0, change: 1, destroy: 0 });
  });

  it('a configuration error is a ToolError with the diagnostic and its line', async () => {
    const { h, adapter } = stack('resource "terraform_data" "x" {\n  input = "x"\n  triggers {\n  }\n}\n');
    await adapter.init(h.ctx).catch(() => undefined); // init may already reject the file
    const err = await adapter.plan(h.ctx).then(
      () => undefined,
      (e: unknown) => e as ToolError,
    );
    expect(err).toBeInstanceOf(ToolError);
    expect(err!.message).toBe('plan failed: Unsupported block type (main.tf:3)');
  });

  it('cancel during apply: the tool is interrupted and stops', async () => {
    const ref: { abort?: () => void } = {};
    const { h, adapter } = stack(
      'resource "terraform_data" "slow" {\n  input = "x"\n  provisioner "local-exec" {\n    command = "sleep 30"\n  }\n}\n',
      (l) => {
        if (l.phase === 'apply' && l.text.includes("Provisioning with 'local-exec'")) ref.abort?.();
      },
    );
    ref.abort = h.abort;
    await adapter.init(h.ctx);
    const plan = await adapter.plan(h.ctx);
    const started = Date.now();
    const err = await adapter.apply(h.ctx, plan).then(
      () => undefined,
      (e: unknown) => e as ToolError,
    );
    expect(err).toBeInstanceOf(ToolError);
    expect(err!.message).toBe('apply cancelled (0 of 1 changes made)');
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(h.text('stdout')).toContain('Interrupt received.');
    expect(err!.partial?.changes).toEqual([
      expect.objectContaining({ address: 'terraform_data.slow', status: 'failed' }),
    ]);
  });
});
