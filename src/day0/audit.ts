/**
 * The Day-0 audit: every problem of a blueprint at once, each with the field it is about and what to change.
 *
 * Errors block writing the design; warnings are shown and do not block. The audit is pure and deterministic (the
 * same blueprint gives the same findings in the same order: errors first, then warnings, each in the order of
 * the blueprint's fields) and cheap enough to run on every keystroke of the wizard's review screen: the only
 * costly part, walking a cron schedule to find its longest gap, is cached per expression.
 */
import ipaddr from 'ipaddr.js';
import { Cron } from 'croner';
import { z } from 'zod';
import { formatPath } from '../config/yaml-file.js';
import { type Blueprint, type Cloud, DEFAULT_BACKEND, regulatedBy } from './blueprint.js';
import { CATALOG, KUBERNETES_CLOUD, regionOf } from './catalog.js';
import { plural } from './words.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable, kebab-case: scripts and tests match on it. */
  code: string;
  /** The field the finding is about, as `network.subnets[2].cidr`. */
  path: string;
  /** What is wrong and what to change, in one line. */
  message: string;
}

export const hasErrors = (findings: readonly Finding[]): boolean => findings.some((f) => f.severity === 'error');

type Path = readonly PropertyKey[];
type Add = (severity: Severity, code: string, path: Path, message: string) => void;

export function audit(bp: Blueprint): Finding[] {
  const found: Finding[] = [];
  const add: Add = (severity, code, path, message) => found.push({ severity, code, path: formatPath(path), message });
  checkProvider(bp, add);
  checkIac(bp, add);
  checkCluster(bp, add);
  checkNetwork(bp, add);
  checkStorage(bp, add);
  checkSecurity(bp, add);
  checkDay2(bp, add);
  return [...found.filter((f) => f.severity === 'error'), ...found.filter((f) => f.severity === 'warning')];
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const isProd = (bp: Blueprint) => bp.metadata.environment === 'prod';
const list = (items: readonly string[]) => items.join(', ');

/** Report every later item whose name repeats an earlier one. */
function checkDuplicateNames(items: readonly { name: string }[], base: Path, what: string, add: Add): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else
      add(
        'error',
        'duplicate-name',
        [...base, i, 'name'],
        `Two ${what} are named ${item.name} (entries ${first + 1} and ${i + 1}): rename one`,
      );
  });
}

/** The cloud whose catalog lists an id, when it is not the given cloud's. */
function otherCloudOf(cloud: Cloud, id: string, key: 'instanceTypes' | 'storageTypes'): Cloud | undefined {
  if (CATALOG[cloud][key].some((t) => t.id === id)) return undefined;
  return (Object.keys(CATALOG) as Cloud[]).find((c) => c !== cloud && CATALOG[c][key].some((t) => t.id === id));
}

export interface ParsedCidr {
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  bits: number;
  kind: 'ipv4' | 'ipv6';
}

/** A CIDR in its canonical form (`10.0.0.0/16`), or why it is not one. */
export function parseCidr(text: string): ParsedCidr | { error: string } {
  const parts = text.trim().split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1])) return { error: `${text} is not a CIDR such as 10.0.0.0/16` };
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    if (parts[0].includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(parts[0])) throw new Error('not four-part');
    parsed = ipaddr.parseCIDR(text.trim());
  } catch {
    return { error: `${text} is not a CIDR such as 10.0.0.0/16` };
  }
  const [addr, bits] = parsed;
  const kind = addr.kind();
  const network =
    kind === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text.trim()) : ipaddr.IPv6.networkAddressFromCIDR(text.trim());
  if (network.toString() !== addr.toString()) {
    return { error: `${text} has host bits set: the network is ${network.toString()}/${bits}` };
  }
  return { addr, bits, kind };
}

const isCidrError = (c: ParsedCidr | { error: string }): c is { error: string } => 'error' in c;

/** `inner` lies wholly inside `outer`. */
function contains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  return outer.kind === inner.kind && inner.bits >= outer.bits && inner.addr.match(outer.addr, outer.bits);
}

const overlaps = (a: ParsedCidr, b: ParsedCidr) => contains(a, b) || contains(b, a);

