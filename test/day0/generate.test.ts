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
import { attr, blank, block, comment, expr, quote, renderFile } from '../../src/day0/generate/hcl.js';
import { constraintMeaning } from '../../src/day0/generate/tf-common.js';
import { tmpDir } from '../helpers/tmp.js';
import { NASTY, richDesign, variants, withTool } from './designs.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'shared', 'examples', 'blueprint.yaml');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The .tf files of one root (`` the cluster root at the top, `platform`), parsed by a real HCL parser and merged. */
async function parseModule(files: GeneratedFile[], root = ''): Promise<Json> {
  const merged: Json = {};
  const inRoot = (p: string) => p.endsWith('.tf') && p.slice(0, Math.max(0, p.lastIndexOf('/'))) === root;
  for (const f of files.filter((x) => inRoot(x.path))) {
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
        'backend.tf',
        'providers.tf',
        'variables.tf',
        'network.tf',
        'cluster.tf',
        'databases.tf',
        'outputs.tf',
        'platform/versions.tf',
        'platform/backend.tf',
        'platform/providers.tf',
        'platform/variables.tf',
        'platform/kubernetes.tf',
      ]),
    );
    const m = await parseModule(files);
    const platform = await parseModule(files, 'platform');
    for (const root of [m, platform]) {
      const providers = root.terraform._list.find((t: Json) => t.required_providers).required_providers[0];
      for (const [name, spec] of Object.entries(providers as Json)) {
        expect((spec as Json).version, `${name} is pinned`).toMatch(/^~> \d+\.\d+$/);
        expect((spec as Json).source).toBe(`hashicorp/${name}`);
      }
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
    // Every storage class and RBAC binding of the design, in the platform root.
    expect(resources(platform, 'kubernetes_storage_class_v1')).toEqual(['fast_ssd', 'standard_encrypted']);
    expect(resources(platform, 'kubernetes_cluster_role_binding_v1')).toHaveLength(1);
    expect(resources(platform, 'kubernetes_role_binding_v1')).toHaveLength(2);
    const devs = Object.values(platform.resource.kubernetes_role_binding_v1)
      .map((r) => (r as Json[])[0])
      .find((r) => r.subject[0].name.startsWith('Shop'));
    expect(devs?.subject[0].name).toBe('Shop Devs "eu"');
    expect(resources(platform, 'kubernetes_namespace_v1')).toEqual(['shop', 'shop-jobs'.replace('-', '_')]);
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
    const bp = withTool(richDesign(cloud), 'ansible');
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
      writeAll(dir, generate(withTool(richDesign(cloud), 'ansible'), []));
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
      const bp = withTool(richDesign('aws'), 'ansible');
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
      const bp = withTool(richDesign(cloud), tool);
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
        // The state is in the cloud's bucket, versioned: the backups hold the configuration, and init reads
        // the backend's settings.
        expect(cfg.backups!.paths).not.toContain('terraform.tfstate');
        expect(cfg.env).toEqual({ TF_CLI_ARGS_init: '-backend-config=backend.hcl' });
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
    expect(doc).toContain('`tofu init -backend-config=backend.hcl`');
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

// ---------------------------------------------------------------------------------------------------------------
// The tools' own checks

const TF_ENV = { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1' };
const haveTerraform = spawnSync('terraform', ['version'], { env: TF_ENV }).status === 0;
const needTerraform = !haveTerraform && process.env.CI !== 'true';
if (needTerraform) console.warn('skipping the terraform fmt tests: terraform is not installed');

/** What `terraform fmt` makes of HCL text (read from stdin, so any file name goes). */
function tfFmt(text: string): string {
  const r = spawnSync('terraform', ['fmt', '-no-color', '-'], { input: text, encoding: 'utf8', env: TF_ENV });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

// `terraform init` would download the aws, azurerm and google providers, which these machines cannot, so
// `terraform validate` cannot run on the generated roots here: the HCL is checked by fmt, by a real parser
// (hcl2json, above) and against the design instead.
describe.skipIf(needTerraform)('generated code passes terraform fmt', () => {
  it.each(variants())(
    '%s: every root passes terraform fmt -check -recursive, and backend.hcl is formatted too',
    (_name, bp) => {
      expect(haveTerraform, 'terraform must be installed in CI').toBe(true);
      const files = generate(bp, audit(bp));
      const dir = tmpDir();
      writeAll(dir, files);
      const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', '-no-color'], {
        cwd: dir,
        encoding: 'utf8',
        env: TF_ENV,
      });
      expect(r.status, `terraform fmt wants:\n${r.stdout}${r.stderr}`).toBe(0);
      // fmt walks only .tf and .tfvars files: the partial backend configuration goes through stdin.
      const config = files.find((f) => f.path === 'backend.hcl');
      if (config) expect(tfFmt(config.content)).toBe(config.content);
    },
    30_000,
  );

  it('the HCL writer aligns `=` by the rules terraform fmt follows', () => {
    expect(haveTerraform, 'terraform must be installed in CI').toBe(true);
    const long = Array.from({ length: 12 }, (_, i) => `item-number-${i}`);
    const text = renderFile('alignment', [
      block(
        'resource',
        ['thing', 'x'],
        [
          attr('a', 1),
          attr('longer_name', 'x'),
          attr('multi_line_object', {
            k: 1,
            much_longer_key: { nested: long, z: { deep: true, deeper_still: [{ a: 1 }, { bb: 2 }] } },
            after: 'v',
            'quoted.key/with-dots': expr('var.y'),
          }),
          attr('b', true),
          attr('list_of_long', long),
          attr('c', null),
          comment('A comment ends a group.'),
          attr('d', expr('{ for k, v in var.m : k => v if v != null }')),
          attr('eeeee', [expr('a'), expr('b')]),
          blank,
          block('nested', [], [attr('x', 1), attr('yyyyy', { one: 1 }), block('deeper', [], [attr('z', 'z')])]),
          attr('after_block', 'v'),
        ],
      ),
      attr('top', 1)!,
      attr('top_level_longer', 'two')!,
    ]);
    expect(text).toContain('multi_line_object = {');
    expect(tfFmt(text)).toBe(text);
  });
});

describe('versions.tf says what each constraint allows', () => {
  it('reads pessimistic constraints as Terraform does', () => {
    expect(constraintMeaning('~> 5.0')).toBe('>= 5.0 and < 6.0 (any 5.x from 5.0 on)');
    expect(constraintMeaning('~> 5.80')).toBe('>= 5.80 and < 6.0 (any 5.x from 5.80 on)');
    expect(constraintMeaning('~> 5.40.0')).toBe('>= 5.40.0 and < 5.41.0 (5.40.x only)');
    expect(constraintMeaning('~> 5.40.2')).toBe('>= 5.40.2 and < 5.41.0 (5.40.x from 5.40.2 on)');
    expect(constraintMeaning('>= 1.6.0')).toBe('>= 1.6.0');
  });

  it.each(CLOUDS)('%s: one line per provider, and no claim of a pinned minor series', (cloud) => {
    const files = generate(richDesign(cloud), []);
    const text = file(files, 'versions.tf');
    expect(text).not.toMatch(/pinned to a minor/i);
    const cloudProvider = { aws: 'aws', azure: 'azurerm', gcp: 'google' }[cloud];
    expect(text).toMatch(
      new RegExp(
        `# +${cloudProvider} ~> (\\d+)\\.(\\d+) +allows >= \\1\\.\\2 and < \\d+\\.0 \\(any \\1\\.x from \\1\\.\\2 on\\)`,
      ),
    );
    expect(file(files, 'platform/versions.tf')).toMatch(/# +kubernetes ~> 2\.\d+ +allows >= 2\.\d+ and < 3\.0/);
  });
});

describe('the state backend', () => {
  it.each([
    ['aws', 's3', { key: 'shop/prod/cluster.tfstate', encrypt: true, use_lockfile: true }, ['bucket', 'region']],
    ['gcp', 'gcs', { prefix: 'shop/prod/cluster' }, ['bucket']],
    [
      'azure',
      'azurerm',
      { key: 'shop/prod/cluster.tfstate', use_azuread_auth: true },
      ['resource_group_name', 'storage_account_name', 'container_name'],
    ],
  ] as const)(
    '%s defaults to %s: a partial backend block, its settings in backend.hcl',
    async (cloud, type, inCode, inConfig) => {
      const bp = richDesign(cloud);
      expect(bp.iac.backend).toBe(type);
      const files = generate(bp, []);
      const m = await parseModule(files);
      const backend = m.terraform._list.find((t: Json) => t.backend).backend;
      expect(Object.keys(backend)).toEqual([type]);
      expect(backend[type][0]).toEqual(inCode);
      const platform = await parseModule(files, 'platform');
      const pb = platform.terraform._list.find((t: Json) => t.backend).backend[type][0];
      expect(pb.key ?? pb.prefix).toMatch(/^shop\/prod\/platform/);
      const config = (await parseHcl('backend.hcl', file(files, 'backend.hcl'))) as Json;
      expect(Object.keys(config).sort()).toEqual([...inConfig].sort());
      expect(file(files, 'backend.tf')).toContain('-backend-config=backend.hcl');
      expect(file(files, 'platform/backend.tf')).toContain('-backend-config=../backend.hcl');
      expect(file(files, 'DESIGN.md')).toContain('-backend-config=backend.hcl');
      const platformCfg = stackConfigSchema.parse(parseYamlText(file(files, 'platform/dayops.yaml')));
      expect(platformCfg).toMatchObject({
        name: 'shop-platform',
        env: { TF_CLI_ARGS_init: '-backend-config=../backend.hcl' },
      });
    },
  );

  it('S3 locks with a lock file, which needs Terraform/OpenTofu 1.10', async () => {
    const m = await parseModule(generate(richDesign('aws'), []));
    expect(m.terraform._list.find((t: Json) => t.required_version).required_version).toBe('>= 1.10.0');
    const g = await parseModule(generate(richDesign('gcp'), []));
    expect(g.terraform._list.find((t: Json) => t.required_version).required_version).toBe('>= 1.6.0');
  });

  it("local state: no backend block, no backend.hcl, and the backups hold both roots' state", async () => {
    const bp = richDesign('aws', 'dev');
    bp.iac.backend = 'local';
    const files = generate(bp, []);
    const m = await parseModule(files);
    expect(m.terraform._list.some((t: Json) => t.backend)).toBe(false);
    expect(files.map((f) => f.path)).not.toContain('backend.hcl');
    const cfg = stackConfigSchema.parse(parseYamlText(file(files, 'dayops.yaml')));
    expect(cfg.env).toEqual({});
    expect(cfg.backups!.paths).toEqual(expect.arrayContaining(['terraform.tfstate', 'platform/terraform.tfstate']));
  });

  it("a blueprint written before backends existed gets its cloud's default, and switching clouds follows it", () => {
    const text = file(generate(defaultBlueprint('gcp', 'old', 'dev'), []), 'blueprint.yaml')
      .replace(/^ {2}backend: .*\n/m, '')
      .replace(/^ {2}runner: .*\n/m, '');
    expect(text).not.toMatch(/backend:/);
    const bp = parseBlueprint(text, 'blueprint.yaml');
    expect(bp.iac).toEqual({ tool: 'opentofu', backend: 'gcs', runner: 'private-network' });
    expect(switchCloud(bp, 'aws').iac.backend).toBe('s3');
    expect(switchCloud({ ...bp, iac: { ...bp.iac, backend: 'local' } }, 'aws').iac.backend).toBe('local');
  });
});

describe('the cluster and the objects inside it are two roots', () => {
  it.each(CLOUDS)(
    '%s: the cluster root has no kubernetes provider; the platform root finds the cluster by name',
    async (cloud) => {
      const files = generate(richDesign(cloud), []);
      const m = await parseModule(files);
      expect(m.provider?.kubernetes).toBeUndefined();
      expect(Object.keys(m.resource).filter((t) => t.startsWith('kubernetes_'))).toEqual([]);
      const platform = await parseModule(files, 'platform');
      const k8s = platform.provider.kubernetes[0];
      // Fed by data sources of its own root, never by resources or modules of the cluster root.
      for (const v of Object.values(k8s).filter((x) => typeof x === 'string') as string[]) {
        expect(v).not.toMatch(/module\.eks|azurerm_kubernetes_cluster\.main|google_container_cluster\.main/);
      }
      expect(JSON.stringify(k8s)).toMatch(
        /data\.(aws_eks_cluster|azurerm_kubernetes_cluster|google_container_cluster)\.this/,
      );
      expect(Object.keys(platform.resource).every((t) => t.startsWith('kubernetes_'))).toBe(true);
    },
  );

  it('a design with nothing inside the cluster has no platform root', () => {
    const bp = defaultBlueprint('aws', 'bare', 'dev');
    bp.storage.classes = [];
    bp.security.rbac = [];
    expect(generate(bp, []).some((f) => f.path.startsWith('platform/'))).toBe(false);
  });
});

describe('databases: standby, deletion protection, final snapshot', () => {
  const hipaaDev = (cloud: Cloud) => {
    const bp = defaultBlueprint(cloud, 'care', 'dev');
    bp.security.compliance = ['hipaa'];
    bp.storage.databases = [
      { name: 'records', engine: 'postgres', version: '16', sizeGb: 50, encrypted: true, backup: true },
    ];
    return bp;
  };

  it('HIPAA in dev: deletion protection and a final snapshot on every cloud, no standby', async () => {
    const aws = one(await parseModule(generate(hipaaDev('aws'), [])), 'aws_db_instance', 'records');
    expect(aws).toMatchObject({ deletion_protection: true, skip_final_snapshot: false, multi_az: false });
    expect(aws.final_snapshot_identifier).toBe('${var.name}-records-final');
    const gcp = one(await parseModule(generate(hipaaDev('gcp'), [])), 'google_sql_database_instance', 'records');
    expect(gcp.deletion_protection).toBe(true);
    expect(gcp.settings[0]).toMatchObject({
      deletion_protection_enabled: true,
      retain_backups_on_delete: true,
      availability_type: 'ZONAL',
    });
    const az = await parseModule(generate(hipaaDev('azure'), []));
    expect(one(az, 'azurerm_management_lock', 'records')).toMatchObject({
      lock_level: 'CanNotDelete',
      scope: '${azurerm_postgresql_flexible_server.records.id}',
    });
    expect(one(az, 'azurerm_postgresql_flexible_server', 'records').high_availability).toBeUndefined();
  });

  it('dev without compliance: neither, unless the design asks', async () => {
    const bp = hipaaDev('aws');
    bp.security.compliance = [];
    expect(one(await parseModule(generate(bp, [])), 'aws_db_instance', 'records')).toMatchObject({
      deletion_protection: false,
      skip_final_snapshot: true,
    });
    bp.storage.databases[0].deletionProtection = true;
    bp.storage.databases[0].highAvailability = true;
    expect(one(await parseModule(generate(bp, [])), 'aws_db_instance', 'records')).toMatchObject({
      deletion_protection: true,
      multi_az: true,
      instance_class: 'db.m6g.large',
    });
  });

  it('prod databases have a standby in another zone unless the design opts out', async () => {
    const m = await parseModule(generate(richDesign('gcp'), []));
    expect(one(m, 'google_sql_database_instance', 'orders').settings[0].availability_type).toBe('REGIONAL');
    expect(one(m, 'google_redis_instance', 'cache').tier).toBe('STANDARD_HA');
    const lean = richDesign('aws');
    for (const d of lean.storage.databases) d.highAvailability = false;
    const l = await parseModule(generate(lean, []));
    expect(one(l, 'aws_db_instance', 'orders').multi_az).toBe(false);
    expect(one(l, 'aws_elasticache_replication_group', 'cache')).toMatchObject({
      num_cache_clusters: 1,
      multi_az_enabled: false,
    });
    expect(audit(lean).filter((f) => f.code === 'database-not-ha-in-prod')).toHaveLength(4);
    // The opt-out is kept in blueprint.yaml; a design that says nothing keeps saying nothing.
    expect(parseBlueprint(file(generate(lean, []), 'blueprint.yaml'), 'b.yaml')).toEqual(lean);
    expect(file(generate(richDesign('aws'), []), 'blueprint.yaml')).not.toMatch(/highAvailability/);
  });
});
