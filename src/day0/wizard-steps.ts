/**
 * The Day-0 wizard's model, free of React: the steps a team goes through when it plans a cloud-native system,
 * the fields of each step (where the value lives in the blueprint, how it is typed or chosen, how it is
 * validated while it is typed), the lists (node pools, subnets, ...) and their items' fields, and the rows a
 * step shows. The store (store/wizard.ts) moves through these rows; the components draw them.
 *
 * Field values are only committed when they are valid, so the wizard's blueprint always satisfies the schema
 * and the audit can run on it at any time. Whether values make sense together is the audit's job.
 */
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { ENVIRONMENTS, STACK_NAME_RE, type Environment } from '../domain/stack.js';
import { cronProblem, parseCidr, type Finding } from './audit.js';
import {
  CLOUDS,
  COMPLIANCE,
  DB_ENGINES,
  GITOPS,
  IAC_TOOLS,
  INGRESS_CONTROLLERS,
  KUBERNETES_SERVICES,
  MONITORING,
  PIPELINES,
  REPO_LAYOUTS,
  RUNNERS,
  SECRETS_MANAGERS,
  STATE_BACKENDS,
  type Blueprint,
  type Cloud,
} from './blueprint.js';
import { CATALOG, KUBERNETES_CLOUD, regionOf } from './catalog.js';
import { switchCloud } from './defaults.js';

export type Path = readonly (string | number)[];
export type Value = unknown;

export interface Option {
  value: string | boolean;
  label: string;
}

/** What a field's options or validation may look at: the whole design, and the item when inside a list. */
export interface FieldCtx {
  bp: Blueprint;
  item?: unknown;
}

interface FieldBase {
  /** Unique within its step (or within its list's item fields). */
  id: string;
  label: string;
  /** Where the value lives: in the blueprint, or (for a list's item fields) in the item; [] is the item itself. */
  path: Path;
  /** One line: what the field means and what to enter. */
  help: string;
}

export interface TextField extends FieldBase {
  kind: 'text';
  /** Why the text is not acceptable, or undefined. */
  validate?: (text: string, ctx: FieldCtx) => string | undefined;
  /** An empty value is allowed. */
  optional?: boolean;
}

export interface NumberField extends FieldBase {
  kind: 'number';
  integer?: boolean;
  min?: number;
  max?: number;
  /** Strictly greater than. */
  above?: number;
  unit?: string;
  /** An empty value is allowed (stored as absent). */
  optional?: boolean;
}

export interface ChoiceField extends FieldBase {
  kind: 'choice';
  options: (ctx: FieldCtx) => Option[];
  /** A choice that re-derives other fields (the cloud, the region, the environment). */
  apply?: (bp: Blueprint, value: string) => Blueprint;
}

export interface BoolField extends FieldBase {
  kind: 'bool';
  yes?: string;
  no?: string;
}

export interface MultiField extends FieldBase {
  kind: 'multi';
  options: (ctx: FieldCtx) => Option[];
}

/** A short list of values typed on one line, separated by commas (CIDRs, ports, namespaces). */
export interface CsvField extends FieldBase {
  kind: 'csv';
  element: (text: string) => string | undefined;
  numeric?: boolean;
  /** At least this many values. */
  minItems?: number;
  /** The value is left out of the item when empty (optional keys such as rbac namespaces). */
  omitEmpty?: boolean;
}

export type ItemField = TextField | NumberField | ChoiceField | BoolField | CsvField;

export interface ListField extends FieldBase {
  kind: 'list';
  /** "node pool", for prompts and titles. */
  noun: string;
  /** The fields of one item; for a list of plain strings, one field with path []. */
  fields: ItemField[];
  /** A new item with sensible values, named so it does not clash with the others. */
  make: (bp: Blueprint, items: unknown[]) => unknown;
  /** One line about an item, for the list and the review. */
  summary: (item: unknown, bp: Blueprint) => string;
  /** The schema needs at least this many items: removing below it is refused. */
  minItems?: number;
}

