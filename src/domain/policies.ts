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
 */
import { MAX_CONFIG_BYTES, readTextFile, somethingAt } from '../config/safe-read.js';
import { join, resolve } from 'node:path';
import {
  celEnv,
  celList,
  celMap,
  isCelError,
  isCelList,
  isCelMap,
  isCelUint,
  parse,
  plan as celPlan,
  type CelInput,
  type CelList,
  type CelMap,
  type CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { LineCounter, isNode, parseDocument, type Node } from 'yaml';
import { STACK_CONFIG_FILE, policyFileSchema, type PolicyConfig, type StackConfig } from '../config/stack-config.js';
import { formatPath, parseYaml } from '../config/yaml-file.js';
import { positionInScalar, type FilePosition } from '../config/yaml-position.js';
import { ConfigError, errorMessage } from '../errors.js';
import { DEFAULT_POLICIES, DEFAULT_POLICY_SOURCE } from './default-policies.js';
import { fullSummary, type ChangeAction, type PlanResult, type ResourceChange } from './plan.js';
import type { Environment, Tool } from './stack.js';
import { maxOf } from '../arrays.js';

export type PolicyKindName = 'deny' | 'warn' | 'require_approvals';

export interface PolicyResult {
  name: string;
  kind: PolicyKindName;
  /** For require_approvals: how many approvals it asks for. */
  approvals?: number;
  /** Whether the policy fired (true on an evaluation error: fail closed). */
  fired: boolean;
  /** The message with its `{{ }}` parts filled in when fired; with each `{{ }}` shown as `…` otherwise. */
  message: string;
  /** 'dayops.yaml' | 'policies/x.yaml' (as written in policyFiles) | 'default' */
  source: string;
  /** Why the expression could not be evaluated (a missing field, a non-bool result). Set only with fired. */
  error?: string;
}

export interface PolicyInput {
  plan: PlanResult;
  stack: { name: string; environment: Environment; tool: Tool };
  run: { id: number; kind: 'tracked' | 'proposed'; purpose: 'deploy' | 'drift' | 'remediation'; triggeredBy: string };
}

export interface PolicyInfo {
  name: string;
  kind: PolicyKindName;
  approvals?: number;
  /** The message template as written. */
  message: string;
  source: string;
  expr: string;
}

export interface PolicySet {
  /** The policies that apply to this stack's environment, in evaluation order. */
  readonly policies: ReadonlyArray<PolicyInfo>;
  evaluate(input: PolicyInput): PolicyResult[];
}

export interface PolicyOutcome {
  /** A deny policy fired (or failed to evaluate): the plan must not be applied. */
  denied: boolean;
  denials: PolicyResult[];
  warnings: PolicyResult[];
  /** max(1, N of every fired require_approvals). */
  requiredApprovals: number;
  /** The fired require_approvals results behind `requiredApprovals` (empty when it is the default 1). */
  approvalRules: PolicyResult[];
}

/** The names a policy expression can read. */
export const POLICY_VARIABLES = ['plan', 'stack', 'run', 'limits'] as const;

export interface PolicyLimits {
  maxChanges: number;
}

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

// ---------------------------------------------------------------------------------------------------------------
// Compiling

const ENV = celEnv({ funcs: strings });

const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

type Program = (bindings: Record<string, CelInput>) => CelValue | Error;

type Expr = ReturnType<typeof parse>['expr'];

/** Names usable as identifiers besides the variables: type names, for `type(x) == string`. */
const TYPE_NAMES = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
]);
/** Operators the planner handles itself (not in the function resolver). */
const BUILTIN_OPERATORS = new Set([
  '_&&_',
  '_||_',
  '_?_:_',
  '_[_]',
  '_[?_]',
  '_?._',
  '@not_strictly_false',
  '__not_strictly_false__',
]);
/** Functions whose result is never a bool. */
const NON_BOOL_FUNCTIONS: Record<string, string> = {
  '_+_': 'a number, string or list',
  '_-_': 'a number',
  '_*_': 'a number',
  '_/_': 'a number',
  '_%_': 'a number',
  '-_': 'a number',
  size: 'int',
  int: 'int',
  uint: 'uint',
  double: 'double',
  string: 'string',
  bytes: 'bytes',
  type: 'type',
  timestamp: 'timestamp',
  duration: 'duration',
  charAt: 'string',
  format: 'string',
  indexOf: 'int',
  lastIndexOf: 'int',
  join: 'string',
  lowerAscii: 'string',
  upperAscii: 'string',
  replace: 'string',
  split: 'list',
  substring: 'string',
  trim: 'string',
};

