import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYamlText } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadStackConfig, stackConfigSchema } from '../../src/config/stack-config.js';
import { audit, type Finding } from '../../src/day0/audit.js';
import { type Blueprint, type Cloud, CLOUDS, parseBlueprint, readBlueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint, switchCloud } from '../../src/day0/defaults.js';
import { generate, type GeneratedFile } from '../../src/day0/generate/index.js';
import { quote } from '../../src/day0/generate/hcl.js';
import { tmpDir } from '../helpers/tmp.js';
import { NASTY, richDesign } from './designs.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'shared', 'examples', 'blueprint.yaml');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** All .tf files of a generated module, parsed by a real HCL parser and merged by top-level key. */
async function parseModule(files: GeneratedFile[]): Promise<Json> {
  const merged: Json = {};
  for (const f of files.filter((x) => x.path.endsWith('.tf'))) {
    const json = (await parseHcl(f.path, f.content)) as Json;
    for (const [kind, body] of Object.entries(json)) {
      if (kind === 'resource' || kind === 'data') {
        merged[kind] ??= {};
        for (const [type, byName] of Object.entries(body as Json))
          merged[kind][type] = { ...(merged[kind][type] ?? {}), ...(byName as Json) };
      } else if (Array.isArray(body)) merged[kind] = { _list: [...(merged[kind]?._list ?? []), ...body] };
      else merged[kind] = { ...(merged[kind] ?? {}), ...(body as Json) };
    }
  }
  return merged;
}

