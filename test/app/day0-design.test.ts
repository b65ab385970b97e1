import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designStack } from '../../src/app/day0/design.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { AuditRepo } from '../../src/db/audit.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { richDesign } from '../day0/designs.js';

describe('designStack', () => {
  it('writes the files and registers the stack with its design', () => {
    const { db } = tmpDb();
    const out = join(tmpDir(), 'shop');
    const bp = richDesign('gcp');
    const r = designStack(db, bp, out, { user: 'alice' });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.refused).toEqual([]);
    expect(r.written.sort()).toEqual(r.files.map((f) => f.path).sort());
    for (const f of r.files) expect(readFileSync(join(out, f.path), 'utf8')).toBe(f.content);
    const stacks = new StacksRepo(db);
    expect(stacks.get('shop')).toMatchObject({ name: 'shop', tool: 'opentofu', environment: 'prod', dir: out });
    expect(stacks.blueprint('shop')).toEqual(bp);
    const log = new AuditRepo(db).forStack(stacks.get('shop')!.id);
    expect(log[0]).toMatchObject({ user: 'alice', action: 'design' });
    expect(r.stack?.dir).toBe(out);
  });

  it('writes nothing and registers nothing when the audit finds an error', () => {
    const { db } = tmpDb();
    const out = join(tmpDir(), 'broken');
    const bp = defaultBlueprint('aws', 'broken', 'dev');
    bp.network.subnets[0].cidr = '192.168.0.0/24';
    const r = designStack(db, bp, out);
    expect(r.findings.some((f) => f.code === 'subnet-outside-vpc')).toBe(true);
    expect(r.written).toEqual([]);
    expect(r.files.length).toBeGreaterThan(5);
    expect(existsSync(out)).toBe(false);
    expect(new StacksRepo(db).list()).toEqual([]);
  });

  it('refuses to overwrite an edited file, keeps the stored design, and goes ahead with force', () => {
    const { db } = tmpDb();
    const out = tmpDir();
    const bp = defaultBlueprint('azure', 'shop', 'staging');
    designStack(db, bp, out);
    writeFileSync(join(out, 'cluster.tf'), '# we changed this\n');
    const bigger = structuredClone(bp);
    bigger.cluster.nodePools.push({
      name: 'batch',
      instanceType: 'Standard_F8s_v2',
      min: 0,
      desired: 0,
      max: 4,
      spot: true,
    });
    const refused = designStack(db, bigger, out);
    expect(refused.refused).toEqual(['cluster.tf']);
    expect(refused.written).toEqual([]);
    expect(readFileSync(join(out, 'cluster.tf'), 'utf8')).toBe('# we changed this\n');
    expect(new StacksRepo(db).blueprint('shop')).toEqual(bp);

    const forced = designStack(db, bigger, out, { force: true });
    expect(forced.written).toContain('cluster.tf');
    expect(readFileSync(join(out, 'cluster.tf'), 'utf8')).toContain('azurerm_kubernetes_cluster_node_pool');
    expect(new StacksRepo(db).blueprint('shop')).toEqual(bigger);
  });

  it('reports unchanged files on a second run', () => {
    const { db } = tmpDb();
    const out = tmpDir();
    const bp = defaultBlueprint('aws', 'again', 'dev');
    designStack(db, bp, out);
    const second = designStack(db, bp, out);
    expect(second.written).toEqual([]);
    expect(second.unchanged.sort()).toEqual(second.files.map((f) => f.path).sort());
  });
});
