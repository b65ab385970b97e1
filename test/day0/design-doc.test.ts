/**
 * DESIGN.md and the generated code state the same facts: the HCL is read back with a real HCL parser, each
 * cloud's resources are turned into facts here (independently of the generator), and compared with what the
 * document's "At a glance" tables and its prose say.
 */
import { parse as parseHcl } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/day0/audit.js';
import type { Blueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { generate, type GeneratedFile } from '../../src/day0/generate/index.js';
import { richDesign, variants } from './designs.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function rootOf(files: GeneratedFile[]): Promise<Json> {
  const merged: Json = { resource: {}, module: {}, terraform: [], locals: [] };
  for (const f of files.filter((x) => x.path.endsWith('.tf') && !x.path.includes('/'))) {
    const json = (await parseHcl(f.path, f.content)) as Json;
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Json))
      merged.resource[type] = { ...(merged.resource[type] ?? {}), ...(byName as Json) };
    Object.assign(merged.module, json.module ?? {});
    merged.terraform.push(...(json.terraform ?? []));
    merged.locals.push(...(json.locals ?? []));
  }
  return merged;
}

const each = (m: Json, type: string): [string, Json][] =>
  Object.entries((m.resource[type] ?? {}) as Json).map(([n, r]) => [n, (r as Json[])[0]]);

interface DbFacts {
  ha: boolean;
  backups: string;
  encrypted: boolean;
  deletionProtection: string;
  finalSnapshot?: string;
}
interface CodeFacts {
  controlPlane: { multiZone: boolean; zone?: string; sla: boolean };
  privateEndpoint: boolean;
  nodeZones: string[];
  backend: string;
  pools: Record<string, { instanceType: string; min: number; max: number; spot: boolean; zones: string[] }>;
  databases: Record<string, DbFacts>;
}

const yn = (b: boolean) => (b ? 'yes' : 'no');
const days = (n: number) => (n > 0 ? `${n} day${n === 1 ? '' : 's'} of automated backups` : 'none');

