/**
 * The shipped policy set ("defaultPolicies"): on for prod stacks unless `defaultPolicies: false`, on for other
 * environments only with `defaultPolicies: true`. Each one is an ordinary CEL expression over the same variables
 * a user's policy sees (`plan`, `stack`, `run`, `limits`; see policies.ts); the TypeScript below only assembles
 * the strings from named parts so they stay readable; `PolicySet.policies` holds the assembled expressions.
 *
 * Messages are templates: `{{ expr }}` is a CEL expression evaluated when the policy fires (lists are joined
 * with ", ", long ones shortened).
 */
import type { PolicyConfig } from '../config/stack-config.js';

/** The source shown for these policies. */
export const DEFAULT_POLICY_SOURCE = 'default';

/*
 * Reading provider attributes safely. Terraform leaves a value it cannot know yet out of `after`, and dayops'
 * adapter shows it as "(known after apply)" (and a sensitive one as "(sensitive)"); optional attributes that
 * are not set are null. Such values count as not set: unknown source ranges are never "the internet", unknown
 * port strings never match, unknown numeric AWS ports count as the full range (as when they are not set).
 * Each accessor checks the type, so an unexpected shape is "not set" rather than an evaluation error.
 */
const MARKERS = `['(known after apply)', '(sensitive)']`;
/** `o.f` when it is a list, else []. */
const list = (o: string, f: string): string => `(has(${o}.${f}) && type(${o}.${f}) == list ? ${o}.${f} : [])`;
/** `o.f` when it is a real string (not a marker), else the CEL string `d`. */
const str = (o: string, f: string, d: string): string =>
  `(has(${o}.${f}) && type(${o}.${f}) == string && !(${o}.${f} in ${MARKERS}) ? ${o}.${f} : ${d})`;
/** `o.f` when it is an int, else the CEL int `d`. */
const int = (o: string, f: string, d: string): string =>
  `(has(${o}.${f}) && type(${o}.${f}) == int ? ${o}.${f} : ${d})`;
/** `o.f` when it is a bool, else the CEL bool `d`. */
const bool = (o: string, f: string, d: string): string =>
  `(has(${o}.${f}) && type(${o}.${f}) == bool ? ${o}.${f} : ${d})`;

/** Source ranges that mean "the whole internet". */
const WORLD = `['0.0.0.0/0', '::/0']`;
/** SSH and RDP. */
const ADMIN_PORTS = `[22, 3389]`;

/**
 * A port written as a string covers an admin port: `"22"`, a range `"20-25"` / `"0-65535"`, or `"*"` (Azure).
 * A string that is not a number makes the expression fail, and a failing deny policy blocks (fail closed).
 */
const portStringCovers = (p: string): string =>
  `(type(${p}) == string && !(${p} in ${MARKERS}) && (${p}.trim() == '*' || (${p}.contains('-') ` +
  `? ${ADMIN_PORTS}.exists(n, int(${p}.split('-')[0].trim()) <= n && n <= int(${p}.split('-')[1].trim())) ` +
  `: ${ADMIN_PORTS}.exists(n, int(${p}.trim()) == n))))`;

/**
 * AWS: protocol "-1" (or "all") opens every port whatever from/to say; ICMP's from/to are ICMP types, not ports.
 * Unknown ports count as 0-65535.
 */
const awsOpensAdminPort = (o: string, protocolField: string): string => {
  const proto = `${str(o, protocolField, "''")}.lowerAscii()`;
  return (
    `(${proto} in ['-1', 'all'] || (!(${proto} in ['icmp', 'icmpv6', '1', '58']) && ` +
    `${ADMIN_PORTS}.exists(p, ${int(o, 'from_port', '0')} <= p && p <= ${int(o, 'to_port', '65535')})))`
  );
};

const A = 'r.change.after';

/** aws_security_group's ingress blocks and aws_security_group_rule (type ingress) share their field names. */
const awsRules =
  `(r.type == 'aws_security_group' ? ${list(A, 'ingress')} : ` +
  `r.type == 'aws_security_group_rule' && ${str(A, 'type', "''")} == 'ingress' ? [${A}] : [])` +
  `.exists(i, type(i) == map && (${list('i', 'cidr_blocks')} + ${list('i', 'ipv6_cidr_blocks')}).exists(c, c in ${WORLD}) && ` +
  `${awsOpensAdminPort('i', 'protocol')})`;

