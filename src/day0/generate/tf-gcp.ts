/**
 * The Google Cloud root module: a custom-mode VPC network and subnetworks, Cloud Router + Cloud NAT, firewall
 * rules, a GKE cluster (regional for an HA control plane, zonal otherwise) with one google_container_node_pool per
 * node pool, storage classes on the Persistent Disk CSI driver, and Cloud SQL / Memorystore on private IPs.
 */
import type { Database } from '../blueprint.js';
import { agree, plural } from '../words.js';
import type { Facts } from './facts.js';
import { attr, blank, block, comment, expr, ident, type HclValue, type Item } from './hcl.js';
import {
  backendFile,
  freeRange,
  platformFiles,
  subnetsLocal,
  type TfFile,
  variablesFile,
  versionsFile,
} from './tf-common.js';

const subnetRef = (name: string) => expr(`google_compute_subnetwork.this[${JSON.stringify(name)}].id`);

/** GCP label values: lowercase letters, digits, `_` and `-`, up to 63 characters. */
function labelValue(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '_')
      .slice(0, 63) || 'unknown'
  );
}

function sqlVersion(d: Database): string {
  const v = d.version.replace(/\./g, '_');
  if (d.engine === 'postgres') return `POSTGRES_${v.split('_')[0]}`;
  if (d.engine === 'sqlserver') return `SQLSERVER_${v}_STANDARD`;
  return `MYSQL_${v.includes('_') ? v : `${v}_0`}`;
}

function redisVersion(version: string): string {
  const [major, minor] = version.split('.');
  if (major === '6') return 'REDIS_6_X';
  return `REDIS_${major}_${minor ?? '0'}`;
}

export function gcpFiles(f: Facts): TfFile[] {
  const bp = f.bp;
  const passwords = f.sqlDatabases.length > 0;
  const files: TfFile[] = [versionsFile(f, ['google', ...(passwords ? (['random'] as const) : [])])];
  const backend = backendFile(f, 'cluster');
  if (backend) files.push(backend);
  files.push({
    name: 'providers.tf',
    about: 'Provider settings.',
    items: [
      block('provider', ['google'], [attr('project', expr('var.project_id')), attr('region', expr('var.region'))]),
    ],
  });
  files.push(
    variablesFile(bp, [projectVariable], {
      stack: expr('var.name'),
      environment: expr('var.environment'),
      owner: labelValue(bp.metadata.owner || 'unknown'),
      'managed-by': 'dayops',
    }),
  );
  files.push(networkFile(f));
  files.push(clusterFile(f));
  if (bp.storage.databases.length > 0) files.push(databasesFile(f));
  files.push(outputsFile(f));
  files.push(
    ...platformFiles(f, {
      cloud: 'google',
      providers: [
        block('provider', ['google'], [attr('project', expr('var.project_id')), attr('region', expr('var.region'))]),
        block('data', ['google_client_config', 'default'], []),
        comment('The cluster the cluster root made, found by name: this root reads none of its state.'),
        block(
          'data',
          ['google_container_cluster', 'this'],
          [attr('name', expr('var.name')), attr('location', f.controlPlane.zone ?? expr('var.region'))],
        ),
        comment("Talks to the cluster's API with the caller's Google credentials."),
        block(
          'provider',
          ['kubernetes'],
          [
            attr('host', expr('"https://${data.google_container_cluster.this.endpoint}"')),
            attr('token', expr('data.google_client_config.default.access_token')),
            attr(
              'cluster_ca_certificate',
              expr('base64decode(data.google_container_cluster.this.master_auth[0].cluster_ca_certificate)'),
            ),
          ],
        ),
      ],
      variables: [projectVariable],
      storage: {
        provisioner: 'pd.csi.storage.gke.io',
        parameters: (k) => ({ type: k.type }),
        note: 'Google encrypts every persistent disk at rest; set disk-encryption-kms-key for your own keys.',
      },
    }),
  );
  return files;
}

const projectVariable = block(
  'variable',
  ['project_id'],
  [attr('description', 'The Google Cloud project to deploy into.'), attr('type', expr('string'))],
);