/** The facts as the generated HCL has them, read per cloud. */
function codeFacts(bp: Blueprint, m: Json): CodeFacts {
  const backend = m.terraform.find((t: Json) => t.backend)?.backend;
  const common = { backend: backend ? Object.keys(backend)[0] : 'local', databases: {} as Record<string, DbFacts> };
  const subnets = m.locals.find((l: Json) => l.subnets)?.subnets ?? {};
  if (bp.provider.cloud === 'aws') {
    const eks = m.module.eks[0];
    const nodeZones = [
      ...new Set(
        (eks.subnet_ids as string[]).map((ref) => subnets[/aws_subnet\.this\["([^"]+)"\]/.exec(ref)![1]].zone),
      ),
    ] as string[];
    const f: CodeFacts = {
      ...common,
      controlPlane: { multiZone: true, sla: true },
      privateEndpoint: eks.cluster_endpoint_public_access === false,
      nodeZones,
      pools: Object.fromEntries(
        Object.entries(eks.eks_managed_node_groups as Json).map(([name, g]) => [
          name,
          {
            instanceType: g.instance_types[0],
            min: g.min_size,
            max: g.max_size,
            spot: g.capacity_type === 'SPOT',
            zones: nodeZones,
          },
        ]),
      ),
    };
    for (const [, r] of each(m, 'aws_db_instance')) {
      f.databases[/-([^-"]+(?:-[^"]+)?)"?$/.exec(r.identifier)![1].replace(/^\$\{var\.name\}-/, '')] = {
        ha: r.multi_az,
        backups: days(r.backup_retention_period),
        encrypted: r.storage_encrypted,
        deletionProtection: yn(r.deletion_protection),
        finalSnapshot: yn(!r.skip_final_snapshot),
      };
    }
    for (const [, r] of each(m, 'aws_elasticache_replication_group'))
      f.databases[r.replication_group_id.replace('${var.name}-', '')] = {
        ha: r.multi_az_enabled,
        backups: days(r.snapshot_retention_limit),
        encrypted: r.at_rest_encryption_enabled,
        deletionProtection: 'no: a cache',
        finalSnapshot: 'no: a cache',
      };
    return f;
  }
  if (bp.provider.cloud === 'azure') {
    const aks = each(m, 'azurerm_kubernetes_cluster')[0][1];
    const sys = aks.default_node_pool[0];
    const pool = (p: Json, spot: boolean) => ({
      instanceType: p.vm_size,
      min: p.min_count,
      max: p.max_count,
      spot,
      zones: p.zones,
    });
    const f: CodeFacts = {
      ...common,
      controlPlane: { multiZone: true, sla: aks.sku_tier === 'Standard' },
      privateEndpoint: aks.private_cluster_enabled,
      nodeZones: sys.zones,
      pools: {
        [sys.name]: pool(sys, false),
        ...Object.fromEntries(
          each(m, 'azurerm_kubernetes_cluster_node_pool').map(([, p]) => [p.name, pool(p, p.priority === 'Spot')]),
        ),
      },
    };
    const locked = new Set(each(m, 'azurerm_management_lock').map(([, l]) => l.scope));
    const server = (type: string) =>
      each(m, type).map(([n, r]) => [r.name.replace('${var.name}-', ''), n, r] as [string, string, Json]);
    for (const type of ['azurerm_postgresql_flexible_server', 'azurerm_mysql_flexible_server'])
      for (const [name, n, r] of server(type))
        f.databases[name] = {
          ha: r.high_availability !== undefined,
          backups: days(r.backup_retention_days),
          encrypted: true,
          deletionProtection: yn(locked.has(`\${${type}.${n}.id}`)),
        };
    for (const [name, n] of server('azurerm_mssql_server')) {
      const db = each(m, 'azurerm_mssql_database').find(([k]) => k === n)![1];
      f.databases[name] = {
        ha: db.zone_redundant,
        backups: days(db.short_term_retention_policy[0].retention_days),
        encrypted: db.transparent_data_encryption_enabled,
        deletionProtection: yn(locked.has(`\${azurerm_mssql_server.${n}.id}`)),
      };
    }
    for (const [name, , r] of server('azurerm_redis_cache'))
      f.databases[name] = {
        ha: r.zones !== undefined,
        backups: 'none',
        encrypted: true,
        deletionProtection: 'no: a cache',
        finalSnapshot: 'no: a cache',
      };
    return f;
  }
  const gke = each(m, 'google_container_cluster')[0][1];
  const regional = gke.location === '${var.region}';
  const f: CodeFacts = {
    ...common,
    controlPlane: { multiZone: regional, zone: regional ? undefined : gke.location, sla: true },
    privateEndpoint: gke.private_cluster_config[0].enable_private_endpoint,
    nodeZones: [],
    pools: Object.fromEntries(
      each(m, 'google_container_node_pool').map(([, p]) => [
        p.name,
        {
          instanceType: p.node_config[0].machine_type,
          min: p.autoscaling[0].total_min_node_count,
          max: p.autoscaling[0].total_max_node_count,
          spot: p.node_config[0].spot,
          zones: p.node_locations ?? [p.location],
        },
      ]),
    ),
  };
  f.nodeZones = Object.values(f.pools)[0].zones;
  for (const [, r] of each(m, 'google_sql_database_instance')) {
    const s = r.settings[0];
    const b = s.backup_configuration[0];
    f.databases[r.name.replace('${var.name}-', '')] = {
      ha: s.availability_type === 'REGIONAL',
      backups: b.enabled ? days(b.backup_retention_settings[0].retained_backups) : 'none',
      encrypted: true,
      deletionProtection: yn(r.deletion_protection && s.deletion_protection_enabled),
      finalSnapshot: yn(s.retain_backups_on_delete),
    };
  }
  for (const [, r] of each(m, 'google_redis_instance'))
    f.databases[r.name.replace('${var.name}-', '')] = {
      ha: r.tier === 'STANDARD_HA',
      backups: r.persistence_config ? 'no backups: hourly snapshots kept with the instance' : 'none',
      encrypted: true,
      deletionProtection: 'no: a cache',
      finalSnapshot: 'no: a cache',
    };
  return f;
}

/** The rows of the Markdown table whose header starts with `first`, as header -> cell. */
function table(doc: string, first: string): Record<string, string>[] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  if (start < 0) return [];
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
  const head = cells(lines[start]);
  const rows: Record<string, string>[] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++)
    rows.push(Object.fromEntries(cells(lines[i]).map((c, j) => [head[j], c])));
  return rows;
}

