/**
 * What the OpenTofu/Terraform root modules of every cloud share: the facts derived from the design (which subnets
 * the nodes use, where NAT gateways go), the variables file, and the Kubernetes objects (storage classes, RBAC)
 * written with the hashicorp/kubernetes provider.
 */
import type { Blueprint, Database, FirewallRule, Subnet } from '../blueprint.js';
import { parseCidr } from '../audit.js';
import { attr, blank, block, comment, expr, ident, renderValue, type HclValue, type Item } from './hcl.js';

export interface TfFile {
  name: string;
  /** What the file holds, for its header comment. */
  about: string;
  items: Item[];
}

export const PROVIDER_VERSIONS = {
  aws: { source: 'hashicorp/aws', version: '~> 5.80' },
  azurerm: { source: 'hashicorp/azurerm', version: '~> 4.14' },
  google: { source: 'hashicorp/google', version: '~> 6.14' },
  kubernetes: { source: 'hashicorp/kubernetes', version: '~> 2.35' },
  random: { source: 'hashicorp/random', version: '~> 3.6' },
} as const;

export const EKS_MODULE = { source: 'terraform-aws-modules/eks/aws', version: '~> 20.31' } as const;

export interface NatGateway {
  /** `nat-1`, `nat-2`, ... */
  key: string;
  zone: string;
  /** The public subnet it sits in (AWS). */
  subnet?: string;
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
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

export function factsOf(bp: Blueprint): Facts {
  const subnets = bp.network.subnets;
  const publicSubnets = subnets.filter((s) => s.public);
  const privateSubnets = subnets.filter((s) => !s.public);
  const nodeSubnets = privateSubnets.length > 0 ? privateSubnets : subnets;
  const nodeZones = unique(nodeSubnets.map((s) => s.zone));
  const count = privateSubnets.length > 0 ? bp.network.egress.natGateways : 0;
  const nat: NatGateway[] = [];
  if (count > 0) {
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
  }
  const natRoutes: Record<string, string> = {};
  if (nat.length > 0) {
    privateSubnets.forEach((s, i) => {
      natRoutes[s.name] = (nat.find((n) => n.zone === s.zone) ?? nat[i % nat.length]).key;
    });
  }
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
  };
}

/** The first candidate range that overlaps neither the VPC nor any subnet (for service and control-plane ranges). */
export function freeRange(bp: Blueprint, candidates: string[]): string {
  const taken = [bp.network.vpcCidr, ...bp.network.subnets.map((s) => s.cidr)]
    .map(parseCidr)
    .filter((c): c is Exclude<ReturnType<typeof parseCidr>, { error: string }> => !('error' in c) && c.kind === 'ipv4');
  for (const cand of candidates) {
    const c = parseCidr(cand);
    if ('error' in c) continue;
    const clash = taken.some((t) => (c.bits >= t.bits ? c.addr.match(t.addr, t.bits) : t.addr.match(c.addr, c.bits)));
    if (!clash) return cand;
  }
  return candidates[0];
}

/** The subnets as a `locals` map, keyed by name. */
export function subnetsLocal(bp: Blueprint): HclValue {
  const m: Record<string, HclValue> = {};
  for (const s of bp.network.subnets) m[s.name] = { cidr: s.cidr, zone: s.zone, public: s.public };
  return m;
}

export function variablesFile(bp: Blueprint, extra: Item[] = [], tags?: HclValue): TfFile {
  const variable = (name: string, description: string, def: HclValue | undefined, type = 'string') =>
    block('variable', [name], [attr('description', description), attr('type', expr(type)), attr('default', def)]);
  return {
    name: 'variables.tf',
    about: 'Inputs, with the design as defaults; override them in a .tfvars file rather than here.',
    items: [
      variable('name', 'Name of the stack; prefixes every resource name.', bp.metadata.name),
      variable('environment', 'dev, staging or prod.', bp.metadata.environment),
      variable('region', 'Primary region.', bp.provider.region),
      variable('kubernetes_version', 'Kubernetes minor version of the cluster.', bp.cluster.version),
      ...extra,
      block(
        'locals',
        [],
        [
          attr(
            'tags',
            tags ?? {
              stack: expr('var.name'),
              environment: expr('var.environment'),
              owner: bp.metadata.owner || 'unknown',
              'managed-by': 'dayops',
            },
          ),
        ],
      ),
    ],
  };
}