/** Any address, on any port: 0.0.0.0/0 or ::/0. */
function isAnywhere(source: string): boolean {
  const c = parseCidr(source);
  return !isCidrError(c) && c.bits === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Cron schedules

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function cronOf(expr: string): Cron {
  // Standard five-field cron, read in UTC so the audit does not depend on the machine's time zone.
  return new Cron(expr.trim(), { paused: true, mode: '5-part', utcOffset: 0 });
}

/** Why a cron expression is not usable, or undefined when it is. */
export function cronProblem(expr: string): string | undefined {
  let cron: Cron;
  try {
    cron = cronOf(expr);
  } catch (err) {
    const why = (err as Error).message.replace(/^CronPattern:\s*/, '').replace(/\.$/, '');
    return why.includes('parts are required')
      ? 'it needs five fields: minute hour day-of-month month day-of-week'
      : why;
  }
  if (!cron.nextRun(WINDOW_START)) return 'it never fires (no such date)';
  return undefined;
}

const WINDOW_START = new Date(Date.UTC(2025, 0, 1, 0, 0, 0));
const DAY = 86_400_000;
const MAX_RUNS = 60_000;
const gapCache = new Map<string, number>();

/**
 * The longest time, in minutes, between two consecutive runs of a valid cron expression (Infinity when it fires
 * at most once). It walks the runs over a window long enough to repeat the schedule's pattern: two days when it
 * fires every day, a week when only weekdays are restricted, two months when days of the month are, and more than
 * a year when months are; then on to the first run after the window, so the gap across the window's end counts.
 */
export function longestCronGapMinutes(expr: string): number {
  const key = expr.trim();
  const cached = gapCache.get(key);
  if (cached !== undefined) return cached;
  const fields = (NICKNAMES[key.toLowerCase()] ?? key).split(/\s+/);
  const wild = (f: string | undefined) => f === '*' || f === '?';
  const [dom, month, dow] = [fields[2], fields[3], fields[4]];
  const days = wild(dom) && wild(month) && wild(dow) ? 2 : wild(dom) && wild(month) ? 8 : wild(month) ? 62 : 400;
  const end = WINDOW_START.getTime() + days * DAY;
  const cron = cronOf(key);
  let prev: Date = WINDOW_START;
  let last: number | undefined;
  let longest = 0;
  let runs = 0;
  for (;;) {
    const next = cron.nextRun(prev);
    if (!next) {
      if (runs < 2) longest = Infinity;
      break;
    }
    const t = next.getTime();
    if (last !== undefined) longest = Math.max(longest, t - last);
    last = t;
    prev = next;
    runs++;
    if ((t > end && runs >= 2) || runs >= MAX_RUNS) break;
  }
  const minutes = longest === Infinity ? Infinity : longest / 60_000;
  if (gapCache.size > 500) gapCache.clear();
  gapCache.set(key, minutes);
  return minutes;
}

/** A schedule that meets an RPO, to suggest in a message. */
export function cronForRpo(rpoMinutes: number): string {
  if (rpoMinutes < 60) {
    const step = [30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1].find((s) => s <= rpoMinutes) ?? 1;
    return `*/${step} * * * *`;
  }
  const hours = Math.floor(rpoMinutes / 60);
  if (hours < 24) {
    const step = [12, 8, 6, 4, 3, 2, 1].find((s) => s <= hours) ?? 1;
    return step === 1 ? '0 * * * *' : `0 */${step} * * *`;
  }
  return '0 0 * * *';
}

export function formatMinutes(m: number): string {
  if (m === Infinity) return 'never again';
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  if (m < 1440) {
    const h = m / 60;
    return Number.isInteger(h) ? `${h} hour${h === 1 ? '' : 's'}` : `${m} minutes`;
  }
  const d = m / 1440;
  return Number.isInteger(d) ? `${d} day${d === 1 ? '' : 's'}` : `${Math.round(d * 10) / 10} days`;
}

// ---------------------------------------------------------------------------------------------------------------
// The rules, in the order of the blueprint's fields

function checkProvider(bp: Blueprint, add: Add): void {
  const { cloud, region, secondaryRegions, kubernetes } = bp.provider;
  const c = CATALOG[cloud];
  const owner = KUBERNETES_CLOUD[kubernetes];
  if (owner !== cloud) {
    add(
      'error',
      'kubernetes-wrong-cloud',
      ['provider', 'kubernetes'],
      `${kubernetes} runs on ${CATALOG[owner].label}, not ${c.label}: set provider.kubernetes to ${c.kubernetes}`,
    );
  }
  const regionIds = c.regions.map((r) => r.id);
  const gdpr = bp.security.compliance.includes('gdpr');
  const primary = regionOf(cloud, region);
  if (!primary) {
    add(
      'error',
      'region-unknown',
      ['provider', 'region'],
      `${region} is not a ${c.label} region: pick one of ${list(regionIds)}`,
    );
  } else if (gdpr && !primary.eu) {
    add(
      'error',
      'gdpr-region-outside-eu',
      ['provider', 'region'],
      `GDPR is required but ${region} (${primary.label}) is outside the EU: pick an EU region such as ${c.defaultRegion}`,
    );
  }
  secondaryRegions.forEach((id, i) => {
    const r = regionOf(cloud, id);
    if (!r) {
      add(
        'error',
        'secondary-region-unknown',
        ['provider', 'secondaryRegions', i],
        `${id} is not a ${c.label} region: pick one of ${list(regionIds)}`,
      );
    } else if (gdpr && !r.eu) {
      add(
        'error',
        'gdpr-region-outside-eu',
        ['provider', 'secondaryRegions', i],
        `GDPR is required but the secondary region ${id} (${r.label}) is outside the EU: pick an EU region such as ${c.defaultSecondaryRegion}`,
      );
    }
    if (id === region) {
      add(
        'warning',
        'secondary-region-is-primary',
        ['provider', 'secondaryRegions', i],
        `${id} is already the primary region, so it adds no resilience: pick another region or remove it`,
      );
    }
  });
}

function checkIac(bp: Blueprint, add: Add): void {
  const { tool, backend, runner } = bp.iac;
  if (tool !== 'ansible' && backend === 'local' && isProd(bp)) {
    add(
      'warning',
      'state-local-in-prod',
      ['iac', 'backend'],
      `Prod state on one machine's disk is lost with it and is not locked against a colleague's run: keep it in ${CATALOG[bp.provider.cloud].label}'s storage with backend ${DEFAULT_BACKEND[bp.provider.cloud]}`,
    );
  }
  const inCluster = bp.storage.classes.length > 0 || bp.security.rbac.length > 0;
  if (inCluster && bp.cluster.controlPlane.privateEndpoint && runner === 'internet') {
    add(
      'warning',
      'kubernetes-api-unreachable',
      ['iac', 'runner'],
      'The Kubernetes API is private, so a runner on the internet cannot apply the objects inside the cluster (storage classes and RBAC, the platform root): run plans and applies inside the network (a CI runner or bastion in the VPC, or a VPN) and set runner to private-network, or set cluster.controlPlane.privateEndpoint to false',
    );
  }
}

function checkCluster(bp: Blueprint, add: Add): void {
  const { cloud } = bp.provider;
  const c = CATALOG[cloud];
  const prod = isProd(bp);
  const { version, controlPlane, nodePools } = bp.cluster;
  if (!c.kubernetesVersions.includes(version)) {
    add(
      'warning',
      'kubernetes-version-unknown',
      ['cluster', 'version'],
      `Kubernetes ${version} is not a version ${c.kubernetes.toUpperCase()} offers here (${list(c.kubernetesVersions)}): pick a supported one`,
    );
  }
  if (prod && controlPlane.availability === 'single') {
    add(
      'warning',
      'control-plane-single-in-prod',
      ['cluster', 'controlPlane', 'availability'],
      'A single control plane in prod stops the cluster API during an outage or upgrade: set availability to ha',
    );
  }
  if (prod && !controlPlane.privateEndpoint) {
    add(
      'warning',
      'control-plane-public-in-prod',
      ['cluster', 'controlPlane', 'privateEndpoint'],
      'The prod cluster API is reachable from the internet: set privateEndpoint to true and reach it over a VPN or bastion',
    );
  }
  nodePools.forEach((p, i) => {
    const base = ['cluster', 'nodePools', i];
    if (p.min > p.max) {
      add(
        'error',
        'node-pool-min-above-max',
        [...base, 'min'],
        `Node pool ${p.name} has min ${p.min} above max ${p.max}: lower min or raise max`,
      );
    } else if (p.desired < p.min) {
      add(
        'error',
        'node-pool-desired-below-min',
        [...base, 'desired'],
        `Node pool ${p.name} wants ${plural(p.desired, 'node')}, below its min ${p.min}: set desired between ${p.min} and ${p.max}`,
      );
    } else if (p.desired > p.max) {
      add(
        'error',
        'node-pool-desired-above-max',
        [...base, 'desired'],
        `Node pool ${p.name} wants ${plural(p.desired, 'node')}, above its max ${p.max}: set desired between ${p.min} and ${p.max}`,
      );
    }
    const other = otherCloudOf(cloud, p.instanceType, 'instanceTypes');
    if (other) {
      add(
        'error',
        'instance-type-other-cloud',
        [...base, 'instanceType'],
        `${p.instanceType} is a ${CATALOG[other].label} machine type, not ${c.label}'s: use one such as ${c.defaultInstanceType}`,
      );
    }
    if (cloud === 'azure' && !/^[a-z][a-z0-9]{0,11}$/.test(p.name)) {
      add(
        'error',
        'node-pool-name-invalid-aks',
        [...base, 'name'],
        `AKS node pool names are 1-12 lowercase letters and digits, starting with a letter: rename ${p.name} (e.g. ${
          p.name
            .replace(/[^a-z0-9]/g, '')
            .replace(/^[0-9]+/, '')
            .slice(0, 12) || 'pool'
        })`,
      );
    }
  });
  checkDuplicateNames(nodePools, ['cluster', 'nodePools'], 'node pools', add);
  if (cloud === 'azure' && nodePools.length > 0) {
    const sys = nodePools[0];
    if (sys.spot) {
      add(
        'error',
        'aks-system-pool-spot',
        ['cluster', 'nodePools', 0, 'spot'],
        `The first node pool (${sys.name}) is the AKS system pool, which cannot run on spot VMs: set spot to false or put a regular pool first`,
      );
    }
    if (sys.min < 1) {
      add(
        'error',
        'aks-system-pool-min-zero',
        ['cluster', 'nodePools', 0, 'min'],
        `The first node pool (${sys.name}) is the AKS system pool and needs at least one node: set min to 1 or more`,
      );
    }
  }
  if (prod && nodePools.length > 0 && nodePools.every((p) => p.spot)) {
    add(
      'warning',
      'all-node-pools-spot',
      ['cluster', 'nodePools'],
      'Every prod node pool uses spot capacity, which the cloud can take back at any time: add an on-demand pool for critical workloads',
    );
  }
}

function checkNetwork(bp: Blueprint, add: Add): void {
  const { cloud } = bp.provider;
  const net = bp.network;
  const prod = isProd(bp);
  const vpc = parseCidr(net.vpcCidr);
  let vpcOk: ParsedCidr | undefined;
  if (isCidrError(vpc)) {
    add(
      'error',
      'vpc-cidr-invalid',
      ['network', 'vpcCidr'],
      `${vpc.error}: give the VPC a private range such as 10.0.0.0/16`,
    );
  } else if (vpc.kind !== 'ipv4') {
    add(
      'error',
      'vpc-cidr-invalid',
      ['network', 'vpcCidr'],
      `${net.vpcCidr} is IPv6: the VPC's primary range must be IPv4, such as 10.0.0.0/16`,
    );
  } else {
    vpcOk = vpc;
    const range = vpc.addr.range();
    if (range !== 'private' && range !== 'carrierGradeNat') {
      add(
        'warning',
        'vpc-cidr-not-private',
        ['network', 'vpcCidr'],
        `${net.vpcCidr} is not a private range, so it may clash with public addresses: use one inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`,
      );
    }
    if (cloud === 'aws' && (vpc.bits < 16 || vpc.bits > 28)) {
      add(
        'error',
        'vpc-cidr-size',
        ['network', 'vpcCidr'],
        `AWS VPCs take a /16 to /28 range, not /${vpc.bits}: use a range such as 10.0.0.0/16`,
      );
    }
  }

  const subnets = net.subnets;
  if (subnets.length === 0) {
    add(
      'error',
      'subnets-missing',
      ['network', 'subnets'],
      'The cluster needs subnets to run in: add at least one private subnet per zone',
    );
  }
  const region = regionOf(cloud, bp.provider.region);
  const parsed: (ParsedCidr | undefined)[] = [];
  subnets.forEach((s, i) => {
    const base = ['network', 'subnets', i];
    const c = parseCidr(s.cidr);
    parsed.push(undefined);
    if (isCidrError(c)) {
      add(
        'error',
        'subnet-cidr-invalid',
        [...base, 'cidr'],
        `Subnet ${s.name}: ${c.error}: give it a range inside ${net.vpcCidr}`,
      );
    } else if (vpcOk && !contains(vpcOk, c)) {
      add(
        'error',
        'subnet-outside-vpc',
        [...base, 'cidr'],
        `Subnet ${s.name} (${s.cidr}) is outside the VPC: move it into ${net.vpcCidr} or widen the VPC CIDR`,
      );
    } else {
      const earlier = parsed.findIndex((p) => p !== undefined && overlaps(p, c));
      if (earlier >= 0) {
        const e = subnets[earlier];
        add(
          'error',
          'subnet-overlap',
          [...base, 'cidr'],
          `Subnet ${s.name} (${s.cidr}) overlaps ${e.name} (${e.cidr}): give it a range of its own`,
        );
      } else {
        parsed[i] = c;
      }
    }
    if (region && !region.zones.includes(s.zone)) {
      add(
        'error',
        'subnet-zone-not-in-region',
        [...base, 'zone'],
        `Subnet ${s.name} is in zone ${s.zone}, which is not in ${region.id}: pick one of ${list(region.zones)}`,
      );
    }
  });
  checkDuplicateNames(subnets, ['network', 'subnets'], 'subnets', add);

  const priv = subnets.filter((s) => !s.public);
  const pub = subnets.filter((s) => s.public);
  if (subnets.length > 0 && priv.length === 0) {
    add(
      'warning',
      'no-private-subnets',
      ['network', 'subnets'],
      'Every subnet is public, so nodes and databases get internet-facing addresses: add private subnets for them',
    );
  }
  if (priv.length > 0 && net.egress.natGateways === 0) {
    add(
      'warning',
      'nat-missing',
      ['network', 'egress', 'natGateways'],
      'With no NAT gateway, nodes in private subnets cannot reach the internet (image pulls, updates): set natGateways to 1 or more, or plan private endpoints',
    );
  }
  if (cloud === 'aws' && net.egress.natGateways > 0 && pub.length === 0) {
    add(
      'error',
      'nat-needs-public-subnet',
      ['network', 'egress', 'natGateways'],
      'AWS NAT gateways live in a public subnet and there is none: add a public subnet or set natGateways to 0',
    );
  }
  const privZones = new Set(priv.map((s) => s.zone));
  if (cloud === 'aws' && prod && net.egress.natGateways === 1 && privZones.size > 1) {
    add(
      'warning',
      'nat-single-in-prod',
      ['network', 'egress', 'natGateways'],
      `One NAT gateway serves private subnets in ${privZones.size} zones, so losing its zone cuts egress everywhere: set natGateways to ${privZones.size}`,
    );
  }
  const pubZones = new Set(pub.map((s) => s.zone));
  const missingPub = [...privZones].filter((z) => !pubZones.has(z));
  if (cloud === 'aws' && net.egress.natGateways > 1 && pub.length > 0 && missingPub.length > 0) {
    add(
      'warning',
      'nat-zone-without-public-subnet',
      ['network', 'subnets'],
      `NAT gateways sit in public subnets, and zone ${missingPub.join(', ')} has none, so its private subnets route through another zone: add a public subnet in ${missingPub.join(', ')}`,
    );
  }
  const zones = new Set((priv.length > 0 ? priv : subnets).map((s) => s.zone));
  if (prod && zones.size === 1) {
    add(
      'warning',
      'single-zone-in-prod',
      ['network', 'subnets'],
      `All ${priv.length > 0 ? 'private ' : ''}subnets are in zone ${[...zones][0]}, so one zone outage stops prod: add a subnet in a second zone`,
    );
  }

  if (net.ingress.controller === 'alb' && cloud !== 'aws') {
    add(
      'error',
      'ingress-controller-other-cloud',
      ['network', 'ingress', 'controller'],
      `The ALB ingress controller only runs on AWS: on ${CATALOG[cloud].label} use nginx, traefik or istio`,
    );
  }
  net.ingress.allowedCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (isCidrError(c))
      add(
        'error',
        'ingress-cidr-invalid',
        ['network', 'ingress', 'allowedCidrs', i],
        `${c.error}: list the ranges allowed to reach the ingress, such as 0.0.0.0/0 or 203.0.113.0/24`,
      );
  });

  net.firewall.forEach((rule, i) => {
    const base = ['network', 'firewall', i];
    rule.sources.forEach((src, j) => {
      const c = parseCidr(src);
      if (isCidrError(c))
        add(
          'error',
          'firewall-source-invalid',
          [...base, 'sources', j],
          `Firewall rule ${rule.name}: ${c.error}: use a CIDR such as 10.8.0.0/16`,
        );
    });
    if (rule.direction !== 'ingress' || (rule.protocol !== 'tcp' && rule.protocol !== 'all')) return;
    const allPorts = rule.ports.length === 0;
    const admin = allPorts
      ? ['SSH (22)', 'RDP (3389)']
      : [...(rule.ports.includes(22) ? ['SSH (22)'] : []), ...(rule.ports.includes(3389) ? ['RDP (3389)'] : [])];
    if (admin.length === 0) return;
    const j = rule.sources.findIndex(isAnywhere);
    if (j < 0) return;
    add(
      prod ? 'error' : 'warning',
      'firewall-open-admin-port',
      [...base, 'sources', j],
      `Firewall rule ${rule.name} opens ${admin.join(' and ')}${allPorts ? ' (all ports)' : ''} to the whole internet: allow only your VPN or bastion range, such as 10.8.0.0/16`,
    );
  });
  checkDuplicateNames(net.firewall, ['network', 'firewall'], 'firewall rules', add);
}

