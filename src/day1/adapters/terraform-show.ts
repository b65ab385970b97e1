/**
 * The plan as `terraform show -json <planfile>` (or `tofu show -json`) describes it: the JSON output format
 * documented at https://developer.hashicorp.com/terraform/internals/json-format. This is the complete plan
 * (before/after values, reasons, moves); the `-json` UI stream of `plan` only announces it.
 *
 * The document also holds every input variable's value in clear (`variables`), sensitive or not, and the prior
 * state: it must never be stored or logged as it is. Only the PlanResult built here leaves this module, with
 * every value Terraform marks sensitive replaced by "(sensitive)".
 */
import type { ChangeAction, PlanResult, ResourceChange } from '../../domain/plan.js';
import { summarize } from '../../domain/plan.js';

export const SENSITIVE = '(sensitive)';
export const UNKNOWN = '(known after apply)';

/** One entry of `resource_changes` / `resource_drift`. */
export interface ShowResourceChange {
  address?: string;
  previous_address?: string;
  module_address?: string;
  mode?: 'managed' | 'data' | string;
  type?: string;
  name?: string;
  index?: unknown;
  deposed?: string;
  provider_name?: string;
  action_reason?: string;
  change?: {
    actions?: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
    importing?: unknown;
  };
}

export interface ShowPlanDocument {
  format_version?: string;
  terraform_version?: string;
  resource_changes?: ShowResourceChange[];
  resource_drift?: ShowResourceChange[];
  errored?: boolean;
  applyable?: boolean;
  complete?: boolean;
  /** Every checkable object with its status at plan time; `check` blocks have `address.kind: "check"`. */
  checks?: { address?: { kind?: string; name?: string; to_display?: string }; status?: string }[];
}

/**
 * Replace what `mask` marks sensitive with "(sensitive)". The mask mirrors the value: `true` for a sensitive
 * value, an object or array of masks for a structure, `false`/absent for nothing sensitive.
 */
export function redactSensitive(value: unknown, mask: unknown): unknown {
  if (mask === true) return value === null || value === undefined ? value : SENSITIVE;
  if (!mask || typeof mask !== 'object') return value;
  if (Array.isArray(value)) {
    const m = Array.isArray(mask) ? mask : [];
    return value.map((v, i) => redactSensitive(v, m[i]));
  }
  if (value && typeof value === 'object') {
    const m = mask as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactSensitive(v, m[k]);
    return out;
  }
  return value;
}

/**
 * Fill in "(known after apply)" where `after_unknown` marks a value unknown (Terraform leaves such keys out of
 * `after`), so the plan shows them as the CLI does.
 */
export function markUnknown(value: unknown, unknown: unknown): unknown {
  if (unknown === true) return UNKNOWN;
  if (!unknown || typeof unknown !== 'object') return value;
  if (Array.isArray(unknown)) {
    const arr = Array.isArray(value) ? [...value] : [];
    unknown.forEach((u, i) => (arr[i] = markUnknown(arr[i], u)));
    return arr;
  }
  const base =
    value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
  for (const [k, u] of Object.entries(unknown as Record<string, unknown>)) {
    if (hasUnknown(u)) base[k] = markUnknown(base[k], u);
  }
  return base;
}

/** Does an `after_unknown` mask mark anything unknown? */
function hasUnknown(u: unknown): boolean {
  if (u === true) return true;
  if (!u || typeof u !== 'object') return false;
  return Object.values(u).some(hasUnknown);
}

/**
 * Terraform's list of actions to one action: ["delete","create"] and ["create","delete"] are a replace; ["forget"]
 * (a `removed` block with `destroy = false`) and ["create","forget"] (a replace that leaves the old object alone)
 * are a forget; a no-op that imports is an import, one that moves is a move.
 */
export function actionOf(actions: readonly string[], previousAddress?: string, importing = false): ChangeAction {
  const a = [...actions].sort().join(',');
  switch (a) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'delete':
      return 'delete';
    case 'read':
      return 'read';
    case 'create,delete':
      return 'replace';
    case 'forget':
    case 'create,forget':
      return 'forget';
    case 'no-op':
    case '':
      return importing ? 'import' : previousAddress ? 'move' : 'no-op';
    default:
      // anything newer than this code
      return 'no-op';
  }
}

/** One `resource_changes`/`resource_drift` entry to a ResourceChange, values redacted. */
export function toResourceChange(rc: ShowResourceChange): ResourceChange {
  const actions = rc.change?.actions ?? [];
  const previous = rc.previous_address && rc.previous_address !== rc.address ? rc.previous_address : undefined;
  // `importing` is an object ({"id": ...}) when the change imports; absent otherwise
  const importing = Boolean(rc.change?.importing);
  const c: ResourceChange = {
    address: rc.deposed ? `${rc.address} (deposed ${rc.deposed})` : (rc.address ?? '(unknown address)'),
    action: actionOf(actions, previous, importing),
    actions: [...actions],
  };
  if (rc.type) c.type = rc.type;
  if (rc.name) c.name = rc.name;
  if (rc.module_address) c.module = rc.module_address;
  if (rc.provider_name) c.provider = rc.provider_name;
  if (previous) c.previousAddress = previous;
  if (rc.action_reason) c.reason = rc.action_reason;
  if (importing) c.importing = true;
  const ch = rc.change ?? {};
  if (ch.before !== undefined) c.before = redactSensitive(ch.before, ch.before_sensitive);
  if (ch.after !== undefined || ch.after_unknown) {
    const after = redactSensitive(ch.after, ch.after_sensitive);
    c.after = hasUnknown(ch.after_unknown) && after !== SENSITIVE ? markUnknown(after ?? {}, ch.after_unknown) : after;
  }
  return c;
}

/**
 * Is this change worth showing? Pure no-ops are dropped; moves, imports and forgets are kept (they change the
 * state), and so are actions newer than this code.
 */
function isChange(c: ResourceChange): boolean {
  if (c.action !== 'no-op') return true;
  return c.actions.length > 0 && !(c.actions.length === 1 && c.actions[0] === 'no-op');
}

/** The structured plan of a `show -json` document (diagnostics come from the stream; see the adapter). */
export function planFromShow(doc: ShowPlanDocument): PlanResult {
  const changes: ResourceChange[] = [];
  for (const rc of doc.resource_changes ?? []) {
    const c = toResourceChange(rc);
    if (isChange(c)) changes.push(c);
  }
  const drift: ResourceChange[] = [];
  for (const rc of doc.resource_drift ?? []) {
    const c = toResourceChange(rc);
    if (c.action !== 'no-op') drift.push(c);
  }
  const checks = (doc.checks ?? [])
    .filter((c) => c.address?.kind === 'check' && c.address.name)
    .map((c) => c.address!.name!);
  return { changes, drift, summary: summarize(changes), diagnostics: [], ...(checks.length ? { checks } : {}) };
}

/**
 * Parse the captured stdout of `show -json`; throws with a one-line reason when it is not a plan document. The
 * reason quotes the start of the output, its secrets masked by `redact` before it is cut.
 */
export function parseShowJson(text: string, redact: (text: string) => string = (t) => t): ShowPlanDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const first = redact(text.trim().split('\n')[0] ?? '');
    throw new Error(
      `show -json did not print JSON${first ? ` (it printed "${first.slice(0, 80)}")` : ' (empty output)'}`,
    );
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !('format_version' in doc)) {
    throw new Error('show -json printed JSON that is not a plan document (no format_version)');
  }
  return doc as ShowPlanDocument;
}