const CONST_TYPES: Record<string, string> = {
  int64Value: 'int',
  uint64Value: 'uint',
  doubleValue: 'double',
  stringValue: 'string',
  bytesValue: 'bytes',
  nullValue: 'null',
};

class ExprProblem extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

function offsetOf(parsed: ReturnType<typeof parse>, e: Expr): number | undefined {
  const pos = parsed.sourceInfo?.positions?.[String(e.id)];
  return typeof pos === 'number' ? pos : undefined;
}

/** Unknown variables and functions, found before anything runs. */
function checkNames(parsed: ReturnType<typeof parse>): void {
  const walk = (e: Expr | undefined, scope: ReadonlySet<string>): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr': {
        const name = k.value.name;
        if (!scope.has(name) && !(POLICY_VARIABLES as readonly string[]).includes(name) && !TYPE_NAMES.has(name)) {
          throw new ExprProblem(
            `uses an unknown variable '${name}' (the variables are ${POLICY_VARIABLES.join(', ')})`,
            offsetOf(parsed, e),
          );
        }
        return;
      }
      case 'selectExpr':
        walk(k.value.operand, scope);
        return;
      case 'callExpr': {
        const fn = k.value.function;
        if (!BUILTIN_OPERATORS.has(fn) && !ENV.funcs.find(fn)) {
          throw new ExprProblem(`calls an unknown function '${fn}()'`, offsetOf(parsed, e));
        }
        walk(k.value.target, scope);
        for (const a of k.value.args) walk(a, scope);
        return;
      }
      case 'listExpr':
        for (const el of k.value.elements) walk(el, scope);
        return;
      case 'structExpr':
        for (const entry of k.value.entries) {
          if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, scope);
          walk(entry.value, scope);
        }
        return;
      case 'comprehensionExpr': {
        const c = k.value;
        walk(c.iterRange, scope);
        walk(c.accuInit, scope);
        const inner = new Set(scope);
        for (const v of [c.iterVar, c.iterVar2, c.accuVar]) if (v) inner.add(v);
        walk(c.loopCondition, inner);
        walk(c.loopStep, inner);
        walk(c.result, inner);
        return;
      }
      default:
        return;
    }
  };
  walk(parsed.expr, new Set());
}

/** The type an expression obviously gives when it is not a bool; undefined when it may be a bool. */
function obviousNonBool(e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr':
      return k.value.constantKind.case === 'boolValue'
        ? undefined
        : (CONST_TYPES[k.value.constantKind.case ?? ''] ?? 'a constant');
    case 'listExpr':
      return 'a list';
    case 'structExpr':
      return 'a map';
    case 'comprehensionExpr': {
      const c = k.value;
      const r = c.result?.exprKind;
      if (r?.case === 'identExpr' && r.value.name === c.accuVar) return obviousNonBool(c.accuInit);
      return obviousNonBool(c.result);
    }
    case 'callExpr': {
      if (k.value.function === '_?_:_') return obviousNonBool(k.value.args[1]) ?? obviousNonBool(k.value.args[2]);
      return NON_BOOL_FUNCTIONS[k.value.function];
    }
    default:
      return undefined;
  }
}

/**
 * Compiled programs by expression text. A program is a pure function of its text, and @bufbuild/cel's parser is
 * slow on long expressions (about 50 µs a character), so each text is parsed once per process.
 */
const programs = new Map<string, Program>();

function compile(source: string, wantBool: boolean): Program {
  const key = `${wantBool ? 'b' : 'v'}:${source}`;
  let program = programs.get(key);
  if (!program) {
    program = compileUncached(source, wantBool);
    programs.set(key, program);
  }
  return program;
}

