/** Loading a stack's policies (dayops.yaml, policyFiles, the shipped set) into a set, and the outcome of a plan. */
import { join, resolve } from 'node:path';
import { isCelError, type CelInput, type CelValue } from '@bufbuild/cel';
import { LineCounter, isNode, parseDocument, type Node } from 'yaml';
import { STACK_CONFIG_FILE, policyFileSchema, type PolicyConfig, type StackConfig } from '../../config/stack-config.js';
import { formatPath, parseYaml } from '../../config/yaml-file.js';
import { MAX_CONFIG_BYTES, readTextFile, somethingAt } from '../../config/safe-read.js';
import { maxOf } from '../../arrays.js';
import { positionInScalar, type FilePosition } from '../../config/yaml-position.js';
import { ConfigError, errorMessage } from '../../errors.js';
import { DEFAULT_POLICIES, DEFAULT_POLICY_SOURCE } from '../default-policies.js';
import type { Environment } from '../stack.js';
import {
  type PolicyInfo,
  type PolicyInput,
  type PolicyKindName,
  type PolicyLimits,
  type PolicyOutcome,
  type PolicyResult,
  type PolicySet,
} from './types.js';
import { ExprProblem, celTypeName, compile, display, short, type Program } from './compile.js';
import { compileTemplate, placeholderText, render, splitTemplate, type TemplatePart } from './template.js';
import { celView } from './cel-view.js';

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
    requiredApprovals: maxOf(
      approvalRules.map((r) => r.approvals ?? 1),
      1,
    ),
    approvalRules,
  };
}
