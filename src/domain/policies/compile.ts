/** Compiling CEL expressions: name and type checks with one-line problems, cached programs, values for messages. */
import {
  celEnv,
  isCelList,
  isCelMap,
  isCelUint,
  parse,
  plan as celPlan,
  type CelInput,
  type CelValue,
} from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { errorMessage } from '../../errors.js';
import { POLICY_VARIABLES } from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Compiling

const ENV = celEnv({ funcs: strings });

export const short = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

export type Program = (bindings: Record<string, CelInput>) => CelValue | Error;

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

export class ExprProblem extends Error {
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

export function compile(source: string, wantBool: boolean): Program {
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

export function celTypeName(v: CelValue | undefined): string {
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
export function display(v: CelValue | undefined, nested = false): string {
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
