/**
 * The Azure root module: a resource group, the virtual network and its subnets, NAT gateways, a network security
 * group with the firewall rules, AKS (the first node pool is the system pool inside azurerm_kubernetes_cluster, the
 * others are azurerm_kubernetes_cluster_node_pool), storage classes on the Azure Disk CSI driver, and flexible
 * servers (PostgreSQL, MySQL), Azure SQL or Azure Cache for Redis behind private endpoints.
 */
import type { Database } from '../blueprint.js';
import { regionOf } from '../catalog.js';
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

const subnetRef = (name: string) => expr(`azurerm_subnet.this[${JSON.stringify(name)}].id`);
const RG = expr('azurerm_resource_group.main.name');
const LOCATION = expr('azurerm_resource_group.main.location');
const POSTGRES_STORAGE_MB = [
  32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408,
];
const PROTOCOL = { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp', all: '*' } as const;
const MYSQL_VERSIONS: Record<string, string> = { '8': '8.0.21', '8.0': '8.0.21', '5.7': '5.7' };
const SUBRESOURCE: Record<Database['engine'], string> = {
  postgres: 'postgresqlServer',
  mysql: 'mysqlServer',
  mariadb: 'mariadbServer',
  sqlserver: 'sqlServer',
  redis: 'redisCache',
};

export function azureFiles(f: Facts): TfFile[] {
  const bp = f.bp;
  const passwords = f.sqlDatabases.length > 0;
  const files: TfFile[] = [versionsFile(f, ['azurerm', ...(passwords ? (['random'] as const) : [])])];
  const backend = backendFile(f, 'cluster');
  if (backend) files.push(backend);
  files.push({
    name: 'providers.tf',
    about: 'Provider settings.',
    items: [
      comment('The subscription comes from ARM_SUBSCRIPTION_ID (or az login).'),
      block('provider', ['azurerm'], [block('features', [], [])]),
    ],
  });
  files.push(variablesFile(bp));
  files.push(networkFile(f));
  files.push(clusterFile(f));
  if (bp.storage.databases.length > 0) files.push(databasesFile(f));
  files.push(outputsFile(f));
  const cluster = 'data.azurerm_kubernetes_cluster.this.kube_admin_config[0]';
  files.push(
    ...platformFiles(f, {
      cloud: 'azurerm',
      providers: [
        comment('The subscription comes from ARM_SUBSCRIPTION_ID (or az login).'),
        block('provider', ['azurerm'], [block('features', [], [])]),
        comment('The cluster the cluster root made, found by name: this root reads none of its state.'),
        block(
          'data',
          ['azurerm_kubernetes_cluster', 'this'],
          [
            attr('name', expr('"aks-${var.name}"')),
            attr('resource_group_name', expr('"rg-${var.name}-${var.environment}"')),
          ],
        ),
        comment("Talks to the cluster's API with its admin credentials."),
        block(
          'provider',
          ['kubernetes'],
          [
            attr('host', expr(`${cluster}.host`)),
            attr('client_certificate', expr(`base64decode(${cluster}.client_certificate)`)),
            attr('client_key', expr(`base64decode(${cluster}.client_key)`)),
            attr('cluster_ca_certificate', expr(`base64decode(${cluster}.cluster_ca_certificate)`)),
          ],
        ),
      ],
      storage: {
        provisioner: 'disk.csi.azure.com',
        parameters: (k) => ({ skuName: k.type, cachingMode: 'ReadOnly' }),
        note: 'Azure encrypts every managed disk at rest with platform keys; use a disk encryption set for your own keys.',
      },
    }),
  );
  return files;
}

function networkFile(f: Facts): TfFile {
  const bp = f.bp;
  const natGateways: Record<string, HclValue> = {};
  for (const n of f.nat) natGateways[n.key] = { zone: n.zone };
  const items: Item[] = [
    block(
      'resource',
      ['azurerm_resource_group', 'main'],
      [
        attr('name', expr('"rg-${var.name}-${var.environment}"')),
        attr('location', expr('var.region')),
        attr('tags', expr('local.tags')),
      ],
    ),
    block(
      'locals',
      [],
      [
        comment('Subnets of the design, by name. Azure subnets span the region; zones matter for node pools and NAT.'),
        attr('subnets', subnetsLocal(bp)),
        attr('nat_gateways', natGateways),
        attr('nat_routes', f.natRoutes),
      ],
    ),
    block(
      'resource',
      ['azurerm_virtual_network', 'main'],
      [
        attr('name', expr('"vnet-${var.name}"')),
        attr('location', LOCATION),
        attr('resource_group_name', RG),
        attr('address_space', [bp.network.vpcCidr]),
        attr('tags', expr('local.tags')),
      ],
    ),
    block(
      'resource',
      ['azurerm_subnet', 'this'],
      [
        attr('for_each', expr('local.subnets')),
        blank,
        attr('name', expr('each.key')),
        attr('resource_group_name', RG),
        attr('virtual_network_name', expr('azurerm_virtual_network.main.name')),
        attr('address_prefixes', [expr('each.value.cidr')]),
        comment('Private subnets get no implicit internet access: their traffic leaves through NAT.'),
        attr('default_outbound_access_enabled', expr('each.value.public')),
      ],
    ),
  ];
  if (f.nat.length > 0) {
    items.push(
      block(
        'resource',
        ['azurerm_public_ip', 'nat'],
        [
          attr('for_each', expr('local.nat_gateways')),
          blank,
          attr('name', expr('"pip-${var.name}-${each.key}"')),
          attr('location', LOCATION),
          attr('resource_group_name', RG),
          attr('allocation_method', 'Static'),
          attr('sku', 'Standard'),
          attr('zones', [expr('each.value.zone')]),
          attr('tags', expr('local.tags')),
        ],
      ),
      block(
        'resource',
        ['azurerm_nat_gateway', 'this'],
        [
          attr('for_each', expr('local.nat_gateways')),
          blank,
          attr('name', expr('"ng-${var.name}-${each.key}"')),
          attr('location', LOCATION),
          attr('resource_group_name', RG),
          attr('sku_name', 'Standard'),
          attr('zones', [expr('each.value.zone')]),
          attr('tags', expr('local.tags')),
        ],
      ),
      block(
        'resource',
        ['azurerm_nat_gateway_public_ip_association', 'this'],
        [
          attr('for_each', expr('local.nat_gateways')),
          blank,
          attr('nat_gateway_id', expr('azurerm_nat_gateway.this[each.key].id')),
          attr('public_ip_address_id', expr('azurerm_public_ip.nat[each.key].id')),
        ],
      ),
      block(
        'resource',
        ['azurerm_subnet_nat_gateway_association', 'this'],
        [
          attr('for_each', expr('local.nat_routes')),
          blank,
          attr('subnet_id', expr('azurerm_subnet.this[each.key].id')),
          attr('nat_gateway_id', expr('azurerm_nat_gateway.this[each.value].id')),
        ],
      ),
    );
  }
  items.push(
    comment('The firewall rules of the design, on every subnet.'),
    block(
      'resource',
      ['azurerm_network_security_group', 'main'],
      [
        attr('name', expr('"nsg-${var.name}"')),
        attr('location', LOCATION),
        attr('resource_group_name', RG),
        attr('tags', expr('local.tags')),
      ],
    ),
  );
  const priority = { ingress: 100, egress: 100 };
  for (const rule of bp.network.firewall) {
    const p = priority[rule.direction];
    priority[rule.direction] += 10;
    const ports = rule.protocol === 'tcp' || rule.protocol === 'udp' ? rule.ports.map(String) : [];
    const inbound = rule.direction === 'ingress';
    items.push(
      block(
        'resource',
        ['azurerm_network_security_rule', ident(rule.name)],
        [
          attr('name', rule.name),
          attr('priority', p),
          attr('direction', inbound ? 'Inbound' : 'Outbound'),
          attr('access', 'Allow'),
          attr('protocol', PROTOCOL[rule.protocol]),
          attr('source_port_range', '*'),
          attr('destination_port_range', ports.length === 0 ? '*' : undefined),
          attr('destination_port_ranges', ports.length > 0 ? ports : undefined),
          attr('source_address_prefixes', inbound ? rule.sources : undefined),
          attr('source_address_prefix', inbound ? undefined : 'VirtualNetwork'),
          attr('destination_address_prefix', inbound ? '*' : undefined),
          attr('destination_address_prefixes', inbound ? undefined : rule.sources),
          attr('resource_group_name', RG),
          attr('network_security_group_name', expr('azurerm_network_security_group.main.name')),
        ],
      ),
    );
  }
  items.push(
    block(
      'resource',
      ['azurerm_subnet_network_security_group_association', 'this'],
      [
        attr('for_each', expr('local.subnets')),
        blank,
        attr('subnet_id', expr('azurerm_subnet.this[each.key].id')),
        attr('network_security_group_id', expr('azurerm_network_security_group.main.id')),
      ],
    ),
  );
  return {
    name: 'network.tf',
    about: 'The network: virtual network, subnets, NAT gateways and the network security group.',
    items,
  };
}

function clusterFile(f: Facts): TfFile {
  const bp = f.bp;
  const [system, ...others] = bp.cluster.nodePools;
  const subnet = f.nodeSubnets[0] ? subnetRef(f.nodeSubnets[0].name) : undefined;
  const serviceCidr = freeRange(bp, ['172.20.0.0/16', '192.168.0.0/16', '10.255.0.0/16', '172.31.0.0/16']);
  const dnsIp = serviceCidr.replace(/\.0\.0\/16$/, '.0.10');
  const zones = f.nodeZones;
  const poolBody = (p: typeof system): (Item | undefined)[] => [
    attr('vm_size', p.instanceType),
    attr('auto_scaling_enabled', true),
    attr('min_count', p.min),
    attr('max_count', p.max),
    attr('node_count', p.desired),
    attr('vnet_subnet_id', subnet),
    attr('zones', zones),
    attr('node_labels', { 'dayops.io/pool': p.name }),
  ];
  const items: Item[] = [];
  const audit = bp.security.auditLogging;
  if (audit) {
    items.push(
      block(
        'resource',
        ['azurerm_log_analytics_workspace', 'main'],
        [
          attr('name', expr('"log-${var.name}"')),
          attr('location', LOCATION),
          attr('resource_group_name', RG),
          attr('sku', 'PerGB2018'),
          attr('retention_in_days', bp.metadata.environment === 'prod' ? 90 : 30),
          attr('tags', expr('local.tags')),
        ],
      ),
    );
  }
  items.push(
    comment(`Control plane: ${f.controlPlane.summary}.`),
    block(
      'resource',
      ['azurerm_kubernetes_cluster', 'main'],
      [
        attr('name', expr('"aks-${var.name}"')),
        attr('location', LOCATION),
        attr('resource_group_name', RG),
        attr('dns_prefix', expr('var.name')),
        attr('kubernetes_version', expr('var.kubernetes_version')),
        attr('sku_tier', f.controlPlane.sla ? 'Standard' : 'Free'),
        attr('private_cluster_enabled', bp.cluster.controlPlane.privateEndpoint),
        attr('oidc_issuer_enabled', true),
        attr('workload_identity_enabled', true),
        attr('tags', expr('local.tags')),
        blank,
        comment(`The system pool: node pool ${system.name} of the design.`),
        block(
          'default_node_pool',
          [],
          [
            attr('name', system.name),
            attr('temporary_name_for_rotation', `${system.name.slice(0, 9)}tmp`),
            ...poolBody(system),
            blank,
            block('upgrade_settings', [], [attr('max_surge', '10%')]),
          ],
        ),
        block('identity', [], [attr('type', 'SystemAssigned')]),
        comment('Kubernetes RBAC subjects are Entra ID group object ids.'),
        block('azure_active_directory_role_based_access_control', [], [attr('azure_rbac_enabled', false)]),
        block(
          'network_profile',
          [],
          [
            attr('network_plugin', 'azure'),
            attr('network_policy', 'azure'),
            attr('outbound_type', f.nat.length > 0 ? 'userAssignedNATGateway' : 'loadBalancer'),
            attr('service_cidr', serviceCidr),
            attr('dns_service_ip', dnsIp),
          ],
        ),
        f.nat.length > 0 ? attr('depends_on', [expr('azurerm_subnet_nat_gateway_association.this')]) : undefined,
      ],
    ),
  );
  if (audit) {
    items.push(
      comment('Audit logging: who did what on the Kubernetes API.'),
      block(
        'resource',
        ['azurerm_monitor_diagnostic_setting', 'aks_audit'],
        [
          attr('name', 'audit'),
          attr('target_resource_id', expr('azurerm_kubernetes_cluster.main.id')),
          attr('log_analytics_workspace_id', expr('azurerm_log_analytics_workspace.main.id')),
          blank,
          block('enabled_log', [], [attr('category', 'kube-audit-admin')]),
          block('enabled_log', [], [attr('category', 'guard')]),
        ],
      ),
    );
  }
  for (const p of others) {
    items.push(
      block(
        'resource',
        ['azurerm_kubernetes_cluster_node_pool', ident(p.name)],
        [
          attr('name', p.name),
          attr('kubernetes_cluster_id', expr('azurerm_kubernetes_cluster.main.id')),
          ...poolBody(p),
          attr('priority', p.spot ? 'Spot' : 'Regular'),
          attr('eviction_policy', p.spot ? 'Delete' : undefined),
          attr('spot_max_price', p.spot ? -1 : undefined),
          attr('node_taints', p.spot ? ['kubernetes.azure.com/scalesetpriority=spot:NoSchedule'] : undefined),
          attr('tags', expr('local.tags')),
        ],
      ),
    );
  }
  return { name: 'cluster.tf', about: 'The Kubernetes cluster (AKS) and its node pools.', items };
}

function databasesFile(f: Facts): TfFile {
  const bp = f.bp;
  const items: Item[] = [];
  const peSubnet = f.nodeSubnets[0] ? subnetRef(f.nodeSubnets[0].name) : undefined;
  items.push(
    comment(
      'Private endpoints need a private DNS zone per service (privatelink.*) linked to the VNet for name resolution.',
    ),
  );
  for (const x of f.databases) {
    const d = x.db;
    const n = ident(d.name);
    const server = expr(`"\${var.name}-${d.name}"`);
    const geo = x.backupCopy === 'paired';
    // Burstable servers offer no standby: a highly available one is General Purpose.
    const big = f.prod || x.ha;
    let ref: string;
    items.push(
      comment(
        `Database ${d.name}: ${d.engine} ${d.version}, ${d.sizeGb} GB, ${x.ha ? 'a standby in another zone' : 'one zone'}. Azure encrypts it at rest.`,
      ),
    );
    if (d.engine !== 'redis') {
      items.push(
        block(
          'resource',
          ['random_password', n],
          [attr('length', 32), attr('special', true), attr('override_special', '!#%*-_=+')],
        ),
      );
    }
    const ha = x.ha ? block('high_availability', [], [attr('mode', 'ZoneRedundant')]) : undefined;
    if (d.engine === 'postgres') {
      ref = `azurerm_postgresql_flexible_server.${n}`;
      items.push(
        block(
          'resource',
          ['azurerm_postgresql_flexible_server', n],
          [
            attr('name', server),
            attr('resource_group_name', RG),
            attr('location', LOCATION),
            attr('version', d.version),
            attr('sku_name', big ? 'GP_Standard_D4ds_v5' : 'B_Standard_B2s'),
            attr(
              'storage_mb',
              POSTGRES_STORAGE_MB.find((mb) => mb >= d.sizeGb * 1024) ??
                POSTGRES_STORAGE_MB[POSTGRES_STORAGE_MB.length - 1],
            ),
            comment(
              d.backup
                ? 'Azure keeps automated backups; 7 days here.'
                : 'Azure keeps at least 7 days of backups even when not asked to.',
            ),
            attr('backup_retention_days', 7),
            attr('geo_redundant_backup_enabled', geo),
            attr('administrator_login', 'dbadmin'),
            attr('administrator_password', expr(`random_password.${n}.result`)),
            attr('public_network_access_enabled', false),
            attr('tags', expr('local.tags')),
            ha,
            blank,
            block(
              'lifecycle',
              [],
              [attr('ignore_changes', [expr('zone'), expr('high_availability[0].standby_availability_zone')])],
            ),
          ],
        ),
      );
    } else if (d.engine === 'mysql' || d.engine === 'mariadb') {
      ref = `azurerm_mysql_flexible_server.${n}`;
      items.push(
        block(
          'resource',
          ['azurerm_mysql_flexible_server', n],
          [
            attr('name', server),
            attr('resource_group_name', RG),
            attr('location', LOCATION),
            attr('version', MYSQL_VERSIONS[d.version] ?? d.version),
            attr('sku_name', big ? 'GP_Standard_D2ds_v4' : 'B_Standard_B1ms'),
            attr('backup_retention_days', 7),
            attr('geo_redundant_backup_enabled', geo),
            attr('administrator_login', 'dbadmin'),
            attr('administrator_password', expr(`random_password.${n}.result`)),
            attr('tags', expr('local.tags')),
            blank,
            block('storage', [], [attr('size_gb', Math.max(d.sizeGb, 20))]),
            ha,
            block(
              'lifecycle',
              [],
              [attr('ignore_changes', [expr('zone'), expr('high_availability[0].standby_availability_zone')])],
            ),
          ],
        ),
      );
    } else if (d.engine === 'sqlserver') {
      ref = `azurerm_mssql_server.${n}`;
      items.push(
        block(
          'resource',
          ['azurerm_mssql_server', n],
          [
            attr('name', server),
            attr('resource_group_name', RG),
            attr('location', LOCATION),
            attr('version', '12.0'),
            attr('administrator_login', 'dbadmin'),
            attr('administrator_login_password', expr(`random_password.${n}.result`)),
            attr('minimum_tls_version', '1.2'),
            attr('public_network_access_enabled', false),
            attr('tags', expr('local.tags')),
          ],
        ),
        block(
          'resource',
          ['azurerm_mssql_database', n],
          [
            attr('name', d.name),
            attr('server_id', expr(`azurerm_mssql_server.${n}.id`)),
            attr('sku_name', f.prod ? 'GP_Gen5_4' : 'GP_Gen5_2'),
            attr('max_size_gb', d.sizeGb),
            attr('zone_redundant', x.ha),
            attr('geo_backup_enabled', geo),
            attr('transparent_data_encryption_enabled', true),
            attr('tags', expr('local.tags')),
            blank,
            block('short_term_retention_policy', [], [attr('retention_days', 7)]),
          ],
        ),
      );
    } else {
      ref = `azurerm_redis_cache.${n}`;
      items.push(
        block(
          'resource',
          ['azurerm_redis_cache', n],
          [
            attr('name', server),
            attr('resource_group_name', RG),
            attr('location', LOCATION),
            attr('capacity', 1),
            // Only the Premium tier spreads a cache across zones.
            attr('family', big ? 'P' : 'C'),
            attr('sku_name', big ? 'Premium' : 'Standard'),
            attr('zones', x.ha ? (regionOf('azure', bp.provider.region)?.zones ?? ['1', '2', '3']) : undefined),
            attr('redis_version', d.version.split('.')[0]),
            attr('minimum_tls_version', '1.2'),
            attr('non_ssl_port_enabled', false),
            attr('public_network_access_enabled', false),
            attr('tags', expr('local.tags')),
          ],
        ),
      );
    }
    if (x.deletionProtection) {
      items.push(
        comment(
          `Deletion protection: ${d.name} cannot be deleted while this lock exists (Azure takes no final snapshot).`,
        ),
        block(
          'resource',
          ['azurerm_management_lock', n],
          [
            attr('name', 'do-not-delete'),
            attr('scope', expr(`${ref}.id`)),
            attr('lock_level', 'CanNotDelete'),
            attr('notes', `Deletion protection of database ${d.name}, from the dayops design.`),
          ],
        ),
      );
    }
    if (peSubnet) {
      items.push(
        block(
          'resource',
          ['azurerm_private_endpoint', n],
          [
            attr('name', expr(`"pe-\${var.name}-${d.name}"`)),
            attr('location', LOCATION),
            attr('resource_group_name', RG),
            attr('subnet_id', peSubnet),
            attr('tags', expr('local.tags')),
            blank,
            block(
              'private_service_connection',
              [],
              [
                attr('name', d.name),
                attr('private_connection_resource_id', expr(`${ref}.id`)),
                attr('subresource_names', [SUBRESOURCE[d.engine]]),
                attr('is_manual_connection', false),
              ],
            ),
          ],
        ),
      );
    }
  }
  return { name: 'databases.tf', about: 'Managed databases, reachable through private endpoints only.', items };
}

function outputsFile(f: Facts): TfFile {
  const out = (name: string, value: HclValue, description: string, sensitive = false) =>
    block(
      'output',
      [name],
      [attr('description', description), attr('value', value), attr('sensitive', sensitive || undefined)],
    );
  const items: Item[] = [
    out('resource_group', expr('azurerm_resource_group.main.name'), 'Resource group holding the stack.'),
    out(
      'cluster_name',
      expr('azurerm_kubernetes_cluster.main.name'),
      'AKS cluster name (az aks get-credentials --name ...).',
    ),
    out('vnet_id', expr('azurerm_virtual_network.main.id'), 'Virtual network id.'),
    out('subnet_ids', expr('{ for k, s in azurerm_subnet.this : k => s.id }'), 'Subnet ids by name.'),
    out(
      'ingress_allowed_cidrs',
      f.bp.network.ingress.allowedCidrs,
      `Ranges the ${f.bp.network.ingress.controller} ingress should accept.`,
    ),
  ];
  for (const d of f.bp.storage.databases) {
    const n = ident(d.name);
    const host =
      d.engine === 'postgres'
        ? `azurerm_postgresql_flexible_server.${n}.fqdn`
        : d.engine === 'sqlserver'
          ? `azurerm_mssql_server.${n}.fully_qualified_domain_name`
          : d.engine === 'redis'
            ? `azurerm_redis_cache.${n}.hostname`
            : `azurerm_mysql_flexible_server.${n}.fqdn`;
    items.push(out(`${n}_host`, expr(host), `Host name of database ${d.name}.`));
    if (d.engine !== 'redis')
      items.push(
        out(
          `${n}_admin_password`,
          expr(`random_password.${n}.result`),
          `Admin password of ${d.name}; move it into your secrets manager.`,
          true,
        ),
      );
  }
  return { name: 'outputs.tf', about: 'Values other stacks and people need.', items };
}
