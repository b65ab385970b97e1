/**
 * What the OpenTofu/Terraform root modules of every cloud share: provider versions and what their constraints
 * allow, the state backend, the variables file, and the Kubernetes objects (storage classes, RBAC) written with
 * the hashicorp/kubernetes provider in the platform root.
 */
import type { Blueprint, Database, FirewallRule } from '../blueprint.js';
import { parseCidr } from '../audit.js';
import { BACKEND_LABEL, type Facts, PLATFORM_DIR } from './facts.js';
import { attr, blank, block, comment, expr, ident, renderValue, type HclValue, type Item } from './hcl.js';
import { maxOf } from '../../arrays.js';

export interface TfFile {
  name: string;
  /** What the file holds, for its header comment. */
  about: string;
  items: Item[];
}

export const PROVIDER_VERSIONS = {
  aws: { source: 'hashicorp/aws', version: '~> 5.80' },
  azurerm: { source: 'hashicorp/azurerm', version: '~> 4.14' },
  // 6.31 added settings.retain_backups_on_delete to Cloud SQL instances.
  google: { source: 'hashicorp/google', version: '~> 6.31' },
  kubernetes: { source: 'hashicorp/kubernetes', version: '~> 2.35' },
  random: { source: 'hashicorp/random', version: '~> 3.6' },
} as const;

export const EKS_MODULE = { source: 'terraform-aws-modules/eks/aws', version: '~> 20.31' } as const;

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

export const variable = (name: string, description: string, def: HclValue | undefined, type = 'string') =>
  block('variable', [name], [attr('description', description), attr('type', expr(type)), attr('default', def)]);

