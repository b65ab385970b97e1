/**
 * The facts of a design that both the generated code and DESIGN.md state: which subnets the nodes use and where
 * NAT gateways go, and what each cloud really does with the design's choices (a control plane replicated across
 * zones or not, a database standby, how long backups are kept and where copies go, deletion protection, the API
 * endpoint, the state backend, the zones of each node pool). The generators write the code from these facts and
 * DESIGN.md describes the same facts, so the two say the same thing.
 */
import {
  type Blueprint,
  type Database,
  databaseSettings,
  type NodePool,
  type StateBackend,
  type Subnet,
} from '../blueprint.js';

export interface NatGateway {
  /** `nat-1`, `nat-2`, ... */
  key: string;
  zone: string;
  /** The public subnet it sits in (AWS). */
  subnet?: string;
}

export interface ControlPlaneFacts {
  /** Replicas in more than one zone: the Kubernetes API survives the loss of a zone. */
  multiZone: boolean;
  /** The zone of a control plane that lives in one zone. */
  zone?: string;
  /** A financially backed uptime SLA for the Kubernetes API. */
  sla: boolean;
  /** What the cloud makes of the design's choice, as a sentence without its final period. */
  summary: string;
}

export interface DatabaseFacts {
  db: Database;
  /** A cache (Redis) holds no system of record: it gets no deletion protection nor final snapshot. */
  cache: boolean;
  /** A standby in another zone that takes over on its own. */
  ha: boolean;
  encrypted: boolean;
  /** Days automated backups are kept; 0 when there are none. */
  backupDays: number;
  /** Hourly RDB snapshots kept with the instance (Memorystore persistence) instead of backups. */
  snapshots: boolean;
  /** Where copies of the backups go: a region id, or `paired` for the region Azure pairs with the primary. */
  backupCopy?: string;
  /** Deletion is refused until the protection is lifted; undefined when the cloud offers none for it. */
  deletionProtection?: boolean;
  /** A last snapshot, or the backups, outlive the database; undefined when the cloud offers none for it. */
  finalSnapshot?: boolean;
}

export interface NodePoolFacts {
  pool: NodePool;
  zones: string[];
}

export interface BackendFacts {
  type: StateBackend;
  /** What keeps two runs from writing the state at once (a noun phrase). */
  locking: string;
  /** Where in the backend a root's state lives: `key` (s3, azurerm) or `prefix` (gcs). */
  keyFor: (root: 'cluster' | 'platform') => string;
}

export interface Facts {
  bp: Blueprint;
  prod: boolean;
  publicSubnets: Subnet[];
  privateSubnets: Subnet[];
  /** Where the nodes (and databases) go: the private subnets, or every subnet when there is none. */
  nodeSubnets: Subnet[];
  /** Zones of the node subnets, in order of first appearance. */
  nodeZones: string[];
  nat: NatGateway[];
  /** Private subnet name -> NAT gateway key it routes through. */
  natRoutes: Record<string, string>;
  /** Databases other than Redis. */
  sqlDatabases: Database[];
  caches: Database[];
  controlPlane: ControlPlaneFacts;
  /** The Kubernetes API answers only inside the private network. */
  privateEndpoint: boolean;
  nodePools: NodePoolFacts[];
  /** Every database, SQL and cache, in the design's order. */
  databases: DatabaseFacts[];
  backend: BackendFacts;
  /**
   * Objects inside the cluster (storage classes, namespaces, RBAC) live in a second root, `platform/`, applied
   * after the cluster exists; false when the design has none.
   */
  platform: boolean;
}

/** The state backends, for people. */
export const BACKEND_LABEL: Record<StateBackend, string> = {
  s3: 'Amazon S3',
  gcs: 'Google Cloud Storage',
  azurerm: 'Azure Blob Storage',
  local: 'the local disk',
};

/** The folder of the second root, the objects inside the cluster. */
export const PLATFORM_DIR = 'platform';

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

export function factsOf(bp: Blueprint): Facts {
  const subnets = bp.network.subnets;
  const publicSubnets = subnets.filter((s) => s.public);
  const privateSubnets = subnets.filter((s) => !s.public);
  const nodeSubnets = privateSubnets.length > 0 ? privateSubnets : subnets;
  const nodeZones = unique(nodeSubnets.map((s) => s.zone));
  const nat = natGateways(bp, publicSubnets, privateSubnets);
  const natRoutes: Record<string, string> = {};
  if (nat.length > 0) {
    privateSubnets.forEach((s, i) => {
      natRoutes[s.name] = (nat.find((n) => n.zone === s.zone) ?? nat[i % nat.length]).key;
    });
  }
  const controlPlane = controlPlaneOf(bp, nodeZones);
  return {
    bp,
    prod: bp.metadata.environment === 'prod',
    publicSubnets,
    privateSubnets,
    nodeSubnets,
    nodeZones,
    nat,
    natRoutes,
    sqlDatabases: bp.storage.databases.filter((d) => d.engine !== 'redis'),
    caches: bp.storage.databases.filter((d) => d.engine === 'redis'),
    controlPlane,
    privateEndpoint: bp.cluster.controlPlane.privateEndpoint,
    nodePools: bp.cluster.nodePools.map((pool) => ({
      pool,
      zones: controlPlane.zone ? [controlPlane.zone] : nodeZones,
    })),
    databases: bp.storage.databases.map((d) => databaseOf(bp, d)),
    backend: backendOf(bp),
    platform: bp.storage.classes.length > 0 || bp.security.rbac.length > 0,
  };
}

