/** What a policy expression sees: a plan, stack and run converted once to CEL values (see celView). */
import { celList, celMap, type CelInput, type CelList, type CelMap } from '@bufbuild/cel';
import { fullSummary, type ChangeAction, type ResourceChange } from '../plan.js';
import { type PolicyInput, type PolicyLimits } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// What CEL sees

/**
 * Values are handed to CEL already converted (celList/celMap): @bufbuild/cel converts a plain JS object again on
 * every access (a new Map each time a comprehension reads `r.type`), which made one policy over 1,000 changes
 * take tens of milliseconds; converted once, the same evaluation takes about one.
 */
type Json = null | boolean | number | bigint | string | CelList | CelMap;

/** CEL data: undefined becomes null, whole numbers become int (bigint), arrays lists, objects maps. */
function toCel(v: unknown, depth = 0): Json {
  if (v === undefined || v === null || depth > 64) return null;
  switch (typeof v) {
    case 'number':
      return Number.isSafeInteger(v) ? BigInt(v) : v;
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'object': {
      if (Array.isArray(v)) return celList(v.map((x) => toCel(x, depth + 1)));
      const m = new Map<string, Json>();
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, toCel(x, depth + 1));
      return celMap(m);
    }
    default:
      return String(v);
  }
}

/** A map of already-converted values. */
const obj = (entries: Record<string, Json>): CelMap => celMap(new Map(Object.entries(entries)));

const strs = (xs: readonly string[]): CelList => celList([...xs]);

const ACTIONS_OF: Record<ChangeAction, string[]> = {
  create: ['create'],
  update: ['update'],
  replace: ['delete', 'create'],
  delete: ['delete'],
  read: ['read'],
  move: ['no-op'],
  import: ['no-op'],
  forget: ['forget'],
  'no-op': ['no-op'],
};

function changeView(c: ResourceChange): CelMap {
  const actions = c.actions && c.actions.length > 0 ? c.actions : (ACTIONS_OF[c.action] ?? [c.action]);
  const isData = c.action === 'read' || /(^|\.)data\./.test(c.address);
  return obj({
    address: c.address,
    type: c.type ?? '',
    name: c.name ?? '',
    mode: c.type ? (isData ? 'data' : 'managed') : '',
    module_address: c.module ?? '',
    provider_name: c.provider ?? '',
    previous_address: c.previousAddress ?? '',
    action_reason: c.reason ?? '',
    change: obj({ actions: strs(actions), before: toCel(c.before), after: toCel(c.after) }),
    action: c.action,
    importing: Boolean(c.importing),
    task: c.task ?? '',
    host: c.host ?? '',
    status: c.status ?? '',
    diff: c.diff ?? '',
  });
}

/** The variables a policy expression sees for one input (documented at the top of this file). */
export function celView(input: PolicyInput, limits: PolicyLimits): Record<string, CelInput> {
  const p = input.plan;
  return {
    plan: obj({
      resource_changes: celList(p.changes.map(changeView)),
      resource_drift: celList((p.drift ?? []).map(changeView)),
      summary: toCel(fullSummary(p.summary)),
      diagnostics: celList(
        (p.diagnostics ?? []).map((d) =>
          obj({ severity: d.severity, summary: d.summary, detail: d.detail ?? '', address: d.address ?? '' }),
        ),
      ),
      hosts: toCel(p.hosts ?? []),
    }),
    stack: obj({ name: input.stack.name, environment: input.stack.environment, tool: input.stack.tool }),
    run: obj({
      id: BigInt(input.run.id),
      kind: input.run.kind,
      purpose: input.run.purpose,
      triggeredBy: input.run.triggeredBy,
    }),
    limits: obj({ maxChanges: BigInt(limits.maxChanges) }),
  };
}
