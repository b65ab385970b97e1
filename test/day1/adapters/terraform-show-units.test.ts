/** The rules for reading a show -json document that the recordings do not all exercise. */
import { describe, expect, it } from 'vitest';
import {
  actionOf,
  planFromShow,
  redactSensitive,
  SENSITIVE,
  UNKNOWN,
  type ShowResourceChange,
} from '../../../src/day1/adapters/terraform-show.js';

const rc = (
  address: string,
  change: ShowResourceChange['change'],
  extra: Partial<ShowResourceChange> = {},
): ShowResourceChange => ({
  address,
  mode: 'managed',
  type: 'aws_instance',
  name: address.split('.')[1],
  provider_name: 'registry.terraform.io/hashicorp/aws',
  change,
  ...extra,
});

describe('show -json rules', () => {
  it('both orders of delete and create are a replace (create_before_destroy too)', () => {
    expect(actionOf(['delete', 'create'])).toBe('replace');
    expect(actionOf(['create', 'delete'])).toBe('replace');
    expect(actionOf(['no-op'], 'aws_instance.old')).toBe('move');
    expect(actionOf(['no-op'])).toBe('no-op');
  });

  it('imports and forgets are their own actions; an import that also changes the object keeps that action', () => {
    expect(actionOf(['no-op'], undefined, true)).toBe('import');
    expect(actionOf(['update'], undefined, true)).toBe('update');
    expect(actionOf(['forget'])).toBe('forget');
    // a replace whose old object is left alone (destroy = false in the resource, after Terraform 1.11)
    expect(actionOf(['create', 'forget'])).toBe('forget');
    expect(actionOf(['open'])).toBe('no-op');

    const plan = planFromShow({
      format_version: '1.2',
      resource_changes: [
        rc('aws_instance.a', { actions: ['no-op'], before: { a: 1 }, after: { a: 1 }, importing: { id: 'i-1' } }),
        rc('aws_instance.b', { actions: ['update'], before: { a: 1 }, after: { a: 2 }, importing: { id: 'i-2' } }),
        rc('aws_instance.c', { actions: ['forget'], before: { a: 1 }, after: null }),
        rc('aws_instance.d', { actions: ['create', 'forget'], before: { a: 1 }, after: { a: 1 } }),
        rc('aws_instance.e', {
          actions: ['delete', 'create'],
          before: { a: 1 },
          after: { a: 2 },
          importing: { id: 'i-5' },
        }),
      ],
    });
    expect(plan.changes.map((c) => [c.address, c.action, c.actions, c.importing ?? false])).toEqual([
      ['aws_instance.a', 'import', ['no-op'], true],
      ['aws_instance.b', 'update', ['update'], true],
      ['aws_instance.c', 'forget', ['forget'], false],
      ['aws_instance.d', 'forget', ['create', 'forget'], false],
      ['aws_instance.e', 'replace', ['delete', 'create'], true],
    ]);
    // as Terraform counts: "3 to import, 2 to add, 1 to change, 1 to destroy", and two objects forgotten
    expect(plan.summary).toEqual({ add: 2, change: 1, destroy: 1, import: 3, forget: 2 });
  });

  it('sensitive values are replaced wherever the mask says, in nested maps and lists, before and after', () => {
    const before = {
      tags: { env: 'prod', token: 'abc' },
      disks: [{ key: 'k1' }, { key: 'k2' }],
      password: 'old',
      name: 'web',
    };
    const mask = { tags: { token: true }, disks: [false, { key: true }], password: true };
    expect(redactSensitive(before, mask)).toEqual({
      tags: { env: 'prod', token: SENSITIVE },
      disks: [{ key: 'k1' }, { key: SENSITIVE }],
      password: SENSITIVE,
      name: 'web',
    });
    expect(redactSensitive('whole', true)).toBe(SENSITIVE);
    expect(redactSensitive(null, true)).toBeNull();
    expect(redactSensitive({ a: 1 }, false)).toEqual({ a: 1 });
  });

  it('a plan: no-ops dropped, imports and moves kept, replace with reason, whole-value sensitivity kept over unknowns', () => {
    const plan = planFromShow({
      format_version: '1.2',
      resource_changes: [
        rc('aws_instance.same', { actions: ['no-op'], before: { a: 1 }, after: { a: 1 } }),
        rc('aws_instance.imported', {
          actions: ['no-op'],
          before: { a: 1 },
          after: { a: 1 },
          importing: { id: 'i-123' },
        }),
        rc(
          'aws_instance.renamed',
          { actions: ['no-op'], before: {}, after: {} },
          { previous_address: 'aws_instance.legacy' },
        ),
        rc(
          'aws_instance.web',
          {
            actions: ['create', 'delete'],
            before: { ami: 'ami-1', user_data: 'secret-1' },
            after: { ami: 'ami-2', user_data: 'secret-2' },
            after_unknown: { id: true, private_ip: true },
            before_sensitive: { user_data: true },
            after_sensitive: { user_data: true },
          },
          { action_reason: 'replace_because_cannot_update' },
        ),
        rc('aws_instance.blob', {
          actions: ['update'],
          before: { x: 1 },
          after: { x: 2 },
          after_unknown: { y: true },
          before_sensitive: true,
          after_sensitive: true,
        }),
        rc(
          'aws_instance.old',
          { actions: ['delete'], before: { a: 1 }, after: null, after_unknown: {} },
          { deposed: '00000001' },
        ),
      ],
    });
    expect(plan.changes.map((c) => [c.address, c.action, c.reason])).toEqual([
      ['aws_instance.imported', 'import', undefined],
      ['aws_instance.renamed', 'move', undefined],
      ['aws_instance.web', 'replace', 'replace_because_cannot_update'],
      ['aws_instance.blob', 'update', undefined],
      ['aws_instance.old (deposed 00000001)', 'delete', undefined],
    ]);
    const web = plan.changes[2];
    expect(web.before).toEqual({ ami: 'ami-1', user_data: SENSITIVE });
    expect(web.after).toEqual({ ami: 'ami-2', user_data: SENSITIVE, id: UNKNOWN, private_ip: UNKNOWN });
    expect(plan.changes[3].before).toBe(SENSITIVE);
    expect(plan.changes[3].after).toBe(SENSITIVE);
    expect(JSON.stringify(plan)).not.toMatch(/secret-[12]/);
    expect(plan.summary).toEqual({ add: 1, change: 1, destroy: 2, import: 1, forget: 0 });
  });
});
