/**
 * A sensible design for each cloud, so that pressing Enter through the wizard gives a valid one: the defaults
 * pass the audit with no error. Switching the cloud re-derives the cloud-specific parts (region, zones,
 * instance types, storage types, secrets manager, state backend) and keeps everything else.
 */
import { type Blueprint, type Cloud, DEFAULT_BACKEND } from './blueprint.js';
import type { Environment } from '../domain/stack.js';
import { CATALOG, regionOf } from './catalog.js';

export function defaultBlueprint(cloud: Cloud = 'aws', name = 'my-stack', environment: Environment = 'dev'): Blueprint {
  const c = CATALOG[cloud];
  const region = regionOf(cloud, c.defaultRegion)!;
  const [za, zb] = region.zones;
  const prod = environment === 'prod';
  return {
    apiVersion: 'dayops/v1',
    kind: 'Blueprint',
    metadata: { name, environment, owner: 'platform-team', description: '' },
    provider: { cloud, region: region.id, secondaryRegions: [], kubernetes: c.kubernetes },
    iac: { tool: 'opentofu', backend: DEFAULT_BACKEND[cloud], runner: 'private-network' },
    cluster: {
      version: c.kubernetesVersions[0],
      controlPlane: { availability: prod ? 'ha' : 'single', privateEndpoint: true },
      nodePools: [{ name: 'system', instanceType: c.defaultInstanceType, min: 2, desired: 3, max: 5, spot: false }],
    },
    network: {
      vpcCidr: '10.0.0.0/16',
      subnets: [
        { name: 'private-a', cidr: '10.0.0.0/20', zone: za, public: false },
        { name: 'private-b', cidr: '10.0.16.0/20', zone: zb, public: false },
        { name: 'public-a', cidr: '10.0.32.0/24', zone: za, public: true },
      ],
      ingress: { controller: c.ingressDefault, allowedCidrs: ['0.0.0.0/0'] },
      egress: { natGateways: prod ? 2 : 1 },
      firewall: [{ name: 'allow-https', direction: 'ingress', protocol: 'tcp', ports: [443], sources: ['0.0.0.0/0'] }],
    },
    storage: {
      classes: [
        { name: 'standard-encrypted', type: c.defaultStorageType, encrypted: true, default: true, backup: true },
      ],
      databases: [],
    },
    cicd: { pipeline: 'github-actions', gitops: 'argocd', repoLayout: 'monorepo' },
    security: {
      secrets: c.secretsManager,
      rbac: [{ group: 'platform-admins', role: 'cluster-admin' }],
      compliance: [],
      encryptionAtRest: true,
      auditLogging: true,
    },
    successCriteria: { availabilitySlo: 99.9, p95LatencyMs: 300, rpoMinutes: 60, rtoMinutes: 240 },
    day2: {
      monitoring: 'prometheus',
      alerting: { alertmanagerUrl: 'http://127.0.0.1:9093', receivers: ['default'] },
      drift: { schedule: '0 */6 * * *', autoRemediate: false },
      backups: {
        schedule: '0 * * * *',
        retention: { hourly: 24, daily: 7, weekly: 4 },
        restoreTestSchedule: '0 4 * * 0',
        repository: './backups/restic',
      },
      patching: { window: 'Sun 02:00-04:00' },
    },
  };
}

/**
 * The design after the operator picks another cloud: the cloud-specific fields take that cloud's defaults,
 * zones are re-mapped onto the new region, and everything else stays as entered.
 */
export function switchCloud(bp: Blueprint, cloud: Cloud): Blueprint {
  if (bp.provider.cloud === cloud) return bp;
  const c = CATALOG[cloud];
  const region = regionOf(cloud, c.defaultRegion)!;
  const from = CATALOG[bp.provider.cloud];
  const oldRegion = regionOf(bp.provider.cloud, bp.provider.region);
  const zoneFor = (zone: string, i: number) => {
    const idx = oldRegion ? oldRegion.zones.indexOf(zone) : -1;
    return region.zones[(idx >= 0 ? idx : i) % region.zones.length];
  };
  const instanceFor = (t: string) => (t === from.batchInstanceType ? c.batchInstanceType : c.defaultInstanceType);
  return {
    ...bp,
    provider: { cloud, region: region.id, secondaryRegions: [], kubernetes: c.kubernetes },
    // The state follows the cloud unless the design chose a backend other than its cloud's own.
    iac: {
      ...bp.iac,
      backend: bp.iac.backend === DEFAULT_BACKEND[bp.provider.cloud] ? DEFAULT_BACKEND[cloud] : bp.iac.backend,
    },
    cluster: {
      ...bp.cluster,
      nodePools: bp.cluster.nodePools.map((p) => ({ ...p, instanceType: instanceFor(p.instanceType) })),
    },
    network: { ...bp.network, subnets: bp.network.subnets.map((s, i) => ({ ...s, zone: zoneFor(s.zone, i) })) },
    storage: { ...bp.storage, classes: bp.storage.classes.map((k) => ({ ...k, type: c.defaultStorageType })) },
    security: {
      ...bp.security,
      secrets:
        bp.security.secrets === 'vault' || bp.security.secrets === 'sops' ? bp.security.secrets : c.secretsManager,
    },
  };
}
