/**
 * The Ansible layout of a design: `ansible.cfg` naming the inventory, `inventory.ini` (the cloud APIs are driven
 * from the control host), `group_vars/all.yml` holding the design as variables, and `site.yml` running one role per
 * part of the design (network, cluster, node pools, storage, databases, access). The roles call the cloud's
 * collection modules (amazon.aws / community.aws, azure.azcollection, google.cloud) and kubernetes.core for what
 * lives inside the cluster: a skeleton the team completes, not a black box.
 */
import { Scalar } from 'yaml';
import type { Blueprint } from '../blueprint.js';
import { CATALOG } from '../catalog.js';
import { yamlWithHeader } from './blueprint-yaml.js';
import { ANSIBLE_INVENTORY, ANSIBLE_PLAYBOOK } from './dayops-yaml.js';
import { factsOf, type Facts } from './facts.js';
import { DB_PORTS, freeRange, k8sName } from './tf-common.js';

export interface AnsibleFile {
  path: string;
  content: string;
}

type Task = Record<string, unknown>;

const v = (name: string) => `{{ ${name} }}`;

/**
 * Text from the design that Ansible must not template: a string holding `{{`, `{%` or `{#` is written with the
 * `!unsafe` tag, so a group named `{{ lookup('pipe', 'id') }}` stays a name. Applies through lists and maps.
 */