function natGateways(bp: Blueprint, publicSubnets: Subnet[], privateSubnets: Subnet[]): NatGateway[] {
  const count = privateSubnets.length > 0 ? bp.network.egress.natGateways : 0;
  const nat: NatGateway[] = [];
  if (count === 0) return nat;
  const privZones = unique(privateSubnets.map((s) => s.zone));
  if (bp.provider.cloud === 'aws') {
    // One per private zone first, each in a public subnet of that zone where there is one.
    const preferred = unique([
      ...privZones.map((z) => publicSubnets.find((p) => p.zone === z)).filter((p): p is Subnet => !!p),
      ...publicSubnets,
    ]);
    if (preferred.length > 0) {
      for (let i = 0; i < count; i++) {
        const p = preferred[i % preferred.length];
        nat.push({ key: `nat-${i + 1}`, zone: p.zone, subnet: p.name });
      }
    }
  } else {
    for (let i = 0; i < count; i++) nat.push({ key: `nat-${i + 1}`, zone: privZones[i % privZones.length] });
  }
  return nat;
}

function controlPlaneOf(bp: Blueprint, nodeZones: string[]): ControlPlaneFacts {
  const ha = bp.cluster.controlPlane.availability === 'ha';
  switch (bp.provider.cloud) {
    case 'aws':
      return {
        multiZone: true,
        sla: true,
        summary:
          'EKS runs every control plane across several zones of the region, with an uptime SLA' +
          (ha ? '' : ', so the design\'s "single" changes nothing on EKS (there is no cheaper single-zone option)'),
      };
    case 'azure':
      return ha
        ? {
            multiZone: true,
            sla: true,
            summary: 'AKS Standard tier: Microsoft runs the control plane across zones, with an uptime SLA',
          }
        : {
            multiZone: true,
            sla: false,
            summary:
              'AKS Free tier: Microsoft still runs the control plane across zones, but with no uptime SLA and a limited API capacity, which suits dev and test',
          };
    case 'gcp': {
      if (ha)
        return {
          multiZone: true,
          sla: true,
          summary: 'a regional GKE cluster: the control plane has replicas in several zones of the region',
        };
      const zone = nodeZones[0] ?? `${bp.provider.region}-b`;
      return {
        multiZone: false,
        zone,
        sla: true,
        summary: `a zonal GKE cluster: one control plane replica in ${zone}, so the Kubernetes API stops while that zone is down or the control plane is upgraded`,
      };
    }
  }
}

function databaseOf(bp: Blueprint, d: Database): DatabaseFacts {
  const cloud = bp.provider.cloud;
  const cache = d.engine === 'redis';
  const set = databaseSettings(bp, d);
  const secondary = bp.provider.secondaryRegions.find((r) => r !== bp.provider.region);
  const facts: DatabaseFacts = {
    db: d,
    cache,
    ha: set.highAvailability,
    // Azure and Google encrypt every database at rest; on AWS it is a setting.
    encrypted: cloud === 'aws' ? d.encrypted : true,
    backupDays: 0,
    snapshots: false,
  };
  if (cache) {
    if (cloud === 'aws') facts.backupDays = d.backup ? 7 : 0;
    if (cloud === 'gcp') facts.snapshots = d.backup;
    return facts;
  }
  facts.deletionProtection = set.deletionProtection;
  // Azure keeps at least 7 days of backups of its managed databases whatever the design says.
  facts.backupDays = cloud === 'azure' || d.backup ? 7 : 0;
  if (cloud === 'azure') {
    // A delete lock keeps the server from being deleted at all; Azure takes no final snapshot.
    if (secondary) facts.backupCopy = 'paired';
  } else {
    facts.finalSnapshot = set.finalSnapshot;
    if (secondary && d.backup) facts.backupCopy = secondary;
  }
  return facts;
}

function backendOf(bp: Blueprint): BackendFacts {
  const type = bp.iac.backend;
  const base = `${bp.metadata.name}/${bp.metadata.environment}`;
  const locking = {
    s3: 'a lock file next to the state (use_lockfile; no DynamoDB table needed)',
    gcs: 'a lock object Cloud Storage keeps next to the state',
    azurerm: 'a lease on the state blob',
    local: 'a lock file on this machine only',
  }[type];
  return {
    type,
    locking,
    keyFor: (root) => (type === 'gcs' ? `${base}/${root}` : `${base}/${root}.tfstate`),
  };
}
