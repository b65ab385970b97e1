/**
 * The wizard's first steps: what the stack is and where it runs (basics, provider, cluster, network), with the
 * choices that re-derive other fields (the cloud, the region, the environment).
 */
import ipaddr from 'ipaddr.js';
import { ENVIRONMENTS, type Environment } from '../../domain/stack.js';
import { parseCidr } from '../audit.js';
import {
  CLOUDS,
  IAC_TOOLS,
  INGRESS_CONTROLLERS,
  KUBERNETES_SERVICES,
  RUNNERS,
  STATE_BACKENDS,
  type Blueprint,
  type Cloud,
} from '../blueprint.js';
import { CATALOG, KUBERNETES_CLOUD, regionOf } from '../catalog.js';
import { switchCloud } from '../defaults.js';
import {
  cidrProblem,
  nameProblem,
  opts,
  portProblem,
  regionOptions,
  uniqueName,
  zoneOptions,
  type Step,
} from './fields.js';

// ---------------------------------------------------------------------------------------------------------------
// Choices that re-derive other fields

/** Another region: subnets keep their zone's position in the new region, and it is no longer a secondary. */
export function switchRegion(bp: Blueprint, region: string): Blueprint {
  if (bp.provider.region === region) return bp;
  const from = regionOf(bp.provider.cloud, bp.provider.region);
  const to = regionOf(bp.provider.cloud, region);
  const subnets = to
    ? bp.network.subnets.map((s, i) => {
        const idx = from ? from.zones.indexOf(s.zone) : -1;
        return { ...s, zone: to.zones[(idx >= 0 ? idx : i) % to.zones.length] };
      })
    : bp.network.subnets;
  return {
    ...bp,
    provider: { ...bp.provider, region, secondaryRegions: bp.provider.secondaryRegions.filter((r) => r !== region) },
    network: { ...bp.network, subnets },
  };
}

/** Another environment: the values that follow the environment by default follow it, unless they were changed. */
export function switchEnvironment(bp: Blueprint, env: Environment): Blueprint {
  const before = bp.metadata.environment;
  if (before === env) return bp;
  const ha = (e: Environment) => (e === 'prod' ? 'ha' : 'single');
  const nat = (e: Environment) => (e === 'prod' ? 2 : 1);
  return {
    ...bp,
    metadata: { ...bp.metadata, environment: env },
    cluster: {
      ...bp.cluster,
      controlPlane: {
        ...bp.cluster.controlPlane,
        availability:
          bp.cluster.controlPlane.availability === ha(before) ? ha(env) : bp.cluster.controlPlane.availability,
      },
    },
    network: {
      ...bp.network,
      egress: { natGateways: bp.network.egress.natGateways === nat(before) ? nat(env) : bp.network.egress.natGateways },
    },
  };
}

/** The first /24 inside the VPC that no subnet uses yet (a suggestion the operator can change). */
export function freeSubnet(bp: Blueprint): string {
  const vpc = parseCidr(bp.network.vpcCidr);
  if ('error' in vpc || vpc.kind !== 'ipv4' || vpc.bits > 24) return '10.0.0.0/24';
  const taken = bp.network.subnets
    .map((s) => parseCidr(s.cidr))
    .filter((c): c is Exclude<typeof c, { error: string }> => !('error' in c));
  const base = (vpc.addr as ipaddr.IPv4).toByteArray().reduce((n, b) => n * 256 + b, 0);
  for (let k = 0; k < 2 ** (24 - vpc.bits); k++) {
    const n = base + k * 256;
    const candidate = ipaddr.IPv4.parse([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, 0].join('.'));
    // Overlap: the candidate lies inside the subnet, or the subnet inside the candidate.
    const clash = taken.some(
      (t) => t.kind === 'ipv4' && (candidate.match(t.addr, t.bits) || (t.addr as ipaddr.IPv4).match(candidate, 24)),
    );
    if (!clash) return `${candidate.toString()}/24`;
  }
  return '10.0.0.0/24';
}

// ---------------------------------------------------------------------------------------------------------------
// The steps

