/**
 * The AWS root module: VPC, subnets, internet and NAT gateways and routes (plain resources, so every subnet lands
 * exactly in the zone the design says), a security group for the firewall rules, EKS through the
 * terraform-aws-modules/eks/aws module with one managed node group per node pool, storage classes on the EBS CSI
 * driver, RDS instances (and ElastiCache for Redis) in the private subnets.
 */
import type { Database, FirewallRule } from '../blueprint.js';
import type { DatabaseFacts, Facts } from './facts.js';
import { attr, blank, block, comment, expr, ident, type HclValue, type Item } from './hcl.js';
import {
  backendFile,
  constraintMeaning,
  DB_PORTS,
  EKS_MODULE,
  platformFiles,
  portRanges,
  subnetsLocal,
  type TfFile,
  variablesFile,
  versionsFile,
} from './tf-common.js';

const subnetRef = (name: string) => expr(`aws_subnet.this[${JSON.stringify(name)}].id`);
const aliasOf = (region: string) => region.replace(/-/g, '_');
const SQL_ENGINE: Record<Exclude<Database['engine'], 'redis'>, string> = {
  postgres: 'postgres',
  mysql: 'mysql',
  mariadb: 'mariadb',
  sqlserver: 'sqlserver-se',
};
const SQLSERVER_VERSIONS: Record<string, string> = { '2022': '16.00', '2019': '15.00', '2017': '14.00' };
const REDIS_VERSIONS: Record<string, string> = { '7': '7.1', '6': '6.2' };

export function awsFiles(f: Facts): TfFile[] {
  const bp = f.bp;
  const hasDb = bp.storage.databases.length > 0;
  const secondary = bp.provider.secondaryRegions.filter((r) => r !== bp.provider.region);
  const files: TfFile[] = [versionsFile(f, ['aws'])];
  const backend = backendFile(f, 'cluster');
  if (backend) files.push(backend);

  const providers: Item[] = [
    block(
      'provider',
      ['aws'],
      [attr('region', expr('var.region')), blank, block('default_tags', [], [attr('tags', expr('local.tags'))])],
    ),
  ];
  for (const r of secondary) {
    providers.push(comment(`Secondary region ${r}: cross-region copies of database backups.`));
    providers.push(
      block(
        'provider',
        ['aws'],
        [
          attr('alias', aliasOf(r)),
          attr('region', r),
          blank,
          block('default_tags', [], [attr('tags', expr('local.tags'))]),
        ],
      ),
    );
  }
  files.push({ name: 'providers.tf', about: 'Provider settings.', items: providers });
  files.push(variablesFile(bp));
  files.push(networkFile(f));
  files.push(clusterFile(f));
  if (hasDb) files.push(databasesFile(f));
  files.push(outputsFile(f));
  files.push(
    ...platformFiles(f, {
      cloud: 'aws',
      providers: [
        block('provider', ['aws'], [attr('region', expr('var.region'))]),
        comment('The cluster the cluster root made, found by name: this root reads none of its state.'),
        block('data', ['aws_eks_cluster', 'this'], [attr('name', expr('var.name'))]),
        comment("Talks to the cluster's API with the caller's AWS credentials (aws eks get-token)."),
        block(
          'provider',
          ['kubernetes'],
          [
            attr('host', expr('data.aws_eks_cluster.this.endpoint')),
            attr(
              'cluster_ca_certificate',
              expr('base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)'),
            ),
            blank,
            block(
              'exec',
              [],
              [
                attr('api_version', 'client.authentication.k8s.io/v1beta1'),
                attr('command', 'aws'),
                attr('args', ['eks', 'get-token', '--cluster-name', expr('var.name'), '--region', expr('var.region')]),
              ],
            ),
          ],
        ),
      ],
      storage: {
        provisioner: 'ebs.csi.aws.com',
        parameters: (k) => ({ type: k.type, encrypted: String(k.encrypted), fsType: 'ext4' }),
        note: 'EKS also ships a gp2 class marked default; remove that mark if one of these is your default.',
      },
    }),
  );
  return files;
}

