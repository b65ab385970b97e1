import { expect, test } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { describeEngines } from '../../helpers/engines.js';

describeEngines('StacksRepo', (e) => {
  test('upsert registers a stack, then updates it by name; list is ordered by name', () => {
    const stacks = new StacksRepo(e.db);
    const web = stacks.upsert({ name: 'web', dir: '/srv/web', tool: 'terraform', environment: 'dev' }, 1000);
    expect(web).toMatchObject({ name: 'web', dir: '/srv/web', tool: 'terraform', environment: 'dev' });
    expect(web.createdAt).toBe(1000);
    stacks.upsert({ name: 'api', dir: '/srv/api', tool: 'opentofu', environment: 'staging', blueprint: { a: [1] } });
    const again = stacks.upsert({ name: 'web', dir: '/srv/web2', tool: 'opentofu', environment: 'dev' }, 2000);
    expect(again.id).toBe(web.id);
    expect(again).toMatchObject({ dir: '/srv/web2', tool: 'opentofu', createdAt: 1000, updatedAt: 2000 });
    expect(stacks.list().map((s) => s.name)).toEqual(['api', 'web']);
    expect(stacks.getById(web.id)?.name).toBe('web');
    expect(stacks.get('nope')).toBeUndefined();
  });

  test('the blueprint is stored as JSON and kept when an update brings none', () => {
    const stacks = new StacksRepo(e.db);
    stacks.upsert({ name: 'web', dir: '/w', tool: 'terraform', environment: 'dev', blueprint: { vpc: { cidr: 'x' } } });
    stacks.upsert({ name: 'web', dir: '/w', tool: 'terraform', environment: 'dev' });
    expect(stacks.blueprint('web')).toEqual({ vpc: { cidr: 'x' } });
    expect(stacks.blueprint('nope')).toBeUndefined();
  });

  test('a change of environment is audited in the same transaction, with who changed it', () => {
    const stacks = new StacksRepo(e.db);
    const s = stacks.upsert({ name: 'web', dir: '/w', tool: 'terraform', environment: 'dev' });
    stacks.upsert({ name: 'web', dir: '/w', tool: 'terraform', environment: 'prod', by: 'bob' }, 5000);
    const audit = new AuditRepo(e.db).forStack(s.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      user: 'bob',
      action: 'environment',
      at: 5000,
      detail: { from: 'dev', to: 'prod', dir: '/w' },
    });
  });

  test('a second connection sees what the first committed', () => {
    new StacksRepo(e.db).upsert({ name: 'web', dir: '/w', tool: 'terraform', environment: 'dev' });
    const other = e.open();
    expect(new StacksRepo(other).get('web')?.dir).toBe('/w');
  });
});