export const BASICS: Step = {
  id: 'basics',
  title: 'Basics',
  intro: 'What the stack is called, where it runs, who owns it, and which tool will build it.',
  fields: [
    {
      kind: 'text',
      id: 'name',
      label: 'Stack name',
      path: ['metadata', 'name'],
      help: 'Lowercase letters, digits and dashes; used in file names, labels and confirms.',
      validate: nameProblem,
    },
    {
      kind: 'choice',
      id: 'environment',
      label: 'Environment',
      path: ['metadata', 'environment'],
      help: 'prod raises the bar: HA control plane, NAT per zone, stricter audit rules.',
      options: () => opts(ENVIRONMENTS),
      apply: (bp, v) => switchEnvironment(bp, v as Environment),
    },
    {
      kind: 'text',
      id: 'owner',
      label: 'Owner',
      path: ['metadata', 'owner'],
      help: 'The team that answers for this stack (for labels and DESIGN.md).',
      optional: true,
    },
    {
      kind: 'text',
      id: 'description',
      label: 'Description',
      path: ['metadata', 'description'],
      help: 'One line: what runs here.',
      optional: true,
    },
    {
      kind: 'choice',
      id: 'iac',
      label: 'IaC tool',
      path: ['iac', 'tool'],
      help: 'The tool that builds the infrastructure; the generated code is for it.',
      options: () =>
        opts(IAC_TOOLS, {
          opentofu: 'open-source Terraform fork',
          terraform: 'HashiCorp Terraform',
          ansible: 'playbooks',
        }),
    },
    {
      kind: 'choice',
      id: 'backend',
      label: 'State backend',
      path: ['iac', 'backend'],
      help: 'Where OpenTofu/Terraform keeps the state, locked against parallel runs; bucket names go in backend.hcl.',
      options: () =>
        opts(STATE_BACKENDS, {
          s3: 'AWS S3, with a lock file',
          gcs: 'Google Cloud Storage',
          azurerm: 'Azure Blob Storage',
          local: 'this disk only, not for prod',
        }),
    },
    {
      kind: 'choice',
      id: 'runner',
      label: 'Runs from',
      path: ['iac', 'runner'],
      help: 'Where plans and applies run: a private Kubernetes API answers only inside the network.',
      options: () =>
        opts(RUNNERS, { 'private-network': 'a runner, bastion or VPN in the VPC', internet: 'hosted CI, a laptop' }),
    },
  ],
};

export const PROVIDER: Step = {
  id: 'provider',
  title: 'Provider',
  intro: 'The cloud and regions, and the managed Kubernetes service the workloads run on.',
  fields: [
    {
      kind: 'choice',
      id: 'cloud',
      label: 'Cloud',
      path: ['provider', 'cloud'],
      help: 'Changing the cloud re-derives region, zones, instance and disk types, and the secrets manager.',
      options: () => CLOUDS.map((c) => ({ value: c, label: `${c} · ${CATALOG[c].label}` })),
      apply: (bp, v) => switchCloud(bp, v as Cloud),
    },
    {
      kind: 'choice',
      id: 'region',
      label: 'Region',
      path: ['provider', 'region'],
      help: 'The primary region; subnets follow its zones. EU regions are marked (GDPR needs one).',
      options: ({ bp }) => regionOptions(bp),
      apply: switchRegion,
    },
    {
      kind: 'multi',
      id: 'secondaryRegions',
      label: 'Secondary regions',
      path: ['provider', 'secondaryRegions'],
      help: 'Regions for disaster recovery or multi-region serving; none is fine for a single region.',
      options: ({ bp }) => regionOptions(bp).filter((o) => o.value !== bp.provider.region),
    },
    {
      kind: 'choice',
      id: 'kubernetes',
      label: 'Kubernetes service',
      path: ['provider', 'kubernetes'],
      help: "The managed Kubernetes service; it defaults to the cloud's own.",
      options: ({ bp }) =>
        KUBERNETES_SERVICES.map((k) => ({
          value: k,
          label: `${k} · ${CATALOG[KUBERNETES_CLOUD[k]].kubernetesLabel}${KUBERNETES_CLOUD[k] === bp.provider.cloud ? '' : ' (another cloud)'}`,
        })),
    },
  ],
};

