import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  audit,
  cronForRpo,
  cronProblem,
  type Finding,
  longestCronGapMinutes,
  type Severity,
} from '../../src/day0/audit.js';
import { type Blueprint, type Cloud, CLOUDS, readBlueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { type Environment, ENVIRONMENTS } from '../../src/domain/stack.js';

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared');
const EXAMPLE = join(SHARED, 'examples', 'blueprint.yaml');

/** The default design of a cloud and environment, with one change. */
function design(mutate: (b: Blueprint) => void = () => {}, cloud: Cloud = 'aws', env: Environment = 'dev'): Blueprint {
  const b = defaultBlueprint(cloud, 'shop', env);
  mutate(b);
  return b;
}
const prod = (mutate: (b: Blueprint) => void = () => {}, cloud: Cloud = 'aws') => design(mutate, cloud, 'prod');
const withDb = (b: Blueprint) => {
  b.storage.databases = [
    { name: 'orders', engine: 'postgres', version: '16', sizeGb: 50, encrypted: true, backup: true },
  ];
};

interface Case {
  name: string;
  code: string;
  severity: Severity;
  path: string;
  trigger: () => Blueprint;
  /** A close design that must not produce this code. */
  clean: () => Blueprint;
  /** Words the message must contain (names, the fix). */
  says?: string[];
}

const CASES: Case[] = [
  // provider
  {
    name: 'kubernetes service of another cloud',
    code: 'kubernetes-wrong-cloud',
    severity: 'error',
    path: 'provider.kubernetes',
    trigger: () => design((b) => (b.provider.kubernetes = 'gke')),
    clean: () => design(),
    says: ['eks'],
  },
  {
    name: 'unknown region',
    code: 'region-unknown',
    severity: 'error',
    path: 'provider.region',
    trigger: () => design((b) => (b.provider.region = 'mars-north-1')),
    clean: () => design((b) => (b.provider.region = 'eu-west-1')),
    says: ['mars-north-1', 'eu-west-1'],
  },
  {
    name: 'unknown secondary region',
    code: 'secondary-region-unknown',
    severity: 'error',
    path: 'provider.secondaryRegions[1]',
    trigger: () => design((b) => (b.provider.secondaryRegions = ['eu-central-1', 'westeurope'])),
    clean: () => design((b) => (b.provider.secondaryRegions = ['eu-central-1'])),
  },
  // iac
  {
    name: 'prod state on the local disk',
    code: 'state-local-in-prod',
    severity: 'warning',
    path: 'iac.backend',
    trigger: () => prod((b) => (b.iac.backend = 'local')),
    clean: () => design((b) => (b.iac.backend = 'local')),
    says: ['s3'],
  },
  {
    name: 'a private Kubernetes API and a runner on the internet',
    code: 'kubernetes-api-unreachable',
    severity: 'warning',
    path: 'iac.runner',
    trigger: () => design((b) => (b.iac.runner = 'internet')),
    clean: () =>
      design((b) => {
        b.iac.runner = 'internet';
        b.cluster.controlPlane.privateEndpoint = false;
      }),
    says: ['private-network', 'privateEndpoint'],
  },
  {
    name: 'secondary region equal to the primary',
    code: 'secondary-region-is-primary',
    severity: 'warning',
    path: 'provider.secondaryRegions[0]',
    trigger: () => design((b) => (b.provider.secondaryRegions = ['eu-west-1'])),
    clean: () => design((b) => (b.provider.secondaryRegions = ['eu-central-1'])),
  },
  {
    name: 'GDPR with a primary region outside the EU',
    code: 'gdpr-region-outside-eu',
    severity: 'error',
    path: 'provider.region',
    trigger: () =>
      design((b) => {
        b.security.compliance = ['gdpr'];
        b.provider.region = 'eu-west-2'; // London: "eu" in the name, outside the EU
      }),
    clean: () =>
      design((b) => {
        b.security.compliance = ['gdpr'];
        b.provider.secondaryRegions = ['eu-central-1'];
      }),
    says: ['eu-west-2'],
  },
  {
    name: 'GDPR with a secondary region outside the EU',
    code: 'gdpr-region-outside-eu',
    severity: 'error',
    path: 'provider.secondaryRegions[0]',
    trigger: () =>
      design((b) => {
        b.security.compliance = ['gdpr'];
        b.provider.secondaryRegions = ['us-east-1'];
      }),
    clean: () => design((b) => (b.provider.secondaryRegions = ['us-east-1'])),
  },
  // cluster
  {
    name: 'Kubernetes version not offered',
    code: 'kubernetes-version-unknown',
    severity: 'warning',
    path: 'cluster.version',
    trigger: () => design((b) => (b.cluster.version = '1.19')),
    clean: () => design((b) => (b.cluster.version = '1.31')),
  },
  {
    name: 'single control plane in prod',
    code: 'control-plane-single-in-prod',
    severity: 'warning',
    path: 'cluster.controlPlane.availability',
    trigger: () => prod((b) => (b.cluster.controlPlane.availability = 'single')),
    clean: () => design((b) => (b.cluster.controlPlane.availability = 'single')),
  },
  {
    name: 'public API endpoint in prod',
    code: 'control-plane-public-in-prod',
    severity: 'warning',
    path: 'cluster.controlPlane.privateEndpoint',
    trigger: () => prod((b) => (b.cluster.controlPlane.privateEndpoint = false)),
    clean: () => design((b) => (b.cluster.controlPlane.privateEndpoint = false)),
  },
  {
    name: 'node pool min above max',
    code: 'node-pool-min-above-max',
    severity: 'error',
    path: 'cluster.nodePools[0].min',
    trigger: () => design((b) => Object.assign(b.cluster.nodePools[0], { min: 6, desired: 5, max: 5 })),
    clean: () => design((b) => Object.assign(b.cluster.nodePools[0], { min: 5, desired: 5, max: 5 })),
  },
  {
    name: 'node pool desired below min',
    code: 'node-pool-desired-below-min',
    severity: 'error',
    path: 'cluster.nodePools[0].desired',
    trigger: () => design((b) => Object.assign(b.cluster.nodePools[0], { min: 2, desired: 1, max: 5 })),
    clean: () => design((b) => Object.assign(b.cluster.nodePools[0], { min: 2, desired: 2, max: 5 })),
  },
  {
    name: 'node pool desired above max',
    code: 'node-pool-desired-above-max',
    severity: 'error',
    path: 'cluster.nodePools[0].desired',
    trigger: () => design((b) => Object.assign(b.cluster.nodePools[0], { min: 2, desired: 6, max: 5 })),
    clean: () => design((b) => Object.assign(b.cluster.nodePools[0], { min: 2, desired: 5, max: 5 })),
    says: ['system', 'between 2 and 5'],
  },
  {
    name: 'machine type of another cloud',
    code: 'instance-type-other-cloud',
    severity: 'error',
    path: 'cluster.nodePools[0].instanceType',
    trigger: () => design((b) => (b.cluster.nodePools[0].instanceType = 'm6i.large'), 'gcp'),
    clean: () => design((b) => (b.cluster.nodePools[0].instanceType = 'n2-highmem-16'), 'gcp'),
  },
  {
    name: 'AKS node pool name with a dash',
    code: 'node-pool-name-invalid-aks',
    severity: 'error',
    path: 'cluster.nodePools[0].name',
    trigger: () => design((b) => (b.cluster.nodePools[0].name = 'system-pool'), 'azure'),
    clean: () => design((b) => (b.cluster.nodePools[0].name = 'system-pool'), 'aws'),
    says: ['systempool'],
  },
  {
    name: 'duplicate node pool names',
    code: 'duplicate-name',
    severity: 'error',
    path: 'cluster.nodePools[1].name',
    trigger: () => design((b) => b.cluster.nodePools.push({ ...b.cluster.nodePools[0] })),
    clean: () => design((b) => b.cluster.nodePools.push({ ...b.cluster.nodePools[0], name: 'batch' })),
  },
  {
    name: 'AKS system pool on spot',
    code: 'aks-system-pool-spot',
    severity: 'error',
    path: 'cluster.nodePools[0].spot',
    trigger: () => design((b) => (b.cluster.nodePools[0].spot = true), 'azure'),
    clean: () =>
      design((b) => b.cluster.nodePools.push({ ...b.cluster.nodePools[0], name: 'batch', spot: true }), 'azure'),
  },
  {
    name: 'AKS system pool that can scale to zero',
    code: 'aks-system-pool-min-zero',
    severity: 'error',
    path: 'cluster.nodePools[0].min',
    trigger: () => design((b) => (b.cluster.nodePools[0].min = 0), 'azure'),
    clean: () => design((b) => (b.cluster.nodePools[0].min = 0), 'aws'),
  },
  {
    name: 'only spot capacity in prod',
    code: 'all-node-pools-spot',
    severity: 'warning',
    path: 'cluster.nodePools',
    trigger: () => prod((b) => (b.cluster.nodePools[0].spot = true)),
    clean: () => design((b) => (b.cluster.nodePools[0].spot = true)),
  },
  // network
  {
    name: 'VPC CIDR with a bad prefix',
    code: 'vpc-cidr-invalid',
    severity: 'error',
    path: 'network.vpcCidr',
    trigger: () => design((b) => (b.network.vpcCidr = '10.0.0.0/33')),
    clean: () => design(),
  },
  {
    name: 'VPC CIDR that is not an address',
    code: 'vpc-cidr-invalid',
    severity: 'error',
    path: 'network.vpcCidr',
    trigger: () => design((b) => (b.network.vpcCidr = 'ten.zero/16')),
    clean: () => design(),
  },
  {
    name: 'VPC CIDR with host bits set',
    code: 'vpc-cidr-invalid',
    severity: 'error',
    path: 'network.vpcCidr',
    trigger: () => design((b) => (b.network.vpcCidr = '10.0.1.0/16')),
    clean: () => design(),
    says: ['10.0.0.0/16'],
  },
  {
    name: 'VPC CIDR in IPv6',
    code: 'vpc-cidr-invalid',
    severity: 'error',
    path: 'network.vpcCidr',
    trigger: () => design((b) => (b.network.vpcCidr = 'fd00::/48')),
    clean: () => design(),
  },
  {
    name: 'public VPC range',
    code: 'vpc-cidr-not-private',
    severity: 'warning',
    path: 'network.vpcCidr',
    trigger: () => design((b) => (b.network.vpcCidr = '8.8.0.0/16')),
    clean: () => design((b) => (b.network.vpcCidr = '10.0.0.0/8'), 'gcp'),
  },
  {
    name: 'AWS VPC larger than /16',
    code: 'vpc-cidr-size',
    severity: 'error',
    path: 'network.vpcCidr',
    trigger: () => design((b) => (b.network.vpcCidr = '10.0.0.0/8')),
    clean: () => design((b) => (b.network.vpcCidr = '10.0.0.0/8'), 'azure'),
  },
  {
    name: 'no subnets',
    code: 'subnets-missing',
    severity: 'error',
    path: 'network.subnets',
    trigger: () => design((b) => (b.network.subnets = [])),
    clean: () => design(),
  },
  {
    name: 'subnet CIDR invalid',
    code: 'subnet-cidr-invalid',
    severity: 'error',
    path: 'network.subnets[1].cidr',
    trigger: () => design((b) => (b.network.subnets[1].cidr = '10.0.16.0/40')),
    clean: () => design(),
  },
  {
    name: 'subnet outside the VPC',
    code: 'subnet-outside-vpc',
    severity: 'error',
    path: 'network.subnets[1].cidr',
    trigger: () => design((b) => (b.network.subnets[1].cidr = '10.1.16.0/20')),
    clean: () => design(),
    says: ['private-b', '10.0.0.0/16', 'widen'],
  },
  {
    name: 'subnet wider than the VPC',
    code: 'subnet-outside-vpc',
    severity: 'error',
    path: 'network.subnets[0].cidr',
    trigger: () => design((b) => (b.network.subnets[0].cidr = '10.0.0.0/15')),
    clean: () => design(),
  },
  {
    name: 'subnets overlapping',
    code: 'subnet-overlap',
    severity: 'error',
    path: 'network.subnets[2].cidr',
    trigger: () => design((b) => (b.network.subnets[2].cidr = '10.0.8.0/24')),
    clean: () => design(),
    says: ['public-a', 'private-a', '10.0.0.0/20'],
  },
  {
    name: 'subnet zone outside the region',
    code: 'subnet-zone-not-in-region',
    severity: 'error',
    path: 'network.subnets[0].zone',
    trigger: () => design((b) => (b.network.subnets[0].zone = 'eu-west-1z')),
    clean: () => design(),
    says: ['eu-west-1a'],
  },
  {
    name: 'Azure zone that does not exist',
    code: 'subnet-zone-not-in-region',
    severity: 'error',
    path: 'network.subnets[1].zone',
    trigger: () => design((b) => (b.network.subnets[1].zone = '4'), 'azure'),
    clean: () => design(() => {}, 'azure'),
  },
  {
    name: 'duplicate subnet names',
    code: 'duplicate-name',
    severity: 'error',
    path: 'network.subnets[1].name',
    trigger: () => design((b) => (b.network.subnets[1].name = 'private-a')),
    clean: () => design(),
  },
  {
    name: 'only public subnets',
    code: 'no-private-subnets',
    severity: 'warning',
    path: 'network.subnets',
    trigger: () => design((b) => b.network.subnets.forEach((s) => (s.public = true))),
    clean: () => design(),
  },
  {
    name: 'private subnets without NAT',
    code: 'nat-missing',
    severity: 'warning',
    path: 'network.egress.natGateways',
    trigger: () => design((b) => (b.network.egress.natGateways = 0)),
    clean: () => design((b) => (b.network.egress.natGateways = 1)),
  },
  {
    name: 'AWS NAT with no public subnet',
    code: 'nat-needs-public-subnet',
    severity: 'error',
    path: 'network.egress.natGateways',
    trigger: () => design((b) => (b.network.subnets = b.network.subnets.filter((s) => !s.public))),
    clean: () => design((b) => (b.network.subnets = b.network.subnets.filter((s) => !s.public)), 'gcp'),
  },
  {
    name: 'one NAT gateway for several zones in prod',
    code: 'nat-single-in-prod',
    severity: 'warning',
    path: 'network.egress.natGateways',
    trigger: () => prod((b) => (b.network.egress.natGateways = 1)),
    clean: () => prod((b) => (b.network.egress.natGateways = 2)),
  },
  {
    name: 'NAT gateways cannot spread: a private zone has no public subnet',
    code: 'nat-zone-without-public-subnet',
    severity: 'warning',
    path: 'network.subnets',
    trigger: () => prod(),
    clean: () =>
      prod((b) => b.network.subnets.push({ name: 'public-b', cidr: '10.0.33.0/24', zone: 'eu-west-1b', public: true })),
    says: ['eu-west-1b'],
  },
  {
    name: 'prod in a single zone',
    code: 'single-zone-in-prod',
    severity: 'warning',
    path: 'network.subnets',
    trigger: () => prod((b) => b.network.subnets.forEach((s) => (s.zone = 'eu-west-1a'))),
    clean: () => design((b) => b.network.subnets.forEach((s) => (s.zone = 'eu-west-1a'))),
  },
  {
    name: 'ALB ingress outside AWS',
    code: 'ingress-controller-other-cloud',
    severity: 'error',
    path: 'network.ingress.controller',
    trigger: () => design((b) => (b.network.ingress.controller = 'alb'), 'gcp'),
    clean: () => design((b) => (b.network.ingress.controller = 'alb'), 'aws'),
  },
  {
    name: 'ingress range invalid',
    code: 'ingress-cidr-invalid',
    severity: 'error',
    path: 'network.ingress.allowedCidrs[1]',
    trigger: () => design((b) => b.network.ingress.allowedCidrs.push('office')),
    clean: () => design((b) => b.network.ingress.allowedCidrs.push('203.0.113.0/24')),
  },
  {
    name: 'firewall source invalid',
    code: 'firewall-source-invalid',
    severity: 'error',
    path: 'network.firewall[0].sources[0]',
    trigger: () => design((b) => (b.network.firewall[0].sources = ['300.0.0.0/8'])),
    clean: () => design(),
  },
  {
    name: 'SSH open to the internet in prod',
    code: 'firewall-open-admin-port',
    severity: 'error',
    path: 'network.firewall[1].sources[0]',
    trigger: () =>
      prod((b) =>
        b.network.firewall.push({
          name: 'ssh',
          direction: 'ingress',
          protocol: 'tcp',
          ports: [22],
          sources: ['0.0.0.0/0'],
        }),
      ),
    clean: () =>
      prod((b) =>
        b.network.firewall.push({
          name: 'ssh',
          direction: 'ingress',
          protocol: 'tcp',
          ports: [22],
          sources: ['10.8.0.0/16'],
        }),
      ),
    says: ['ssh', 'SSH (22)'],
  },
  {
    name: 'RDP open to the internet in prod, second source',
    code: 'firewall-open-admin-port',
    severity: 'error',
    path: 'network.firewall[1].sources[1]',
    trigger: () =>
      prod((b) =>
        b.network.firewall.push({
          name: 'rdp',
          direction: 'ingress',
          protocol: 'tcp',
          ports: [443, 3389],
          sources: ['10.8.0.0/16', '0.0.0.0/0'],
        }),
      ),
    clean: () =>
      prod((b) =>
        b.network.firewall.push({
          name: 'rdp',
          direction: 'egress',
          protocol: 'tcp',
          ports: [3389],
          sources: ['0.0.0.0/0'],
        }),
      ),
    says: ['RDP (3389)'],
  },
  {
    name: 'every port open to the internet over IPv6 in prod',
    code: 'firewall-open-admin-port',
    severity: 'error',
    path: 'network.firewall[1].sources[0]',
    trigger: () =>
      prod((b) =>
        b.network.firewall.push({ name: 'any', direction: 'ingress', protocol: 'all', ports: [], sources: ['::/0'] }),
      ),
    clean: () =>
      prod((b) =>
        b.network.firewall.push({ name: 'any', direction: 'ingress', protocol: 'udp', ports: [], sources: ['::/0'] }),
      ),
  },
  {
    name: 'SSH open to the internet outside prod',
    code: 'firewall-open-admin-port',
    severity: 'warning',
    path: 'network.firewall[1].sources[0]',
    trigger: () =>
      design((b) =>
        b.network.firewall.push({
          name: 'ssh',
          direction: 'ingress',
          protocol: 'tcp',
          ports: [],
          sources: ['0.0.0.0/0'],
        }),
      ),
    clean: () =>
      design((b) =>
        b.network.firewall.push({
          name: 'web',
          direction: 'ingress',
          protocol: 'tcp',
          ports: [80, 443],
          sources: ['0.0.0.0/0'],
        }),
      ),
  },
  {
    name: 'duplicate firewall rule names',
    code: 'duplicate-name',
    severity: 'error',
    path: 'network.firewall[1].name',
    trigger: () => design((b) => b.network.firewall.push({ ...b.network.firewall[0], ports: [80] })),
    clean: () => design((b) => b.network.firewall.push({ ...b.network.firewall[0], name: 'allow-http', ports: [80] })),
  },
  // storage
  {
    name: 'storage class without backup',
    code: 'storage-class-no-backup',
    severity: 'error',
    path: 'storage.classes[0].backup',
    trigger: () => design((b) => (b.storage.classes[0].backup = false)),
    clean: () => design(),
  },
  {
    name: 'disk type of another cloud',
    code: 'storage-type-other-cloud',
    severity: 'error',
    path: 'storage.classes[0].type',
    trigger: () => design((b) => (b.storage.classes[0].type = 'pd-ssd')),
    clean: () => design((b) => (b.storage.classes[0].type = 'io2')),
  },
  {
    name: 'two default storage classes',
    code: 'storage-class-multiple-defaults',
    severity: 'warning',
    path: 'storage.classes[1].default',
    trigger: () => design((b) => b.storage.classes.push({ ...b.storage.classes[0], name: 'fast' })),
    clean: () => design((b) => b.storage.classes.push({ ...b.storage.classes[0], name: 'fast', default: false })),
  },
  {
    name: 'duplicate storage class names',
    code: 'duplicate-name',
    severity: 'error',
    path: 'storage.classes[1].name',
    trigger: () => design((b) => b.storage.classes.push({ ...b.storage.classes[0], default: false })),
    clean: () => design(),
  },
  {
    name: 'database without backup',
    code: 'database-no-backup',
    severity: 'error',
    path: 'storage.databases[0].backup',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.storage.databases[0].backup = false;
      }),
    clean: () => design(withDb),
    says: ['orders'],
  },
  {
    name: 'engine the cloud does not offer',
    code: 'database-engine-unavailable',
    severity: 'error',
    path: 'storage.databases[0].engine',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.storage.databases[0].engine = 'mariadb';
      }, 'azure'),
    clean: () =>
      design((b) => {
        withDb(b);
        b.storage.databases[0].engine = 'mariadb';
      }, 'aws'),
  },
  {
    name: 'duplicate database names',
    code: 'duplicate-name',
    severity: 'error',
    path: 'storage.databases[1].name',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.storage.databases.push({ ...b.storage.databases[0] });
      }),
    clean: () => design(withDb),
  },
  {
    name: 'data with no backup schedule',
    code: 'backup-schedule-missing',
    severity: 'error',
    path: 'day2.backups.schedule',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.day2.backups.schedule = '';
      }),
    clean: () =>
      design((b) => {
        b.storage.classes = [];
        b.day2.backups.schedule = '';
      }),
    says: ['orders', '0 * * * *'],
  },
  {
    name: 'backups with nowhere to go',
    code: 'backup-repository-missing',
    severity: 'error',
    path: 'day2.backups.repository',
    trigger: () => design((b) => (b.day2.backups.repository = '')),
    clean: () =>
      design((b) => {
        b.storage.classes = [];
        b.day2.backups.schedule = '';
        b.day2.backups.repository = '';
      }),
  },
  // security
  {
    name: 'HIPAA without encryption at rest',
    code: 'compliance-encryption-at-rest',
    severity: 'error',
    path: 'security.encryptionAtRest',
    trigger: () =>
      design((b) => {
        b.security.compliance = ['hipaa'];
        b.security.encryptionAtRest = false;
      }),
    clean: () =>
      design((b) => {
        b.security.compliance = ['soc2', 'gdpr'];
        b.security.encryptionAtRest = false;
      }),
    says: ['HIPAA'],
  },
  {
    name: 'PCI-DSS without audit logging',
    code: 'compliance-audit-logging',
    severity: 'error',
    path: 'security.auditLogging',
    trigger: () =>
      design((b) => {
        b.security.compliance = ['pci-dss'];
        b.security.auditLogging = false;
      }),
    clean: () => design((b) => (b.security.auditLogging = false)),
    says: ['PCI-DSS'],
  },
  {
    name: 'HIPAA with an unencrypted database',
    code: 'compliance-database-unencrypted',
    severity: 'error',
    path: 'storage.databases[0].encrypted',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.security.compliance = ['hipaa'];
        b.storage.databases[0].encrypted = false;
      }),
    clean: () =>
      design((b) => {
        withDb(b);
        b.storage.databases[0].encrypted = false;
      }),
  },
  {
    name: 'PCI-DSS with an unencrypted storage class',
    code: 'compliance-storage-unencrypted',
    severity: 'error',
    path: 'storage.classes[0].encrypted',
    trigger: () =>
      design((b) => {
        b.security.compliance = ['pci-dss'];
        b.storage.classes[0].encrypted = false;
      }),
    clean: () =>
      design((b) => {
        b.security.compliance = ['pci-dss'];
      }),
  },
  {
    name: 'secrets manager of another cloud',
    code: 'secrets-manager-other-cloud',
    severity: 'warning',
    path: 'security.secrets',
    trigger: () => design((b) => (b.security.secrets = 'azure-key-vault')),
    clean: () => design((b) => (b.security.secrets = 'vault')),
  },
  // schedules
  {
    name: 'drift schedule that is not cron',
    code: 'cron-invalid',
    severity: 'error',
    path: 'day2.drift.schedule',
    trigger: () => design((b) => (b.day2.drift.schedule = '0 60 * * *')),
    clean: () => design((b) => (b.day2.drift.schedule = '@daily')),
  },
  {
    name: 'backup schedule in words',
    code: 'cron-invalid',
    severity: 'error',
    path: 'day2.backups.schedule',
    trigger: () => design((b) => (b.day2.backups.schedule = 'every hour')),
    clean: () => design((b) => (b.day2.backups.schedule = '@hourly')),
  },
  {
    name: 'restore test on a date that never comes',
    code: 'cron-invalid',
    severity: 'error',
    path: 'day2.backups.restoreTestSchedule',
    trigger: () => design((b) => (b.day2.backups.restoreTestSchedule = '0 4 31 2 *')),
    clean: () => design((b) => (b.day2.backups.restoreTestSchedule = '0 4 1 * *')),
    says: ['never'],
  },
  {
    name: 'hourly backups for a 15-minute RPO',
    code: 'backup-rpo-not-met',
    severity: 'error',
    path: 'day2.backups.schedule',
    trigger: () => design((b) => (b.successCriteria.rpoMinutes = 15)),
    clean: () => design((b) => (b.successCriteria.rpoMinutes = 60)),
    says: ['1 hour', '15 minutes', '*/15 * * * *'],
  },
  {
    name: 'backups every 15 minutes against a 10-minute RPO',
    code: 'backup-rpo-not-met',
    severity: 'error',
    path: 'day2.backups.schedule',
    trigger: () =>
      design((b) => {
        b.day2.backups.schedule = '*/15 * * * *';
        b.successCriteria.rpoMinutes = 10;
      }),
    clean: () =>
      design((b) => {
        b.day2.backups.schedule = '*/15 * * * *';
        b.successCriteria.rpoMinutes = 15;
      }),
  },
  {
    name: 'office-hours backups leave the night uncovered',
    code: 'backup-rpo-not-met',
    severity: 'error',
    path: 'day2.backups.schedule',
    trigger: () => design((b) => (b.day2.backups.schedule = '0 9-17 * * *')),
    clean: () =>
      design((b) => {
        b.day2.backups.schedule = '0 9-17 * * *';
        b.successCriteria.rpoMinutes = 16 * 60;
      }),
    says: ['16 hours'],
  },
  {
    name: 'weekday backups leave the weekend uncovered',
    code: 'backup-rpo-not-met',
    severity: 'error',
    path: 'day2.backups.schedule',
    trigger: () =>
      design((b) => {
        b.day2.backups.schedule = '0 2 * * 1-5';
        b.successCriteria.rpoMinutes = 1440;
      }),
    clean: () =>
      design((b) => {
        b.day2.backups.schedule = '0 2 * * *';
        b.successCriteria.rpoMinutes = 1440;
      }),
    says: ['3 days'],
  },
  // day 2
  {
    name: 'no drift schedule',
    code: 'drift-schedule-missing',
    severity: 'warning',
    path: 'day2.drift.schedule',
    trigger: () => design((b) => (b.day2.drift.schedule = '')),
    clean: () => design(),
  },
  {
    name: 'drift corrected unattended in prod',
    code: 'drift-auto-remediate-in-prod',
    severity: 'warning',
    path: 'day2.drift.autoRemediate',
    trigger: () => prod((b) => (b.day2.drift.autoRemediate = true)),
    clean: () => design((b) => (b.day2.drift.autoRemediate = true)),
  },
  {
    name: 'prod without monitoring',
    code: 'prod-no-monitoring',
    severity: 'warning',
    path: 'day2.monitoring',
    trigger: () => prod((b) => (b.day2.monitoring = 'none')),
    clean: () => design((b) => (b.day2.monitoring = 'none')),
  },
  {
    name: 'CloudWatch outside AWS',
    code: 'monitoring-other-cloud',
    severity: 'warning',
    path: 'day2.monitoring',
    trigger: () => design((b) => (b.day2.monitoring = 'cloudwatch'), 'gcp'),
    clean: () => design((b) => (b.day2.monitoring = 'cloudwatch'), 'aws'),
  },
  {
    name: 'Alertmanager address that is not a URL',
    code: 'alertmanager-url-invalid',
    severity: 'error',
    path: 'day2.alerting.alertmanagerUrl',
    trigger: () => design((b) => (b.day2.alerting.alertmanagerUrl = 'alertmanager:9093 please')),
    clean: () => design((b) => (b.day2.alerting.alertmanagerUrl = 'https://alertmanager.internal:9093')),
  },
  {
    name: 'Alertmanager address with another scheme',
    code: 'alertmanager-url-invalid',
    severity: 'error',
    path: 'day2.alerting.alertmanagerUrl',
    trigger: () => design((b) => (b.day2.alerting.alertmanagerUrl = 'ftp://alertmanager')),
    clean: () => design(),
  },
  {
    name: 'prod without Alertmanager',
    code: 'prod-no-alerting',
    severity: 'warning',
    path: 'day2.alerting.alertmanagerUrl',
    trigger: () => prod((b) => (b.day2.alerting.alertmanagerUrl = '')),
    clean: () => design((b) => (b.day2.alerting.alertmanagerUrl = '')),
  },
  {
    name: 'prod alerts to no one',
    code: 'prod-no-alert-receivers',
    severity: 'warning',
    path: 'day2.alerting.receivers',
    trigger: () => prod((b) => (b.day2.alerting.receivers = [])),
    clean: () => design((b) => (b.day2.alerting.receivers = [])),
  },
  {
    name: 'backups never test-restored',
    code: 'restore-test-missing',
    severity: 'warning',
    path: 'day2.backups.restoreTestSchedule',
    trigger: () => design((b) => (b.day2.backups.restoreTestSchedule = '')),
    clean: () => design(),
  },
  {
    name: 'HIPAA database without deletion protection',
    code: 'compliance-database-deletion-protection',
    severity: 'error',
    path: 'storage.databases[0].deletionProtection',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.security.compliance = ['hipaa'];
        b.storage.databases[0].deletionProtection = false;
      }),
    clean: () =>
      design((b) => {
        withDb(b);
        b.storage.databases[0].deletionProtection = false;
      }),
    says: ['HIPAA', 'orders'],
  },
  {
    name: 'PCI-DSS database without a final snapshot',
    code: 'compliance-database-final-snapshot',
    severity: 'error',
    path: 'storage.databases[0].finalSnapshot',
    trigger: () =>
      design((b) => {
        withDb(b);
        b.security.compliance = ['pci-dss'];
        b.storage.databases[0].finalSnapshot = false;
      }),
    clean: () =>
      design((b) => {
        withDb(b);
        b.security.compliance = ['pci-dss'];
      }),
    says: ['PCI-DSS', 'orders'],
  },
  {
    name: 'prod database without a standby',
    code: 'database-not-ha-in-prod',
    severity: 'warning',
    path: 'storage.databases[0].highAvailability',
    trigger: () =>
      prod((b) => {
        withDb(b);
        b.storage.databases[0].highAvailability = false;
      }),
    clean: () =>
      design((b) => {
        withDb(b);
        b.storage.databases[0].highAvailability = false;
      }),
    says: ['orders', 'highAvailability'],
  },
  {
    name: 'backups never pruned',
    code: 'backup-retention-missing',
    severity: 'warning',
    path: 'day2.backups.retention',
    trigger: () => design((b) => (b.day2.backups.retention = {})),
    clean: () => design((b) => (b.day2.backups.retention = { daily: 7 })),
  },
];