function networkFile(f: Facts): TfFile {
  const bp = f.bp;
  const items: Item[] = [];
  const natGateways: Record<string, HclValue> = {};
  for (const n of f.nat) natGateways[n.key] = n.subnet!;
  items.push(
    block(
      'locals',
      [],
      [
        comment('Subnets of the design, by name.'),
        attr('subnets', subnetsLocal(bp)),
        attr('public_subnets', expr('{ for k, s in local.subnets : k => s if s.public }')),
        attr('private_subnets', expr('{ for k, s in local.subnets : k => s if !s.public }')),
        attr(
          'lb_role_tags',
          expr(
            '{ for k, s in local.subnets : k => s.public ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb" }',
          ),
        ),
        comment('NAT gateway -> the public subnet it sits in; private subnet -> the NAT gateway it routes through.'),
        attr('nat_gateways', natGateways),
        attr('nat_routes', f.natRoutes),
      ],
    ),
  );
  items.push(
    block(
      'resource',
      ['aws_vpc', 'main'],
      [
        attr('cidr_block', bp.network.vpcCidr),
        attr('enable_dns_support', true),
        attr('enable_dns_hostnames', true),
        attr('tags', { Name: expr('var.name') }),
      ],
    ),
  );
  items.push(
    block(
      'resource',
      ['aws_subnet', 'this'],
      [
        attr('for_each', expr('local.subnets')),
        blank,
        attr('vpc_id', expr('aws_vpc.main.id')),
        attr('cidr_block', expr('each.value.cidr')),
        attr('availability_zone', expr('each.value.zone')),
        attr('map_public_ip_on_launch', expr('each.value.public')),
        comment(
          'The role tag tells the AWS load balancer controller where internet-facing and internal load balancers go.',
        ),
        attr('tags', expr('{ Name = "${var.name}-${each.key}", (local.lb_role_tags[each.key]) = "1" }')),
      ],
    ),
  );
  if (f.publicSubnets.length > 0) {
    items.push(
      block(
        'resource',
        ['aws_internet_gateway', 'main'],
        [attr('vpc_id', expr('aws_vpc.main.id')), attr('tags', { Name: expr('var.name') })],
      ),
    );
    items.push(
      block(
        'resource',
        ['aws_route_table', 'public'],
        [
          attr('vpc_id', expr('aws_vpc.main.id')),
          attr('tags', { Name: expr('"${var.name}-public"') }),
          blank,
          block(
            'route',
            [],
            [attr('cidr_block', '0.0.0.0/0'), attr('gateway_id', expr('aws_internet_gateway.main.id'))],
          ),
        ],
      ),
    );
    items.push(
      block(
        'resource',
        ['aws_route_table_association', 'public'],
        [
          attr('for_each', expr('local.public_subnets')),
          blank,
          attr('subnet_id', expr('aws_subnet.this[each.key].id')),
          attr('route_table_id', expr('aws_route_table.public.id')),
        ],
      ),
    );
  }
  if (f.nat.length > 0) {
    items.push(
      block(
        'resource',
        ['aws_eip', 'nat'],
        [
          attr('for_each', expr('local.nat_gateways')),
          blank,
          attr('domain', 'vpc'),
          attr('tags', { Name: expr('"${var.name}-${each.key}"') }),
        ],
      ),
    );
    items.push(
      block(
        'resource',
        ['aws_nat_gateway', 'this'],
        [
          attr('for_each', expr('local.nat_gateways')),
          blank,
          attr('allocation_id', expr('aws_eip.nat[each.key].id')),
          attr('subnet_id', expr('aws_subnet.this[each.value].id')),
          attr('tags', { Name: expr('"${var.name}-${each.key}"') }),
          attr('depends_on', [expr('aws_internet_gateway.main')]),
        ],
      ),
    );
  }
  if (f.privateSubnets.length > 0) {
    items.push(
      block(
        'resource',
        ['aws_route_table', 'private'],
        [
          attr('for_each', expr('local.private_subnets')),
          blank,
          attr('vpc_id', expr('aws_vpc.main.id')),
          attr('tags', { Name: expr('"${var.name}-${each.key}"') }),
        ],
      ),
    );
    items.push(
      block(
        'resource',
        ['aws_route_table_association', 'private'],
        [
          attr('for_each', expr('local.private_subnets')),
          blank,
          attr('subnet_id', expr('aws_subnet.this[each.key].id')),
          attr('route_table_id', expr('aws_route_table.private[each.key].id')),
        ],
      ),
    );
  }
  if (f.nat.length > 0) {
    items.push(
      block(
        'resource',
        ['aws_route', 'private_nat'],
        [
          attr('for_each', expr('local.nat_routes')),
          blank,
          attr('route_table_id', expr('aws_route_table.private[each.key].id')),
          attr('destination_cidr_block', '0.0.0.0/0'),
          attr('nat_gateway_id', expr('aws_nat_gateway.this[each.value].id')),
        ],
      ),
    );
  }
  items.push(comment('The firewall rules of the design, attached to every node.'));
  items.push(
    block(
      'resource',
      ['aws_security_group', 'firewall'],
      [
        attr('name', expr('"${var.name}-firewall"')),
        attr('description', 'Firewall rules from the dayops design'),
        attr('vpc_id', expr('aws_vpc.main.id')),
      ],
    ),
  );
  for (const rule of bp.network.firewall) items.push(ruleResource(rule));
  return { name: 'network.tf', about: 'The network: VPC, subnets, gateways, routes and firewall rules.', items };
}