function networkFile(f: Facts): TfFile {
  const bp = f.bp;
  const items: Item[] = [
    block(
      'locals',
      [],
      [
        comment('Subnets of the design, by name. GCP subnets span the region; zones matter for node pools.'),
        attr('subnets', subnetsLocal(bp)),
      ],
    ),
    block(
      'resource',
      ['google_compute_network', 'main'],
      [attr('name', expr('var.name')), attr('auto_create_subnetworks', false), attr('routing_mode', 'REGIONAL')],
    ),
    comment(`GCP has no VPC-wide range: ${bp.network.vpcCidr} is the plan the subnets below are cut from.`),
    block(
      'resource',
      ['google_compute_subnetwork', 'this'],
      [
        attr('for_each', expr('local.subnets')),
        blank,
        attr('name', expr('"${var.name}-${each.key}"')),
        attr('region', expr('var.region')),
        attr('network', expr('google_compute_network.main.id')),
        attr('ip_cidr_range', expr('each.value.cidr')),
        attr('private_ip_google_access', true),
      ],
    ),
  ];
  if (f.nat.length > 0) {
    items.push(
      block(
        'resource',
        ['google_compute_router', 'main'],
        [
          attr('name', expr('"${var.name}-router"')),
          attr('region', expr('var.region')),
          attr('network', expr('google_compute_network.main.id')),
        ],
      ),
      comment(
        `Cloud NAT is one managed, regional service; the design's ${plural(bp.network.egress.natGateways, 'gateway')} ${agree(bp.network.egress.natGateways, 'turns', 'turn')} it on for the private subnets.`,
      ),
      block(
        'resource',
        ['google_compute_router_nat', 'main'],
        [
          attr('name', expr('"${var.name}-nat"')),
          attr('router', expr('google_compute_router.main.name')),
          attr('region', expr('var.region')),
          attr('nat_ip_allocate_option', 'AUTO_ONLY'),
          attr('source_subnetwork_ip_ranges_to_nat', 'LIST_OF_SUBNETWORKS'),
          ...f.privateSubnets.map((s) =>
            block(
              'subnetwork',
              [],
              [attr('name', subnetRef(s.name)), attr('source_ip_ranges_to_nat', ['ALL_IP_RANGES'])],
            ),
          ),
          block('log_config', [], [attr('enable', true), attr('filter', 'ERRORS_ONLY')]),
        ],
      ),
    );
  }
  for (const rule of bp.network.firewall) {
    const inbound = rule.direction === 'ingress';
    const ports =
      (rule.protocol === 'tcp' || rule.protocol === 'udp') && rule.ports.length > 0
        ? rule.ports.map(String)
        : undefined;
    items.push(
      block(
        'resource',
        ['google_compute_firewall', ident(rule.name)],
        [
          attr('name', expr(`"\${var.name}-${rule.name}"`)),
          attr('network', expr('google_compute_network.main.name')),
          attr('direction', inbound ? 'INGRESS' : 'EGRESS'),
          attr('priority', 1000),
          attr('source_ranges', inbound ? rule.sources : undefined),
          attr('destination_ranges', inbound ? undefined : rule.sources),
          blank,
          block('allow', [], [attr('protocol', rule.protocol), attr('ports', ports)]),
        ],
      ),
    );
  }
  return { name: 'network.tf', about: 'The network: VPC network, subnetworks, Cloud NAT and firewall rules.', items };
}