export function guard<T>(value: T): T {
  if (typeof value === 'string') {
    if (!/\{[{%#]/.test(value)) return value;
    const s = new Scalar(value);
    s.tag = '!unsafe';
    return s as unknown as T;
  }
  if (Array.isArray(value)) return value.map(guard) as T;
  if (value && typeof value === 'object' && !(value instanceof Scalar)) {
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, guard(x)])) as T;
  }
  return value;
}

export function ansibleFiles(bp: Blueprint, header: (about: string) => string): AnsibleFile[] {
  const f = factsOf(bp);
  const roles = roleTasks(f);
  const files: AnsibleFile[] = [];
  files.push({
    path: 'ansible.cfg',
    content: [
      ...header('Ansible settings: the inventory and roles of this folder.')
        .split('\n')
        .map((l) => `# ${l}`.trimEnd()),
      '',
      '[defaults]',
      `inventory = ${ANSIBLE_INVENTORY}`,
      'roles_path = roles',
      'retry_files_enabled = False',
      'interpreter_python = auto_silent',
      '',
    ].join('\n'),
  });
  files.push({
    path: ANSIBLE_INVENTORY,
    content: [
      ...header(
        `Hosts. ${CATALOG[bp.provider.cloud].label} is driven through its API from the control host, so the inventory is local.`,
      )
        .split('\n')
        .map((l) => `# ${l}`.trimEnd()),
      '',
      '[control]',
      'localhost ansible_connection=local',
      '',
      '[control:vars]',
      'ansible_python_interpreter={{ ansible_playbook_python }}',
      '',
    ].join('\n'),
  });
  files.push({
    path: 'group_vars/all.yml',
    content: yamlWithHeader(designVars(f), header('The design as variables; the roles read these.')),
  });
  const plays = roles.map((r) => ({
    name: r.title,
    hosts: 'control',
    gather_facts: false,
    tags: [r.role],
    roles: [r.role],
  }));
  files.push({
    path: ANSIBLE_PLAYBOOK,
    content: yamlWithHeader(
      plays,
      header(
        `The playbook: ansible-playbook ${ANSIBLE_PLAYBOOK} --check --diff shows the changes, without --check applies them.`,
      ),
    ),
  });
  for (const r of roles) {
    files.push({ path: `roles/${r.role}/tasks/main.yml`, content: yamlWithHeader(r.tasks, header(r.title)) });
  }
  return files;
}

function designVars(f: Facts): Record<string, unknown> {
  const bp = f.bp;
  const vars: Record<string, unknown> = guard({
    stack_name: bp.metadata.name,
    stack_environment: bp.metadata.environment,
    cloud: bp.provider.cloud,
    region: bp.provider.region,
    secondary_regions: [...bp.provider.secondaryRegions],
    kubernetes_version: bp.cluster.version,
    control_plane: {
      availability: bp.cluster.controlPlane.availability,
      private_endpoint: bp.cluster.controlPlane.privateEndpoint,
    },
    vpc_cidr: bp.network.vpcCidr,
    subnets: bp.network.subnets.map((s) => ({ name: s.name, cidr: s.cidr, zone: s.zone, public: s.public })),
    node_subnets: f.nodeSubnets.map((s) => s.name),
    nat_gateways: f.nat.map((n) => ({ name: n.key, zone: n.zone, ...(n.subnet ? { subnet: n.subnet } : {}) })),
    nat_routes: Object.entries(f.natRoutes).map(([subnet, nat]) => ({ subnet, nat })),
    firewall_rules: bp.network.firewall.map((r) => ({
      name: r.name,
      direction: r.direction,
      protocol: r.protocol,
      ports: [...r.ports],
      sources: [...r.sources],
    })),
    ingress_allowed_cidrs: [...bp.network.ingress.allowedCidrs],
    node_pools: bp.cluster.nodePools.map((p) => ({
      name: p.name,
      instance_type: p.instanceType,
      min: p.min,
      desired: p.desired,
      max: p.max,
      spot: p.spot,
    })),
    storage_classes: bp.storage.classes.map((k) => ({
      name: k.name,
      type: k.type,
      encrypted: k.encrypted,
      default: k.default,
      backup: k.backup,
    })),
    databases: f.databases.map(({ db: d, ha, deletionProtection }) => ({
      name: d.name,
      engine: d.engine,
      version: d.version,
      size_gb: d.sizeGb,
      encrypted: d.encrypted,
      backup: d.backup,
      // A standby in another zone; and whether deletion is refused (SQL databases on AWS).
      ha,
      deletion_protection: deletionProtection ?? false,
      port: DB_PORTS[d.engine],
    })),
    rbac: bp.security.rbac.map((r) => ({
      group: r.group,
      role: r.role,
      ...(r.namespaces ? { namespaces: [...r.namespaces] } : {}),
    })),
    encryption_at_rest: bp.security.encryptionAtRest,
    audit_logging: bp.security.auditLogging,
    tags: {
      stack: bp.metadata.name,
      environment: bp.metadata.environment,
      owner: bp.metadata.owner || 'unknown',
      'managed-by': 'dayops',
    },
  });
  // Templates of our own, after the guard.
  vars.kubeconfig = '{{ playbook_dir }}/.kube/config';
  vars.secrets_dir = '{{ playbook_dir }}/.secrets';
  if (bp.provider.cloud === 'azure') {
    vars.resource_group = `rg-${bp.metadata.name}-${bp.metadata.environment}`;
    const svc = freeRange(bp, ['172.20.0.0/16', '192.168.0.0/16', '10.255.0.0/16']);
    vars.service_cidr = svc;
    vars.dns_service_ip = svc.replace(/\.0\.0\/16$/, '.0.10');
  }
  if (bp.provider.cloud === 'gcp') {
    vars.gcp_project = "{{ lookup('ansible.builtin.env', 'GCP_PROJECT') }}";
    vars.gcp_auth_kind = 'application';
    vars.master_cidr = freeRange(bp, ['172.16.0.0/28', '172.16.0.16/28', '192.168.255.240/28']);
  }
  return vars;
}

interface Role {
  role: string;
  title: string;
  tasks: Task[];
}

function roleTasks(f: Facts): Role[] {
  const cloud = f.bp.provider.cloud;
  const parts = cloud === 'aws' ? awsRoles(f) : cloud === 'azure' ? azureRoles(f) : gcpRoles(f);
  const roles: Role[] = [
    {
      role: 'network',
      title: `Network of ${f.bp.metadata.name}: VPC, subnets, NAT and firewall rules`,
      tasks: parts.network,
    },
    {
      role: 'cluster',
      title: `Kubernetes cluster of ${f.bp.metadata.name} (${f.bp.provider.kubernetes.toUpperCase()})`,
      tasks: [...parts.cluster, ...kubeconfigTasks(f)],
    },
    { role: 'node_pools', title: 'Node pools, one per pool of the design', tasks: parts.nodePools },
    { role: 'storage', title: 'Storage classes inside the cluster', tasks: storageTasks(f) },
  ];
  if (f.bp.storage.databases.length > 0)
    roles.push({ role: 'databases', title: 'Managed databases, on private addresses', tasks: parts.databases });
  roles.push({ role: 'access', title: 'Namespaces and RBAC bindings for your groups', tasks: accessTasks(f) });
  return roles;
}

interface Parts {
  network: Task[];
  cluster: Task[];
  nodePools: Task[];
  databases: Task[];
}

const passwordLookup =
  "{{ lookup('ansible.builtin.password', secrets_dir ~ '/' ~ item.name ~ '-admin', chars=['ascii_letters', 'digits'], length=32) }}";

function awsRoles(f: Facts): Parts {
  const aws = { region: v('region') };
  const trust = (service: string) =>
    `{{ {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': '${service}'}, 'Action': 'sts:AssumeRole'}]} | to_json }}`;
  const network: Task[] = [
    {
      name: 'VPC',
      'amazon.aws.ec2_vpc_net': {
        name: v('stack_name'),
        cidr_block: v('vpc_cidr'),
        tags: v('tags'),
        state: 'present',
        ...aws,
      },
      register: 'vpc',
    },
    {
      name: 'Subnets',
      'amazon.aws.ec2_vpc_subnet': {
        vpc_id: v('vpc.vpc.id'),
        cidr: v('item.cidr'),
        az: v('item.zone'),
        map_public: v('item.public'),
        tags: "{{ tags | combine({'Name': stack_name ~ '-' ~ item.name}) }}",
        state: 'present',
        ...aws,
      },
      loop: v('subnets'),
      loop_control: { label: v('item.name') },
      register: 'subnet_results',
    },
    {
      name: 'Subnet ids by name',
      'ansible.builtin.set_fact': {
        subnet_ids:
          "{{ dict(subnet_results.results | map(attribute='item.name') | zip(subnet_results.results | map(attribute='subnet.id'))) }}",
      },
    },
  ];
  if (f.publicSubnets.length > 0) {
    network.push(
      {
        name: 'Internet gateway',
        'amazon.aws.ec2_vpc_igw': { vpc_id: v('vpc.vpc.id'), tags: v('tags'), state: 'present', ...aws },
        register: 'igw',
      },
      {
        name: 'Public route table',
        'amazon.aws.ec2_vpc_route_table': {
          vpc_id: v('vpc.vpc.id'),
          tags: "{{ tags | combine({'Name': stack_name ~ '-public'}) }}",
          subnets: "{{ subnets | selectattr('public') | map(attribute='name') | map('extract', subnet_ids) | list }}",
          routes: [{ dest: '0.0.0.0/0', gateway_id: v('igw.gateway_id') }],
          ...aws,
        },
      },
    );
  }
  if (f.nat.length > 0) {
    network.push(
      {
        name: 'NAT gateways',
        'amazon.aws.ec2_vpc_nat_gateway': {
          subnet_id: v('subnet_ids[item.subnet]'),
          if_exist_do_not_create: true,
          wait: true,
          tags: v('tags'),
          state: 'present',
          ...aws,
        },
        loop: v('nat_gateways'),
        loop_control: { label: v('item.name') },
        register: 'nat_results',
      },
      {
        name: 'Private route tables, through their NAT gateway',
        'amazon.aws.ec2_vpc_route_table': {
          vpc_id: v('vpc.vpc.id'),
          tags: "{{ tags | combine({'Name': stack_name ~ '-' ~ item.subnet}) }}",
          subnets: ['{{ subnet_ids[item.subnet] }}'],
          routes: [
            {
              dest: '0.0.0.0/0',
              nat_gateway_id:
                "{{ (nat_results.results | selectattr('item.name', 'equalto', item.nat) | first).nat_gateway_id }}",
            },
          ],
          ...aws,
        },
        loop: v('nat_routes'),
        loop_control: { label: v('item.subnet') },
      },
    );
  }
  network.push({
    name: 'Firewall rules (security group attached to the nodes)',
    'amazon.aws.ec2_security_group': {
      name: '{{ stack_name }}-firewall',
      description: 'Firewall rules from the dayops design',
      vpc_id: v('vpc.vpc.id'),
      rules: f.bp.network.firewall
        .filter((r) => r.direction === 'ingress')
        .map((r) => ({
          rule_desc: r.name,
          proto: r.protocol === 'all' ? 'all' : r.protocol,
          ...(r.protocol === 'tcp' || r.protocol === 'udp'
            ? { ports: r.ports.length > 0 ? r.ports : ['0-65535'] }
            : {}),
          cidr_ip: guard(r.sources),
        })),
      ...aws,
    },
    register: 'firewall',
  });
  const cluster: Task[] = [
    {
      name: 'Cluster IAM role',
      'community.aws.iam_role': {
        name: '{{ stack_name }}-eks-cluster',
        assume_role_policy_document: trust('eks.amazonaws.com'),
        managed_policies: ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'],
      },
      register: 'cluster_role',
    },
    {
      name: 'EKS cluster',
      'community.aws.eks_cluster': {
        name: v('stack_name'),
        version: v('kubernetes_version'),
        role_arn: v('cluster_role.arn'),
        subnets: "{{ node_subnets | map('extract', subnet_ids) | list }}",
        security_groups: ['{{ firewall.group_id }}'],
        tags: v('tags'),
        wait: true,
        state: 'present',
        ...aws,
      },
    },
  ];
  const nodePools: Task[] = [
    {
      name: 'Node IAM role',
      'community.aws.iam_role': {
        name: '{{ stack_name }}-eks-nodes',
        assume_role_policy_document: trust('ec2.amazonaws.com'),
        managed_policies: [
          'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
          'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
          'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
          'arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy',
        ],
      },
      register: 'node_role',
    },
    {
      name: 'Managed node groups',
      'community.aws.eks_nodegroup': {
        name: v('item.name'),
        cluster_name: v('stack_name'),
        node_role: v('node_role.arn'),
        subnets: "{{ node_subnets | map('extract', subnet_ids) | list }}",
        instance_types: ['{{ item.instance_type }}'],
        capacity_type: "{{ 'SPOT' if item.spot else 'ON_DEMAND' }}",
        scaling_config: { min_size: v('item.min'), max_size: v('item.max'), desired_size: v('item.desired') },
        labels: { 'dayops.io/pool': v('item.name') },
        tags: v('tags'),
        wait: true,
        state: 'present',
        ...aws,
      },
      loop: v('node_pools'),
      loop_control: { label: v('item.name') },
    },
  ];
  const sql = f.sqlDatabases.length > 0;
  const databases: Task[] = [
    {
      name: 'Database security group: access from the VPC only',
      'amazon.aws.ec2_security_group': {
        name: '{{ stack_name }}-database',
        description: 'Database access from inside the VPC only',
        vpc_id: v('vpc.vpc.id'),
        rules: [
          { proto: 'tcp', ports: "{{ databases | map(attribute='port') | unique | list }}", cidr_ip: v('vpc_cidr') },
        ],
        ...aws,
      },
      register: 'db_group',
    },
  ];
  if (sql) {
    databases.push(
      {
        name: 'Database subnet group',
        'amazon.aws.rds_subnet_group': {
          name: v('stack_name'),
          description: 'Private subnets of {{ stack_name }}',
          subnets: "{{ node_subnets | map('extract', subnet_ids) | list }}",
          state: 'present',
          ...aws,
        },
      },
      {
        name: 'RDS instances (admin passwords are generated into secrets_dir; keep it out of git)',
        'amazon.aws.rds_instance': {
          id: '{{ stack_name }}-{{ item.name }}',
          engine: "{{ 'sqlserver-se' if item.engine == 'sqlserver' else item.engine }}",
          engine_version: v('item.version'),
          db_instance_class: "{{ 'db.m6g.large' if stack_environment == 'prod' else 'db.t4g.medium' }}",
          allocated_storage: v('item.size_gb'),
          storage_encrypted: v('item.encrypted'),
          master_username: 'dbadmin',
          master_user_password: passwordLookup,
          db_subnet_group_name: v('stack_name'),
          vpc_security_group_ids: ['{{ db_group.group_id }}'],
          multi_az: v('item.ha'),
          deletion_protection: v('item.deletion_protection'),
          backup_retention_period: '{{ 7 if item.backup else 0 }}',
          publicly_accessible: false,
          tags: v('tags'),
          state: 'present',
          ...aws,
        },
        loop: "{{ databases | rejectattr('engine', 'equalto', 'redis') | list }}",
        loop_control: { label: v('item.name') },
        no_log: true,
      },
    );
  }
  if (f.caches.length > 0) {
    databases.push(
      {
        name: 'Cache subnet group',
        'community.aws.elasticache_subnet_group': {
          name: v('stack_name'),
          description: 'Private subnets of {{ stack_name }}',
          subnets: "{{ node_subnets | map('extract', subnet_ids) | list }}",
          state: 'present',
          ...aws,
        },
      },
      {
        name: 'Redis caches',
        'community.aws.elasticache': {
          name: '{{ stack_name }}-{{ item.name }}',
          engine: 'redis',
          cache_engine_version: v('item.version'),
          node_type: "{{ 'cache.m6g.large' if stack_environment == 'prod' else 'cache.t4g.medium' }}",
          num_nodes: 1,
          cache_port: 6379,
          cache_subnet_group: v('stack_name'),
          security_group_ids: ['{{ db_group.group_id }}'],
          state: 'present',
          ...aws,
        },
        loop: "{{ databases | selectattr('engine', 'equalto', 'redis') | list }}",
        loop_control: { label: v('item.name') },
      },
    );
  }
  return { network, cluster, nodePools, databases };
}

function azureRoles(f: Facts): Parts {
  const rg = { resource_group: v('resource_group') };
  const [system] = f.bp.cluster.nodePools;
  const network: Task[] = [
    {
      name: 'Resource group',
      'azure.azcollection.azure_rm_resourcegroup': {
        name: v('resource_group'),
        location: v('region'),
        tags: v('tags'),
      },
    },
    {
      name: 'Virtual network',
      'azure.azcollection.azure_rm_virtualnetwork': {
        name: 'vnet-{{ stack_name }}',
        address_prefixes_cidr: ['{{ vpc_cidr }}'],
        location: v('region'),
        tags: v('tags'),
        ...rg,
      },
    },
    {
      name: 'Network security group with the firewall rules',
      'azure.azcollection.azure_rm_securitygroup': {
        name: 'nsg-{{ stack_name }}',
        location: v('region'),
        rules: f.bp.network.firewall.map((r, i) => ({
          name: r.name,
          priority: 100 + i * 10,
          direction: r.direction === 'ingress' ? 'Inbound' : 'Outbound',
          access: 'Allow',
          protocol: { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp', all: '*' }[r.protocol],
          destination_port_range:
            (r.protocol === 'tcp' || r.protocol === 'udp') && r.ports.length > 0 ? r.ports.map(String) : '*',
          ...(r.direction === 'ingress'
            ? { source_address_prefix: guard(r.sources) }
            : { destination_address_prefix: guard(r.sources) }),
        })),
        tags: v('tags'),
        ...rg,
      },
    },
  ];
  if (f.nat.length > 0) {
    network.push({
      name: 'NAT gateways',
      'azure.azcollection.azure_rm_natgateway': {
        name: 'ng-{{ stack_name }}-{{ item.name }}',
        location: v('region'),
        zones: ['{{ item.zone }}'],
        sku: { name: 'standard' },
        ...rg,
      },
      loop: v('nat_gateways'),
      loop_control: { label: v('item.name') },
    });
  }
  network.push({
    name: 'Subnets',
    'azure.azcollection.azure_rm_subnet': {
      name: v('item.name'),
      virtual_network_name: 'vnet-{{ stack_name }}',
      address_prefix_cidr: v('item.cidr'),
      security_group: 'nsg-{{ stack_name }}',
      nat_gateway:
        "{{ ('ng-' ~ stack_name ~ '-' ~ (nat_routes | selectattr('subnet', 'equalto', item.name) | map(attribute='nat') | first)) if (nat_routes | selectattr('subnet', 'equalto', item.name) | list) else omit }}",
      ...rg,
    },
    loop: v('subnets'),
    loop_control: { label: v('item.name') },
    register: 'subnet_results',
  });
  network.push({
    name: 'Subnet ids by name',
    'ansible.builtin.set_fact': {
      subnet_ids:
        "{{ dict(subnet_results.results | map(attribute='item.name') | zip(subnet_results.results | map(attribute='state.id'))) }}",
    },
  });
  const cluster: Task[] = [
    {
      name: 'AKS cluster with its system pool',
      'azure.azcollection.azure_rm_aks': {
        name: 'aks-{{ stack_name }}',
        location: v('region'),
        dns_prefix: v('stack_name'),
        kubernetes_version: v('kubernetes_version'),
        enable_rbac: true,
        agent_pool_profiles: [
          {
            name: system.name,
            mode: 'System',
            type: 'VirtualMachineScaleSets',
            vm_size: guard(system.instanceType),
            enable_auto_scaling: true,
            min_count: system.min,
            max_count: system.max,
            count: system.desired,
            vnet_subnet_id: '{{ subnet_ids[node_subnets[0]] }}',
            availability_zones: f.nodeZones.map(Number),
          },
        ],
        network_profile: {
          network_plugin: 'azure',
          network_policy: 'azure',
          service_cidr: v('service_cidr'),
          dns_service_ip: v('dns_service_ip'),
          outbound_type: f.nat.length > 0 ? 'userAssignedNATGateway' : 'loadBalancer',
        },
        api_server_access_profile: { enable_private_cluster: f.bp.cluster.controlPlane.privateEndpoint },
        tags: v('tags'),
        ...rg,
      },
    },
  ];
  const nodePools: Task[] = [
    {
      name: 'User node pools',
      'azure.azcollection.azure_rm_aksagentpool': {
        cluster_name: 'aks-{{ stack_name }}',
        name: v('item.name'),
        mode: 'User',
        vm_size: v('item.instance_type'),
        enable_auto_scaling: true,
        min_count: v('item.min'),
        max_count: v('item.max'),
        count: v('item.desired'),
        vnet_subnet_id: '{{ subnet_ids[node_subnets[0]] }}',
        availability_zones: f.nodeZones.map(Number),
        node_labels: { 'dayops.io/pool': v('item.name') },
        ...rg,
      },
      loop: '{{ node_pools[1:] }}',
      loop_control: { label: v('item.name') },
    },
  ];
  const databases: Task[] = [];
  const flexible = f.sqlDatabases.filter(
    (d) => d.engine === 'postgres' || d.engine === 'mysql' || d.engine === 'mariadb',
  );
  if (flexible.length > 0) {
    databases.push({
      name: 'PostgreSQL / MySQL flexible servers (admin passwords are generated into secrets_dir)',
      'azure.azcollection.azure_rm_resource': {
        api_version: '2022-12-01',
        provider: "{{ 'DBforPostgreSQL' if item.engine == 'postgres' else 'DBforMySQL' }}",
        resource_type: 'flexibleServers',
        resource_name: '{{ stack_name }}-{{ item.name }}',
        body: {
          location: v('region'),
          sku: {
            name: "{{ 'Standard_D4ds_v5' if stack_environment == 'prod' or item.ha else 'Standard_B2s' }}",
            tier: "{{ 'GeneralPurpose' if stack_environment == 'prod' or item.ha else 'Burstable' }}",
          },
          properties: {
            version: v('item.version'),
            administratorLogin: 'dbadmin',
            administratorLoginPassword: passwordLookup,
            storage: { storageSizeGB: v('item.size_gb') },
            backup: { backupRetentionDays: 7 },
            highAvailability: { mode: "{{ 'ZoneRedundant' if item.ha else 'Disabled' }}" },
            network: { publicNetworkAccess: 'Disabled' },
          },
        },
        ...rg,
      },
      loop: "{{ databases | selectattr('engine', 'in', ['postgres', 'mysql', 'mariadb']) | list }}",
      loop_control: { label: v('item.name') },
      no_log: true,
    });
  }
  if (f.sqlDatabases.some((d) => d.engine === 'sqlserver')) {
    databases.push(
      {
        name: 'Azure SQL servers',
        'azure.azcollection.azure_rm_sqlserver': {
          name: '{{ stack_name }}-{{ item.name }}',
          location: v('region'),
          admin_username: 'dbadmin',
          admin_password: passwordLookup,
          ...rg,
        },
        loop: "{{ databases | selectattr('engine', 'equalto', 'sqlserver') | list }}",
        loop_control: { label: v('item.name') },
        no_log: true,
      },
      {
        name: 'Azure SQL databases',
        'azure.azcollection.azure_rm_sqldatabase': {
          name: v('item.name'),
          server_name: '{{ stack_name }}-{{ item.name }}',
          location: v('region'),
          max_size_bytes: '{{ item.size_gb * 1024 * 1024 * 1024 }}',
          ...rg,
        },
        loop: "{{ databases | selectattr('engine', 'equalto', 'sqlserver') | list }}",
        loop_control: { label: v('item.name') },
      },
    );
  }
  if (f.caches.length > 0) {
    databases.push({
      name: 'Azure Cache for Redis',
      'azure.azcollection.azure_rm_rediscache': {
        name: '{{ stack_name }}-{{ item.name }}',
        location: v('region'),
        sku: {
          name: "{{ 'premium' if stack_environment == 'prod' else 'standard' }}",
          size: "{{ 'P1' if stack_environment == 'prod' else 'C1' }}",
        },
        enable_non_ssl_port: false,
        minimum_tls_version: '1.2',
        ...rg,
      },
      loop: "{{ databases | selectattr('engine', 'equalto', 'redis') | list }}",
      loop_control: { label: v('item.name') },
    });
  }
  return { network, cluster, nodePools, databases };
}

function gcpRoles(f: Facts): Parts {
  const gcp = { project: v('gcp_project'), auth_kind: v('gcp_auth_kind') };
  const regional = f.bp.cluster.controlPlane.availability === 'ha';
  const location = regional ? v('region') : (f.nodeZones[0] ?? v('region'));
  const network: Task[] = [
    {
      name: 'VPC network',
      'google.cloud.gcp_compute_network': {
        name: v('stack_name'),
        auto_create_subnetworks: false,
        state: 'present',
        ...gcp,
      },
      register: 'network',
    },
    {
      name: 'Subnetworks',
      'google.cloud.gcp_compute_subnetwork': {
        name: '{{ stack_name }}-{{ item.name }}',
        region: v('region'),
        network: v('network'),
        ip_cidr_range: v('item.cidr'),
        private_ip_google_access: true,
        state: 'present',
        ...gcp,
      },
      loop: v('subnets'),
      loop_control: { label: v('item.name') },
      register: 'subnet_results',
    },
    {
      name: 'Subnetworks by name',
      'ansible.builtin.set_fact': {
        subnetworks: "{{ dict(subnet_results.results | map(attribute='item.name') | zip(subnet_results.results)) }}",
      },
    },
    {
      name: 'Firewall rules',
      'google.cloud.gcp_compute_firewall': {
        name: '{{ stack_name }}-{{ item.name }}',
        network: v('network'),
        direction: "{{ 'INGRESS' if item.direction == 'ingress' else 'EGRESS' }}",
        allowed: [
          {
            ip_protocol: v('item.protocol'),
            ports:
              "{{ item.ports | map('string') | list if item.ports and item.protocol in ['tcp', 'udp'] else omit }}",
          },
        ],
        source_ranges: "{{ item.sources if item.direction == 'ingress' else omit }}",
        destination_ranges: "{{ item.sources if item.direction == 'egress' else omit }}",
        state: 'present',
        ...gcp,
      },
      loop: v('firewall_rules'),
      loop_control: { label: v('item.name') },
    },
  ];
  if (f.nat.length > 0) {
    network.push(
      {
        name: 'Cloud Router',
        'google.cloud.gcp_compute_router': {
          name: '{{ stack_name }}-router',
          region: v('region'),
          network: v('network'),
          state: 'present',
          ...gcp,
        },
      },
      {
        name: 'Cloud NAT for the private subnetworks (no module for it in google.cloud)',
        'ansible.builtin.command': {
          argv: [
            'gcloud',
            'compute',
            'routers',
            'nats',
            'create',
            '{{ stack_name }}-nat',
            '--router={{ stack_name }}-router',
            '--region={{ region }}',
            '--project={{ gcp_project }}',
            '--auto-allocate-nat-external-ips',
            "--nat-custom-subnet-ip-ranges={{ subnets | rejectattr('public') | map(attribute='name') | map('regex_replace', '^', stack_name ~ '-') | join(',') }}",
          ],
        },
        register: 'nat',
        changed_when: 'nat.rc == 0',
        failed_when: "nat.rc != 0 and 'already exists' not in nat.stderr",
      },
    );
  }
  const cluster: Task[] = [
    {
      name: `GKE cluster (${regional ? 'regional' : 'zonal'})`,
      'google.cloud.gcp_container_cluster': {
        name: v('stack_name'),
        location,
        initial_node_count: 1,
        initial_cluster_version: v('kubernetes_version'),
        network: v('stack_name'),
        subnetwork: '{{ stack_name }}-{{ node_subnets[0] }}',
        ip_allocation_policy: { use_ip_aliases: true },
        private_cluster_config: {
          enable_private_nodes: true,
          enable_private_endpoint: f.bp.cluster.controlPlane.privateEndpoint,
          master_ipv4_cidr_block: v('master_cidr'),
        },
        resource_labels: v('tags'),
        state: 'present',
        ...gcp,
      },
      register: 'cluster',
    },
  ];
  const nodePools: Task[] = [
    {
      name: 'Node pools',
      'google.cloud.gcp_container_node_pool': {
        name: v('item.name'),
        cluster: v('cluster'),
        location,
        initial_node_count: v('item.desired'),
        autoscaling: { enabled: true, min_node_count: v('item.min'), max_node_count: v('item.max') },
        management: { auto_repair: true, auto_upgrade: true },
        config: {
          machine_type: v('item.instance_type'),
          preemptible: v('item.spot'),
          labels: { 'dayops-pool': v('item.name') },
        },
        state: 'present',
        ...gcp,
      },
      loop: v('node_pools'),
      loop_control: { label: v('item.name') },
    },
  ];
  const databases: Task[] = [];
  if (f.sqlDatabases.length > 0) {
    databases.push(
      {
        name: 'Cloud SQL instances (private IP; admin passwords are generated into secrets_dir)',
        'google.cloud.gcp_sql_instance': {
          name: '{{ stack_name }}-{{ item.name }}',
          region: v('region'),
          database_version:
            "{{ 'POSTGRES_' ~ item.version if item.engine == 'postgres' else ('SQLSERVER_' ~ item.version ~ '_STANDARD' if item.engine == 'sqlserver' else 'MYSQL_' ~ (item.version | replace('.', '_'))) }}",
          settings: {
            tier: "{{ 'db-custom-2-7680' if stack_environment == 'prod' else 'db-custom-1-3840' }}",
            availability_type: "{{ 'REGIONAL' if item.ha else 'ZONAL' }}",
            ip_configuration: { ipv4_enabled: false, private_network: { selfLink: '{{ network.selfLink }}' } },
            backup_configuration: { enabled: v('item.backup') },
          },
          state: 'present',
          ...gcp,
        },
        loop: "{{ databases | rejectattr('engine', 'equalto', 'redis') | list }}",
        loop_control: { label: v('item.name') },
        register: 'sql_results',
      },
      {
        name: 'Admin users',
        'google.cloud.gcp_sql_user': {
          name: 'dbadmin',
          host: '%',
          instance: "{{ (sql_results.results | selectattr('item.name', 'equalto', item.name) | first) }}",
          password: passwordLookup,
          state: 'present',
          ...gcp,
        },
        loop: "{{ databases | rejectattr('engine', 'equalto', 'redis') | list }}",
        loop_control: { label: v('item.name') },
        no_log: true,
      },
    );
  }
  if (f.caches.length > 0) {
    databases.push({
      name: 'Memorystore for Redis',
      'google.cloud.gcp_redis_instance': {
        name: '{{ stack_name }}-{{ item.name }}',
        region: v('region'),
        tier: "{{ 'STANDARD_HA' if item.ha else 'BASIC' }}",
        memory_size_gb: v('item.size_gb'),
        authorized_network: 'projects/{{ gcp_project }}/global/networks/{{ stack_name }}',
        connect_mode: 'PRIVATE_SERVICE_ACCESS',
        state: 'present',
        ...gcp,
      },
      loop: "{{ databases | selectattr('engine', 'equalto', 'redis') | list }}",
      loop_control: { label: v('item.name') },
    });
  }
  return { network, cluster, nodePools, databases };
}

function kubeconfigTasks(f: Facts): Task[] {
  const cmd =
    f.bp.provider.cloud === 'aws'
      ? [
          'aws',
          'eks',
          'update-kubeconfig',
          '--name',
          '{{ stack_name }}',
          '--region',
          '{{ region }}',
          '--kubeconfig',
          '{{ kubeconfig }}',
        ]
      : f.bp.provider.cloud === 'azure'
        ? [
            'az',
            'aks',
            'get-credentials',
            '--name',
            'aks-{{ stack_name }}',
            '--resource-group',
            '{{ resource_group }}',
            '--file',
            '{{ kubeconfig }}',
            '--overwrite-existing',
          ]
        : [
            'gcloud',
            'container',
            'clusters',
            'get-credentials',
            '{{ stack_name }}',
            f.bp.cluster.controlPlane.availability === 'ha'
              ? '--region={{ region }}'
              : `--zone=${f.nodeZones[0] ?? '{{ region }}'}`,
            '--project={{ gcp_project }}',
          ];
  return [
    {
      name: 'Kubeconfig for the roles that work inside the cluster',
      'ansible.builtin.command': { argv: cmd },
      ...(f.bp.provider.cloud === 'gcp' ? { environment: { KUBECONFIG: v('kubeconfig') } } : {}),
      changed_when: false,
    },
  ];
}

function storageTasks(f: Facts): Task[] {
  const cloud = f.bp.provider.cloud;
  const provisioner =
    cloud === 'aws' ? 'ebs.csi.aws.com' : cloud === 'azure' ? 'disk.csi.azure.com' : 'pd.csi.storage.gke.io';
  const parameters =
    cloud === 'aws'
      ? { type: v('item.type'), encrypted: '{{ item.encrypted | string | lower }}' }
      : cloud === 'azure'
        ? { skuName: v('item.type') }
        : { type: v('item.type') };
  return [
    {
      name: 'Storage classes',
      'kubernetes.core.k8s': {
        kubeconfig: v('kubeconfig'),
        state: 'present',
        definition: {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: {
            name: v('item.name'),
            annotations: { 'storageclass.kubernetes.io/is-default-class': '{{ item.default | string | lower }}' },
            labels: { 'dayops.io/backup': '{{ item.backup | string | lower }}' },
          },
          provisioner,
          parameters,
          reclaimPolicy: f.prod ? 'Retain' : 'Delete',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: true,
        },
      },
      loop: v('storage_classes'),
      loop_control: { label: v('item.name') },
    },
  ];
}

function accessTasks(f: Facts): Task[] {
  const namespaces = [...new Set(f.bp.security.rbac.flatMap((r) => r.namespaces ?? []))].map(k8sName);
  const tasks: Task[] = [];
  if (namespaces.length > 0) {
    tasks.push({
      name: 'Namespaces',
      'kubernetes.core.k8s': {
        kubeconfig: v('kubeconfig'),
        state: 'present',
        definition: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: v('item') } },
      },
      loop: namespaces,
    });
  }
  const subjects = [{ kind: 'Group', name: v('item.group'), apiGroup: 'rbac.authorization.k8s.io' }];
  const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: v('item.role') };
  const bindingName =
    "{{ ('dayops-' ~ item.group ~ '-' ~ item.role) | lower | regex_replace('[^a-z0-9-]+', '-') | truncate(63, True, '') }}";
  tasks.push({
    name: 'Cluster-wide role bindings',
    'kubernetes.core.k8s': {
      kubeconfig: v('kubeconfig'),
      state: 'present',
      definition: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: bindingName },
        subjects,
        roleRef,
      },
    },
    loop: "{{ rbac | rejectattr('namespaces', 'defined') | list }}",
    loop_control: { label: '{{ item.group }} -> {{ item.role }}' },
  });
  tasks.push({
    name: 'Namespaced role bindings',
    'kubernetes.core.k8s': {
      kubeconfig: v('kubeconfig'),
      state: 'present',
      definition: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {
          name: "{{ ('dayops-' ~ item.0.group ~ '-' ~ item.0.role) | lower | regex_replace('[^a-z0-9-]+', '-') | truncate(63, True, '') }}",
          namespace: v('item.1'),
        },
        subjects: [{ kind: 'Group', name: v('item.0.group'), apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: v('item.0.role') },
      },
    },
    loop: "{{ rbac | selectattr('namespaces', 'defined') | subelements('namespaces') }}",
    loop_control: { label: '{{ item.0.group }} -> {{ item.0.role }} in {{ item.1 }}' },
  });
  return tasks;
}