export const CLUSTER: Step = {
  id: 'cluster',
  title: 'Cluster',
  intro: 'The Kubernetes version, how available its control plane is, and the node pools.',
  fields: [
    {
      kind: 'choice',
      id: 'version',
      label: 'Kubernetes version',
      path: ['cluster', 'version'],
      help: 'Versions the service offers now; the newest gets the longest support.',
      options: ({ bp }) => opts(CATALOG[bp.provider.cloud].kubernetesVersions),
    },
    {
      kind: 'choice',
      id: 'availability',
      label: 'Control plane',
      path: ['cluster', 'controlPlane', 'availability'],
      help: 'ha spreads the control plane over zones; single is cheaper and fine outside prod.',
      options: () => opts(['single', 'ha'], { single: 'one zone', ha: 'highly available, across zones' }),
    },
    {
      kind: 'bool',
      id: 'privateEndpoint',
      label: 'Private API endpoint',
      path: ['cluster', 'controlPlane', 'privateEndpoint'],
      help: 'Reach the cluster API only from inside the network (VPN or bastion).',
    },
    {
      kind: 'list',
      id: 'nodePools',
      label: 'Node pools',
      noun: 'node pool',
      path: ['cluster', 'nodePools'],
      help: 'Groups of worker machines; the first is the system pool.',
      minItems: 1,
      make: (bp, items) => ({
        name: uniqueName(items.length ? 'pool' : 'system', items),
        instanceType: CATALOG[bp.provider.cloud].defaultInstanceType,
        min: 1,
        desired: 1,
        max: 3,
        spot: false,
      }),
      summary: (i) => {
        const p = i as Blueprint['cluster']['nodePools'][number];
        return `${p.name} · ${p.instanceType} · min ${p.min} / desired ${p.desired} / max ${p.max} · ${p.spot ? 'spot' : 'on-demand'}`;
      },
      fields: [
        {
          kind: 'text',
          id: 'name',
          label: 'Name',
          path: ['name'],
          help: 'Lowercase letters, digits and dashes (AKS: at most 12 letters and digits).',
          validate: nameProblem,
        },
        {
          kind: 'choice',
          id: 'instanceType',
          label: 'Instance type',
          path: ['instanceType'],
          help: "The machine type of the pool's nodes.",
          options: ({ bp }) => CATALOG[bp.provider.cloud].instanceTypes.map((t) => ({ value: t.id, label: t.label })),
        },
        {
          kind: 'number',
          id: 'min',
          label: 'Min nodes',
          path: ['min'],
          help: 'The autoscaler never goes below this.',
          integer: true,
          min: 0,
          max: 1000,
        },
        {
          kind: 'number',
          id: 'desired',
          label: 'Desired nodes',
          path: ['desired'],
          help: 'How many nodes to start with (between min and max).',
          integer: true,
          min: 0,
          max: 1000,
        },
        {
          kind: 'number',
          id: 'max',
          label: 'Max nodes',
          path: ['max'],
          help: 'The autoscaler never goes above this.',
          integer: true,
          min: 0,
          max: 1000,
        },
        {
          kind: 'bool',
          id: 'spot',
          label: 'Spot capacity',
          path: ['spot'],
          help: 'Cheaper machines the cloud can take back at any time: for batch work.',
          yes: 'spot',
          no: 'on-demand',
        },
      ],
    },
  ],
};

