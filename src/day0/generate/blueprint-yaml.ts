/**
 * `blueprint.yaml`: the design in the documented format, with the example's field order and its hints as
 * comments. Reading it back with parseBlueprint gives the same design (every field is written, defaults too).
 */
import { Document, isMap, isSeq, Scalar } from 'yaml';
import type { Blueprint } from '../blueprint.js';

/** Comment lines as `# text` (yaml writes `#` then the comment's own text). */
export const commentText = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? ` ${l}` : ''))
    .join('\n');

/** The design with its keys in the documented order (and optional keys only when set). */
export function orderedBlueprint(bp: Blueprint): Record<string, unknown> {
  const defined = <T extends Record<string, unknown>>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    apiVersion: bp.apiVersion,
    kind: bp.kind,
    metadata: {
      name: bp.metadata.name,
      environment: bp.metadata.environment,
      owner: bp.metadata.owner,
      description: bp.metadata.description,
    },
    provider: {
      cloud: bp.provider.cloud,
      region: bp.provider.region,
      secondaryRegions: [...bp.provider.secondaryRegions],
      kubernetes: bp.provider.kubernetes,
    },
    iac: { tool: bp.iac.tool, backend: bp.iac.backend, runner: bp.iac.runner },
    cluster: {
      version: bp.cluster.version,
      controlPlane: {
        availability: bp.cluster.controlPlane.availability,
        privateEndpoint: bp.cluster.controlPlane.privateEndpoint,
      },
      nodePools: bp.cluster.nodePools.map((p) => ({
        name: p.name,
        instanceType: p.instanceType,
        min: p.min,
        desired: p.desired,
        max: p.max,
        spot: p.spot,
      })),
    },
    network: {
      vpcCidr: bp.network.vpcCidr,
      subnets: bp.network.subnets.map((s) => ({ name: s.name, cidr: s.cidr, zone: s.zone, public: s.public })),
      ingress: { controller: bp.network.ingress.controller, allowedCidrs: [...bp.network.ingress.allowedCidrs] },
      egress: { natGateways: bp.network.egress.natGateways },
      firewall: bp.network.firewall.map((r) => ({
        name: r.name,
        direction: r.direction,
        protocol: r.protocol,
        ports: [...r.ports],
        sources: [...r.sources],
      })),
    },
    storage: {
      classes: bp.storage.classes.map((k) => ({
        name: k.name,
        type: k.type,
        encrypted: k.encrypted,
        default: k.default,
        backup: k.backup,
      })),
      databases: bp.storage.databases.map((d) =>
        defined({
          name: d.name,
          engine: d.engine,
          version: d.version,
          sizeGb: d.sizeGb,
          encrypted: d.encrypted,
          backup: d.backup,
          highAvailability: d.highAvailability,
          deletionProtection: d.deletionProtection,
          finalSnapshot: d.finalSnapshot,
        }),
      ),
    },
    cicd: { pipeline: bp.cicd.pipeline, gitops: bp.cicd.gitops, repoLayout: bp.cicd.repoLayout },
    security: {
      secrets: bp.security.secrets,
      rbac: bp.security.rbac.map((r) =>
        defined({ group: r.group, role: r.role, namespaces: r.namespaces ? [...r.namespaces] : undefined }),
      ),
      compliance: [...bp.security.compliance],
      encryptionAtRest: bp.security.encryptionAtRest,
      auditLogging: bp.security.auditLogging,
    },
    successCriteria: {
      availabilitySlo: bp.successCriteria.availabilitySlo,
      p95LatencyMs: bp.successCriteria.p95LatencyMs,
      rpoMinutes: bp.successCriteria.rpoMinutes,
      rtoMinutes: bp.successCriteria.rtoMinutes,
    },
    day2: {
      monitoring: bp.day2.monitoring,
      alerting: { alertmanagerUrl: bp.day2.alerting.alertmanagerUrl, receivers: [...bp.day2.alerting.receivers] },
      drift: { schedule: bp.day2.drift.schedule, autoRemediate: bp.day2.drift.autoRemediate },
      backups: {
        schedule: bp.day2.backups.schedule,
        retention: defined({
          hourly: bp.day2.backups.retention.hourly,
          daily: bp.day2.backups.retention.daily,
          weekly: bp.day2.backups.retention.weekly,
          monthly: bp.day2.backups.retention.monthly,
        }),
        restoreTestSchedule: bp.day2.backups.restoreTestSchedule,
        repository: bp.day2.backups.repository,
      },
      patching: { window: bp.day2.patching.window },
    },
    ...(bp.promotion ? { promotion: [...bp.promotion] } : {}),
  };
}

