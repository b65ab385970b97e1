/**
 * DESIGN.md: the design for people who will not read HCL. It says what was chosen and why it matters in plain
 * words, what success means, what the audit found, and how the stack is changed (Day 1) and run (Day 2). What it
 * states about the infrastructure (zones, availability, backups, encryption, the API endpoint, the state backend,
 * node pools) comes from the same facts the code is generated from (./facts.ts), and its "At a glance" tables
 * state them in a form a test compares with the generated HCL.
 */
import type { Blueprint } from '../blueprint.js';
import { CATALOG, regionOf } from '../catalog.js';
import { cronProblem, type Finding, formatMinutes, longestCronGapMinutes } from '../audit.js';
import { agree, plural } from '../words.js';
import { backupPaths, platformStackName } from './dayops-yaml.js';
import { BACKEND_LABEL, type DatabaseFacts, type Facts, factsOf, PLATFORM_DIR } from './facts.js';
import { BACKEND_CONFIG } from './tf-common.js';

const TOOL_LABEL = { opentofu: 'OpenTofu', terraform: 'Terraform', ansible: 'Ansible' } as const;
const PIPELINE_LABEL = {
  'github-actions': 'GitHub Actions',
  'gitlab-ci': 'GitLab CI',
  jenkins: 'Jenkins',
  other: "the team's CI system",
} as const;
const SECRETS_LABEL = {
  'aws-secrets-manager': 'AWS Secrets Manager',
  'azure-key-vault': 'Azure Key Vault',
  'gcp-secret-manager': 'Google Secret Manager',
  vault: 'HashiCorp Vault',
  sops: 'SOPS (encrypted files in git)',
} as const;
const ENGINE_LABEL = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  sqlserver: 'SQL Server',
  redis: 'Redis',
} as const;
const COMPLIANCE_LABEL = { gdpr: 'GDPR', hipaa: 'HIPAA', 'pci-dss': 'PCI-DSS', soc2: 'SOC 2' } as const;

/** Text for a Markdown table cell. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function regionText(bp: Blueprint, id: string): string {
  const r = regionOf(bp.provider.cloud, id);
  return r ? `${r.label} (\`${id}\`)` : `\`${id}\``;
}

function scheduleText(expr: string): string {
  if (!expr.trim()) return 'not scheduled';
  if (cronProblem(expr)) return `\`${expr}\` (not a valid schedule yet)`;
  const gap = longestCronGapMinutes(expr);
  return `\`${expr}\` (at most ${formatMinutes(gap)} apart, in UTC)`;
}

const sentence = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}.`;

function controlPlaneText(f: Facts): string {
  const cp = f.controlPlane;
  return `${cp.multiZone ? 'replicated across zones' : `one replica, in ${cp.zone}`}; ${cp.sla ? 'with an uptime SLA' : 'no uptime SLA'}`;
}

const endpointText = (f: Facts) =>
  f.privateEndpoint ? 'private: inside the network only' : 'public: the internet, with authentication';

function backendText(f: Facts): string {
  const b = f.backend;
  if (b.type === 'local') return 'local: `terraform.tfstate` on the disk of whoever applies';
  return `${b.type}: ${BACKEND_LABEL[b.type]}, ${b.type === 'gcs' ? 'prefix' : 'key'} \`${b.keyFor('cluster')}\`, settings in \`${BACKEND_CONFIG}\``;
}

const haText = (x: DatabaseFacts) => (x.ha ? 'yes: a standby in another zone' : 'no: one zone');

function backupsText(x: DatabaseFacts): string {
  if (x.backupDays > 0) return `${plural(x.backupDays, 'day')} of automated backups`;
  return x.snapshots ? 'no backups: hourly snapshots kept with the instance' : 'none';
}

/** Where backup copies go: a region, or the one Azure pairs with the primary (`paired`). */
const copyPlace = (bp: Blueprint, copy: string, region: (id: string) => string = (id) => id) =>
  copy === 'paired' ? `the region Azure pairs with ${bp.provider.region}` : region(copy);

function protectionText(x: DatabaseFacts, value: boolean | undefined, cloud: string): string {
  if (value !== undefined) return yesNo(value);
  return x.cache ? 'no: a cache' : `not offered by ${cloud}`;
}