export type Field = TextField | NumberField | ChoiceField | BoolField | MultiField | CsvField | ListField;

export interface Step {
  id: string;
  title: string;
  /** One line under the title: what this step decides. */
  intro: string;
  fields: Field[];
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

export function getIn(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** A copy of obj with the value at path replaced (undefined removes an object key). */
export function setIn<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path;
  if (Array.isArray(obj)) {
    const copy = [...obj];
    copy[k as number] = setIn(copy[k as number], rest, value);
    return copy as T;
  }
  const copy = { ...(obj as Record<string, unknown>) };
  const next = setIn(copy[k as string], rest, value);
  if (next === undefined) delete copy[k as string];
  else copy[k as string] = next;
  return copy as T;
}

export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Validators (what is shown beside a field while it is typed)

export function nameProblem(text: string): string | undefined {
  if (!text) return 'a name is needed';
  if (text.length > 63) return 'at most 63 characters';
  if (/[A-Z]/.test(text)) return 'lowercase only';
  if (!STACK_NAME_RE.test(text)) return 'lowercase letters, digits and dashes; start and end with a letter or digit';
  return undefined;
}

export function cidrProblem(text: string): string | undefined {
  if (!text.trim()) return 'a CIDR such as 10.0.0.0/16 is needed';
  const c = parseCidr(text);
  return 'error' in c ? c.error : undefined;
}

export function cronFieldProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  const p = cronProblem(text);
  return p ? `not a cron schedule: ${p}` : undefined;
}

export function urlProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    const u = new URL(text.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'use an http:// or https:// URL';
    if (!u.hostname) return 'the URL needs a host';
    return undefined;
  } catch {
    return 'not a URL such as http://127.0.0.1:9093';
  }
}

export function portProblem(text: string): string | undefined {
  if (!/^\d+$/.test(text)) return `${text} is not a port number`;
  const n = Number(text);
  return n > 65535 ? `${text} is above 65535` : undefined;
}

function wordProblem(what: string): (text: string) => string | undefined {
  return (text) =>
    !text.trim() ? `a ${what} is needed` : /\s/.test(text.trim()) ? `a ${what} has no spaces` : undefined;
}

function patchWindowProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  return /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun|daily)\s+([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/i.test(text.trim())
    ? undefined
    : 'like "Sun 02:00-04:00" (a day, or daily, and a time range)';
}

// ---------------------------------------------------------------------------------------------------------------
// Values as text, and text back to values

export function valueText(field: Field, value: unknown): string {
  switch (field.kind) {
    case 'text':
      return typeof value === 'string' ? value : value === undefined ? '' : String(value);
    case 'number':
      return value === undefined || value === null ? '' : String(value);
    case 'csv':
    case 'multi':
      return Array.isArray(value) ? value.join(', ') : '';
    case 'bool':
      return value ? (field.yes ?? 'yes') : (field.no ?? 'no');
    case 'choice': {
      return value === undefined ? '' : String(value);
    }
    case 'list':
      return Array.isArray(value) ? `${value.length}` : '0';
  }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** The typed text as the field's value, or why it is not acceptable. */
export function parseText(field: TextField | NumberField | CsvField, text: string, ctx: FieldCtx): Parsed {
  if (field.kind === 'text') {
    if (!field.optional && !text.trim() && !field.validate) return { ok: false, error: 'a value is needed' };
    const error = field.validate?.(text, ctx);
    return error ? { ok: false, error } : { ok: true, value: text.trim() };
  }
  if (field.kind === 'number') {
    const t = text.trim();
    if (!t) return field.optional ? { ok: true, value: undefined } : { ok: false, error: 'a number is needed' };
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(t)) return { ok: false, error: `${t} is not a number` };
    const n = Number(t);
    if (field.integer && !Number.isInteger(n)) return { ok: false, error: 'a whole number is needed' };
    if (field.min !== undefined && n < field.min) return { ok: false, error: `at least ${field.min}` };
    if (field.max !== undefined && n > field.max) return { ok: false, error: `at most ${field.max}` };
    if (field.above !== undefined && n <= field.above) return { ok: false, error: `must be above ${field.above}` };
    return { ok: true, value: n };
  }
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    const error = field.element(p);
    if (error) return { ok: false, error };
  }
  if (field.minItems && parts.length < field.minItems)
    return { ok: false, error: `at least ${field.minItems} value${field.minItems > 1 ? 's' : ''} needed` };
  if (parts.length === 0 && field.omitEmpty) return { ok: true, value: undefined };
  return { ok: true, value: field.numeric ? parts.map(Number) : parts };
}

