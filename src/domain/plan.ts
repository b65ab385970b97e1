/**
 * The structured plan every tool adapter produces, whatever the tool: what would change, what drifted, and what
 * the tool complained about. Policies, the plan panel, drift detection and `--json` all read this shape.
 */

/** One action per change, as an operator reads it. Terraform's ["delete","create"] and ["create","delete"] are both `replace`. */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'move' | 'no-op';

/** Per-task, per-host result of an Ansible task. */
export type HostTaskStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export interface ResourceChange {
  /** Terraform: the resource address (`module.vpc.aws_subnet.a[0]`). Ansible: `host: task`. */
  address: string;
  action: ChangeAction;
  /** The actions exactly as the tool reported them (Terraform: `["delete","create"]`). */
  actions: string[];
  type?: string;
  name?: string;
  module?: string;
  provider?: string;
  /** The address this resource was moved from, when the plan moves it. */
  previousAddress?: string;
  /** Why the tool chose this action (Terraform's `action_reason`, e.g. `replace_because_cannot_update`). */
  reason?: string;
  /** Values before and after, where the tool knows them; sensitive values are replaced by "(sensitive)". */
  before?: unknown;
  after?: unknown;
  /** Ansible: the task name and host, its status, and the diff it reported. */
  task?: string;
  host?: string;
  status?: HostTaskStatus;
  diff?: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  address?: string;
  /** `main.tf:12` where the tool says where. */
  location?: string;
}

/** Terraform's counting: a replace is one add and one destroy. */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
}

export interface HostStats {
  host: string;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
}

export interface PlanResult {
  /** Proposed changes; no-ops and reads of data sources are left out of `summary` but reads are kept here. */
  changes: ResourceChange[];
  /** Changes made outside the tool since the last apply (Terraform's `resource_drift`). */
  drift: ResourceChange[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  /** Ansible only: per-host totals. */
  hosts?: HostStats[];
}

export interface ApplyResult {
  /** What was applied, with a per-change status where the tool reports one. */
  changes: ResourceChange[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  hosts?: HostStats[];
}

export const emptySummary = (): PlanSummary => ({ add: 0, change: 0, destroy: 0 });

/** Count changes the way Terraform's change_summary does. */
export function summarize(changes: readonly ResourceChange[]): PlanSummary {
  const s = emptySummary();
  for (const c of changes) {
    if (c.action === 'create') s.add++;
    else if (c.action === 'update') s.change++;
    else if (c.action === 'delete') s.destroy++;
    else if (c.action === 'replace') {
      s.add++;
      s.destroy++;
    }
  }
  return s;
}

/** `+1 ~2 -0`, the plan summary as the Day-1 table shows it. */
export function formatSummary(s: PlanSummary | null | undefined): string {
  if (!s) return '';
  return `+${s.add} ~${s.change} -${s.destroy}`;
}
