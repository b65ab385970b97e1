/**
 * The Terraform/OpenTofu parsers over every real recording in ../shared/fixtures (see SOURCES.md there):
 * the `-json` UI streams and the `show -json` plan documents.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../src/domain/plan.js';
import { describeErrors } from '../../../src/day1/adapters/exec-util.js';
import { parseShowJson, planFromShow, UNKNOWN } from '../../../src/day1/adapters/terraform-show.js';
import { displayTfLine, parseTfLine, TfStreamParser } from '../../../src/day1/adapters/terraform-stream.js';

const SHARED = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures');
const STREAMS = join(SHARED, 'terraform-ui-stream');
const SHOWS = join(SHARED, 'terraform-show-json');
const present = existsSync(STREAMS) && existsSync(SHOWS);
if (!present) console.warn(`skipping the shared Terraform fixtures: ${SHARED} is absent`);

function stream(file: string): TfStreamParser {
  const p = new TfStreamParser();
  for (const line of readFileSync(join(STREAMS, file), 'utf8').split('\n')) p.push(line);
  return p;
}
const show = (file: string) => planFromShow(parseShowJson(readFileSync(join(SHOWS, file), 'utf8')));
const addrs = (cs: { address: string }[]) => cs.map((c) => c.address);

describe.skipIf(!present)('Terraform -json UI streams (../shared/fixtures/terraform-ui-stream)', () => {
  it('covers every recording in the folder', () => {
    const files = readdirSync(STREAMS).filter((f) => f.endsWith('.jsonl'));
    expect(files.sort()).toEqual([
      'tf-apply-create-outputs.jsonl',
      'tf-apply-progress-provisioner.from-go-test.jsonl',
      'tf-apply-provisioner-error.jsonl',
      'tf-plan-and-apply-create.jsonl',
      'tf-plan-create.jsonl',
      'tf-plan-drift-with-move.from-go-test.jsonl',
      'tf-plan-error-diagnostic.jsonl',
      'tf-plan-replace-delete-update.from-go-test.jsonl',
      'tf-plan-update-create.jsonl',
      'tofu-docs-message-examples.jsonl',
    ]);
    // every line of every file is a message the parser reads, and displays as one line
    for (const f of files) {
      const lines = readFileSync(join(STREAMS, f), 'utf8').split('\n').filter(Boolean);
      for (const line of lines) {
        expect(parseTfLine(line), `${f}: ${line.slice(0, 60)}`).toBeDefined();
        const shown = displayTfLine(line)!;
        expect(shown).not.toContain('\n');
        expect(shown.startsWith('{')).toBe(false);
      }
      expect(stream(f).messages).toBe(lines.length);
    }
  });

  it('tf-plan-create: a create, a data source read while planning, the plan summary', () => {
    const p = stream('tf-plan-create.jsonl');
    expect(p.version).toEqual({ tool: 'terraform', version: '1.3.0-dev', ui: '1.0' });
    expect(p.planned).toEqual([
      expect.objectContaining({
        address: 'test_instance.foo',
        action: 'create',
        type: 'test_instance',
        name: 'foo',
        provider: 'test',
      }),
    ]);
    expect(p.progress.get('data.test_data_source.a')).toMatchObject({
      actions: ['read'],
      completed: ['read'],
      state: 'complete',
      id: 'zzzzz',
    });
    expect(p.summary('plan')).toEqual({ operation: 'plan', add: 1, change: 0, remove: 0, import: 0 });
    expect(p.diagnostics).toEqual([]);
  });

  it('tf-plan-update-create: refresh, an update and a create, summary +1 ~1', () => {
    const p = stream('tf-plan-update-create.jsonl');
    expect(p.version?.version).toBe('1.3.7');
    expect(p.planned.map((c) => [c.address, c.action])).toEqual([
      ['tfcoremock_simple_resource.example', 'update'],
      ['tfcoremock_complex_resource.example', 'create'],
    ]);
    expect(p.summary('plan')).toMatchObject({ add: 1, change: 1, remove: 0 });
    expect(summarize(p.planned)).toEqual({ add: 1, change: 1, destroy: 0, import: 0, forget: 0 });
    expect(displayTfLine(readFileSync(join(STREAMS, 'tf-plan-update-create.jsonl'), 'utf8').split('\n')[1])).toBe(
      'tfcoremock_simple_resource.example: Refreshing state... [id=my-simple-resource]',
    );
  });

  it('tf-plan-error-diagnostic: the error with its place, as the run error and the displayed line', () => {
    const p = stream('tf-plan-error-diagnostic.jsonl');
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0]).toMatchObject({
      severity: 'error',
      summary: 'Unsupported block type',
      location: 'main.tf:2',
    });
    expect(p.diagnostics[0].detail).toContain('Blocks of type "triggers" are not expected here');
    expect(describeErrors(p.diagnostics)).toBe('Unsupported block type (main.tf:2)');
    const line = readFileSync(join(STREAMS, 'tf-plan-error-diagnostic.jsonl'), 'utf8').split('\n')[1];
    expect(displayTfLine(line)).toMatch(
      /^Error: Unsupported block type: Blocks of type "triggers" are not expected here\..* \(main\.tf:2\)$/,
    );
    expect(p.planned).toEqual([]);
  });

  it('tf-plan-and-apply-create: a warning, plan and apply summaries, the applied resource', () => {
    const p = stream('tf-plan-and-apply-create.jsonl');
    expect(p.version?.version).toBe('0.15.0-dev');
    expect(p.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', summary: 'Deprecated flag: -state' }),
    ]);
    expect(describeErrors(p.diagnostics)).toBeUndefined();
    expect(p.summary('plan')).toMatchObject({ add: 1 });
    expect(p.summary('apply')).toMatchObject({ operation: 'apply', add: 1, change: 0, remove: 0 });
    const r = p.applyResult(undefined, true);
    expect(r.changes).toEqual([
      expect.objectContaining({ address: 'test_instance.foo', action: 'create', status: 'applied' }),
    ]);
    expect(r.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(p.outputs).toEqual({});
  });

  it('tf-apply-create-outputs: the created id, the apply summary, outputs without their values', () => {
    const p = stream('tf-apply-create-outputs.jsonl');
    expect(p.progress.get('null_resource.foo')).toMatchObject({
      state: 'complete',
      completed: ['create'],
      id: '7091618264040236234',
      elapsedSeconds: 0,
    });
    expect(p.applyResult(undefined, true).summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(p.outputs).toEqual({
      complex: { sensitive: false },
      secret: { sensitive: true },
      simple: { sensitive: false },
    });
    expect(JSON.stringify(p.outputs)).not.toContain('my-secret');
  });

  it('tf-apply-provisioner-error: a replace whose create failed in its provisioner', () => {
    const p = stream('tf-apply-provisioner-error.jsonl');
    const prog = p.progress.get('null_resource.foo')!;
    expect(prog).toMatchObject({
      actions: ['delete', 'create'],
      completed: ['delete'],
      state: 'errored',
      provisionerError: 'local-exec',
    });
    expect(p.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        summary: 'local-exec provisioner error',
        address: 'null_resource.foo',
        location: 'main.tf:2',
      }),
    ]);
    expect(describeErrors(p.diagnostics)).toBe('local-exec provisioner error (null_resource.foo, main.tf:2)');
    const r = p.applyResult(undefined, false);
    expect(r.changes).toEqual([
      expect.objectContaining({ address: 'null_resource.foo', action: 'replace', status: 'failed' }),
    ]);
    // no change_summary in this log: the destroy half happened, the create did not
    expect(p.summary('apply')).toBeUndefined();
    expect(r.summary).toEqual({ add: 0, change: 0, destroy: 1, import: 0, forget: 0 });
  });

  it('tf-plan-replace-delete-update (from the Go test): replaces, a create, a delete and an update in a module', () => {
    const p = stream('tf-plan-replace-delete-update.from-go-test.jsonl');
    expect(p.planned.map((c) => [c.address, c.action])).toEqual([
      ['test_resource.boop[0]', 'replace'],
      ['test_resource.boop[1]', 'create'],
      ['module.vpc.test_resource.boop[0]', 'delete'],
      ['test_resource.beep', 'replace'],
      ['module.vpc.test_resource.beep', 'update'],
    ]);
    expect(p.planned[2].module).toBe('module.vpc');
    expect(p.planned[0].module).toBeUndefined();
    expect(p.summary('plan')).toMatchObject({ add: 3, change: 1, remove: 3 });
    expect(summarize(p.planned)).toEqual({ add: 3, change: 1, destroy: 3, import: 0, forget: 0 });
  });

  it('tf-plan-drift-with-move (from the Go test): drift (delete, update after a move) and a planned move', () => {
    const p = stream('tf-plan-drift-with-move.from-go-test.jsonl');
    expect(p.drift).toEqual([
      expect.objectContaining({ address: 'test_resource.beep', action: 'delete' }),
      expect.objectContaining({
        address: 'test_resource.boop',
        action: 'update',
        previousAddress: 'test_resource.blep',
      }),
    ]);
    expect(p.planned).toEqual([
      expect.objectContaining({
        address: 'test_resource.honk["bonk"]',
        action: 'move',
        previousAddress: 'test_resource.honk[0]',
      }),
    ]);
    expect(p.summary('plan')).toMatchObject({ add: 0, change: 0, remove: 0 });
    expect(summarize(p.planned)).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
  });

  it('tf-apply-progress-provisioner (from the Go test): progress and a provisioner that completed', () => {
    const p = stream('tf-apply-progress-provisioner.from-go-test.jsonl');
    expect(p.version).toBeUndefined();
    expect(p.progress.get('test_instance.boop')).toMatchObject({
      state: 'complete',
      id: 'test',
      elapsedSeconds: 22,
      completed: ['create'],
    });
    expect(p.progress.get('test_instance.boop')?.provisionerError).toBeUndefined();
    const r = p.applyResult(undefined, true);
    expect(r.changes).toEqual([
      expect.objectContaining({ address: 'test_instance.boop', action: 'create', status: 'applied' }),
    ]);
    expect(r.summary).toEqual({ add: 1, change: 0, destroy: 0, import: 0, forget: 0 });
  });

  it('tofu-docs-message-examples: one example of each OpenTofu message type, read one by one', () => {
    const lines = readFileSync(join(STREAMS, 'tofu-docs-message-examples.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(19);
    const types = lines.map((l) => parseTfLine(l)!.type);
    expect(types).toContain('test_summary');
    // each line is a separate example: parse each on its own
    const one = (type: string) => {
      const p = new TfStreamParser();
      p.push(lines[types.indexOf(type)]);
      return p;
    };
    expect(one('version').version).toEqual({ tool: 'opentofu', version: '0.15.4', ui: '0.1.0' });
    expect(one('resource_drift').drift).toEqual([
      expect.objectContaining({ address: 'random_pet.animal', action: 'update', provider: 'random' }),
    ]);
    expect(one('planned_change').planned).toEqual([
      expect.objectContaining({ address: 'random_pet.animal', action: 'create', type: 'random_pet' }),
    ]);
    expect(one('change_summary').summary('apply')).toMatchObject({ add: 1, change: 0, remove: 0 });
    expect(one('outputs').outputs).toEqual({ pets: { sensitive: false } });
    expect(one('apply_progress').progress.get('null_resource.none[4]')).toMatchObject({
      state: 'applying',
      elapsedSeconds: 30,
    });
    expect(one('apply_errored').progress.get('null_resource.none[0]')).toMatchObject({
      state: 'errored',
      elapsedSeconds: 10,
    });
    expect(one('provision_errored').progress.get('null_resource.none[0]')?.provisionerError).toBe('local-exec');
    expect(one('apply_complete').progress.get('random_pet.animal')).toMatchObject({
      id: 'smart-lizard',
      completed: ['create'],
    });
    // refresh and test messages are shown, not interpreted
    const refresh = one('refresh_start');
    expect(refresh.planned).toEqual([]);
    expect(refresh.progress.size).toBe(0);
    expect(displayTfLine(lines[types.indexOf('test_summary')])).toBe('Success! 1 passed, 0 failed.');
    // the whole file at once: every example lands where it belongs
    const all = new TfStreamParser();
    for (const l of lines) all.push(l);
    expect(addrs(all.drift)).toEqual(['random_pet.animal']);
    expect(addrs(all.planned)).toEqual(['random_pet.animal']);
    expect([...all.progress.keys()]).toEqual(['random_pet.animal', 'null_resource.none[4]', 'null_resource.none[0]']);
  });
});

describe.skipIf(!present)('show -json plan documents (../shared/fixtures/terraform-show-json)', () => {
  it('covers every document in the folder', () => {
    expect(
      readdirSync(SHOWS)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual([
      'tf-equivalence-drift_relevant_attributes-plan.json',
      'tf-show-json-basic-delete.json',
      'tfjson-110_sensitive_values-plan.json',
      'tfjson-basic-plan.json',
    ]);
  });

  it('tfjson-basic-plan: a data source read kept as read, 7 creates, modules and counts, unknown values marked', () => {
    const r = show('tfjson-basic-plan.json');
    expect(r.changes.map((c) => [c.address, c.action])).toEqual([
      ['data.null_data_source.baz', 'read'],
      ['module.foo.null_resource.aliased', 'create'],
      ['module.foo.null_resource.foo', 'create'],
      ['null_resource.bar', 'create'],
      ['null_resource.baz[0]', 'create'],
      ['null_resource.baz[1]', 'create'],
      ['null_resource.baz[2]', 'create'],
      ['null_resource.foo', 'create'],
    ]);
    expect(r.summary).toEqual({ add: 7, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(r.changes[1]).toMatchObject({
      module: 'module.foo',
      provider: 'null.aliased',
      type: 'null_resource',
      name: 'aliased',
    });
    expect(r.changes[0].after).toEqual({
      inputs: { bar_id: UNKNOWN, foo_id: UNKNOWN },
      has_computed_default: UNKNOWN,
      id: UNKNOWN,
      outputs: UNKNOWN,
      random: UNKNOWN,
    });
    expect(r.changes[7].after).toEqual({ triggers: { foo: 'bar' }, id: UNKNOWN });
    expect(r.drift).toEqual([]);
  });

  it('tfjson-110_sensitive_values: 7 creates; resource values are not marked sensitive there, so they stay', () => {
    const r = show('tfjson-110_sensitive_values-plan.json');
    expect(r.changes).toHaveLength(7);
    expect(r.changes.every((c) => c.action === 'create' && c.actions.join() === 'create')).toBe(true);
    expect(r.summary).toEqual({ add: 7, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(r.changes.map((c) => c.address)).toContain('null_resource.baz[2]');
    const foo = r.changes.find((c) => c.address === 'null_resource.foo')!;
    expect(foo.after).toEqual({ triggers: { foo: 'bar' }, id: UNKNOWN });
    expect(foo.provider).toBe('registry.terraform.io/hashicorp/null');
    // `before_sensitive: false` with `before: null`: nothing to hide, nothing invented
    expect(foo.before).toBeNull();
  });

  it('tf-show-json-basic-delete: an update and a delete with its reason', () => {
    const r = show('tf-show-json-basic-delete.json');
    expect(r.changes).toEqual([
      expect.objectContaining({
        address: 'test_instance.test',
        action: 'update',
        before: { ami: 'foo', id: 'placeholder' },
        after: { ami: 'bar', id: 'placeholder' },
      }),
      expect.objectContaining({
        address: 'test_instance.test-delete',
        action: 'delete',
        reason: 'delete_because_no_resource_config',
        after: null,
      }),
    ]);
    expect(r.summary).toEqual({ add: 0, change: 1, destroy: 1, import: 0, forget: 0 });
  });

  it('tf-equivalence-drift_relevant_attributes: two updates and the drift that explains one', () => {
    const r = show('tf-equivalence-drift_relevant_attributes-plan.json');
    expect(r.changes.map((c) => [c.address, c.action])).toEqual([
      ['tfcoremock_simple_resource.base', 'update'],
      ['tfcoremock_simple_resource.dependent', 'update'],
    ]);
    expect(r.drift).toEqual([
      expect.objectContaining({
        address: 'tfcoremock_simple_resource.base',
        action: 'update',
        before: expect.objectContaining({ number: 0, string: 'Hello, world!' }),
        after: expect.objectContaining({ number: 1, string: 'Hello, drift!' }),
      }),
    ]);
    expect(r.summary).toEqual({ add: 0, change: 2, destroy: 0, import: 0, forget: 0 });
  });
});
