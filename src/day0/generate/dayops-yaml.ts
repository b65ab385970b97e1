/**
 * `dayops.yaml`: how dayops operates the stack (src/config/stack-config.ts is the contract). It carries no secret:
 * the restic password comes from RESTIC_PASSWORD(_FILE) or a passwordEnv/passwordFile the team adds.
 */
import { Document, isMap, isSeq, Scalar } from 'yaml';
import type { Blueprint } from '../blueprint.js';
import type { StackConfig } from '../../config/stack-config.js';
import { STACK_NAME_RE } from '../../domain/stack.js';
import { commentText } from './blueprint-yaml.js';
import { factsOf, PLATFORM_DIR } from './facts.js';
import { BACKEND_CONFIG } from './tf-common.js';
import { slosOf } from './slo.js';
import { ident } from './hcl.js';

export const ANSIBLE_PLAYBOOK = 'site.yml';
export const ANSIBLE_INVENTORY = 'inventory.ini';

/**
 * What the backups of a stack hold: its configuration, and its state when it is kept on the local disk (both
 * roots'); a remote backend keeps the state, versioned, in its bucket.
 */
export function backupPaths(bp: Blueprint): string[] {
  const config = ['dayops.yaml', 'blueprint.yaml'];
  if (bp.iac.tool === 'ansible') return [...config, ANSIBLE_INVENTORY, 'group_vars'];
  if (bp.iac.backend !== 'local') return config;
  return [
    'terraform.tfstate',
    ...(factsOf(bp).platform ? [`${PLATFORM_DIR}/terraform.tfstate`, `${PLATFORM_DIR}/dayops.yaml`] : []),
    ...config,
  ];
}

/** The name dayops gives the platform root's stack, when it is a valid stack name. */
export function platformStackName(bp: Blueprint): string | undefined {
  const name = `${bp.metadata.name}-platform`;
  return STACK_NAME_RE.test(name) ? name : undefined;
}

/**
 * The config as data (the input stackConfigSchema reads), in the documented key order: the stack's own, or
 * (`platform`) the one of the platform root in its folder, which the stack's backups and alerts already cover.
 */
export function stackConfigOf(bp: Blueprint, root: 'cluster' | 'platform' = 'cluster'): Record<string, unknown> {
  const d2 = bp.day2;
  const platform = root === 'platform';
  const cfg: Record<string, unknown> = {
    apiVersion: 'dayops/v1',
    kind: 'Stack',
    name: platform ? platformStackName(bp) : bp.metadata.name,
    environment: bp.metadata.environment,
    tool: bp.iac.tool satisfies StackConfig['tool'],
    autoApply: false,
  };
  if (cfg.name === undefined) delete cfg.name;
  // The backend's partial configuration, for dayops' `init` (a terraform/tofu CLI variable).
  if (bp.iac.tool !== 'ansible' && bp.iac.backend !== 'local')
    cfg.env = { TF_CLI_ARGS_init: `-backend-config=${platform ? '../' : ''}${BACKEND_CONFIG}` };
  if (platform) {
    cfg.drift = {
      ...(d2.drift.schedule.trim() ? { schedule: d2.drift.schedule.trim() } : {}),
      autoRemediate: d2.drift.autoRemediate,
    };
    cfg.rpoMinutes = bp.successCriteria.rpoMinutes;
    cfg.rtoMinutes = bp.successCriteria.rtoMinutes;
    return cfg;
  }
  if (bp.iac.tool === 'ansible')
    cfg.ansible = { playbook: ANSIBLE_PLAYBOOK, inventory: ANSIBLE_INVENTORY, extraArgs: [] };
  cfg.drift = {
    ...(d2.drift.schedule.trim() ? { schedule: d2.drift.schedule.trim() } : {}),
    autoRemediate: d2.drift.autoRemediate,
  };
  if (d2.alerting.alertmanagerUrl.trim()) {
    cfg.alerting = {
      alertmanagerUrl: d2.alerting.alertmanagerUrl.trim(),
      matchers: [`stack="${bp.metadata.name}"`],
      receivers: [...d2.alerting.receivers],
      quietApplies: false,
    };
  }
  if (d2.backups.repository.trim()) {
    const r = d2.backups.retention;
    cfg.backups = {
      repository: d2.backups.repository.trim(),
      paths: backupPaths(bp),
      ...(d2.backups.schedule.trim() ? { schedule: d2.backups.schedule.trim() } : {}),
      retention: Object.fromEntries(
        Object.entries({ hourly: r.hourly, daily: r.daily, weekly: r.weekly, monthly: r.monthly }).filter(
          ([, v]) => v !== undefined,
        ),
      ),
      ...(d2.backups.restoreTestSchedule.trim() ? { restoreTestSchedule: d2.backups.restoreTestSchedule.trim() } : {}),
    };
  }
  cfg.rpoMinutes = bp.successCriteria.rpoMinutes;
  cfg.rtoMinutes = bp.successCriteria.rtoMinutes;
  cfg.slo = slosOf(bp);
  return cfg;
}

