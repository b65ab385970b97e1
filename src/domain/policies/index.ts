/**
 * Day-1 policies: CEL expressions checked against every plan before it may be applied.
 *
 * Where policies come from, in this order (a name may be used once across all of them):
 *   1. `policies:` in dayops.yaml (source `dayops.yaml`);
 *   2. every file in `policyFiles:` (paths relative to the stack folder; source = the path as written), each
 *      holding `policies: [...]` in the same shape;
 *   3. the shipped set in default-policies.ts (source `default`): on for prod unless `defaultPolicies: false`,
 *      elsewhere only with `defaultPolicies: true`.
 * A policy with `environments:` applies only there (its expression is still checked at load everywhere).
 *
 * What an expression sees (see `celView`), shaped like `terraform show -json` so the policies teams already
 * write read the same:
 *   plan.resource_changes  list of {address, type, name, mode, module_address, provider_name, previous_address,
 *                          action_reason, change: {actions, before, after}, action, importing, task, host,
 *                          status, diff}
 *                          - strings are '' when the tool has no such thing (Ansible has no type, Terraform
 *                            no host); before/after are null when missing, never absent;
 *                          - inside before/after, what the adapter shows: a value Terraform knows only after
 *                            apply reads "(known after apply)", a sensitive one "(sensitive)", so check types
 *                            (`type(x) == list`) before relying on a provider attribute's shape;
 *                          - `action` is dayops' one word: create|update|replace|delete|read|move|import|
 *                            forget|no-op; `importing` is true for every change that imports (an import that
 *                            also updates keeps `update`);
 *                          - `change.actions` is the tool's list (["delete","create"]), derived from `action`
 *                            when the tool has none, so `'delete' in r.change.actions` works for every tool.
 *   plan.resource_drift    the same shape, for changes made outside the tool
 *   plan.summary           {add, change, destroy, import, forget}
 *   plan.diagnostics       list of {severity, summary, detail, address}
 *   plan.hosts             Ansible: list of {host, ok, changed, failed, unreachable, skipped}
 *   stack                  {name, environment, tool}
 *   run                    {id, kind: tracked|proposed, purpose: deploy|drift|remediation, triggeredBy}
 *   limits                 {maxChanges}   (dayops.yaml `maxChanges`, default 50)
 * Whole numbers are CEL `int`s (ports, counts), so `r.change.after.from_port + 1` and `size(x) > 3` both work;
 * comparisons between int and double work as well. The `strings` extension is on (`split`, `trim`,
 * `lowerAscii`, `indexOf`, `join`, ...).
 *
 * An expression must give a bool: true means the policy fires. At load, a policy that does not parse, calls an
 * unknown function, reads an unknown variable, or obviously gives something else (a number, a list, ...) is a
 * ConfigError naming the file, its line and the policy; so is one that gives a non-bool for an empty plan. At
 * evaluation a non-bool or an error (a missing field) becomes `error` on the result, and the policy counts as
 * fired: deny blocks and require_approvals asks for its approvals (fail closed).
 *
 * Messages are templates: each `{{ expr }}` is a CEL expression (same variables) evaluated when the policy
 * fires; lists are joined with ", " (the first 10, then "and N more"). That is how a message names what it
 * found: `Get a second approver: this plan deletes {{ plan.resource_changes.filter(r, r.action ==
 * 'delete').map(r, r.address) }}`. A template that fails shows `(?)` in its place; it never changes the verdict.
 * An expression inside `{{ }}` cannot contain `}}`.
 *
 * Split: types.ts (the public shapes), cel-view.ts (what CEL sees), compile.ts (checking and compiling
 * expressions), template.ts (messages with `{{ }}`), load.ts (loading a set; the outcome of a plan).
 */
export { celView } from './cel-view.js';
export { loadPolicies, policyOutcome } from './load.js';
export {
  POLICY_VARIABLES,
  type PolicyInfo,
  type PolicyInput,
  type PolicyKindName,
  type PolicyLimits,
  type PolicyOutcome,
  type PolicyResult,
  type PolicySet,
} from './types.js';