/** Firewall rule ports as `[from, to]` pairs; all ports (or a protocol without ports) is one pair. */
export function portRanges(rule: FirewallRule): [number, number][] {
  if (rule.protocol === 'icmp' || rule.protocol === 'all') return [[-1, -1]];
  if (rule.ports.length === 0) return [[0, 65535]];
  return rule.ports.map((p) => [p, p]);
}

export const DB_PORTS: Record<Database['engine'], number> = {
  postgres: 5432,
  mysql: 3306,
  mariadb: 3306,
  sqlserver: 1433,
  redis: 6379,
};

/** A Kubernetes object name from any text: lowercase letters, digits and dashes. */
export function k8sName(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (s || 'x').slice(0, 63).replace(/-+$/, '');
}

export interface StorageClassSpec {
  provisioner: string;
  parameters: (k: Blueprint['storage']['classes'][number]) => Record<string, string>;
  note?: string;
}

/** Storage classes and RBAC bindings, through the Kubernetes provider. */
export function kubernetesFile(f: Facts, spec: StorageClassSpec): TfFile {
  const bp = f.bp;
  const items: Item[] = [];
  if (spec.note) items.push(comment(spec.note));
  for (const k of bp.storage.classes) {
    items.push(
      block(
        'resource',
        ['kubernetes_storage_class_v1', ident(k.name)],
        [
          block(
            'metadata',
            [],
            [
              attr('name', k.name),
              attr('annotations', k.default ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined),
              attr('labels', { 'dayops.io/backup': String(k.backup) }),
            ],
          ),
          attr('storage_provisioner', spec.provisioner),
          attr('reclaim_policy', f.prod ? 'Retain' : 'Delete'),
          attr('volume_binding_mode', 'WaitForFirstConsumer'),
          attr('allow_volume_expansion', true),
          attr('parameters', spec.parameters(k)),
        ],
      ),
    );
  }
  const namespaces = unique(bp.security.rbac.flatMap((r) => r.namespaces ?? [])).filter(
    (n) => !['default', 'kube-system', 'kube-public'].includes(n),
  );
  for (const ns of namespaces) {
    items.push(
      block(
        'resource',
        ['kubernetes_namespace_v1', ident(k8sName(ns))],
        [block('metadata', [], [attr('name', k8sName(ns))])],
      ),
    );
  }
  const used = new Set<string>();
  bp.security.rbac.forEach((r) => {
    let name = ident(`${k8sName(r.group)}_${k8sName(r.role)}`.replace(/-/g, '_'));
    while (used.has(name)) name += '_';
    used.add(name);
    const metaName = k8sName(`dayops-${r.group}-${r.role}`);
    const subject = block(
      'subject',
      [],
      [attr('kind', 'Group'), attr('name', r.group), attr('api_group', 'rbac.authorization.k8s.io')],
    );
    const roleRef = block(
      'role_ref',
      [],
      [attr('api_group', 'rbac.authorization.k8s.io'), attr('kind', 'ClusterRole'), attr('name', r.role)],
    );
    if (r.namespaces && r.namespaces.length > 0) {
      const nsRefs = r.namespaces.map((n) =>
        namespaces.includes(n) ? expr(`kubernetes_namespace_v1.${ident(k8sName(n))}.metadata[0].name`) : n,
      );
      items.push(
        block(
          'resource',
          ['kubernetes_role_binding_v1', name],
          [
            attr('for_each', expr(`toset(${renderValue(nsRefs, '  ')})`)),
            blank,
            block('metadata', [], [attr('name', metaName), attr('namespace', expr('each.key'))]),
            roleRef,
            subject,
          ],
        ),
      );
    } else {
      items.push(
        block(
          'resource',
          ['kubernetes_cluster_role_binding_v1', name],
          [block('metadata', [], [attr('name', metaName)]), roleRef, subject],
        ),
      );
    }
  });
  return {
    name: 'kubernetes.tf',
    about: 'Objects inside the cluster: storage classes, namespaces and RBAC bindings for your groups.',
    items,
  };
}

export function terraformBlock(providers: (keyof typeof PROVIDER_VERSIONS)[]): Item {
  const req: Record<string, HclValue> = {};
  for (const p of providers) req[p] = { ...PROVIDER_VERSIONS[p] };
  return block(
    'terraform',
    [],
    [
      comment(
        'OpenTofu 1.6+ or Terraform 1.6+. Versions are pinned to a minor series: upgrade on purpose, with a plan.',
      ),
      attr('required_version', '>= 1.6.0'),
      blank,
      block(
        'required_providers',
        [],
        providers.map((p) => attr(p, req[p])!),
      ),
    ],
  );
}