export function variablesFile(bp: Blueprint, extra: Item[] = [], tags?: HclValue): TfFile {
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
  const namespaces = [...new Set(bp.security.rbac.flatMap((r) => r.namespaces ?? []))].filter(
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

type ProviderName = keyof typeof PROVIDER_VERSIONS;

/**
 * What a pessimistic constraint allows, in words: `~> 5.80` is ">= 5.80 and < 6.0 (any 5.x from 5.80 on)";
 * `~> 5.40.0` is ">= 5.40.0 and < 5.41.0 (5.40.x only)". Only the last part given may grow.
 */
export function constraintMeaning(constraint: string): string {
  const m = /^~>\s*(\d+(?:\.\d+)+)$/.exec(constraint.trim());
  if (!m) return constraint;
  const parts = m[1].split('.').map(Number);
  const fixed = parts.slice(0, -1);
  const upper = [...fixed.slice(0, -1), fixed[fixed.length - 1] + 1, 0].join('.');
  const series = `${fixed.join('.')}.x`;
  const last = parts[parts.length - 1];
  const which =
    parts.length === 2 ? `any ${series} from ${m[1]} on` : last === 0 ? `${series} only` : `${series} from ${m[1]} on`;
  return `>= ${m[1]} and < ${upper} (${which})`;
}

/** The Terraform/OpenTofu release a root needs: the S3 backend's lock file (use_lockfile) came with 1.10. */
const requiredVersion = (f: Facts) => (f.bp.iac.backend === 's3' ? '1.10' : '1.6');

export function versionsFile(f: Facts, providers: ProviderName[], dir = ''): TfFile {
  const req: Record<string, HclValue> = {};
  for (const p of providers) req[p] = { ...PROVIDER_VERSIONS[p] };
  const version = requiredVersion(f);
  const width = maxOf(providers.map((p) => `${p} ${PROVIDER_VERSIONS[p].version}`.length));
  return {
    name: `${dir}versions.tf`,
    about: 'Tool and provider versions.',
    items: [
      block(
        'terraform',
        [],
        [
          comment(
            `OpenTofu or Terraform ${version} or newer${version === '1.10' ? ': the S3 backend locks the state with a lock file from 1.10 on' : ''}.`,
          ),
          attr('required_version', `>= ${version}.0`),
          blank,
          comment(
            [
              'What each constraint allows (`~>` lets only the last part given grow):',
              ...providers.map(
                (p) =>
                  `  ${`${p} ${PROVIDER_VERSIONS[p].version}`.padEnd(width)} allows ${constraintMeaning(PROVIDER_VERSIONS[p].version)}`,
              ),
              '`init -upgrade` takes the newest allowed; .terraform.lock.hcl records the exact versions: commit it.',
            ].join('\n'),
          ),
          block(
            'required_providers',
            [],
            providers.map((p) => attr(p, req[p])!),
          ),
        ],
      ),
    ],
  };
}

/** The partial backend configuration both roots read: what differs per team and account (bucket, account). */
export const BACKEND_CONFIG = 'backend.hcl';

/** `backend.tf` of a root: the settings that are the same everywhere, the rest read from backend.hcl. */
export function backendFile(f: Facts, root: 'cluster' | 'platform'): TfFile | undefined {
  const b = f.backend;
  if (b.type === 'local') return undefined;
  const config = root === 'cluster' ? BACKEND_CONFIG : `../${BACKEND_CONFIG}`;
  const settings: (Item | undefined)[] =
    b.type === 's3'
      ? [attr('key', b.keyFor(root)), attr('encrypt', true), attr('use_lockfile', true)]
      : b.type === 'gcs'
        ? [attr('prefix', b.keyFor(root))]
        : [attr('key', b.keyFor(root)), attr('use_azuread_auth', true)];
  return {
    name: `${root === 'cluster' ? '' : `${PLATFORM_DIR}/`}backend.tf`,
    about: 'Where the state lives.',
    items: [
      comment(
        [
          `The state lives in ${BACKEND_LABEL[b.type]}, locked by ${b.locking}.`,
          `A partial configuration: the rest comes from ${BACKEND_CONFIG}, so run \`init -backend-config=${config}\``,
          '(dayops passes it through TF_CLI_ARGS_init, set in dayops.yaml).',
        ].join('\n'),
      ),
      block('terraform', [], [block('backend', [b.type], settings)]),
    ],
  };
}

/** Lowercase letters and digits only, for Azure storage account names. */
const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** `backend.hcl`: the bucket or storage account of the state, shared by both roots under their own keys. */
export function backendConfigFile(f: Facts): TfFile | undefined {
  const bp = f.bp;
  const b = f.backend;
  if (b.type === 'local' || bp.iac.tool === 'ansible') return undefined;
  const bucket = `${bp.metadata.name}-${bp.metadata.environment}-tfstate`.slice(0, 63).replace(/-+$/, '');
  const create =
    b.type === 'azurerm'
      ? 'Create the storage account and container once, outside this stack (with blob versioning and soft delete on),'
      : `Create the bucket once, outside this stack, with ${b.type === 's3' ? 'versioning and encryption' : 'object versioning'} on,`;
  const items: Item[] = [
    comment(
      [
        `The ${b.type === 'azurerm' ? 'storage account' : 'bucket'} holding the state of both roots of this stack, each under its own key.`,
        create,
        'and change the name here if yours differs.',
      ].join('\n'),
    ),
    ...(b.type === 's3'
      ? [attr('bucket', bucket)!, attr('region', bp.provider.region)!]
      : b.type === 'gcs'
        ? [attr('bucket', bucket)!]
        : [
            attr('resource_group_name', 'rg-tfstate')!,
            attr('storage_account_name', alnum(`${bp.metadata.name}${bp.metadata.environment}tfstate`).slice(0, 24))!,
            attr('container_name', 'tfstate')!,
          ]),
  ];
  return { name: BACKEND_CONFIG, about: `Backend settings: init -backend-config=${BACKEND_CONFIG}.`, items };
}

export interface PlatformSpec {
  /** The cloud's provider, for finding the cluster. */
  cloud: ProviderName;
  /** Provider blocks and the data sources that find the cluster by name, ending with the kubernetes provider. */
  providers: Item[];
  /** Inputs beyond name, environment and region. */
  variables?: Item[];
  storage: StorageClassSpec;
}

/**
 * The platform root (`platform/`): the objects inside the cluster, applied after the cluster root, through a
 * kubernetes provider fed by data sources that look the cluster up by name. A provider configured from a
 * resource of its own root cannot plan before that resource exists, and a private API answers only inside the
 * network, so real teams keep the two apart: the cluster root needs only the cloud's API, this one the cluster's.
 */
export function platformFiles(f: Facts, spec: PlatformSpec): TfFile[] {
  if (!f.platform) return [];
  const bp = f.bp;
  const dir = `${PLATFORM_DIR}/`;
  const files: TfFile[] = [versionsFile(f, [spec.cloud, 'kubernetes'], dir)];
  const backend = backendFile(f, 'platform');
  if (backend) files.push(backend);
  files.push(
    { name: `${dir}providers.tf`, about: 'Provider settings: the cluster, found by name.', items: spec.providers },
    {
      name: `${dir}variables.tf`,
      about: 'Inputs, with the design as defaults; they must name the cluster the cluster root made.',
      items: [
        variable('name', 'Name of the stack; the cluster is found by it.', bp.metadata.name),
        variable('environment', 'dev, staging or prod.', bp.metadata.environment),
        variable('region', 'Primary region.', bp.provider.region),
        ...(spec.variables ?? []),
      ],
    },
  );
  const k = kubernetesFile(f, spec.storage);
  files.push({ ...k, name: `${dir}${k.name}` });
  return files;
}