function ruleResource(rule: FirewallRule): Item {
  const entries: Record<string, HclValue> = {};
  for (const src of rule.sources) {
    for (const [from, to] of portRanges(rule)) {
      const key = from === -1 ? src : from === to ? `${src} ${from}` : `${src} ${from}-${to}`;
      entries[key] = {
        cidr: src,
        ipv6: src.includes(':'),
        from_port: from === -1 && rule.protocol === 'all' ? null : from,
        to_port: from === -1 && rule.protocol === 'all' ? null : to,
      };
    }
  }
  const type =
    rule.direction === 'ingress' ? 'aws_vpc_security_group_ingress_rule' : 'aws_vpc_security_group_egress_rule';
  return block(
    'resource',
    [type, ident(rule.name)],
    [
      attr('for_each', entries),
      blank,
      attr('security_group_id', expr('aws_security_group.firewall.id')),
      attr('description', rule.name),
      attr('ip_protocol', rule.protocol === 'all' ? '-1' : rule.protocol),
      attr('from_port', expr('each.value.from_port')),
      attr('to_port', expr('each.value.to_port')),
      attr('cidr_ipv4', expr('each.value.ipv6 ? null : each.value.cidr')),
      attr('cidr_ipv6', expr('each.value.ipv6 ? each.value.cidr : null')),
    ],
  );
}

function clusterFile(f: Facts): TfFile {
  const bp = f.bp;
  const enc = bp.security.encryptionAtRest;
  const groups: Record<string, HclValue> = {};
  for (const p of bp.cluster.nodePools) {
    groups[p.name] = {
      instance_types: [p.instanceType],
      capacity_type: p.spot ? 'SPOT' : 'ON_DEMAND',
      min_size: p.min,
      max_size: p.max,
      desired_size: p.desired,
      labels: { 'dayops.io/pool': p.name },
    };
  }
  const items: Item[] = [
    comment(
      `${f.controlPlane.summary}.\n` +
        'The nodes, in the private subnets, get the firewall security group and the EBS CSI policy for volumes.\n' +
        `Module version ${EKS_MODULE.version} allows ${constraintMeaning(EKS_MODULE.version)}.`,
    ),
    block(
      'module',
      ['eks'],
      [
        attr('source', EKS_MODULE.source),
        attr('version', EKS_MODULE.version),
        blank,
        attr('cluster_name', expr('var.name')),
        attr('cluster_version', expr('var.kubernetes_version')),
        attr('vpc_id', expr('aws_vpc.main.id')),
        attr(
          'subnet_ids',
          f.nodeSubnets.map((s) => subnetRef(s.name)),
        ),
        attr('cluster_endpoint_private_access', true),
        attr('cluster_endpoint_public_access', !bp.cluster.controlPlane.privateEndpoint),
        attr('enable_cluster_creator_admin_permissions', true),
        attr('cluster_enabled_log_types', bp.security.auditLogging ? ['api', 'audit', 'authenticator'] : []),
        attr('create_kms_key', enc),
        attr('cluster_encryption_config', enc ? { resources: ['secrets'] } : {}),
        blank,
        attr('cluster_addons', {
          coredns: {},
          'kube-proxy': {},
          'vpc-cni': {},
          'eks-pod-identity-agent': {},
          'aws-ebs-csi-driver': {},
        }),
        blank,
        attr('eks_managed_node_group_defaults', {
          vpc_security_group_ids: [expr('aws_security_group.firewall.id')],
          iam_role_additional_policies: { ebs_csi: 'arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy' },
        }),
        blank,
        comment('One managed node group per node pool of the design.'),
        attr('eks_managed_node_groups', groups),
      ],
    ),
  ];
  return { name: 'cluster.tf', about: 'The Kubernetes cluster (EKS) and its node pools.', items };
}