function compileUncached(source: string, wantBool: boolean): Program {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (err) {
    // @bufbuild/cel's ParseError: `<input>:1:18: found > but ...`, with the offset in `location`
    const msg = errorMessage(err).split('\n')[0];
    const at = (err as { location?: { start?: { offset?: unknown } } }).location?.start?.offset;
    const m = /^<input>:(\d+):(\d+):\s*(.*)$/.exec(msg);
    throw new ExprProblem(`does not parse: ${m ? m[3] : msg}`, typeof at === 'number' ? at : undefined);
  }
  checkNames(parsed);
  if (wantBool) {
    const t = obviousNonBool(parsed.expr);
    if (t) throw new ExprProblem(`gives ${t}, not a bool (a policy expression must be true or false)`);
  }
  try {
    return celPlan(ENV, parsed) as unknown as Program;
  } catch (err) {
    throw new ExprProblem(`cannot be compiled: ${errorMessage(err).split('\n')[0]}`);
  }
}

function celTypeName(v: CelValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
  }
  if (v instanceof Uint8Array) return 'bytes';
  if (isCelUint(v)) return 'uint';
  if (isCelList(v)) return 'list';
  if (isCelMap(v)) return 'map';
  return 'a value';
}

/** How a value reads inside a message. */
function display(v: CelValue | undefined, nested = false): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return nested ? JSON.stringify(v) : v;
    case 'bigint':
    case 'number':
    case 'boolean':
      return String(v);
  }
  if (isCelUint(v)) return String(v.value);
  if (isCelList(v)) {
    const items = [...v];
    if (items.length === 0) return '(none)';
    const shown = items.slice(0, 10).map((x) => (typeof x === 'string' ? x : display(x, true)));
    return items.length > 10 ? `${shown.join(', ')} and ${items.length - 10} more` : shown.join(', ');
  }
  if (isCelMap(v)) return `{${[...v.entries()].map(([k, x]) => `${String(k)}: ${display(x, true)}`).join(', ')}}`;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return String(v);
}

/** Text, or a `{{ expr }}` whose program is compiled at load (user policies) or on first use (the shipped set). */
type TemplatePart = string | { source: string; program?: Program };

const TEMPLATE_RE = /\{\{([\s\S]*?)\}\}/g;

function splitTemplate(message: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of message.matchAll(TEMPLATE_RE)) {
    if (m.index > last) parts.push(message.slice(last, m.index));
    const source = m[1].trim();
    if (!source) throw new ExprProblem('message: empty {{ }}');
    parts.push({ source });
    last = m.index + m[0].length;
  }
  if (last < message.length) parts.push(message.slice(last));
  return parts;
}

function compileTemplate(message: string): TemplatePart[] {
  const parts = splitTemplate(message);
  for (const p of parts) {
    if (typeof p === 'string') continue;
    try {
      p.program = compile(p.source, false);
    } catch (err) {
      throw new ExprProblem(`message: {{ ${short(p.source)} }} ${errorMessage(err)}`);
    }
  }
  return parts;
}

function render(parts: readonly TemplatePart[], bindings: Record<string, CelInput>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    let v: CelValue | Error;
    try {
      p.program ??= compile(p.source, false);
      v = p.program(bindings);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    out += isCelError(v) || v instanceof Error ? '(?)' : display(v);
  }
  return out;
}

/** A template with every `{{ }}` shown as `…`: the message of a policy that did not fire. */
function placeholderText(parts: readonly TemplatePart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : '…')).join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

interface Compiled extends PolicyInfo {
  environments?: readonly Environment[];
  program: Program;
  template: TemplatePart[];
}

/**
 * Finds the line of a YAML path in a file's text, for error messages; `at` finds the line and column of a
 * character of the string value there (where an expression went wrong).
 */
interface Locator {
  (path: readonly (string | number)[]): number | undefined;
  at?(path: readonly (string | number)[], offset: number): FilePosition | undefined;
}

function yamlLocator(text: string): Locator {
  let doc: ReturnType<typeof parseDocument> | undefined;
  const lc = new LineCounter();
  const locate: Locator = (path) => {
    try {
      doc ??= parseDocument(text, { lineCounter: lc });
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
      }
    } catch {
      /* no line then */
    }
    return undefined;
  };
  locate.at = (path, offset) => {
    try {
      doc ??= parseDocument(text, { lineCounter: lc });
      return positionInScalar(text, doc.getIn(path, true) as Node | undefined, offset, lc);
    } catch {
      return undefined;
    }
  };
  return locate;
}