// ---------------------------------------------------------------------------------------------------------------
// Options

const opts = (values: readonly string[], labels: Record<string, string> = {}): Option[] =>
  values.map((v) => ({ value: v, label: labels[v] ? `${v} · ${labels[v]}` : v }));

const regionOptions = (bp: Blueprint): Option[] =>
  CATALOG[bp.provider.cloud].regions.map((r) => ({ value: r.id, label: `${r.id} · ${r.label}${r.eu ? ' · EU' : ''}` }));

const zoneOptions = (bp: Blueprint): Option[] =>
  (regionOf(bp.provider.cloud, bp.provider.region)?.zones ?? []).map((z) => ({ value: z, label: z }));

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

function uniqueName(base: string, items: unknown[]): string {
  const names = new Set(items.map((i) => (i as { name?: string }).name));
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) if (!names.has(`${base}-${n}`)) return `${base}-${n}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The steps

export const STEPS: Step[] = [
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
    id: 'storage',
    title: 'Storage',
    intro: 'Storage classes for persistent volumes, and managed databases.',
    fields: [
      {
        kind: 'list',
        id: 'classes',
        label: 'Storage classes',
        noun: 'storage class',
        path: ['storage', 'classes'],
        help: 'Kinds of disk volumes get; one should be the default.',
        make: (bp, items) => ({
          name: uniqueName('storage', items),
          type: CATALOG[bp.provider.cloud].defaultStorageType,
          encrypted: true,
          default: items.length === 0,
          backup: true,
        }),
        summary: (i) => {
          const k = i as Blueprint['storage']['classes'][number];
          return `${k.name} · ${k.type} · ${k.encrypted ? 'encrypted' : 'NOT encrypted'}${k.default ? ' · default' : ''} · ${k.backup ? 'backed up' : 'NO backup'}`;
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
            id: 'type',
            label: 'Disk type',
            path: ['type'],
            help: "The cloud's disk type behind the class.",
            options: ({ bp }) => CATALOG[bp.provider.cloud].storageTypes.map((t) => ({ value: t.id, label: t.label })),
          },
          {
            kind: 'bool',
            id: 'encrypted',
            label: 'Encrypted',
            path: ['encrypted'],
            help: 'Encrypt volumes of this class at rest.',
          },
          {
            kind: 'bool',
            id: 'default',
            label: 'Default class',
            path: ['default'],
            help: 'Volumes that name no class get this one.',
          },
          {
            kind: 'bool',
            id: 'backup',
            label: 'Backed up',
            path: ['backup'],
            help: 'Snapshot volumes of this class on the backup schedule.',
          },
        ],
      },
      {
        kind: 'list',
        id: 'databases',
        label: 'Databases',
        noun: 'database',
        path: ['storage', 'databases'],
        help: 'Managed databases the workloads use.',
        make: (_bp, items) => ({
          name: uniqueName('db', items),
          engine: 'postgres',
          version: '16',
          sizeGb: 20,
          encrypted: true,
          backup: true,
        }),
        summary: (i) => {
          const d = i as Blueprint['storage']['databases'][number];
          return `${d.name} · ${d.engine} ${d.version} · ${d.sizeGb} GB · ${d.encrypted ? 'encrypted' : 'NOT encrypted'} · ${d.backup ? 'backed up' : 'NO backup'}`;
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
            id: 'engine',
            label: 'Engine',
            path: ['engine'],
            help: 'The database engine (the audit checks the cloud offers it).',
            options: () => opts(DB_ENGINES),
          },
          {
            kind: 'text',
            id: 'version',
            label: 'Version',
            path: ['version'],
            help: 'The engine version, such as 16.',
            validate: (t) => (/^\d+(\.\d+){0,2}$/.test(t.trim()) ? undefined : 'a version such as 16 or 8.0'),
          },
          {
            kind: 'number',
            id: 'sizeGb',
            label: 'Size (GB)',
            path: ['sizeGb'],
            help: 'Allocated storage in GB.',
            integer: true,
            min: 1,
            max: 65536,
            unit: 'GB',
          },
          { kind: 'bool', id: 'encrypted', label: 'Encrypted', path: ['encrypted'], help: 'Encrypt the data at rest.' },
          {
            kind: 'bool',
            id: 'backup',
            label: 'Backed up',
            path: ['backup'],
            help: 'Automated backups of the database.',
          },
        ],
      },
    ],
  },
  {
    id: 'cicd',
    title: 'CI/CD',
    intro: 'How changes get from a commit to the cluster.',
    fields: [
      {
        kind: 'choice',
        id: 'pipeline',
        label: 'Pipeline',
        path: ['cicd', 'pipeline'],
        help: 'The CI system that runs plans and tests.',
        options: () => opts(PIPELINES),
      },
      {
        kind: 'choice',
        id: 'gitops',
        label: 'GitOps tool',
        path: ['cicd', 'gitops'],
        help: 'What syncs the cluster from git (none: the pipeline applies).',
        options: () => opts(GITOPS),
      },
      {
        kind: 'choice',
        id: 'repoLayout',
        label: 'Repository layout',
        path: ['cicd', 'repoLayout'],
        help: 'One repository for all environments, or one per environment.',
        options: () => opts(REPO_LAYOUTS),
      },
    ],
  },
  {
    id: 'security',
    title: 'Security & compliance',
    intro: 'Secrets, who may do what in the cluster, and the rules the design must meet.',
    fields: [
      {
        kind: 'choice',
        id: 'secrets',
        label: 'Secrets manager',
        path: ['security', 'secrets'],
        help: "Where secrets live; the cloud's own needs no extra credentials.",
        options: ({ bp }) =>
          SECRETS_MANAGERS.map((s) => ({
            value: s,
            label: s === CATALOG[bp.provider.cloud].secretsManager ? `${s} · this cloud's` : s,
          })),
      },
      {
        kind: 'list',
        id: 'rbac',
        label: 'RBAC bindings',
        noun: 'RBAC binding',
        path: ['security', 'rbac'],
        help: 'Which group gets which Kubernetes role, cluster-wide or in some namespaces.',
        make: () => ({ group: 'developers', role: 'view' }),
        summary: (i) => {
          const r = i as Blueprint['security']['rbac'][number];
          return `${r.group} → ${r.role}${r.namespaces?.length ? ` in ${r.namespaces.join(', ')}` : ' (cluster-wide)'}`;
        },
        fields: [
          {
            kind: 'text',
            id: 'group',
            label: 'Group',
            path: ['group'],
            help: 'The identity-provider group.',
            validate: wordProblem('group'),
          },
          {
            kind: 'text',
            id: 'role',
            label: 'Role',
            path: ['role'],
            help: 'A Kubernetes role such as cluster-admin, admin, edit or view.',
            validate: wordProblem('role'),
          },
          {
            kind: 'csv',
            id: 'namespaces',
            label: 'Namespaces',
            path: ['namespaces'],
            help: 'Comma-separated; empty means cluster-wide.',
            element: (t) => nameProblem(t),
            omitEmpty: true,
          },
        ],
      },
      {
        kind: 'multi',
        id: 'compliance',
        label: 'Compliance',
        path: ['security', 'compliance'],
        help: 'Regimes the design must meet (GDPR needs EU regions; HIPAA and PCI-DSS need encryption and audit logs).',
        options: () =>
          opts(COMPLIANCE, {
            gdpr: 'EU data protection',
            hipaa: 'US health data',
            'pci-dss': 'card payments',
            soc2: 'service controls',
          }),
      },
      {
        kind: 'bool',
        id: 'encryptionAtRest',
        label: 'Encryption at rest',
        path: ['security', 'encryptionAtRest'],
        help: 'Encrypt disks, databases and secrets at rest.',
      },
      {
        kind: 'bool',
        id: 'auditLogging',
        label: 'Audit logging',
        path: ['security', 'auditLogging'],
        help: 'Keep the cluster and cloud audit logs (who did what).',
      },
    ],
  },
  {
    id: 'success',
    title: 'Success criteria',
    intro: 'What "working" means: the targets monitoring, alerts and backups are built to meet.',
    fields: [
      {
        kind: 'number',
        id: 'availabilitySlo',
        label: 'Availability SLO',
        path: ['successCriteria', 'availabilitySlo'],
        help: 'Percent of time the service is up, such as 99.9.',
        above: 0,
        max: 100,
        unit: '%',
      },
      {
        kind: 'number',
        id: 'p95LatencyMs',
        label: 'p95 latency',
        path: ['successCriteria', 'p95LatencyMs'],
        help: '95% of requests answer within this many milliseconds.',
        integer: true,
        min: 1,
        unit: 'ms',
      },
      {
        kind: 'number',
        id: 'rpoMinutes',
        label: 'RPO',
        path: ['successCriteria', 'rpoMinutes'],
        help: 'The data loss the business accepts, in minutes (backups must run at least this often).',
        above: 0,
        unit: 'min',
      },
      {
        kind: 'number',
        id: 'rtoMinutes',
        label: 'RTO',
        path: ['successCriteria', 'rtoMinutes'],
        help: 'How long a restore may take, in minutes.',
        above: 0,
        unit: 'min',
      },
    ],
  },
  {
    id: 'day2',
    title: 'Day-2 plan',
    intro: 'How the stack is operated: monitoring, alerts, drift checks, backups and patching.',
    fields: [
      {
        kind: 'choice',
        id: 'monitoring',
        label: 'Monitoring',
        path: ['day2', 'monitoring'],
        help: 'Where metrics go.',
        options: () => opts(MONITORING),
      },
      {
        kind: 'text',
        id: 'alertmanagerUrl',
        label: 'Alertmanager URL',
        path: ['day2', 'alerting', 'alertmanagerUrl'],
        help: "Alertmanager's address, such as http://127.0.0.1:9093 (empty: no alerts).",
        validate: urlProblem,
        optional: true,
      },
      {
        kind: 'list',
        id: 'receivers',
        label: 'Alert receivers',
        noun: 'receiver',
        path: ['day2', 'alerting', 'receivers'],
        help: 'Alertmanager receivers that get this stack’s alerts (pagerduty, a team channel).',
        make: (_bp, items) => {
          const names = new Set(items as string[]);
          let n = 1;
          while (names.has(n === 1 ? 'receiver' : `receiver-${n}`)) n++;
          return n === 1 ? 'receiver' : `receiver-${n}`;
        },
        summary: (i) => String(i),
        fields: [
          {
            kind: 'text',
            id: 'receiver',
            label: 'Receiver',
            path: [],
            help: 'The receiver name as Alertmanager knows it.',
            validate: wordProblem('receiver name'),
          },
        ],
      },
      {
        kind: 'text',
        id: 'driftSchedule',
        label: 'Drift schedule',
        path: ['day2', 'drift', 'schedule'],
        help: 'Cron (five fields, UTC): when to plan and look for drift, such as 0 */6 * * *.',
        validate: cronFieldProblem,
        optional: true,
      },
      {
        kind: 'bool',
        id: 'autoRemediate',
        label: 'Auto-remediate drift',
        path: ['day2', 'drift', 'autoRemediate'],
        help: 'Apply drift fixes with no approval (not advised in prod).',
      },
      {
        kind: 'text',
        id: 'backupSchedule',
        label: 'Backup schedule',
        path: ['day2', 'backups', 'schedule'],
        help: 'Cron (UTC): must run at least as often as the RPO.',
        validate: cronFieldProblem,
        optional: true,
      },
      {
        kind: 'number',
        id: 'retentionHourly',
        label: 'Keep hourly',
        path: ['day2', 'backups', 'retention', 'hourly'],
        help: 'Hourly snapshots to keep (empty: none).',
        integer: true,
        min: 0,
        optional: true,
      },
      {
        kind: 'number',
        id: 'retentionDaily',
        label: 'Keep daily',
        path: ['day2', 'backups', 'retention', 'daily'],
        help: 'Daily snapshots to keep (empty: none).',
        integer: true,
        min: 0,
        optional: true,
      },
      {
        kind: 'number',
        id: 'retentionWeekly',
        label: 'Keep weekly',
        path: ['day2', 'backups', 'retention', 'weekly'],
        help: 'Weekly snapshots to keep (empty: none).',
        integer: true,
        min: 0,
        optional: true,
      },
      {
        kind: 'number',
        id: 'retentionMonthly',
        label: 'Keep monthly',
        path: ['day2', 'backups', 'retention', 'monthly'],
        help: 'Monthly snapshots to keep (empty: none).',
        integer: true,
        min: 0,
        optional: true,
      },
      {
        kind: 'text',
        id: 'restoreTest',
        label: 'Restore-test schedule',
        path: ['day2', 'backups', 'restoreTestSchedule'],
        help: 'Cron (UTC): when to test-restore the latest backup, such as 0 4 * * 0.',
        validate: cronFieldProblem,
        optional: true,
      },
      {
        kind: 'text',
        id: 'repository',
        label: 'Backup repository',
        path: ['day2', 'backups', 'repository'],
        help: 'A restic repository: a path or URL such as s3:s3.amazonaws.com/bucket/path.',
        optional: true,
      },
      {
        kind: 'text',
        id: 'patchWindow',
        label: 'Patch window',
        path: ['day2', 'patching', 'window'],
        help: 'When upgrades may run, such as "Sun 02:00-04:00" (UTC).',
        validate: patchWindowProblem,
        optional: true,
      },
    ],
  },
  {
    id: 'review',
    title: 'Review & write',
    intro: 'The whole design, its audit, and where the files go.',
    fields: [],
  },
];