function checkStorage(bp: Blueprint, add: Add): void {
  const { cloud } = bp.provider;
  const prod = isProd(bp);
  const c = CATALOG[cloud];
  const { classes, databases } = bp.storage;
  let firstDefault: string | undefined;
  classes.forEach((k, i) => {
    const base = ['storage', 'classes', i];
    if (!k.backup) {
      add(
        'error',
        'storage-class-no-backup',
        [...base, 'backup'],
        `Storage class ${k.name} holds persistent data with no backup: set backup to true (volumes get snapshots on the backup schedule)`,
      );
    }
    const other = otherCloudOf(cloud, k.type, 'storageTypes');
    if (other) {
      add(
        'error',
        'storage-type-other-cloud',
        [...base, 'type'],
        `${k.type} is a ${CATALOG[other].label} disk type, not ${c.label}'s: use one such as ${c.defaultStorageType}`,
      );
    }
    if (k.default) {
      if (firstDefault !== undefined) {
        add(
          'warning',
          'storage-class-multiple-defaults',
          [...base, 'default'],
          `Both ${firstDefault} and ${k.name} are marked default, so which one a volume gets is unclear: keep one default`,
        );
      } else firstDefault = k.name;
    }
  });
  checkDuplicateNames(classes, ['storage', 'classes'], 'storage classes', add);
  databases.forEach((d, i) => {
    const base = ['storage', 'databases', i];
    if (!d.backup) {
      add('error', 'database-no-backup', [...base, 'backup'], `Database ${d.name} has no backup: set backup to true`);
    }
    if (prod && d.highAvailability === false) {
      add(
        'warning',
        'database-not-ha-in-prod',
        [...base, 'highAvailability'],
        `Database ${d.name} in prod has no standby, so a zone outage stops it until the cloud restores it: set highAvailability to true (or leave it out)`,
      );
    }
    if (!c.databaseEngines.includes(d.engine)) {
      add(
        'error',
        'database-engine-unavailable',
        [...base, 'engine'],
        `${c.label} has no managed ${d.engine}: pick one of ${list(c.databaseEngines)}`,
      );
    }
  });
  checkDuplicateNames(databases, ['storage', 'databases'], 'databases', add);

  const backups = bp.day2.backups;
  const hasData = classes.length > 0 || databases.length > 0;
  if (hasData && !backups.schedule.trim()) {
    add(
      'error',
      'backup-schedule-missing',
      ['day2', 'backups', 'schedule'],
      `There is persistent data (${[...databases.map((d) => d.name), ...classes.map((k) => k.name)].join(', ')}) but no backup schedule: set one, such as "${cronForRpo(bp.successCriteria.rpoMinutes)}" for an RPO of ${formatMinutes(bp.successCriteria.rpoMinutes)}`,
    );
  }
  if ((hasData || backups.schedule.trim()) && !backups.repository.trim()) {
    add(
      'error',
      'backup-repository-missing',
      ['day2', 'backups', 'repository'],
      'Backups need somewhere to go: set a restic repository, such as ./backups/restic or s3:s3.amazonaws.com/bucket/path',
    );
  }
}