/** The facts the code states, in tables a person can scan and a test can compare with the HCL. */
function glance(bp: Blueprint, f: Facts, cloudLabel: string): string[] {
  const terraform = bp.iac.tool !== 'ansible';
  const out = [
    '| Fact | Value |',
    '|---|---|',
    `| Control plane | ${controlPlaneText(f)} |`,
    `| Kubernetes API endpoint | ${endpointText(f)} |`,
    `| Node zones | ${[...new Set(f.nodePools.flatMap((p) => p.zones))].join(', ') || 'none'} |`,
    ...(terraform ? [`| State backend | ${cell(backendText(f))} |`] : []),
    `| Plans and applies run from | ${bp.iac.runner === 'internet' ? 'the internet' : 'the private network'} |`,
    '',
    '| Node pool | Machine type | Nodes | Capacity | Zones |',
    '|---|---|---|---|---|',
    ...f.nodePools.map(
      ({ pool, zones }) =>
        `| ${pool.name} | ${pool.instanceType} | ${pool.min} to ${pool.max} (${pool.desired} to start) | ${pool.spot ? 'spot' : 'on-demand'} | ${zones.join(', ')} |`,
    ),
  ];
  if (f.databases.length > 0) {
    out.push(
      '',
      '| Database | Engine | High availability | Backups | Backup copies | Encrypted at rest | Deletion protection | Final snapshot |',
      '|---|---|---|---|---|---|---|---|',
      ...f.databases.map(
        (x) =>
          `| ${x.db.name} | ${ENGINE_LABEL[x.db.engine]} ${cell(x.db.version)} | ${haText(x)} | ${backupsText(x)} | ${x.backupCopy ? copyPlace(bp, x.backupCopy) : 'none'} | ${yesNo(x.encrypted)} | ${protectionText(x, x.deletionProtection, cloudLabel)} | ${protectionText(x, x.finalSnapshot, cloudLabel)} |`,
      ),
    );
    if (!terraform)
      out.push(
        '',
        'The playbook sets the availability and backups above; deletion protection and final snapshots are set by the OpenTofu/Terraform code only, so set them by hand.',
      );
  }
  return out;
}