/** The port each database engine listens on. */
export const ENGINE_PORT: Record<Blueprint['storage']['databases'][number]['engine'], number> = {
  postgres: 5432,
  mysql: 3306,
  mariadb: 3306,
  sqlserver: 1433,
  redis: 6379,
};

/**
 * Starter post-deploy checks from the design (issue 11): the ingress answers over HTTPS, the cluster's API accepts
 * connections, each database endpoint accepts TCP on its engine's port. Their hosts exist only once the stack is
 * applied (the root's outputs), so they are written commented out, each naming the output to read; a team
 * uncomments them when it fills them in, and no apply fails its validation on a placeholder.
 */
export function starterChecks(bp: Blueprint): string {
  const tf = bp.iac.tool !== 'ansible';
  const from = (output: string) => (tf ? `the host in: terraform output ${output}` : 'from your inventory');
  const lines = [
    'Starter checks (post-deploy validation, run after every apply; see the dayops README, dayops.yaml). Fill in',
    'each host once the stack is applied, then uncomment them:',
    'checks:',
    '  - name: ingress-answers',
    `    http: { url: "https://HOST/healthz", status: 200, timeout: 5s }   # the ${bp.network.ingress.controller} ingress: your domain or its load balancer`,
    '    within: 5m',
    '  - name: cluster-api-answers',
    `    tcp: { host: API_HOST, port: 443 }   # ${from('cluster_endpoint')}${bp.cluster.controlPlane.privateEndpoint ? ' (a private endpoint: run dayops inside the network)' : ''}`,
  ];
  for (const d of bp.storage.databases) {
    // The output the generated code gives the database's address, per cloud.
    const cloud = bp.provider.cloud;
    const suffix = cloud === 'aws' ? 'endpoint' : cloud === 'azure' || d.engine === 'redis' ? 'host' : 'private_ip';
    const output = `${ident(d.name)}_${suffix}`;
    lines.push(
      `  - name: ${d.name}-accepts-tcp`,
      `    tcp: { host: DB_HOST, port: ${ENGINE_PORT[d.engine]} }   # ${d.engine}, ${from(output)}`,
      '    when: [after-apply, scheduled]',
      '    schedule: "*/15 * * * *"',
    );
  }
  return lines.join('\n');
}

export function dayopsYaml(bp: Blueprint, header: string, root: 'cluster' | 'platform' = 'cluster'): string {
  const doc = new Document(stackConfigOf(bp, root));
  doc.commentBefore = commentText(header);
  for (const path of [
    ['drift', 'schedule'],
    ['backups', 'schedule'],
    ['backups', 'restoreTestSchedule'],
  ]) {
    const node = doc.getIn(path, true);
    if (node instanceof Scalar) node.type = Scalar.QUOTE_DOUBLE;
  }
  const flow = (path: string[]) => {
    const n = doc.getIn(path, true);
    if (isMap(n) || isSeq(n)) n.flow = true;
  };
  for (const p of [
    ['alerting', 'matchers'],
    ['alerting', 'receivers'],
    ['backups', 'paths'],
    ['backups', 'retention'],
    ['ansible', 'extraArgs'],
  ])
    flow(p);
  const matchers = doc.getIn(['alerting', 'matchers'], true);
  if (isSeq(matchers)) for (const m of matchers.items) if (m instanceof Scalar) m.type = Scalar.QUOTE_SINGLE;
  const hint = (path: string[], text: string) => {
    const n = doc.getIn(path, true) as { comment?: string } | undefined;
    if (n) n.comment = text;
  };
  hint(['autoApply'], ' applies always wait for an approval');
  hint(['backups', 'repository'], ' password: RESTIC_PASSWORD(_FILE), or add passwordEnv / passwordFile');
  hint(['env', 'TF_CLI_ARGS_init'], ` the state backend's settings, for init`);
  if (root === 'cluster') hint(['rpoMinutes'], ' backups must run at least this often');
  if (root === 'cluster') hint(['rtoMinutes'], ' restore tests slower than this are flagged');
  const slo = doc.get('slo', true) as { commentBefore?: string } | undefined;
  if (slo)
    slo.commentBefore =
      ' The success criteria as SLOs, measured from Prometheus once monitoring: { prometheusUrl: ... } is set.\n' +
      ' good/total are counter selectors: edit them to your metrics (le must be one of your histogram buckets).';
  if (root === 'cluster') doc.comment = commentText(starterChecks(bp));
  return doc.toString({ lineWidth: 0 });
}