export const REVIEW_STEP = STEPS.length - 1;

export function stepIndex(id: string): number {
  return STEPS.findIndex((s) => s.id === id);
}

// ---------------------------------------------------------------------------------------------------------------
// Rows: what a step shows, one line each

export type Row =
  | { key: string; type: 'field'; field: Exclude<Field, ListField>; path: Path; focusable: true }
  | { key: string; type: 'list-head'; list: ListField; path: Path; focusable: false }
  | { key: string; type: 'item'; list: ListField; path: Path; index: number; focusable: true }
  | { key: string; type: 'empty'; list: ListField; path: Path; focusable: true };

/** The rows of a form step: a row per field; a list is a heading, then a row per item (or an "empty" row). */
export function stepRows(step: Step, bp: Blueprint): Row[] {
  const rows: Row[] = [];
  for (const f of step.fields) {
    if (f.kind !== 'list') {
      rows.push({ key: f.id, type: 'field', field: f, path: f.path, focusable: true });
      continue;
    }
    const items = (getIn(bp, f.path) as unknown[] | undefined) ?? [];
    rows.push({ key: `${f.id}:head`, type: 'list-head', list: f, path: f.path, focusable: false });
    if (items.length === 0) rows.push({ key: `${f.id}:empty`, type: 'empty', list: f, path: f.path, focusable: true });
    items.forEach((_, i) =>
      rows.push({ key: `${f.id}[${i}]`, type: 'item', list: f, path: [...f.path, i], index: i, focusable: true }),
    );
  }
  return rows;
}

