/** Designs for the Day-0 tests: the defaults with everything a real design has switched on. */
import { type Blueprint, type Cloud, CLOUDS, type IacTool } from '../../src/day0/blueprint.js';
import { CATALOG, regionOf } from '../../src/day0/catalog.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import type { Environment } from '../../src/domain/stack.js';

/** Text that HCL and YAML must escape: quotes, a backslash, template sequences, a newline. */
export const NASTY = 'Ops "A-Team" \\ ${var.secret} %{if x} #1\nsecond line';

/** Two node pools (one on spot), three private+public subnets in two zones, every engine the cloud has, RBAC. */
export function richDesign(cloud: Cloud, env: Environment = 'prod', name = 'shop'): Blueprint {
  const b = defaultBlueprint(cloud, name, env);
  const c = CATALOG[cloud];
  const [za, zb] = regionOf(cloud, b.provider.region)!.zones;
  b.metadata.description = 'Web shop: storefront, orders and a cache';
  b.metadata.owner = NASTY;
  b.provider.secondaryRegions = [c.defaultSecondaryRegion];
  b.cluster.nodePools.push({
    name: 'batch',
    instanceType: c.batchInstanceType,
    min: 0,
    desired: 0,
    max: 10,
    spot: true,
  });
  b.network.subnets.push({ name: 'public-b', cidr: '10.0.33.0/24', zone: zb, public: true });
  b.network.subnets[2].zone = za;
  b.network.firewall.push(
    { name: 'ssh-vpn', direction: 'ingress', protocol: 'tcp', ports: [22], sources: ['10.8.0.0/16', 'fd00:8::/64'] },
    { name: 'dns-out', direction: 'egress', protocol: 'udp', ports: [53], sources: ['10.0.0.2/32'] },
    { name: 'vpn-all', direction: 'ingress', protocol: 'all', ports: [], sources: ['10.9.0.0/16'] },
  );
  b.storage.classes.push({
    name: 'fast-ssd',
    type: c.storageTypes[1].id,
    encrypted: true,
    default: false,
    backup: true,
  });
  b.storage.databases = [
    { name: 'orders', engine: 'postgres', version: '16', sizeGb: 100, encrypted: true, backup: true },
    { name: 'legacy-billing', engine: 'mysql', version: '8.0', sizeGb: 40, encrypted: true, backup: true },
    { name: 'cache', engine: 'redis', version: '7', sizeGb: 4, encrypted: true, backup: true },
  ];
  if (cloud !== 'azure')
    b.storage.databases.push({
      name: 'reports',
      engine: 'sqlserver',
      version: '2022',
      sizeGb: 200,
      encrypted: true,
      backup: true,
    });
  b.security.rbac = [
    { group: 'platform-admins', role: 'cluster-admin' },
    { group: 'Shop Devs "eu"', role: 'edit', namespaces: ['shop', 'shop-jobs'] },
    { group: 'auditors', role: 'view', namespaces: ['default'] },
  ];
  b.security.compliance = ['gdpr', 'pci-dss'];
  b.day2.alerting.receivers = ['pagerduty', 'slack-ops'];
  return b;
}

/** The design built with another tool. */
export const withTool = (bp: Blueprint, tool: IacTool): Blueprint => ({ ...bp, iac: { ...bp.iac, tool } });

/**
 * The designs whose generated code the tests hold to the tools' own checks and to DESIGN.md: every cloud in dev
 * and prod, with and without databases, under HIPAA with local state, and a bare one with nothing inside the
 * cluster (no platform root) and a single, public control plane.
 */
export function variants(): [string, Blueprint][] {
  return CLOUDS.flatMap((cloud): [string, Blueprint][] => {
    const hipaa = defaultBlueprint(cloud, 'care', 'staging');
    hipaa.security.compliance = ['hipaa'];
    hipaa.iac.backend = 'local';
    hipaa.storage.databases = [
      { name: 'records', engine: 'postgres', version: '16', sizeGb: 50, encrypted: true, backup: true },
    ];
    const bare = defaultBlueprint(cloud, 'bare', 'dev');
    bare.storage.classes = [];
    bare.security.rbac = [];
    bare.cluster.controlPlane.privateEndpoint = false;
    bare.network.egress.natGateways = 2;
    const optOut = richDesign(cloud, 'prod', 'lean');
    for (const d of optOut.storage.databases) d.highAvailability = false;
    return [
      [`${cloud} dev, no database`, defaultBlueprint(cloud, 'tiny', 'dev')],
      [`${cloud} prod, no database`, defaultBlueprint(cloud, 'tiny', 'prod')],
      [`${cloud} dev, databases`, richDesign(cloud, 'dev')],
      [`${cloud} prod, databases, PCI-DSS`, richDesign(cloud, 'prod')],
      [`${cloud} prod, databases without standby`, optOut],
      [`${cloud} staging, HIPAA, local state`, hipaa],
      [`${cloud} dev, nothing inside the cluster`, bare],
    ];
  });
}