const codesAt = (findings: Finding[], code: string) => findings.filter((f) => f.code === code);

describe('audit: every rule fires on its problem and stays quiet on a close design', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const hits = audit(c.trigger());
    const hit = hits.find((f) => f.code === c.code && f.path === c.path);
    expect(
      hit,
      `expected ${c.code} at ${c.path}, got ${JSON.stringify(hits.map((f) => `${f.code}@${f.path}`))}`,
    ).toBeDefined();
    expect(hit!.severity).toBe(c.severity);
    expect(hit!.message.length).toBeGreaterThan(20);
    for (const word of c.says ?? []) expect(hit!.message).toContain(word);
    expect(codesAt(audit(c.clean()), c.code)).toEqual([]);
  });

  it('covers every code the audit can emit', () => {
    const source = new Set(CASES.map((c) => c.code));
    // The codes in src/day0/audit.ts, read from its calls to add().
    const file = readSource();
    const emitted = [...file.matchAll(/'(?:error|warning)',\s*\n?\s*'([a-z0-9-]+)'/g)].map((m) => m[1]);
    emitted.push('duplicate-name', 'firewall-open-admin-port');
    for (const code of new Set(emitted)) expect(source, `no test case for ${code}`).toContain(code);
  });
});

function readSource(): string {
  return readFileSync(join(import.meta.dirname, '..', '..', 'src', 'day0', 'audit.ts'), 'utf8');
}