function checkSecurity(bp: Blueprint, add: Add): void {
  const { cloud } = bp.provider;
  const sec = bp.security;
  const rules = regulatedBy(bp);
  if (rules.length > 0) {
    const who = rules.join(' and ');
    if (!sec.encryptionAtRest) {
      add(
        'error',
        'compliance-encryption-at-rest',
        ['security', 'encryptionAtRest'],
        `${who} requires encryption at rest: set encryptionAtRest to true`,
      );
    }
    if (!sec.auditLogging) {
      add(
        'error',
        'compliance-audit-logging',
        ['security', 'auditLogging'],
        `${who} requires an audit log of who did what: set auditLogging to true`,
      );
    }
    bp.storage.databases.forEach((d, i) => {
      const base = ['storage', 'databases', i];
      if (!d.encrypted)
        add(
          'error',
          'compliance-database-unencrypted',
          [...base, 'encrypted'],
          `${who} requires encrypted data: set encrypted to true on database ${d.name}`,
        );
      // A cache holds no system of record: these protections are for the databases.
      if (d.engine === 'redis') return;
      if (d.deletionProtection === false)
        add(
          'error',
          'compliance-database-deletion-protection',
          [...base, 'deletionProtection'],
          `${who} requires records that cannot be deleted by mistake: set deletionProtection to true on database ${d.name} (or leave it out)`,
        );
      if (d.finalSnapshot === false)
        add(
          'error',
          'compliance-database-final-snapshot',
          [...base, 'finalSnapshot'],
          `${who} requires the data to outlive the database: set finalSnapshot to true on database ${d.name} (or leave it out)`,
        );
    });
    bp.storage.classes.forEach((k, i) => {
      if (!k.encrypted)
        add(
          'error',
          'compliance-storage-unencrypted',
          ['storage', 'classes', i, 'encrypted'],
          `${who} requires encrypted data: set encrypted to true on storage class ${k.name}`,
        );
    });
  }
  const native = CATALOG[cloud].secretsManager;
  if (sec.secrets !== native && sec.secrets !== 'vault' && sec.secrets !== 'sops') {
    add(
      'warning',
      'secrets-manager-other-cloud',
      ['security', 'secrets'],
      `${sec.secrets} belongs to another cloud, so workloads on ${CATALOG[cloud].label} need extra credentials to reach it: use ${native}, vault or sops`,
    );
  }
}