/** A database's protections in a few words, for the comment above it. */
function dbSummary(x: DatabaseFacts): string {
  return [
    x.ha ? 'a standby in another zone' : 'one zone',
    x.backupDays > 0 ? `backups kept ${x.backupDays} days` : 'no automated backups',
    ...(x.deletionProtection ? ['deletion protection'] : []),
    ...(x.finalSnapshot ? ['a final snapshot when deleted'] : []),
  ].join(', ');
}

function databasesFile(f: Facts): TfFile {
  const bp = f.bp;
  const items: Item[] = [];
  const dbSubnets = f.nodeSubnets.map((s) => subnetRef(s.name));
  const ports = [...new Set(bp.storage.databases.map((d) => DB_PORTS[d.engine]))].sort((a, b) => a - b);
  items.push(
    block(
      'resource',
      ['aws_security_group', 'database'],
      [
        attr('name', expr('"${var.name}-database"')),
        attr('description', 'Database access from inside the VPC only'),
        attr('vpc_id', expr('aws_vpc.main.id')),
        ...ports.map((p) =>
          block(
            'ingress',
            [],
            [
              attr('description', `port ${p} from the VPC`),
              attr('from_port', p),
              attr('to_port', p),
              attr('protocol', 'tcp'),
              attr('cidr_blocks', [expr('aws_vpc.main.cidr_block')]),
            ],
          ),
        ),
      ],
    ),
  );
  if (f.sqlDatabases.length > 0) {
    items.push(
      block(
        'resource',
        ['aws_db_subnet_group', 'main'],
        [attr('name', expr('var.name')), attr('subnet_ids', dbSubnets)],
      ),
    );
  }
  for (const x of f.databases.filter((db) => !db.cache)) {
    const d = x.db;
    const name = ident(d.name);
    const engine = SQL_ENGINE[d.engine as Exclude<Database['engine'], 'redis'>];
    const version = d.engine === 'sqlserver' ? (SQLSERVER_VERSIONS[d.version] ?? d.version) : d.version;
    items.push(comment(`Database ${d.name}: ${d.engine} ${d.version}, ${d.sizeGb} GB, ${dbSummary(x)}.`));
    items.push(
      block(
        'resource',
        ['aws_db_instance', name],
        [
          attr('identifier', expr(`"\${var.name}-${d.name}"`)),
          attr('engine', engine),
          attr('engine_version', version),
          attr('license_model', d.engine === 'sqlserver' ? 'license-included' : undefined),
          attr(
            'instance_class',
            d.engine === 'sqlserver' ? 'db.m6i.large' : f.prod || x.ha ? 'db.m6g.large' : 'db.t4g.medium',
          ),
          attr('allocated_storage', Math.max(d.sizeGb, 20)),
          attr('max_allocated_storage', Math.max(d.sizeGb, 20) * 2),
          attr('storage_type', 'gp3'),
          attr('storage_encrypted', x.encrypted),
          attr('username', 'dbadmin'),
          comment('The password is generated and kept in AWS Secrets Manager, never in the state.'),
          attr('manage_master_user_password', true),
          attr('db_subnet_group_name', expr('aws_db_subnet_group.main.name')),
          attr('vpc_security_group_ids', [expr('aws_security_group.database.id')]),
          attr('publicly_accessible', false),
          attr('multi_az', x.ha),
          attr('backup_retention_period', x.backupDays),
          attr('copy_tags_to_snapshot', true),
          attr('deletion_protection', x.deletionProtection),
          attr('skip_final_snapshot', !x.finalSnapshot),
          attr('final_snapshot_identifier', x.finalSnapshot ? expr(`"\${var.name}-${d.name}-final"`) : undefined),
        ],
      ),
    );
    if (x.backupCopy) {
      const alias = aliasOf(x.backupCopy);
      if (d.encrypted) {
        items.push(
          block(
            'resource',
            ['aws_kms_key', `${name}_backups_${alias}`],
            [
              attr('provider', expr(`aws.${alias}`)),
              attr('description', expr(`"\${var.name}-${d.name} backup copies"`)),
              attr('enable_key_rotation', true),
              attr('deletion_window_in_days', 30),
            ],
          ),
        );
      }
      items.push(
        block(
          'resource',
          ['aws_db_instance_automated_backups_replication', `${name}_${alias}`],
          [
            attr('provider', expr(`aws.${alias}`)),
            attr('source_db_instance_arn', expr(`aws_db_instance.${name}.arn`)),
            attr('retention_period', 7),
            attr('kms_key_id', d.encrypted ? expr(`aws_kms_key.${name}_backups_${alias}.arn`) : undefined),
          ],
        ),
      );
    }
  }
  if (f.caches.length > 0) {
    items.push(
      block(
        'resource',
        ['aws_elasticache_subnet_group', 'main'],
        [attr('name', expr('var.name')), attr('subnet_ids', dbSubnets)],
      ),
    );
  }
  for (const x of f.databases.filter((db) => db.cache)) {
    const d = x.db;
    const name = ident(d.name);
    items.push(
      comment(
        `Cache ${d.name}: Redis ${d.version}, ${dbSummary(x)}; pick node_type for about ${d.sizeGb} GB of memory.`,
      ),
    );
    items.push(
      block(
        'resource',
        ['aws_elasticache_replication_group', name],
        [
          attr('replication_group_id', expr(`"\${var.name}-${d.name}"`)),
          attr('description', `${d.name} (Redis)`),
          attr('engine', 'redis'),
          attr('engine_version', REDIS_VERSIONS[d.version] ?? d.version),
          attr('node_type', f.prod || x.ha ? 'cache.m6g.large' : 'cache.t4g.medium'),
          attr('port', 6379),
          attr('num_cache_clusters', x.ha ? 2 : 1),
          attr('automatic_failover_enabled', x.ha),
          attr('multi_az_enabled', x.ha),
          attr('at_rest_encryption_enabled', x.encrypted),
          attr('transit_encryption_enabled', true),
          attr('subnet_group_name', expr('aws_elasticache_subnet_group.main.name')),
          attr('security_group_ids', [expr('aws_security_group.database.id')]),
          attr('snapshot_retention_limit', x.backupDays),
        ],
      ),
    );
  }
  return { name: 'databases.tf', about: 'Managed databases, reachable only from inside the VPC.', items };
}