/** The rows of one list item's editor: a row per item field, paths absolute. */
export function itemRows(list: ListField, index: number): Row[] {
  return list.fields.map((f) => ({
    key: f.id,
    type: 'field' as const,
    field: f,
    path: [...list.path, index, ...f.path],
    focusable: true as const,
  }));
}

export function findList(id: string): { step: number; list: ListField } | undefined {
  for (let s = 0; s < STEPS.length; s++) {
    const list = STEPS[s].fields.find((f): f is ListField => f.kind === 'list' && f.id === id);
    if (list) return { step: s, list };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Findings: which step and field an audit finding is about

const STEP_OF_ROOT: Record<string, string> = {
  metadata: 'basics',
  iac: 'basics',
  provider: 'provider',
  cluster: 'cluster',
  network: 'network',
  storage: 'storage',
  cicd: 'cicd',
  security: 'security',
  successCriteria: 'success',
  day2: 'day2',
};

/** Parse `network.subnets[2].cidr` back into ['network', 'subnets', 2, 'cidr']. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((k, i) => path[i] === k);

export interface FindingTarget {
  step: number;
  /** The row to focus in the step. */
  focus: string;
  /** When the finding is about a list item's field: open that item's editor on this field. */
  editor?: { list: string; index: number; focus: string };
}

/** Where to go to fix a finding. */
export function findingTarget(f: Pick<Finding, 'path'>): FindingTarget | undefined {
  const path = parsePath(f.path);
  const step = stepIndex(STEP_OF_ROOT[String(path[0])] ?? '');
  if (step < 0) return undefined;
  const fields = STEPS[step].fields;
  // The most specific field whose path the finding's path starts with.
  const field = [...fields].sort((a, b) => b.path.length - a.path.length).find((fl) => startsWith(path, fl.path));
  if (!field) {
    const parent = fields.find((fl) => startsWith(fl.path, path));
    return { step, focus: parent ? (parent.kind === 'list' ? `${parent.id}:head` : parent.id) : (fields[0]?.id ?? '') };
  }
  if (field.kind !== 'list') return { step, focus: field.id };
  const index = path[field.path.length];
  if (typeof index !== 'number') return { step, focus: `${field.id}:head` };
  const rest = path.slice(field.path.length + 1);
  const itemField = field.fields.find((x) => (x.path.length === 0 ? true : startsWith(rest, x.path)));
  return {
    step,
    focus: `${field.id}[${index}]`,
    editor: { list: field.id, index, focus: itemField?.id ?? field.fields[0].id },
  };
}

/** The findings about a row (a field, a list, or one item of a list). */
export function findingsFor(findings: readonly Finding[], path: Path): Finding[] {
  return findings.filter((f) => startsWith(parsePath(f.path), path));
}

/** The step of each finding, for the step list's marks. */
export function findingsByStep(findings: readonly Finding[]): Map<number, Finding[]> {
  const map = new Map<number, Finding[]>();
  for (const f of findings) {
    const step = stepIndex(STEP_OF_ROOT[String(parsePath(f.path)[0])] ?? '');
    if (step < 0) continue;
    map.set(step, [...(map.get(step) ?? []), f]);
  }
  return map;
}

// ---------------------------------------------------------------------------------------------------------------
// The review: the design summarised, field by field

export interface SummaryLine {
  step: number;
  /** A row key of that step, to jump to. */
  focus: string;
  label: string;
  value: string;
  heading?: boolean;
}

export function displayValue(field: Field, value: unknown, bp: Blueprint): string {
  if (field.kind === 'bool') return valueText(field, value);
  if (field.kind === 'list') {
    const items = (value as unknown[] | undefined) ?? [];
    return items.length ? items.map((i) => field.summary(i, bp)).join('; ') : 'none';
  }
  const t = valueText(field, value);
  if ((field.kind === 'multi' || field.kind === 'csv') && !t) return 'none';
  // A choice shows its label (eu-west-1 · Europe (Ireland) · EU), and says when the value is not one of them.
  if (field.kind === 'choice') {
    const options = field.options({ bp });
    const o = options.find((x) => x.value === value);
    return o ? o.label : `${t} (not a choice here)`;
  }
  if (field.kind === 'number' && t && field.unit) return field.unit === '%' ? `${t}%` : `${t} ${field.unit}`;
  return t === '' ? (field.kind === 'number' ? 'none' : '(empty)') : t;
}

export function summaryLines(bp: Blueprint): SummaryLine[] {
  const lines: SummaryLine[] = [];
  STEPS.forEach((step, s) => {
    if (step.id === 'review') return;
    lines.push({
      step: s,
      focus: step.fields[0]?.id ?? '',
      label: `${s + 1}. ${step.title}`,
      value: '',
      heading: true,
    });
    for (const f of step.fields) {
      if (f.kind === 'list') {
        const items = (getIn(bp, f.path) as unknown[] | undefined) ?? [];
        if (items.length === 0) lines.push({ step: s, focus: `${f.id}:empty`, label: f.label, value: 'none' });
        items.forEach((item, i) =>
          lines.push({ step: s, focus: `${f.id}[${i}]`, label: i === 0 ? f.label : '', value: f.summary(item, bp) }),
        );
      } else {
        lines.push({ step: s, focus: f.id, label: f.label, value: displayValue(f, getIn(bp, f.path), bp) });
      }
    }
  });
  return lines;
}

/** The output folder: what the operator typed, or ./<name>, made absolute against the current folder. */
export function outputDir(typed: string | null, bp: Blueprint, cwd: string): string {
  const t = typed?.trim();
  return resolve(cwd, t ? t : `./${bp.metadata.name}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The review step's rows

export type ReviewRow =
  | { key: 'outDir'; type: 'outDir'; focusable: true }
  | { key: 'write'; type: 'write'; focusable: true }
  | { key: string; type: 'audit-head'; focusable: false }
  | { key: string; type: 'finding'; finding: Finding; focusable: true }
  | { key: string; type: 'summary'; line: SummaryLine; focusable: boolean }
  | { key: string; type: 'file'; file: string; focusable: false }
  | { key: string; type: 'gap'; focusable: false };

/** The output folder and the write button first, then the live audit, then the design summarised. */
export function reviewRows(bp: Blueprint, findings: readonly Finding[], written: readonly string[] = []): ReviewRow[] {
  const rows: ReviewRow[] = [
    { key: 'outDir', type: 'outDir', focusable: true },
    { key: 'write', type: 'write', focusable: true },
  ];
  written.forEach((file, i) => rows.push({ key: `file:${i}`, type: 'file', file, focusable: false }));
  rows.push({ key: 'gap:1', type: 'gap', focusable: false }, { key: 'audit', type: 'audit-head', focusable: false });
  findings.forEach((f, i) =>
    rows.push({ key: `finding:${f.code}:${f.path}:${i}`, type: 'finding', finding: f, focusable: true }),
  );
  rows.push({ key: 'gap:2', type: 'gap', focusable: false });
  summaryLines(bp).forEach((line, i) =>
    rows.push({ key: `summary:${i}`, type: 'summary', line, focusable: !line.heading }),
  );
  return rows;
}

/** Why the output folder cannot be used, or undefined. */
export function outDirProblem(abs: string, exists: (p: string) => 'dir' | 'file' | 'none'): string | undefined {
  const kind = exists(abs);
  return kind === 'file' ? `${abs} is a file, not a folder` : undefined;
}