function checkDay2(bp: Blueprint, add: Add): void {
  const d2 = bp.day2;
  const prod = isProd(bp);
  const schedules: [Path, string, string][] = [
    [['day2', 'drift', 'schedule'], d2.drift.schedule, 'drift check'],
    [['day2', 'backups', 'schedule'], d2.backups.schedule, 'backup'],
    [['day2', 'backups', 'restoreTestSchedule'], d2.backups.restoreTestSchedule, 'restore test'],
  ];
  const valid = new Map<string, boolean>();
  for (const [path, expr, what] of schedules) {
    if (!expr.trim()) continue;
    const problem = cronProblem(expr);
    valid.set(formatPath(path), !problem);
    if (problem)
      add(
        'error',
        'cron-invalid',
        path,
        `The ${what} schedule "${expr}" is not a valid cron expression (${problem}): use five fields such as "0 * * * *"`,
      );
  }

  const rpo = bp.successCriteria.rpoMinutes;
  const schedule = d2.backups.schedule.trim();
  if (schedule && valid.get('day2.backups.schedule')) {
    const gap = longestCronGapMinutes(schedule);
    if (gap > rpo) {
      add(
        'error',
        'backup-rpo-not-met',
        ['day2', 'backups', 'schedule'],
        `Backups run up to ${formatMinutes(gap)} apart but the RPO is ${formatMinutes(rpo)}: back up at least that often (e.g. "${cronForRpo(rpo)}") or raise successCriteria.rpoMinutes`,
      );
    }
  }

  if (!d2.drift.schedule.trim()) {
    add(
      'warning',
      'drift-schedule-missing',
      ['day2', 'drift', 'schedule'],
      'Nothing checks for drift, so manual changes go unnoticed: set a drift schedule such as "0 */6 * * *"',
    );
  }
  if (prod && d2.drift.autoRemediate) {
    add(
      'warning',
      'drift-auto-remediate-in-prod',
      ['day2', 'drift', 'autoRemediate'],
      'Drift in prod would be applied with no one approving it: set autoRemediate to false and review drift plans',
    );
  }

  if (prod && d2.monitoring === 'none') {
    add(
      'warning',
      'prod-no-monitoring',
      ['day2', 'monitoring'],
      'Prod has no monitoring, so outages are found by users: pick prometheus, datadog or cloudwatch',
    );
  }
  if (d2.monitoring === 'cloudwatch' && bp.provider.cloud !== 'aws') {
    add(
      'warning',
      'monitoring-other-cloud',
      ['day2', 'monitoring'],
      `CloudWatch is AWS's monitoring and sees little of ${CATALOG[bp.provider.cloud].label}: pick prometheus or datadog`,
    );
  }
  const url = d2.alerting.alertmanagerUrl.trim();
  if (url && !isHttpUrl(url)) {
    add(
      'error',
      'alertmanager-url-invalid',
      ['day2', 'alerting', 'alertmanagerUrl'],
      `${url} is not a URL: give Alertmanager's address, such as http://127.0.0.1:9093`,
    );
  }
  if (prod && !url) {
    add(
      'warning',
      'prod-no-alerting',
      ['day2', 'alerting', 'alertmanagerUrl'],
      'Prod has no Alertmanager, so no one is paged: set alertmanagerUrl, such as http://127.0.0.1:9093',
    );
  }
  if (prod && d2.alerting.receivers.length === 0) {
    add(
      'warning',
      'prod-no-alert-receivers',
      ['day2', 'alerting', 'receivers'],
      'Prod alerts go to no one: name at least one receiver, such as pagerduty',
    );
  }

  if (schedule) {
    if (!d2.backups.restoreTestSchedule.trim()) {
      add(
        'warning',
        'restore-test-missing',
        ['day2', 'backups', 'restoreTestSchedule'],
        'Backups are never test-restored, so a broken backup is found during an outage: set a restore test schedule such as "0 4 * * 0"',
      );
    }
    const r = d2.backups.retention;
    if (![r.hourly, r.daily, r.weekly, r.monthly].some((n) => (n ?? 0) > 0)) {
      add(
        'warning',
        'backup-retention-missing',
        ['day2', 'backups', 'retention'],
        'No retention is set, so old backups are never pruned: keep e.g. hourly 24, daily 7, weekly 4',
      );
    }
  }
}

// The same check dayops.yaml's alerting.alertmanagerUrl gets, so a design that passes writes a config that loads.
const urlSchema = z.string().url();

function isHttpUrl(text: string): boolean {
  if (!urlSchema.safeParse(text).success) return false;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