function outputsFile(f: Facts): TfFile {
  const bp = f.bp;
  const out = (name: string, value: HclValue, description: string) =>
    block('output', [name], [attr('description', description), attr('value', value)]);
  const items: Item[] = [
    out('cluster_name', expr('module.eks.cluster_name'), 'EKS cluster name (aws eks update-kubeconfig --name ...).'),
    out('cluster_endpoint', expr('module.eks.cluster_endpoint'), 'Kubernetes API endpoint.'),
    out('vpc_id', expr('aws_vpc.main.id'), 'VPC id.'),
    out('subnet_ids', expr('{ for k, s in aws_subnet.this : k => s.id }'), 'Subnet ids by name.'),
    out(
      'ingress_allowed_cidrs',
      bp.network.ingress.allowedCidrs,
      `Ranges the ${bp.network.ingress.controller} ingress should accept (set on its load balancer).`,
    ),
  ];
  for (const d of f.sqlDatabases)
    items.push(
      out(
        `${ident(d.name)}_endpoint`,
        expr(`aws_db_instance.${ident(d.name)}.endpoint`),
        `Endpoint of database ${d.name}.`,
      ),
    );
  for (const d of f.caches) {
    items.push(
      out(
        `${ident(d.name)}_endpoint`,
        expr(`aws_elasticache_replication_group.${ident(d.name)}.primary_endpoint_address`),
        `Endpoint of cache ${d.name}.`,
      ),
    );
  }
  return { name: 'outputs.tf', about: 'Values other stacks and people need.', items };
}