export function designDoc(bp: Blueprint, findings: readonly Finding[], files: readonly string[]): string {
  const c = CATALOG[bp.provider.cloud];
  const f = factsOf(bp);
  const prod = bp.metadata.environment === 'prod';
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const pools = bp.cluster.nodePools;
  const minNodes = pools.reduce((n, p) => n + p.min, 0);
  const maxNodes = pools.reduce((n, p) => n + p.max, 0);
  const dbs = bp.storage.databases;
  const tool = TOOL_LABEL[bp.iac.tool];
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines, '');

  p(`# ${bp.metadata.name}: infrastructure design`);
  p(
    `_Generated by dayops from \`blueprint.yaml\`. Environment: **${bp.metadata.environment}**. Owner: ${bp.metadata.owner || 'not named'}._`,
  );

  p('## Summary');
  const summary = [
    `${bp.metadata.name} is a ${bp.metadata.environment} environment on ${c.label}, in ${regionText(bp, bp.provider.region)}.`,
    bp.metadata.description ? bp.metadata.description.trim().replace(/([^.!?])$/, '$1.') : '',
    `Applications run on ${c.kubernetesLabel} (Kubernetes ${bp.cluster.version}) with ${plural(pools.length, 'node pool')}, between ${minNodes} and ${plural(maxNodes, 'machine')} in total as load changes.`,
    dbs.length > 0
      ? `Data lives in ${plural(dbs.length, 'managed database')} (${dbs.map((d) => `${d.name}, ${ENGINE_LABEL[d.engine]}`).join('; ')}).`
      : 'There is no managed database.',
    `Every change is written as ${tool} code, shown as a plan, and applied only after someone approves it in dayops.`,
  ].filter(Boolean);
  p(summary.join(' '));
  if (errors.length > 0) {
    p(
      `**Status: not ready.** The audit found ${plural(errors.length, 'problem')} that must be fixed before this design can be built (see "Audit findings").`,
    );
  } else {
    p(
      `**Status: ready to build.** The audit found no blocking problem${warnings.length > 0 ? `, and ${plural(warnings.length, 'point')} worth a look` : ''}.`,
    );
  }

  p('## At a glance');
  p(...glance(bp, f, c.label));

  p('## Choices and why they matter');
  const choice = (title: string, text: string) => out.push(`- **${title}.** ${text}`);
  const secondary = bp.provider.secondaryRegions;
  const copies = [...new Set(f.databases.map((x) => x.backupCopy).filter((r): r is string => r !== undefined))];
  choice(
    'Where it runs',
    `${c.label}, ${regionText(bp, bp.provider.region)}. The region decides latency for users and which laws apply to the data.` +
      (copies.length > 0
        ? ` Copies of the database backups go to ${copies.map((r) => copyPlace(bp, r, (id) => regionText(bp, id))).join(', ')}, so a whole-region outage does not lose them.`
        : secondary.length > 0
          ? ` The design names ${secondary.map((r) => regionText(bp, r)).join(', ')} as a second region, but nothing is copied there yet: a whole-region outage stops the service and may lose data until the region returns.`
          : ' There is no second region: a whole-region outage stops the service until the region returns.'),
  );
  choice(
    'Kubernetes control plane',
    `${sentence(f.controlPlane.summary)} ` +
      (f.controlPlane.multiZone
        ? 'The part of Kubernetes that schedules and heals applications survives the loss of one zone.'
        : 'Cheaper, but while it is down (an outage or an upgrade) nothing new can be deployed or healed: fine for dev and test, not for prod.'),
  );
  choice(
    'Cluster access',
    f.privateEndpoint
      ? 'The Kubernetes API is reachable only from inside the private network (a VPN, a bastion or a runner in the VPC), which removes an internet-facing target; whatever talks to it must run there (see "Where changes run").'
      : 'The Kubernetes API is reachable from the internet (with authentication). Convenient, but a larger attack surface.',
  );
  for (const { pool, zones: poolZones } of f.nodePools) {
    choice(
      `Node pool ${pool.name}`,
      `${pool.instanceType} machines, ${pool.min} to ${pool.max} (${pool.desired} to start), in ${plural(poolZones.length, 'zone')} (${poolZones.join(', ')}).` +
        (pool.spot
          ? ' Spot capacity: much cheaper, but the cloud can take machines back at short notice, so only work that can be interrupted belongs here.'
          : ' Regular (on-demand) capacity: machines stay until we remove them.'),
    );
  }
  const priv = bp.network.subnets.filter((s) => !s.public);
  const zones = [...new Set(bp.network.subnets.map((s) => s.zone))];
  choice(
    'Network',
    `A private address range ${bp.network.vpcCidr} split into ${plural(bp.network.subnets.length, 'subnet')} across ${plural(zones.length, 'zone')} (${zones.join(', ')}). ` +
      `${priv.length > 0 ? `Machines and databases sit in ${plural(priv.length, 'private subnet')} that the internet cannot reach directly. ` : ''}` +
      (bp.network.egress.natGateways > 0
        ? `${plural(bp.network.egress.natGateways, 'NAT gateway')} ${agree(bp.network.egress.natGateways, 'lets', 'let')} them reach out (updates, images) without being reachable.`
        : 'There is no NAT gateway, so private machines cannot reach the internet.'),
  );
  choice(
    'Traffic in',
    `Requests reach applications through the ${bp.network.ingress.controller} ingress controller, accepted from ${bp.network.ingress.allowedCidrs.length > 0 ? bp.network.ingress.allowedCidrs.join(', ') : 'nowhere yet'}` +
      `${bp.network.ingress.allowedCidrs.some((x) => x.endsWith('/0')) ? ' (anywhere on the internet)' : ''}.` +
      (bp.network.firewall.length > 0
        ? ` Firewall rules: ${bp.network.firewall.map((r) => `${r.name} (${r.direction} ${r.protocol}${r.ports.length > 0 ? ` ${r.ports.join(', ')}` : ', all ports'} from ${r.sources.join(', ')})`).join('; ')}.`
        : ''),
  );
  if (bp.storage.classes.length > 0) {
    choice(
      'Disks for applications',
      bp.storage.classes
        .map(
          (k) =>
            `${k.name} (${k.type}${k.default ? ', the default' : ''}, ${k.encrypted ? 'encrypted' : 'not encrypted'}, ${k.backup ? 'backed up' : 'not backed up'})`,
        )
        .join('; ') + '.',
    );
  }
  for (const x of f.databases) {
    const d = x.db;
    const protections = [
      x.deletionProtection ? 'It cannot be deleted until its deletion protection is lifted' : '',
      x.finalSnapshot ? 'a last snapshot outlives it when it is deleted' : '',
    ].filter(Boolean);
    choice(
      `Database ${d.name}`,
      `${ENGINE_LABEL[d.engine]} ${d.version}, ${d.sizeGb} GB, managed by ${c.label}: patching is theirs` +
        (x.ha
          ? ', and so is failing over to a standby in another zone.'
          : '; with no standby, a zone outage stops it until the cloud restores it.') +
        ` ${x.encrypted ? 'Encrypted at rest.' : 'Not encrypted at rest.'} ${x.backupDays > 0 ? `Backups are kept ${plural(x.backupDays, 'day')}.` : x.snapshots ? 'Snapshots are taken every hour.' : 'Not backed up.'}` +
        (protections.length > 0 ? ` ${protections.join(', and ')}.` : ''),
    );
  }
  choice(
    'Delivery',
    `Infrastructure changes go through ${PIPELINE_LABEL[bp.cicd.pipeline]}` +
      (bp.cicd.gitops !== 'none'
        ? `; applications are deployed by ${bp.cicd.gitops === 'argocd' ? 'Argo CD' : 'Flux'}, which keeps the cluster in line with git`
        : '') +
      `. The code lives in ${bp.cicd.repoLayout === 'monorepo' ? 'one repository for every environment' : 'one repository per environment'}.`,
  );
  choice(
    'Secrets',
    `Passwords and keys are kept in ${SECRETS_LABEL[bp.security.secrets]}, never in code or in dayops' database.`,
  );
  choice(
    'Security',
    `${bp.security.encryptionAtRest ? 'Data is encrypted at rest.' : "Data at rest is not encrypted beyond the cloud's defaults."} ` +
      `${bp.security.auditLogging ? 'An audit log records who changed what in the cluster.' : 'There is no audit log of cluster changes.'}` +
      (bp.security.compliance.length > 0
        ? ` Compliance: ${bp.security.compliance.map((x) => COMPLIANCE_LABEL[x]).join(', ')}.`
        : '') +
      (bp.security.rbac.length > 0
        ? ` Access: ${bp.security.rbac.map((r) => `${r.group} get the ${r.role} role ${r.namespaces ? `in ${r.namespaces.join(', ')}` : 'in the whole cluster'}`).join('; ')}.`
        : ''),
  );

  if (bp.iac.tool !== 'ansible') {
    p('');
    p('## Where changes run');
    const cmd = bp.iac.tool === 'opentofu' ? 'tofu' : 'terraform';
    const remote = f.backend.type !== 'local';
    p(
      remote
        ? `**State.** The state lives in ${BACKEND_LABEL[f.backend.type]}, locked against parallel runs by ${f.backend.locking}. \`backend.tf\` holds what is the same everywhere; \`${BACKEND_CONFIG}\` holds the bucket or account, so every \`init\` reads it: \`${cmd} init -backend-config=${BACKEND_CONFIG}\` (dayops passes it through \`TF_CLI_ARGS_init\` in \`dayops.yaml\`). Create that bucket or account once, outside this stack, with versioning on.`
        : `**State.** The state stays in \`terraform.tfstate\` on the disk of whoever applies: no locking against a colleague's run, and lost with the machine unless backed up (dayops' backups include it).`,
    );
    if (f.platform) {
      const runner =
        f.privateEndpoint && bp.iac.runner === 'internet'
          ? ' The design says plans and applies run from the internet, so the platform root cannot be applied as designed (see the audit).'
          : '';
      p(
        `**Two roots, applied in this order.** The cluster root (this folder: network, cluster${dbs.length > 0 ? ', databases' : ''}) talks only to the ${c.label} API. The platform root (\`${PLATFORM_DIR}/\`: storage classes, namespaces, RBAC) finds the cluster by name and talks to its Kubernetes API. Real teams keep them apart: a kubernetes provider configured from a cluster made in the same root cannot plan before that cluster exists, and it needs to reach the API, which the cluster root does not.`,
        '',
        f.privateEndpoint
          ? `**Where the runner must sit.** The Kubernetes API is private, so plans and applies of \`${PLATFORM_DIR}/\` must run inside the network: a self-hosted CI runner in a private subnet, a bastion, or a machine on a VPN into the VPC. The cluster root runs from anywhere with cloud credentials.${runner}`
          : `**Where the runner may sit.** The Kubernetes API is public (with authentication), so both roots run from anywhere with credentials.`,
        '',
        `dayops operates the cluster root as stack ${bp.metadata.name}; register the platform root where it can reach the API with \`dayops stack add ${PLATFORM_DIR}\`${platformStackName(bp) ? ` (its \`dayops.yaml\` names it ${platformStackName(bp)})` : ''}, and apply it after the cluster.`,
      );
    }
  }

  p('');
  p('## Success criteria');
  const sc = bp.successCriteria;
  const budget = ((100 - sc.availabilitySlo) / 100) * 30 * 24 * 60;
  p(
    '| Measure | Target | In plain words |',
    '|---|---|---|',
    `| Availability | ${sc.availabilitySlo}% | At most about ${formatMinutes(Math.round(budget))} of downtime in 30 days. |`,
    `| Speed (p95 latency) | ${sc.p95LatencyMs} ms | 95 of 100 requests answer within ${sc.p95LatencyMs} ms. |`,
    `| Data loss (RPO) | ${formatMinutes(sc.rpoMinutes)} | After a disaster, at most the last ${formatMinutes(sc.rpoMinutes)} of changes may be lost. |`,
    `| Recovery time (RTO) | ${formatMinutes(sc.rtoMinutes)} | After a disaster, service is back within ${formatMinutes(sc.rtoMinutes)}. |`,
  );

  p('## Audit findings');
  if (findings.length === 0) {
    p('The audit found nothing to change.');
  } else {
    p(
      `${plural(errors.length, 'error')} (must be fixed before building) and ${plural(warnings.length, 'warning')} (worth fixing, not blocking).`,
    );
    p(
      '| Severity | Check | Field | What to change |',
      '|---|---|---|---|',
      ...findings.map((f) => `| ${f.severity} | ${f.code} | \`${cell(f.path)}\` | ${cell(f.message)} |`),
    );
  }

  p('## Day 1: how changes are made and approved');
  const approval = prod
    ? 'For prod, applying asks the approver to type the stack name, and the default policies can require more than one approval.'
    : 'An approval is one keypress in dayops, recorded with who approved and when.';
  const plan =
    bp.iac.tool === 'ansible'
      ? `dayops runs \`ansible-playbook site.yml --check --diff\` to show what would change,`
      : `dayops runs \`${bp.iac.tool === 'opentofu' ? 'tofu' : 'terraform'} plan\` to show exactly what would be created, changed or destroyed,`;
  p(
    `1. Someone changes the code in this folder (or the design in \`blueprint.yaml\`, then runs \`dayops design\` again) and proposes the change for review; ${PIPELINE_LABEL[bp.cicd.pipeline]} checks it and a colleague approves the code.`,
    `2. ${plan} and checks the plan against the stack's policies (for example: nothing destroyed in prod without an explicit approval, no more than a set number of changes at once).`,
    `3. Nothing is applied until a person approves the plan. ${approval}`,
    "4. The apply runs with its output streamed and kept; every run, approval and result is recorded in dayops' audit log.",
    bp.cicd.gitops !== 'none'
      ? `5. Applications themselves are deployed by ${bp.cicd.gitops === 'argocd' ? 'Argo CD' : 'Flux'} from git, not by hand.`
      : '',
  );

  p('## Day 2: how it is run');
  const d2 = bp.day2;
  p(
    `- **Monitoring**: ${d2.monitoring === 'none' ? 'none chosen yet.' : `${d2.monitoring}, watching the cluster, the nodes and the databases.`}`,
    `- **Alerting**: ${d2.alerting.alertmanagerUrl ? `alerts go through Alertmanager at ${d2.alerting.alertmanagerUrl} to ${d2.alerting.receivers.length > 0 ? d2.alerting.receivers.join(', ') : 'no receiver yet'}; dayops shows those labelled \`stack="${bp.metadata.name}"\`.` : 'no Alertmanager set yet, so nobody is paged.'}`,
    `- **Drift**: dayops re-plans the stack on ${scheduleText(d2.drift.schedule)} to catch changes made outside the code. ${d2.drift.autoRemediate ? 'Drift is corrected automatically.' : 'Drift is reported for a person to review; nothing is changed on its own.'}`,
    `- **Backups**: restic copies ${backupPaths(bp)
      .map((x) => `\`${x}\``)
      .join(
        ', ',
      )} to \`${d2.backups.repository || 'a repository still to choose'}\` on ${scheduleText(d2.backups.schedule)}, keeping ${
      Object.entries(d2.backups.retention)
        .filter(([, n]) => n !== undefined)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'everything (no retention set)'
    }.${f.databases.some((x) => x.backupDays > 0) ? ` The databases also keep their own automated backups with the cloud.` : ''}${bp.iac.tool !== 'ansible' && f.backend.type !== 'local' ? ` The state is not in these backups: ${BACKEND_LABEL[f.backend.type]} keeps it, with versioning on.` : ''} The RPO of ${formatMinutes(sc.rpoMinutes)} is met only if backups run at least that often.`,
    `- **Restore tests**: ${d2.backups.restoreTestSchedule ? `a backup is restored and checked on ${scheduleText(d2.backups.restoreTestSchedule)}, so we know backups work before we need them.` : 'not scheduled: an untested backup may not restore.'}`,
    `- **Patching**: ${d2.patching.window ? `upgrades of Kubernetes and the nodes happen in the window ${d2.patching.window}` : 'no window set yet'}; managed services are patched by ${c.label}.`,
  );

  p('## Files');
  p(...files.map((f) => `- \`${f}\``));
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