const HINTS: [string[], string][] = [
  [['metadata', 'name'], ' lowercase letters, digits and dashes'],
  [['metadata', 'environment'], ' dev | staging | prod'],
  [['provider', 'cloud'], ' aws | azure | gcp'],
  [['provider', 'secondaryRegions'], ' multi-region; may be empty'],
  [['provider', 'kubernetes'], ' eks (aws) | aks (azure) | gke (gcp)'],
  [['iac', 'tool'], ' opentofu | terraform | ansible'],
  [['iac', 'backend'], ' where the state lives: s3 | gcs | azurerm | local'],
  [['iac', 'runner'], ' where plans and applies run: private-network | internet'],
  [['cluster', 'controlPlane', 'availability'], ' single | ha'],
  [['network', 'ingress', 'controller'], ' nginx | alb | traefik | istio'],
  [['cicd', 'pipeline'], ' github-actions | gitlab-ci | jenkins | other'],
  [['cicd', 'gitops'], ' argocd | flux | none'],
  [['cicd', 'repoLayout'], ' monorepo | repo-per-env'],
  [['security', 'secrets'], ' aws-secrets-manager | azure-key-vault | gcp-secret-manager | vault | sops'],
  [['security', 'compliance'], ' any of gdpr | hipaa | pci-dss | soc2'],
  [['successCriteria', 'availabilitySlo'], ' percent'],
  [['successCriteria', 'rpoMinutes'], ' data loss the business accepts'],
  [['day2', 'monitoring'], ' prometheus | datadog | cloudwatch | none'],
  [['day2', 'drift', 'schedule'], ' cron'],
  [['day2', 'backups', 'schedule'], ' cron; must be frequent enough for rpoMinutes'],
  [['day2', 'backups', 'repository'], ' a restic repository (path or URL)'],
];

/** Lists of scalars and the entries of these lists are written on one line each, as in the documented example. */
const FLOW_ENTRIES = [
  ['network', 'subnets'],
  ['network', 'firewall'],
  ['storage', 'classes'],
  ['storage', 'databases'],
  ['security', 'rbac'],
];

export function blueprintYaml(bp: Blueprint, header: string): string {
  const doc = new Document(orderedBlueprint(bp));
  doc.commentBefore = commentText(header);
  for (const path of FLOW_ENTRIES) {
    const seq = doc.getIn(path, true);
    if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
  }
  const flowScalars = (node: unknown): void => {
    if (isSeq(node)) {
      if (node.items.every((i) => !isMap(i) && !isSeq(i))) node.flow = true;
      else node.items.forEach(flowScalars);
    } else if (isMap(node)) {
      for (const pair of node.items) flowScalars(pair.value);
    }
  };
  flowScalars(doc.contents);
  const retention = doc.getIn(['day2', 'backups', 'retention'], true);
  if (isMap(retention)) retention.flow = true;
  for (const path of [
    ['day2', 'drift', 'schedule'],
    ['day2', 'backups', 'schedule'],
    ['day2', 'backups', 'restoreTestSchedule'],
    ['day2', 'patching', 'window'],
  ]) {
    const node = doc.getIn(path, true);
    if (node instanceof Scalar) node.type = Scalar.QUOTE_DOUBLE;
  }
  for (const [path, hint] of HINTS) {
    const node = doc.getIn(path, true) as { comment?: string } | undefined;
    if (node) node.comment = hint;
  }
  return doc.toString({ lineWidth: 0 });
}

/** Plain YAML with a header comment (for generated YAML files other than the blueprint). */
export function yamlWithHeader(value: unknown, header: string): string {
  const doc = new Document(value);
  doc.commentBefore = commentText(header);
  // A list at the top (plays, tasks) gets a blank line between its entries.
  if (isSeq(doc.contents))
    doc.contents.items.forEach((item, i) => {
      if (i > 0 && item && typeof item === 'object') (item as { spaceBefore?: boolean }).spaceBefore = true;
    });
  return doc.toString({ lineWidth: 0 });
}