function clusterFile(f: Facts): TfFile {
  const bp = f.bp;
  const regional = f.controlPlane.multiZone;
  const zones = f.nodeZones;
  const location = f.controlPlane.zone ?? expr('var.region');
  const masterCidr = freeRange(bp, ['172.16.0.0/28', '172.16.0.16/28', '192.168.255.240/28', '10.255.255.240/28']);
  const subnet = f.nodeSubnets[0] ? subnetRef(f.nodeSubnets[0].name) : undefined;
  const items: Item[] = [
    comment(`${f.controlPlane.summary[0].toUpperCase()}${f.controlPlane.summary.slice(1)}.`),
    block(
      'resource',
      ['google_container_cluster', 'main'],
      [
        attr('name', expr('var.name')),
        attr('location', location),
        attr('network', expr('google_compute_network.main.id')),
        attr('subnetwork', subnet),
        attr('min_master_version', expr('var.kubernetes_version')),
        attr('deletion_protection', f.prod),
        attr('resource_labels', expr('local.tags')),
        comment('Node pools are managed below, one resource each.'),
        attr('remove_default_node_pool', true),
        attr('initial_node_count', 1),
        attr('networking_mode', 'VPC_NATIVE'),
        blank,
        comment("Pod and service ranges are picked by GKE inside the subnetwork's secondary ranges."),
        block('ip_allocation_policy', [], []),
        block(
          'private_cluster_config',
          [],
          [
            attr('enable_private_nodes', true),
            attr('enable_private_endpoint', bp.cluster.controlPlane.privateEndpoint),
            attr('master_ipv4_cidr_block', masterCidr),
          ],
        ),
        block('workload_identity_config', [], [attr('workload_pool', expr('"${var.project_id}.svc.id.goog"'))]),
        bp.security.auditLogging
          ? block('logging_config', [], [attr('enable_components', ['SYSTEM_COMPONENTS', 'APISERVER', 'WORKLOADS'])])
          : undefined,
      ],
    ),
  ];
  for (const p of bp.cluster.nodePools) {
    const perZone = regional && zones.length > 0 ? Math.ceil(p.desired / zones.length) : p.desired;
    items.push(
      block(
        'resource',
        ['google_container_node_pool', ident(p.name)],
        [
          attr('name', p.name),
          attr('cluster', expr('google_container_cluster.main.id')),
          attr('location', location),
          attr('node_locations', regional && zones.length > 0 ? zones : undefined),
          regional ? comment('Per zone; the autoscaler keeps the totals below.') : undefined,
          attr('initial_node_count', perZone),
          blank,
          block(
            'autoscaling',
            [],
            [
              attr('total_min_node_count', p.min),
              attr('total_max_node_count', p.max),
              attr('location_policy', 'BALANCED'),
            ],
          ),
          block('management', [], [attr('auto_repair', true), attr('auto_upgrade', true)]),
          block(
            'node_config',
            [],
            [
              attr('machine_type', p.instanceType),
              attr('spot', p.spot),
              attr('oauth_scopes', ['https://www.googleapis.com/auth/cloud-platform']),
              attr('labels', { 'dayops-pool': p.name }),
              blank,
              block('workload_metadata_config', [], [attr('mode', 'GKE_METADATA')]),
            ],
          ),
          block('lifecycle', [], [attr('ignore_changes', [expr('initial_node_count')])]),
        ],
      ),
    );
  }
  return { name: 'cluster.tf', about: 'The Kubernetes cluster (GKE) and its node pools.', items };
}

