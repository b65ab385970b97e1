/**
 * `dayops.yaml`: how dayops operates the stack (src/config/stack-config.ts is the contract). It carries no secret:
 * the restic password comes from RESTIC_PASSWORD(_FILE) or a passwordEnv/passwordFile the team adds.
 */
import { Document, isMap, isSeq, Scalar } from 'yaml';
import type { Blueprint } from '../blueprint.js';
import type { StackConfig } from '../../config/stack-config.js';
import { commentText } from './blueprint-yaml.js';

export const ANSIBLE_PLAYBOOK = 'site.yml';
export const ANSIBLE_INVENTORY = 'inventory.ini';

/** What the backups of a stack hold: its state (for OpenTofu/Terraform) and its configuration. */
export function backupPaths(bp: Blueprint): string[] {
  const config = ['dayops.yaml', 'blueprint.yaml'];
  if (bp.iac.tool === 'ansible') return [...config, ANSIBLE_INVENTORY, 'group_vars'];
  return ['terraform.tfstate', ...config];
}

/** The config as data (the input stackConfigSchema reads), in the documented key order. */
export function stackConfigOf(bp: Blueprint): Record<string, unknown> {
  const d2 = bp.day2;
  const cfg: Record<string, unknown> = {
    apiVersion: 'dayops/v1',
    kind: 'Stack',
    name: bp.metadata.name,
    environment: bp.metadata.environment,
    tool: bp.iac.tool satisfies StackConfig['tool'],
    autoApply: false,
  };
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
  return cfg;
}

export function dayopsYaml(bp: Blueprint, header: string): string {
  const doc = new Document(stackConfigOf(bp));
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
  hint(['rpoMinutes'], ' backups must run at least this often');
  return doc.toString({ lineWidth: 0 });
}