const awsVpcIngressRule =
  `(r.type == 'aws_vpc_security_group_ingress_rule' && ` +
  `(${str(A, 'cidr_ipv4', "''")} in ${WORLD} || ${str(A, 'cidr_ipv6', "''")} in ${WORLD}) && ${awsOpensAdminPort(A, 'ip_protocol')})`;

/** GCP: direction defaults to INGRESS; an allow block without ports allows every port of its protocol. */
const gcpFirewall =
  `(r.type == 'google_compute_firewall' && ${str(A, 'direction', "'INGRESS'")}.upperAscii() == 'INGRESS' && ` +
  `!${bool(A, 'disabled', 'false')} && ${list(A, 'source_ranges')}.exists(c, c in ${WORLD}) && ` +
  `${list(A, 'allow')}.exists(a, type(a) == map && (${str('a', 'protocol', "''")}.lowerAscii() == 'all' || ` +
  `(${str('a', 'protocol', "''")}.lowerAscii() in ['tcp', 'udp', 'sctp', '6', '17', '132'] && ` +
  `(size(${list('a', 'ports')}) == 0 || ${list('a', 'ports')}.exists(p, ${portStringCovers('p')}))))))`;

/**
 * Azure: azurerm_network_security_rule, or each security_rule of azurerm_network_security_group (same field
 * names): an inbound allow rule from anywhere (`*`, `Internet`, `Any`, 0.0.0.0/0, ::/0) whose destination
 * ports cover 22/3389.
 */
const azureRules =
  `(r.type == 'azurerm_network_security_rule' ? [${A}] : ` +
  `r.type == 'azurerm_network_security_group' ? ${list(A, 'security_rule')} : [])` +
  `.exists(x, type(x) == map && ${str('x', 'direction', "''")}.lowerAscii() == 'inbound' && ` +
  `${str('x', 'access', "''")}.lowerAscii() == 'allow' && !(${str('x', 'protocol', "'*'")}.lowerAscii() in ['icmp', 'ah', 'esp']) && ` +
  `([${str('x', 'source_address_prefix', "''")}] + ${list('x', 'source_address_prefixes')})` +
  `.exists(s, type(s) == string && s.lowerAscii() in ['*', 'internet', 'any', '0.0.0.0/0', '::/0']) && ` +
  `([${str('x', 'destination_port_range', "''")}] + ${list('x', 'destination_port_ranges')}).exists(dp, dp != '' && ${portStringCovers('dp')}))`;

/** A created, updated or replaced resource (its after values) that opens SSH/RDP to the internet. */
const OPENS_ADMIN_PORT =
  `(r.action in ['create', 'update', 'replace'] && type(r.change.after) == map && ` +
  `(${awsRules} || ${awsVpcIngressRule} || ${gcpFirewall} || ${azureRules}))`;

/** A change that destroys something: a delete, or a replace (Terraform's ["delete","create"] / ["create","delete"]). */
const DESTROYS = `(r.action in ['delete', 'replace'] || 'delete' in r.change.actions)`;

/** Every change that does something: not a no-op, not a data-source read. */
const COUNTED = `plan.resource_changes.filter(r, !(r.action in ['no-op', 'read']))`;

export const DEFAULT_POLICIES: readonly PolicyConfig[] = [
  {
    name: 'deletes-need-second-approver',
    kind: { require_approvals: 2 },
    expr: `plan.resource_changes.exists(r, ${DESTROYS})`,
    message: `Get a second approver: this plan deletes or replaces {{ plan.resource_changes.filter(r, ${DESTROYS}).map(r, r.address) }}`,
  },
  {
    name: 'no-ssh-rdp-from-internet',
    kind: 'deny',
    expr: `plan.resource_changes.exists(r, ${OPENS_ADMIN_PORT})`,
    message:
      `Close SSH/RDP to the internet: port 22 or 3389 is open to 0.0.0.0/0 or ::/0 in ` +
      `{{ plan.resource_changes.filter(r, ${OPENS_ADMIN_PORT}).map(r, r.address) }}; ` +
      `allow only your VPN or bastion ranges (or use SSM, IAP or Azure Bastion)`,
  },
  {
    name: 'max-changes',
    kind: 'deny',
    expr: `size(${COUNTED}) > limits.maxChanges`,
    message:
      `Split this plan: it makes {{ size(${COUNTED}) }} changes, more than the limit of {{ limits.maxChanges }}; ` +
      `apply it in smaller steps, or raise maxChanges in dayops.yaml if this is intended`,
  },
];