function databasesFile(f: Facts): TfFile {
  const items: Item[] = [
    comment('Private services access: Cloud SQL and Memorystore get addresses inside the VPC network.'),
    block(
      'resource',
      ['google_compute_global_address', 'private_services'],
      [
        attr('name', expr('"${var.name}-private-services"')),
        attr('purpose', 'VPC_PEERING'),
        attr('address_type', 'INTERNAL'),
        attr('prefix_length', 16),
        attr('network', expr('google_compute_network.main.id')),
      ],
    ),
    block(
      'resource',
      ['google_service_networking_connection', 'private_services'],
      [
        attr('network', expr('google_compute_network.main.id')),
        attr('service', 'servicenetworking.googleapis.com'),
        attr('reserved_peering_ranges', [expr('google_compute_global_address.private_services.name')]),
      ],
    ),
  ];
  for (const x of f.databases) {
    const d = x.db;
    const n = ident(d.name);
    items.push(
      comment(
        `Database ${d.name}: ${d.engine} ${d.version}, ${d.sizeGb} GB, ${x.ha ? 'a standby in another zone' : 'one zone'}. Google encrypts it at rest.`,
      ),
    );
    if (d.engine === 'redis') {
      items.push(
        block(
          'resource',
          ['google_redis_instance', n],
          [
            attr('name', expr(`"\${var.name}-${d.name}"`)),
            attr('region', expr('var.region')),
            attr('tier', x.ha ? 'STANDARD_HA' : 'BASIC'),
            attr('memory_size_gb', d.sizeGb),
            attr('redis_version', redisVersion(d.version)),
            attr('authorized_network', expr('google_compute_network.main.id')),
            attr('connect_mode', 'PRIVATE_SERVICE_ACCESS'),
            attr('transit_encryption_mode', 'SERVER_AUTHENTICATION'),
            attr('labels', expr('local.tags')),
            x.snapshots ? blank : undefined,
            x.snapshots
              ? block(
                  'persistence_config',
                  [],
                  [attr('persistence_mode', 'RDB'), attr('rdb_snapshot_period', 'ONE_HOUR')],
                )
              : undefined,
            attr('depends_on', [expr('google_service_networking_connection.private_services')]),
          ],
        ),
      );
      continue;
    }
    items.push(
      block(
        'resource',
        ['random_password', n],
        [attr('length', 32), attr('special', true), attr('override_special', '!#%*-_=+')],
      ),
    );
    items.push(
      block(
        'resource',
        ['google_sql_database_instance', n],
        [
          attr('name', expr(`"\${var.name}-${d.name}"`)),
          attr('region', expr('var.region')),
          attr('database_version', sqlVersion(d)),
          comment(
            'Deletion protection in Terraform (deletion_protection) and in Cloud SQL (deletion_protection_enabled).',
          ),
          attr('deletion_protection', x.deletionProtection),
          attr('root_password', d.engine === 'sqlserver' ? expr(`random_password.${n}.result`) : undefined),
          blank,
          block(
            'settings',
            [],
            [
              attr('tier', f.prod || x.ha ? 'db-custom-2-7680' : 'db-custom-1-3840'),
              attr('edition', 'ENTERPRISE'),
              attr('availability_type', x.ha ? 'REGIONAL' : 'ZONAL'),
              attr('deletion_protection_enabled', x.deletionProtection),
              comment('The final snapshot: backups outlive the instance when it is deleted.'),
              attr('retain_backups_on_delete', x.finalSnapshot),
              attr('disk_type', 'PD_SSD'),
              attr('disk_size', Math.max(d.sizeGb, 10)),
              attr('disk_autoresize', true),
              attr('user_labels', expr('local.tags')),
              blank,
              block(
                'backup_configuration',
                [],
                [
                  attr('enabled', x.backupDays > 0),
                  attr('start_time', '02:00'),
                  x.backupCopy
                    ? comment(`Backups are stored in ${x.backupCopy}, away from the primary region.`)
                    : undefined,
                  attr('location', x.backupCopy),
                  attr(
                    'point_in_time_recovery_enabled',
                    d.engine === 'postgres' || d.engine === 'sqlserver' ? d.backup : undefined,
                  ),
                  attr('binary_log_enabled', d.engine === 'mysql' ? d.backup : undefined),
                  blank,
                  block('backup_retention_settings', [], [attr('retained_backups', x.backupDays || 7)]),
                ],
              ),
              block(
                'ip_configuration',
                [],
                [
                  attr('ipv4_enabled', false),
                  attr('private_network', expr('google_compute_network.main.id')),
                  attr('ssl_mode', 'ENCRYPTED_ONLY'),
                ],
              ),
            ],
          ),
          attr('depends_on', [expr('google_service_networking_connection.private_services')]),
        ],
      ),
    );
    if (d.engine !== 'sqlserver') {
      items.push(
        block(
          'resource',
          ['google_sql_user', n],
          [
            attr('name', 'dbadmin'),
            attr('instance', expr(`google_sql_database_instance.${n}.name`)),
            attr('password', expr(`random_password.${n}.result`)),
          ],
        ),
      );
    }
  }
  return { name: 'databases.tf', about: 'Managed databases on private IPs.', items };
}

function outputsFile(f: Facts): TfFile {
  const out = (name: string, value: HclValue, description: string, sensitive = false) =>
    block(
      'output',
      [name],
      [attr('description', description), attr('value', value), attr('sensitive', sensitive || undefined)],
    );
  const items: Item[] = [
    out(
      'cluster_name',
      expr('google_container_cluster.main.name'),
      'GKE cluster name (gcloud container clusters get-credentials ...).',
    ),
    out('cluster_endpoint', expr('google_container_cluster.main.endpoint'), 'Kubernetes API endpoint.'),
    out('network_id', expr('google_compute_network.main.id'), 'VPC network id.'),
    out('subnet_ids', expr('{ for k, s in google_compute_subnetwork.this : k => s.id }'), 'Subnetwork ids by name.'),
    out(
      'ingress_allowed_cidrs',
      f.bp.network.ingress.allowedCidrs,
      `Ranges the ${f.bp.network.ingress.controller} ingress should accept.`,
    ),
  ];
  for (const d of f.bp.storage.databases) {
    const n = ident(d.name);
    if (d.engine === 'redis')
      items.push(out(`${n}_host`, expr(`google_redis_instance.${n}.host`), `Host of cache ${d.name}.`));
    else {
      items.push(
        out(
          `${n}_private_ip`,
          expr(`google_sql_database_instance.${n}.private_ip_address`),
          `Private IP of database ${d.name}.`,
        ),
      );
      items.push(
        out(
          `${n}_admin_password`,
          expr(`random_password.${n}.result`),
          `Admin password of ${d.name}; move it into your secrets manager.`,
          true,
        ),
      );
    }
  }
  return { name: 'outputs.tf', about: 'Values other stacks and people need.', items };
}