export const NETWORK: Step = {
  id: 'network',
  title: 'Network',
  intro: 'The address space, subnets per zone, ingress, egress and firewall rules.',
  fields: [
    {
      kind: 'text',
      id: 'vpcCidr',
      label: 'VPC CIDR',
      path: ['network', 'vpcCidr'],
      help: 'The private range of the network, such as 10.0.0.0/16.',
      validate: cidrProblem,
    },
    {
      kind: 'list',
      id: 'subnets',
      label: 'Subnets',
      noun: 'subnet',
      path: ['network', 'subnets'],
      help: 'Ranges inside the VPC, one or more per zone; public ones hold load balancers and NAT.',
      make: (bp, items) => ({
        name: uniqueName('subnet', items),
        cidr: freeSubnet(bp),
        zone: zoneOptions(bp)[0]?.value ?? '',
        public: false,
      }),
      summary: (i) => {
        const s = i as Blueprint['network']['subnets'][number];
        return `${s.name} · ${s.cidr || '(no CIDR)'} · ${s.zone} · ${s.public ? 'public' : 'private'}`;
      },
      fields: [
        {
          kind: 'text',
          id: 'name',
          label: 'Name',
          path: ['name'],
          help: 'Lowercase letters, digits and dashes.',
          validate: nameProblem,
        },
        {
          kind: 'text',
          id: 'cidr',
          label: 'CIDR',
          path: ['cidr'],
          help: 'A range inside the VPC CIDR that overlaps no other subnet.',
          validate: cidrProblem,
        },
        {
          kind: 'choice',
          id: 'zone',
          label: 'Zone',
          path: ['zone'],
          help: "One of the region's zones.",
          options: ({ bp }) => zoneOptions(bp),
        },
        {
          kind: 'bool',
          id: 'public',
          label: 'Public',
          path: ['public'],
          help: 'Public subnets get internet-facing addresses.',
          yes: 'public',
          no: 'private',
        },
      ],
    },
    {
      kind: 'choice',
      id: 'ingress',
      label: 'Ingress controller',
      path: ['network', 'ingress', 'controller'],
      help: 'What routes outside traffic to services (alb is AWS only).',
      options: () => opts(INGRESS_CONTROLLERS, { alb: 'AWS Load Balancer Controller' }),
    },
    {
      kind: 'csv',
      id: 'allowedCidrs',
      label: 'Ingress allowed CIDRs',
      path: ['network', 'ingress', 'allowedCidrs'],
      help: 'Comma-separated ranges that may reach the ingress (0.0.0.0/0 is everyone).',
      element: cidrProblem,
    },
    {
      kind: 'number',
      id: 'natGateways',
      label: 'NAT gateways',
      path: ['network', 'egress', 'natGateways'],
      help: 'Egress for private subnets; one per zone survives a zone outage.',
      integer: true,
      min: 0,
      max: 16,
    },
    {
      kind: 'list',
      id: 'firewall',
      label: 'Firewall rules',
      noun: 'firewall rule',
      path: ['network', 'firewall'],
      help: 'Traffic allowed in or out; admin ports should only be open to a VPN or bastion range.',
      make: (_bp, items) => ({
        name: uniqueName('rule', items),
        direction: 'ingress',
        protocol: 'tcp',
        ports: [443],
        sources: ['10.0.0.0/8'],
      }),
      summary: (i) => {
        const r = i as Blueprint['network']['firewall'][number];
        return `${r.name} · ${r.direction} ${r.protocol} ${r.ports.length ? r.ports.join(',') : 'all ports'} · from ${r.sources.join(', ')}`;
      },
      fields: [
        {
          kind: 'text',
          id: 'name',
          label: 'Name',
          path: ['name'],
          help: 'Lowercase letters, digits and dashes.',
          validate: nameProblem,
        },
        {
          kind: 'choice',
          id: 'direction',
          label: 'Direction',
          path: ['direction'],
          help: 'ingress: traffic coming in; egress: going out.',
          options: () => opts(['ingress', 'egress']),
        },
        {
          kind: 'choice',
          id: 'protocol',
          label: 'Protocol',
          path: ['protocol'],
          help: 'The IP protocol the rule matches.',
          options: () => opts(['tcp', 'udp', 'icmp', 'all']),
        },
        {
          kind: 'csv',
          id: 'ports',
          label: 'Ports',
          path: ['ports'],
          help: 'Comma-separated port numbers; empty means all ports.',
          element: portProblem,
          numeric: true,
        },
        {
          kind: 'csv',
          id: 'sources',
          label: 'Sources',
          path: ['sources'],
          help: 'Comma-separated CIDRs the traffic may come from.',
          element: cidrProblem,
          minItems: 1,
        },
      ],
    },
  ],
};
