/**
 * The structured plan every tool adapter produces, whatever the tool: what would change, what drifted, and what
 * the tool complained about. Policies, the plan panel, drift detection and `--json` all read this shape.
 */

/**
 * One action per change, as an operator reads it. Terraform's ["delete","create"] and ["create","delete"] are both
 * `replace`; an object brought under management without changing it is `import`, one dropped from the state
 * without being destroyed (a `removed` block with `destroy = false`) is `forget`. An import that also updates or
 * replaces the object keeps that action and says `importing: true`.
 */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'move' | 'import' | 'forget' | 'no-op';

/** Per-task, per-host result of an Ansible task. */
export type HostTaskStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

/**
 * What an apply did to one planned change (Terraform):
 * - `applied`: done (every half of a replace);
 * - `failed`: the tool reported it errored (a provisioner that failed or was stopped leaves a tainted object);
 * - `interrupted`: it started and the tool stopped before saying how it ended;
 * - `not-started`: the apply ended before it began;
 * - `unknown`: the tool reports no progress for this kind of change (a move, an import, a forget) and the apply
 *   did not complete, so whether it was recorded is not known.
 */
export type ApplyStatus = 'applied' | 'failed' | 'interrupted' | 'not-started' | 'unknown';

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
  /** Terraform: the change also imports an existing object (an `import` block), whatever its action. */
  importing?: boolean;
  /** Ansible: the task name and host, its status, and the diff it reported. */
  task?: string;
  host?: string;
  /** Ansible: the task's result on the host. In an apply result of Terraform: what the apply did to it. */
  status?: HostTaskStatus | ApplyStatus;
  diff?: string;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** The Terraform `check` block the diagnostic is about (its name), e.g. a failed assertion. */
  check?: string;
  summary: string;
  detail?: string;
  address?: string;
  /** `main.tf:12` where the tool says where. */
  location?: string;
  /** The file, line and column the tool names (the same place as `location`, for scripts). */
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Terraform's counting: a replace is one add and one destroy; `import` counts every imported object, with or
 * without an update ("2 to import, 0 to add, 1 to change"), `forget` every object dropped from the state without
 * being destroyed. dayops writes all five; summaries stored before it counted imports and forgets lack the two.
 */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  import?: number;
  forget?: number;
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
  /** The configuration's `check` blocks (Terraform's `show -json` `checks` of kind check), by name. */
  checks?: string[];
}

export interface ApplyResult {
  /** What was applied, with a per-change status where the tool reports one. */
  changes: ResourceChange[];
  summary: PlanSummary;
  diagnostics: Diagnostic[];
  hosts?: HostStats[];
}

export type FullSummary = Required<PlanSummary>;

export const emptySummary = (): FullSummary => ({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });

/** Every count, 0 where a stored summary predates it. */
export function fullSummary(s: PlanSummary | null | undefined): FullSummary {
  return { ...emptySummary(), ...s };
}

/** Count changes the way Terraform's change_summary does (a create that forgets the old object adds one). */
export function summarize(changes: readonly ResourceChange[]): FullSummary {
  const s = emptySummary();
  for (const c of changes) {
    if (c.action === 'create') s.add++;
    else if (c.action === 'update') s.change++;
    else if (c.action === 'delete') s.destroy++;
    else if (c.action === 'replace') {
      s.add++;
      s.destroy++;
    } else if (c.action === 'forget') {
      s.forget++;
      if (c.actions.includes('create')) s.add++;
    }
    if (c.action === 'import' || c.importing) s.import++;
  }
  return s;
}

/** Changes that make the tool do something: anything but a no-op or a read of a data source. */
export function isRealChange(c: ResourceChange): boolean {
  return c.action !== 'no-op' && c.action !== 'read';
}

/** `+1 ~2 -0`, with ` import 1` and ` forget 1` when there are any: a summary as the Day-1 tables show it. */
export function formatSummary(s: PlanSummary | null | undefined): string {
  if (!s) return '';
  let out = `+${s.add} ~${s.change} -${s.destroy}`;
  if (s.import) out += ` import ${s.import}`;
  if (s.forget) out += ` forget ${s.forget}`;
  return out;
}

/** A run's changes as its row shows them: what was applied once an apply has reported, else what was planned. */
export function runChanges(run: {
  summary: PlanSummary | null;
  applied: PlanSummary | null;
}): { of: 'applied' | 'planned'; summary: FullSummary } | null {
  if (run.applied) return { of: 'applied', summary: fullSummary(run.applied) };
  if (run.summary) return { of: 'planned', summary: fullSummary(run.summary) };
  return null;
}

/** `+1 ~0 -0 applied` / `+3 ~0 -0 planned`; '' for a run that has neither. */
export function formatRunChanges(run: { summary: PlanSummary | null; applied: PlanSummary | null }): string {
  const c = runChanges(run);
  return c ? `${formatSummary(c.summary)} ${c.of}` : '';
}

/** `1 of 3 changes made`: how far an apply got, from its per-change statuses. */
export function applyProgress(result: Pick<ApplyResult, 'changes'>): string {
  const made = result.changes.filter((c) => c.status === 'applied').length;
  return `${made} of ${result.changes.length} changes made`;
}