describe('audit: overall behaviour', () => {
  it.each(CLOUDS.flatMap((cloud) => ENVIRONMENTS.map((env) => [cloud, env] as const)))(
    'the default %s %s design has no error',
    (cloud, env) => {
      const errors = audit(defaultBlueprint(cloud, 'shop', env)).filter((f) => f.severity === 'error');
      expect(errors).toEqual([]);
    },
  );

  it('reports the later of two overlapping subnets only, naming the earlier', () => {
    const findings = audit(design((b) => (b.network.subnets[1].cidr = '10.0.0.0/21')));
    const overlaps = codesAt(findings, 'subnet-overlap');
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0].path).toBe('network.subnets[1].cidr');
    expect(overlaps[0].message).toContain('private-a');
  });

  it('lists errors before warnings, in the order of the blueprint, and the same every time', () => {
    const b = prod((x) => {
      x.day2.drift.schedule = '';
      x.network.subnets[1].cidr = '192.168.0.0/24';
      x.cluster.controlPlane.availability = 'single';
      x.provider.region = 'nowhere-1';
    });
    const findings = audit(b);
    const sev = findings.map((f) => f.severity);
    expect(sev.indexOf('warning')).toBeGreaterThan(sev.lastIndexOf('error'));
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual([
      'region-unknown',
      'subnet-outside-vpc',
    ]);
    expect(findings.filter((f) => f.severity === 'warning').map((f) => f.code)).toEqual(
      expect.arrayContaining(['control-plane-single-in-prod', 'drift-schedule-missing']),
    );
    expect(audit(b)).toEqual(findings);
  });

  it('reports every problem at once', () => {
    const findings = audit(
      design((b) => {
        b.provider.kubernetes = 'aks';
        b.cluster.nodePools[0].desired = 99;
        b.day2.backups.schedule = 'nope';
      }),
    );
    expect(findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['kubernetes-wrong-cloud', 'node-pool-desired-above-max', 'cron-invalid']),
    );
  });

  describe.skipIf(!existsSync(EXAMPLE))('the documented example', () => {
    it('has no error', () => {
      const findings = audit(readBlueprint(EXAMPLE));
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    });
  });
  if (!existsSync(EXAMPLE)) console.warn(`skipping the example blueprint check: ${EXAMPLE} is absent`);
});