function fileLocator(file: string): Locator {
  let inner: Locator | undefined;
  const load = (): Locator => {
    if (!inner) {
      try {
        inner = yamlLocator(readTextFile(file, { maxBytes: MAX_CONFIG_BYTES }));
      } catch {
        inner = () => undefined;
      }
    }
    return inner;
  };
  const locate: Locator = (path) => load()(path);
  locate.at = (path, offset) => load().at?.(path, offset);
  return locate;
}

function kindOf(p: PolicyConfig): { kind: PolicyKindName; approvals?: number } {
  if (p.kind === 'deny' || p.kind === 'warn') return { kind: p.kind };
  return { kind: 'require_approvals', approvals: p.kind.require_approvals };
}

/**
 * Compile one policy. `file` is what errors name, `path` where the policy sits in it (for the line).
 */
function compilePolicy(
  p: PolicyConfig,
  source: string,
  file: string,
  path: readonly (string | number)[],
  locate: Locator,
  probe: Record<string, CelInput>,
  /** The shipped set: tested already, so its message parts compile on first use (they are long: startup time). */
  shipped = false,
): Compiled {
  const fail = (field: string, detail: string, offset?: number): never => {
    const where = formatPath([...path, field]);
    // The file's line and column of the character where the expression went wrong, when the file is known
    const pos = offset !== undefined ? locate.at?.([...path, field], offset) : undefined;
    if (pos) throw new ConfigError(file, `${where}: policy '${p.name}': ${detail}`, pos.line, pos.column);
    throw new ConfigError(
      file,
      `${where}: policy '${p.name}': ${detail}${offset !== undefined ? ` (at character ${offset + 1})` : ''}`,
      locate([...path, field]),
    );
  };
  let program: Program;
  try {
    program = compile(p.expr, true);
  } catch (err) {
    return fail('expr', `expression ${errorMessage(err)}`, err instanceof ExprProblem ? err.offset : undefined);
  }
  // An empty plan is a plan like any other: an expression must give a bool for it.
  let sample: CelValue | Error = false;
  try {
    if (!shipped) sample = program(probe);
  } catch (err) {
    sample = err instanceof Error ? err : new Error(String(err));
  }
  if (!isCelError(sample) && !(sample instanceof Error) && typeof sample !== 'boolean') {
    fail('expr', `expression gives ${celTypeName(sample)} (${short(display(sample))}) for an empty plan, not a bool`);
  }
  let template: TemplatePart[];
  try {
    template = shipped ? splitTemplate(p.message) : compileTemplate(p.message);
  } catch (err) {
    return fail('message', errorMessage(err), err instanceof ExprProblem ? err.offset : undefined);
  }
  return {
    name: p.name,
    ...kindOf(p),
    message: p.message,
    source,
    expr: p.expr,
    environments: p.environments,
    program,
    template,
  };
}

/**
 * Load and compile every policy that applies to a stack. Throws ConfigError naming the file, the line and the
 * policy when an expression does not parse or compile, a policy file is missing or invalid, or a name repeats.
 */