const file = (files: GeneratedFile[], path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} among ${files.map((x) => x.path).join(', ')}`);
  return f.content;
};
const resources = (m: Json, type: string): string[] => Object.keys(m.resource?.[type] ?? {}).sort();
const one = (m: Json, type: string, name: string): Json => m.resource[type][name][0];
/** hcl2json keeps template escapes as they are written. */
const asHclJson = (s: string) => s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');

function writeAll(dir: string, files: GeneratedFile[]) {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
}

describe('OpenTofu/Terraform code parses with a real HCL parser and holds the design', () => {
  it.each(CLOUDS)('%s: every file parses; providers are pinned', async (cloud) => {
    const bp = richDesign(cloud);
    expect(audit(bp).filter((f) => f.severity === 'error')).toEqual([]);
    const files = generate(bp, audit(bp));
    const tf = files.filter((f) => f.path.endsWith('.tf')).map((f) => f.path);
    expect(tf).toEqual(
      expect.arrayContaining([
        'versions.tf',
        'providers.tf',
        'variables.tf',
        'network.tf',
        'cluster.tf',
        'kubernetes.tf',
        'databases.tf',
        'outputs.tf',
      ]),
    );
    const m = await parseModule(files);
    const providers = m.terraform._list[0].required_providers[0];
    for (const [name, spec] of Object.entries(providers as Json)) {
      expect((spec as Json).version, `${name} is pinned`).toMatch(/^~> \d+\.\d+$/);
      expect((spec as Json).source).toBe(`hashicorp/${name}`);
    }
    // The owner, full of quotes and template sequences, comes back as written.
    expect(m.locals._list.find((l: Json) => l.tags).tags.owner).toBe(
      asHclJson(
        cloud === 'gcp'
          ? NASTY.toLowerCase()
              .replace(/[^a-z0-9_-]/g, '_')
              .slice(0, 63)
          : NASTY,
      ),
    );
    // Every storage class and RBAC binding of the design.
    expect(resources(m, 'kubernetes_storage_class_v1')).toEqual(['fast_ssd', 'standard_encrypted']);
    expect(resources(m, 'kubernetes_cluster_role_binding_v1')).toHaveLength(1);
    expect(resources(m, 'kubernetes_role_binding_v1')).toHaveLength(2);
    const devs = Object.values(m.resource.kubernetes_role_binding_v1)
      .map((r) => (r as Json[])[0])
      .find((r) => r.subject[0].name.startsWith('Shop'));
    expect(devs?.subject[0].name).toBe('Shop Devs "eu"');
    expect(resources(m, 'kubernetes_namespace_v1')).toEqual(['shop', 'shop-jobs'.replace('-', '_')]);
  });

  it('aws: VPC, subnets in their zones, NAT per zone, one managed node group per pool, RDS and ElastiCache', async () => {
    const bp = richDesign('aws');
    const m = await parseModule(generate(bp, []));
    const net = m.locals._list.find((l: Json) => l.subnets);
    expect(Object.keys(net.subnets)).toEqual(bp.network.subnets.map((s) => s.name));
    expect(net.subnets['public-b']).toEqual({ cidr: '10.0.33.0/24', zone: 'eu-west-1b', public: true });
    expect(net.nat_gateways).toEqual({ 'nat-1': 'public-a', 'nat-2': 'public-b' });
    expect(net.nat_routes).toEqual({ 'private-a': 'nat-1', 'private-b': 'nat-2' });
    expect(one(m, 'aws_vpc', 'main').cidr_block).toBe('10.0.0.0/16');
    const eks = m.module.eks[0];
    expect(eks.source).toBe('terraform-aws-modules/eks/aws');
    expect(eks.version).toMatch(/^~> 20\./);
    expect(Object.keys(eks.eks_managed_node_groups).sort()).toEqual(['batch', 'system']);
    expect(eks.eks_managed_node_groups.batch).toMatchObject({
      capacity_type: 'SPOT',
      min_size: 0,
      max_size: 10,
      desired_size: 0,
      instance_types: ['c6i.2xlarge'],
    });
    expect(eks.cluster_enabled_log_types).toEqual(['api', 'audit', 'authenticator']);
    expect(resources(m, 'aws_db_instance')).toEqual(['legacy_billing', 'orders', 'reports']);
    expect(one(m, 'aws_db_instance', 'reports')).toMatchObject({
      engine: 'sqlserver-se',
      engine_version: '16.00',
      storage_encrypted: true,
      multi_az: true,
    });
    expect(one(m, 'aws_db_instance', 'orders').manage_master_user_password).toBe(true);
    expect(resources(m, 'aws_elasticache_replication_group')).toEqual(['cache']);
    // Backups of each database are copied to the secondary region.
    expect(resources(m, 'aws_db_instance_automated_backups_replication')).toEqual([
      'legacy_billing_eu_central_1',
      'orders_eu_central_1',
      'reports_eu_central_1',
    ]);
    // Firewall: one rule resource per design rule, IPv6 sources on cidr_ipv6, "all" with no ports.
    expect(resources(m, 'aws_vpc_security_group_ingress_rule')).toEqual(['allow_https', 'ssh_vpn', 'vpn_all']);
    expect(resources(m, 'aws_vpc_security_group_egress_rule')).toEqual(['dns_out']);
    const ssh = one(m, 'aws_vpc_security_group_ingress_rule', 'ssh_vpn');
    expect(ssh.for_each['fd00:8::/64 22']).toEqual({ cidr: 'fd00:8::/64', ipv6: true, from_port: 22, to_port: 22 });
    expect(one(m, 'aws_vpc_security_group_ingress_rule', 'vpn_all').ip_protocol).toBe('-1');
  });

  it('azure: VNet, NAT, NSG rules, AKS with the first pool as system pool and one node pool resource per other pool', async () => {
    const bp = richDesign('azure');
    const m = await parseModule(generate(bp, []));
    expect(one(m, 'azurerm_virtual_network', 'main').address_space).toEqual(['10.0.0.0/16']);
    const aks = one(m, 'azurerm_kubernetes_cluster', 'main');
    expect(aks.default_node_pool[0]).toMatchObject({
      name: 'system',
      vm_size: 'Standard_D4s_v5',
      min_count: 2,
      max_count: 5,
      node_count: 3,
      zones: ['1', '2'],
    });
    expect(aks.sku_tier).toBe('Standard');
    // The service range avoids the VNet.
    expect(aks.network_profile[0].service_cidr).toBe('172.20.0.0/16');
    expect(resources(m, 'azurerm_kubernetes_cluster_node_pool')).toEqual(['batch']);
    expect(one(m, 'azurerm_kubernetes_cluster_node_pool', 'batch')).toMatchObject({
      priority: 'Spot',
      min_count: 0,
      max_count: 10,
    });
    expect(resources(m, 'azurerm_network_security_rule')).toEqual(['allow_https', 'dns_out', 'ssh_vpn', 'vpn_all']);
    expect(one(m, 'azurerm_network_security_rule', 'dns_out')).toMatchObject({
      direction: 'Outbound',
      protocol: 'Udp',
      destination_address_prefixes: ['10.0.0.2/32'],
    });
    expect(one(m, 'azurerm_network_security_rule', 'vpn_all')).toMatchObject({
      protocol: '*',
      destination_port_range: '*',
    });
    expect(resources(m, 'azurerm_postgresql_flexible_server')).toEqual(['orders']);
    expect(one(m, 'azurerm_postgresql_flexible_server', 'orders').storage_mb).toBe(131072);
    expect(resources(m, 'azurerm_mysql_flexible_server')).toEqual(['legacy_billing']);
    expect(resources(m, 'azurerm_redis_cache')).toEqual(['cache']);
    expect(resources(m, 'azurerm_private_endpoint')).toEqual(['cache', 'legacy_billing', 'orders']);
    expect(resources(m, 'azurerm_nat_gateway')).toEqual(['this']);
    expect(Object.keys(m.locals._list.find((l: Json) => l.nat_gateways).nat_gateways)).toEqual(['nat-1', 'nat-2']);
  });

  it('gcp: network, subnetworks, Cloud NAT, regional GKE with one node pool resource per pool, Cloud SQL and Memorystore', async () => {
    const bp = richDesign('gcp');
    const m = await parseModule(generate(bp, []));
    expect(one(m, 'google_compute_network', 'main').auto_create_subnetworks).toBe(false);
    const gke = one(m, 'google_container_cluster', 'main');
    expect(gke.location).toBe('${var.region}');
    expect(gke.remove_default_node_pool).toBe(true);
    expect(resources(m, 'google_container_node_pool')).toEqual(['batch', 'system']);
    const system = one(m, 'google_container_node_pool', 'system');
    expect(system.node_locations).toEqual(['europe-west1-b', 'europe-west1-c']);
    expect(system.autoscaling[0]).toMatchObject({ total_min_node_count: 2, total_max_node_count: 5 });
    expect(one(m, 'google_container_node_pool', 'batch').node_config[0].spot).toBe(true);
    expect(resources(m, 'google_sql_database_instance')).toEqual(['legacy_billing', 'orders', 'reports']);
    expect(one(m, 'google_sql_database_instance', 'orders').database_version).toBe('POSTGRES_16');
    expect(one(m, 'google_sql_database_instance', 'legacy_billing').database_version).toBe('MYSQL_8_0');
    expect(one(m, 'google_sql_database_instance', 'reports').database_version).toBe('SQLSERVER_2022_STANDARD');
    expect(resources(m, 'google_redis_instance')).toEqual(['cache']);
    expect(one(m, 'google_compute_router_nat', 'main').subnetwork).toHaveLength(2);
    expect(resources(m, 'google_compute_firewall')).toEqual(['allow_https', 'dns_out', 'ssh_vpn', 'vpn_all']);
    expect(one(m, 'google_compute_firewall', 'dns_out')).toMatchObject({
      direction: 'EGRESS',
      destination_ranges: ['10.0.0.2/32'],
    });
  });

  it('a single control plane on GKE is a zonal cluster; on AKS the Free tier', async () => {
    const gcp = richDesign('gcp', 'dev');
    gcp.cluster.controlPlane.availability = 'single';
    const g = await parseModule(generate(gcp, []));
    expect(one(g, 'google_container_cluster', 'main').location).toBe('europe-west1-b');
    const az = richDesign('azure', 'dev');
    az.cluster.controlPlane.availability = 'single';
    expect(one(await parseModule(generate(az, [])), 'azurerm_kubernetes_cluster', 'main').sku_tier).toBe('Free');
  });

  it('a design without databases has no databases.tf and needs no random provider', async () => {
    for (const cloud of CLOUDS) {
      const files = generate(defaultBlueprint(cloud, 'tiny', 'dev'), []);
      expect(files.map((f) => f.path)).not.toContain('databases.tf');
      expect(file(files, 'versions.tf')).not.toContain('random');
      await parseModule(files);
    }
  });

  it('escapes strings for HCL', async () => {
    const json = (await parseHcl('x.tf', `locals {\n  v = ${quote(NASTY)}\n}\n`)) as Json;
    expect(json.locals[0].v).toBe(asHclJson(NASTY));
    expect(quote('a\u0001b')).toBe('"a\\u0001b"');
  });
});

describe('Ansible files', () => {
  it.each(CLOUDS)('%s: the playbook, roles and variables parse as YAML and the inventory as INI', (cloud) => {
    const bp = { ...richDesign(cloud), iac: { tool: 'ansible' as const } };
    const files = generate(bp, []);
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['ansible.cfg', 'inventory.ini', 'site.yml', 'group_vars/all.yml']));
    expect(paths.some((p) => p.endsWith('.tf'))).toBe(false);
    const plays = parseYamlText(file(files, 'site.yml')) as Json[];
    const roles = plays.flatMap((p) => p.roles as string[]);
    expect(roles).toEqual(['network', 'cluster', 'node_pools', 'storage', 'databases', 'access']);
    for (const role of roles) {
      const tasks = parseYamlText(file(files, `roles/${role}/tasks/main.yml`)) as Json[];
      expect(tasks.length, role).toBeGreaterThan(0);
      for (const t of tasks) expect(typeof t.name).toBe('string');
    }
    const vars = parseYamlText(file(files, 'group_vars/all.yml')) as Json;
    expect(vars.node_pools.map((p: Json) => p.name)).toEqual(['system', 'batch']);
    expect(vars.databases.map((d: Json) => d.name)).toEqual(bp.storage.databases.map((d) => d.name));
    expect(vars.tags.owner).toBe(NASTY);
    expect(parseIni(file(files, 'inventory.ini'))).toEqual({
      control: ['localhost ansible_connection=local'],
      'control:vars': ['ansible_python_interpreter={{ ansible_playbook_python }}'],
    });
    expect(parseIni(file(files, 'ansible.cfg')).defaults).toContain('inventory = inventory.ini');
  });

  const ansible = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  const haveAnsible = ansible.status === 0;
  if (!haveAnsible && process.env.CI !== 'true')
    console.warn('skipping the ansible-playbook --syntax-check test: ansible-playbook is not installed');
  it.skipIf(!haveAnsible && process.env.CI !== 'true').each(CLOUDS)(
    '%s: ansible-playbook --syntax-check accepts the playbook and resolves every module',
    (cloud) => {
      expect(haveAnsible, 'ansible-playbook must be installed in CI').toBe(true);
      const dir = tmpDir();
      writeAll(dir, generate({ ...richDesign(cloud), iac: { tool: 'ansible' } }, []));
      const check = spawnSync('ansible-playbook', ['--syntax-check', 'site.yml'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
      });
      expect(check.status, check.stderr + check.stdout).toBe(0);
      const inv = spawnSync('ansible-inventory', ['--list'], { cwd: dir, encoding: 'utf8' });
      expect(inv.status, inv.stderr).toBe(0);
      expect(JSON.parse(inv.stdout).control.hosts).toEqual(['localhost']);
    },
    60_000,
  );

  it.skipIf(!haveAnsible && process.env.CI !== 'true')(
    'Ansible reads design text as text, never as a template',
    () => {
      expect(haveAnsible, 'ansible must be installed in CI').toBe(true);
      const bp = { ...richDesign('aws'), iac: { tool: 'ansible' as const } };
      const sneaky = "{{ lookup('pipe', 'echo PWNED') }}";
      bp.security.rbac[0].group = sneaky;
      bp.metadata.owner = '{% if true %}owner{% endif %}';
      const dir = tmpDir();
      const files = generate(bp, []);
      expect(file(files, 'group_vars/all.yml')).toMatch(/group: !unsafe /);
      writeAll(dir, files);
      const r = spawnSync(
        'ansible',
        ['control', '-m', 'ansible.builtin.debug', '-a', 'msg={{ rbac[0].group }}|{{ tags.owner }}'],
        {
          cwd: dir,
          encoding: 'utf8',
          env: {
            ...process.env,
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
            ANSIBLE_STDOUT_CALLBACK: 'json',
          },
        },
      );
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const msg = JSON.parse(r.stdout).plays[0].tasks[0].hosts.localhost.msg as string;
      expect(msg).toBe(`${sneaky}|{% if true %}owner{% endif %}`);
      expect(msg).not.toContain('PWNED|');
    },
    60_000,
  );
});

/** A strict little INI reader: sections, then `key = value` or `host vars` lines; anything else throws. */
function parseIni(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let section: string | undefined;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    const head = /^\[([^\]]+)\]$/.exec(l);
    if (head) {
      section = head[1];
      out[section] = [];
    } else if (section) out[section].push(l);
    else throw new Error(`line outside a section: ${l}`);
  }
  return out;
}

describe('blueprint.yaml', () => {
  const cases: [string, () => Blueprint][] = [
    ...CLOUDS.map((c) => [`rich ${c}`, () => richDesign(c)] as [string, () => Blueprint]),
    ...CLOUDS.map((c) => [`default ${c}`, () => defaultBlueprint(c, 'tiny', 'dev')] as [string, () => Blueprint]),
  ];
  it.each(cases)('%s design round-trips through parseBlueprint', (_n, make) => {
    const bp = make();
    const text = file(generate(bp, []), 'blueprint.yaml');
    expect(parseBlueprint(text, 'blueprint.yaml')).toEqual(bp);
    expect(text.startsWith('# Generated by dayops')).toBe(true);
  });

  it('keeps the field order of the documented format', () => {
    const text = file(generate(richDesign('aws'), []), 'blueprint.yaml');
    const top = text
      .split('\n')
      .filter((l) => /^[a-zA-Z]/.test(l))
      .map((l) => l.split(':')[0]);
    expect(top).toEqual([
      'apiVersion',
      'kind',
      'metadata',
      'provider',
      'iac',
      'cluster',
      'network',
      'storage',
      'cicd',
      'security',
      'successCriteria',
      'day2',
    ]);
    expect(text).toMatch(/version: "1\.32"/);
  });

  describe.skipIf(!existsSync(EXAMPLE))('the documented example', () => {
    it('round-trips, and so does each cloud it is switched to', () => {
      const example = readBlueprint(EXAMPLE);
      for (const c of CLOUDS) {
        const bp = switchCloud(example, c as Cloud);
        expect(parseBlueprint(file(generate(bp, []), 'blueprint.yaml'), 'b.yaml')).toEqual(bp);
      }
    });
  });
  if (!existsSync(EXAMPLE)) console.warn(`skipping the example round-trip: ${EXAMPLE} is absent`);
});

describe('dayops.yaml', () => {
  it.each(CLOUDS.flatMap((c) => (['opentofu', 'terraform', 'ansible'] as const).map((t) => [c, t] as const)))(
    '%s / %s validates against the stack config schema',
    (cloud, tool) => {
      const bp = { ...richDesign(cloud), iac: { tool } };
      const files = generate(bp, []);
      const text = file(files, 'dayops.yaml');
      const cfg = stackConfigSchema.parse(parseYamlText(text));
      expect(cfg).toMatchObject({ name: 'shop', environment: 'prod', tool, autoApply: false, rpoMinutes: 60 });
      expect(cfg.drift).toEqual({ schedule: '0 */6 * * *', autoRemediate: false });
      expect(cfg.alerting).toMatchObject({
        alertmanagerUrl: 'http://127.0.0.1:9093',
        matchers: ['stack="shop"'],
        receivers: ['pagerduty', 'slack-ops'],
      });
      expect(cfg.backups).toMatchObject({
        repository: './backups/restic',
        schedule: '0 * * * *',
        restoreTestSchedule: '0 4 * * 0',
        retention: { hourly: 24, daily: 7, weekly: 4 },
      });
      expect(cfg.backups!.paths).toContain('dayops.yaml');
      expect(cfg.backups!.passwordEnv).toBeUndefined();
      expect(cfg.backups!.passwordFile).toBeUndefined();
      expect(text).not.toMatch(/^\s*\w*password\w*\s*:/im);
      if (tool === 'ansible') {
        expect(cfg.ansible).toMatchObject({ playbook: 'site.yml', inventory: 'inventory.ini' });
        for (const p of [cfg.ansible!.playbook!, cfg.ansible!.inventory!])
          expect(files.map((f) => f.path)).toContain(p);
      } else {
        expect(cfg.backups!.paths).toContain('terraform.tfstate');
        expect(cfg.ansible).toBeUndefined();
      }
    },
  );

  it('leaves out what the design does not have, and still loads from a folder', () => {
    const bp = defaultBlueprint('aws', 'bare', 'dev');
    bp.storage.classes = [];
    bp.day2.alerting.alertmanagerUrl = '';
    bp.day2.backups = { schedule: '', retention: {}, restoreTestSchedule: '', repository: '' };
    bp.day2.drift.schedule = '';
    const dir = tmpDir();
    writeAll(dir, generate(bp, audit(bp)));
    const cfg = loadStackConfig(dir);
    expect(cfg.alerting).toBeUndefined();
    expect(cfg.backups).toBeUndefined();
    expect(cfg.drift).toEqual({ autoRemediate: false });
  });
});

describe('DESIGN.md', () => {
  it('explains the design and lists the audit findings', () => {
    const bp = richDesign('aws');
    bp.day2.drift.schedule = '';
    bp.cluster.nodePools[0].desired = 9;
    const findings: Finding[] = audit(bp);
    expect(findings.length).toBeGreaterThan(1);
    const doc = file(generate(bp, findings), 'DESIGN.md');
    for (const f of findings) {
      expect(doc).toContain(f.code);
      expect(doc).toContain(`\`${f.path}\``);
    }
    expect(doc).toContain('Status: not ready');
    for (const heading of [
      '## Summary',
      '## Choices and why they matter',
      '## Success criteria',
      '## Audit findings',
      '## Day 1',
      '## Day 2',
    ])
      expect(doc).toContain(heading);
    expect(doc).toContain('Amazon Web Services');
    expect(doc).toContain('Europe (Ireland)');
    expect(doc).toContain('about 43 minutes of downtime'); // 99.9% over 30 days
    expect(doc).toMatch(/restore/i);
    expect(doc).toContain('`terraform.tfstate`');
  });

  it('says so when the audit found nothing', () => {
    const bp = defaultBlueprint('gcp', 'calm', 'dev');
    const findings = audit(bp);
    expect(findings).toEqual([]);
    const doc = file(generate(bp, findings), 'DESIGN.md');
    expect(doc).toContain('The audit found nothing to change.');
    expect(doc).toContain('Status: ready to build');
  });
});

describe('generation as a whole', () => {
  it('is deterministic: the same design gives byte-identical files', () => {
    for (const cloud of CLOUDS) {
      const bp = richDesign(cloud);
      expect(generate(bp, audit(bp))).toEqual(generate(structuredClone(bp), audit(structuredClone(bp))));
    }
  });

  it('writes relative paths only, each once', () => {
    const files = generate(richDesign('azure'), []);
    const paths = files.map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of paths) expect(p.startsWith('/') || p.includes('..')).toBe(false);
  });
});