describe('cron schedules', () => {
  it('finds the longest gap between runs', () => {
    expect(longestCronGapMinutes('0 * * * *')).toBe(60);
    expect(longestCronGapMinutes('*/15 * * * *')).toBe(15);
    expect(longestCronGapMinutes('*/7 * * * *')).toBe(7); // :56 -> :00 is only 4: the step restarts every hour
    expect(longestCronGapMinutes('@daily')).toBe(1440);
    expect(longestCronGapMinutes('0 9 * * 1-5')).toBe(3 * 1440); // Friday 09:00 to Monday 09:00
    expect(longestCronGapMinutes('0 0 1 * *')).toBe(31 * 1440);
    expect(longestCronGapMinutes('0 0 1 */3 *')).toBe(92 * 1440); // a quarter, its longest
    expect(longestCronGapMinutes('0 0 29 2 *')).toBe((365 * 3 + 366) * 1440); // leap days only
  });

  it('suggests schedules that meet the RPO they are suggested for', () => {
    for (const rpo of [1, 5, 7, 15, 25, 45, 60, 90, 120, 300, 360, 1440, 5000]) {
      const cron = cronForRpo(rpo);
      expect(cronProblem(cron)).toBeUndefined();
      expect(longestCronGapMinutes(cron), `${cron} for ${rpo}`).toBeLessThanOrEqual(rpo);
    }
  });

  it('explains why an expression is not cron', () => {
    expect(cronProblem('0 * * *')).toMatch(/five fields/);
    expect(cronProblem('0 0 * * 8')).toMatch(/dayOfWeek/);
    expect(cronProblem('0 0 30 2 *')).toMatch(/never/);
    expect(cronProblem('* * * * * *')).toBeDefined(); // seconds are not standard cron
    expect(cronProblem('0 4 * * SUN')).toBeUndefined();
  });
});