export function loadPolicies(config: StackConfig, stackDir: string, environment: Environment): PolicySet {
  const probe = celView(
    {
      plan: { changes: [], drift: [], summary: { add: 0, change: 0, destroy: 0 }, diagnostics: [] },
      stack: { name: config.name ?? 'stack', environment, tool: config.tool ?? 'opentofu' },
      run: { id: 0, kind: 'proposed', purpose: 'deploy', triggeredBy: '' },
    },
    { maxChanges: config.maxChanges },
  );

  const all: Compiled[] = [];
  /** Where each name was defined first: its source, file and place, for the error about a second use. */
  const seen = new Map<string, { source: string; file: string; path: readonly (string | number)[]; locate: Locator }>();
  const add = (c: Compiled, file: string, path: readonly (string | number)[], locate: Locator) => {
    const first = seen.get(c.name);
    if (first !== undefined) {
      throw new ConfigError(
        file,
        `${formatPath([...path, 'name'])}: policy name '${c.name}' is already used by a policy from ${first.source}; names must be unique`,
        locate([...path, 'name']),
      );
    }
    seen.set(c.name, { source: c.source, file, path, locate });
    all.push(c);
  };

  const configFile = join(stackDir, STACK_CONFIG_FILE);
  const configLocate = fileLocator(configFile);
  config.policies.forEach((p, i) => {
    const path = ['policies', i];
    add(compilePolicy(p, STACK_CONFIG_FILE, configFile, path, configLocate, probe), configFile, path, configLocate);
  });

  config.policyFiles.forEach((rel, i) => {
    const file = resolve(stackDir, rel);
    if (!somethingAt(file)) {
      throw new ConfigError(
        configFile,
        `policyFiles[${i}]: ${rel} does not exist (looked for ${file})`,
        configLocate(['policyFiles', i]),
      );
    }
    // A regular file under the limit, else one line naming it (a FIFO or a device is never waited on).
    const text = readTextFile(file, { maxBytes: MAX_CONFIG_BYTES });
    const parsed = parseYaml(text, file, policyFileSchema);
    const locate = yamlLocator(text);
    parsed.policies.forEach((p, j) => {
      const path = ['policies', j];
      add(compilePolicy(p, rel, file, path, locate, probe), file, path, locate);
    });
  });

  const useDefaults = config.defaultPolicies ?? environment === 'prod';
  if (useDefaults) {
    const where = 'the shipped policy set (default-policies.ts)';
    DEFAULT_POLICIES.forEach((p, i) => {
      const mine = seen.get(p.name);
      if (mine) {
        throw new ConfigError(
          mine.file,
          `${formatPath([...mine.path, 'name'])}: policy name '${p.name}' is also the name of a default policy; rename yours, or set defaultPolicies: false to replace the shipped set`,
          mine.locate([...mine.path, 'name']),
        );
      }
      const path = ['defaults', i];
      add(
        compilePolicy(p, DEFAULT_POLICY_SOURCE, where, path, () => undefined, probe, true),
        where,
        path,
        () => undefined,
      );
    });
  }

  const active = all.filter(
    (c) => !c.environments || c.environments.length === 0 || c.environments.includes(environment),
  );
  return makeSet(active, { maxChanges: config.maxChanges });
}

function makeSet(compiled: readonly Compiled[], limits: PolicyLimits): PolicySet {
  const policies: PolicyInfo[] = compiled.map((c) => ({
    name: c.name,
    kind: c.kind,
    ...(c.approvals !== undefined ? { approvals: c.approvals } : {}),
    message: c.message,
    source: c.source,
    expr: c.expr,
  }));
  return {
    policies,
    evaluate(input: PolicyInput): PolicyResult[] {
      const bindings = celView(input, limits);
      return compiled.map((c) => {
        const base = {
          name: c.name,
          kind: c.kind,
          ...(c.approvals !== undefined ? { approvals: c.approvals } : {}),
          source: c.source,
        };
        let v: CelValue | Error;
        try {
          v = c.program(bindings);
        } catch (err) {
          v = err instanceof Error ? err : new Error(String(err));
        }
        if (typeof v === 'boolean') {
          return { ...base, fired: v, message: v ? render(c.template, bindings) : placeholderText(c.template) };
        }
        const error =
          isCelError(v) || v instanceof Error
            ? `expression failed: ${errorMessage(v).split('\n')[0]}`
            : `expression gave ${celTypeName(v)}, not a bool`;
        return { ...base, fired: true, message: render(c.template, bindings), error };
      });
    },
  };
}

/** What a set of results means for the run: blocked, warned, how many approvals. */
export function policyOutcome(results: readonly PolicyResult[]): PolicyOutcome {
  const fired = results.filter((r) => r.fired);
  const denials = fired.filter((r) => r.kind === 'deny');
  const approvalRules = fired.filter((r) => r.kind === 'require_approvals');
  return {
    denied: denials.length > 0,
    denials,
    warnings: fired.filter((r) => r.kind === 'warn'),
    requiredApprovals: maxOf(approvalRules.map((r) => r.approvals ?? 1), 1),
    approvalRules,
  };
}