describe('DESIGN.md states what the code does', () => {
  it.each(variants().filter(([, bp]) => bp.iac.tool !== 'ansible'))('%s', async (_name, bp) => {
    const files = generate(bp, audit(bp));
    const doc = files.find((f) => f.path === 'DESIGN.md')!.content;
    const code = codeFacts(bp, await rootOf(files));
    const facts = Object.fromEntries(table(doc, 'Fact').map((r) => [r.Fact, r.Value]));

    const cp = facts['Control plane'];
    expect(
      cp.startsWith(
        code.controlPlane.multiZone ? 'replicated across zones' : `one replica, in ${code.controlPlane.zone}`,
      ),
    ).toBe(true);
    expect(cp.endsWith(code.controlPlane.sla ? 'with an uptime SLA' : 'no uptime SLA')).toBe(true);
    expect(facts['Kubernetes API endpoint'].startsWith(code.privateEndpoint ? 'private' : 'public')).toBe(true);
    expect(facts['Node zones']).toBe(code.nodeZones.join(', '));
    expect(facts['State backend'].split(':')[0]).toBe(code.backend);

    const pools = table(doc, 'Node pool');
    expect(pools.map((p) => p['Node pool']).sort()).toEqual(Object.keys(code.pools).sort());
    for (const p of pools) {
      const c = code.pools[p['Node pool']];
      expect(p['Machine type']).toBe(c.instanceType);
      expect(p.Nodes.startsWith(`${c.min} to ${c.max} `)).toBe(true);
      expect(p.Capacity).toBe(c.spot ? 'spot' : 'on-demand');
      expect(p.Zones).toBe(c.zones.join(', '));
    }

    const dbs = table(doc, 'Database');
    expect(dbs.map((d) => d.Database).sort()).toEqual(Object.keys(code.databases).sort());
    for (const d of dbs) {
      const c = code.databases[d.Database];
      expect(d['High availability'].startsWith(yn(c.ha)), d.Database).toBe(true);
      expect(d.Backups, d.Database).toBe(c.backups);
      expect(d['Encrypted at rest'], d.Database).toBe(yn(c.encrypted));
      expect(d['Deletion protection'], d.Database).toBe(c.deletionProtection);
      if (c.finalSnapshot) expect(d['Final snapshot'], d.Database).toBe(c.finalSnapshot);
      // The prose says the same: failover only with a standby.
      const line = doc.split('\n').find((l) => l.startsWith(`- **Database ${d.Database}.**`))!;
      expect(line.includes('failing over to a standby'), d.Database).toBe(c.ha);
    }
  });

  it('never calls an EKS control plane single, nor a multi-zone one "fine for dev"', () => {
    for (const cloud of ['aws', 'azure'] as const) {
      const bp = defaultBlueprint(cloud, 'tiny', 'dev');
      expect(bp.cluster.controlPlane.availability).toBe('single');
      const doc = generate(bp, []).find((f) => f.path === 'DESIGN.md')!.content;
      expect(doc).not.toMatch(/fine for dev/i);
      expect(doc).toMatch(/Kubernetes control plane\.\*\* .*across (several )?zones/);
    }
    const gke = generate(defaultBlueprint('gcp', 'tiny', 'dev'), []).find((f) => f.path === 'DESIGN.md')!.content;
    expect(gke).toMatch(/one control plane replica in europe-west1-b/);
  });

  it('says where the runner must sit when the API is private', () => {
    const doc = generate(richDesign('aws'), []).find((f) => f.path === 'DESIGN.md')!.content;
    expect(doc).toContain('## Where changes run');
    expect(doc).toMatch(/plans and applies of `platform\/` must run inside the network/);
    expect(doc).toContain('dayops stack add platform');
  });
});

describe('generated text counts properly', () => {
  it('one NAT gateway lets, two let', () => {
    const one = defaultBlueprint('aws', 'tiny', 'dev');
    const two = defaultBlueprint('aws', 'tiny', 'prod');
    const doc = (bp: Blueprint) => generate(bp, []).find((f) => f.path === 'DESIGN.md')!.content;
    expect(doc(one)).toContain('1 NAT gateway lets them reach out');
    expect(doc(two)).toContain('2 NAT gateways let them reach out');
    const gcp = generate(defaultBlueprint('gcp', 'tiny', 'dev'), []).find((f) => f.path === 'network.tf')!.content;
    expect(gcp).toContain("the design's 1 gateway turns it on");
  });

  it('no "(s)" and no "1 <plural>" anywhere in the files or the audit', () => {
    const bp = defaultBlueprint('aws', 'solo', 'prod');
    bp.network.subnets = [{ name: 'only', cidr: '10.0.0.0/20', zone: 'eu-west-1a', public: false }];
    bp.network.egress.natGateways = 0;
    bp.cluster.nodePools = [{ name: 'one', instanceType: 'm6i.large', min: 1, desired: 1, max: 1, spot: false }];
    bp.storage.databases = [
      { name: 'db', engine: 'postgres', version: '16', sizeGb: 20, encrypted: true, backup: true },
    ];
    const findings = audit(bp);
    const wants = audit(defaultBlueprint('aws', 'x', 'dev'));
    expect(wants).toEqual([]);
    const over = defaultBlueprint('aws', 'x', 'dev');
    over.cluster.nodePools[0] = { ...over.cluster.nodePools[0], min: 0, desired: 1, max: 0 };
    const texts = [
      ...generate(bp, findings).map((f) => f.content),
      ...findings.map((f) => f.message),
      ...audit(over).map((f) => f.message),
    ];
    for (const t of texts) {
      expect(t).not.toContain('(s)');
      expect(t).not.toMatch(
        /\b1 (node pools|subnets|zones|nodes|machines|databases|NAT gateways|days|errors|warnings)\b/,
      );
    }
    expect(audit(over).find((f) => f.code === 'node-pool-desired-above-max')?.message).toContain('wants 1 node,');
  });
});
