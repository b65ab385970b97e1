/**
 * The stacks' dependency graph (issue 12): every registered stack with the `dependsOn` and `inputs` of its
 * dayops.yaml. Edges go from an upstream stack to the stacks that depend on it (`network -> cluster`).
 *
 * - A stack named in `dependsOn` that is not registered, and a cycle, are one-line errors naming the stack or the
 *   cycle (`dependency cycle: network -> cluster -> network`).
 * - `order` is the graph in levels: every stack of a level depends only on stacks of earlier levels, so the
 *   stacks of one level can run in parallel.
 * - Only OpenTofu/Terraform stacks have outputs: an input taken from an Ansible or custom stack is an error.
 */
import { join } from 'node:path';
import { inputRefText, type InputRef } from '../../config/dependencies.js';
import { loadStackConfig, STACK_CONFIG_FILE, type StackConfig } from '../../config/stack-config.js';
import type { Stack, Tool } from '../../domain/stack.js';
import { errorMessage, UserError } from '../../errors.js';

export interface GraphNode {
  name: string;
  tool: Tool;
  dependsOn: string[];
  inputs: Record<string, InputRef>;
}

export interface StackGraph {
  nodes: Map<string, GraphNode>;
}

/** Tools whose stacks have outputs (`output -json`). */
export function hasOutputs(tool: Tool): boolean {
  return tool === 'terraform' || tool === 'opentofu';
}

/**
 * The graph of the registered stacks. `strict` (dayops graph): a dayops.yaml that cannot be read is an error;
 * otherwise (a run) such a stack counts as having no dependencies, and only its own runs fail on it.
 */
export function loadGraph(
  stacks: readonly Stack[],
  opts: { strict?: boolean; configs?: Map<string, StackConfig> } = {},
): StackGraph {
  const nodes = new Map<string, GraphNode>();
  for (const s of stacks) {
    let config = opts.configs?.get(s.name);
    if (!config) {
      try {
        config = loadStackConfig(s.dir);
      } catch (err) {
        if (opts.strict) throw new UserError(`stack ${s.name}: ${errorMessage(err)}`);
      }
    }
    nodes.set(s.name, {
      name: s.name,
      tool: s.tool,
      dependsOn: [...(config?.dependsOn ?? [])],
      inputs: { ...(config?.inputs ?? {}) },
    });
  }
  return { nodes };
}

/** The first cycle found, as a path that ends where it starts, in the order changes flow (upstream first). */
export function findCycle(graph: StackGraph, from?: readonly string[]): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'open') {
      // path holds downstream-to-upstream (following dependsOn): reverse it to read as the changes flow.
      const cycle = [...path.slice(path.indexOf(name)), name];
      return cycle.reverse();
    }
    const node = graph.nodes.get(name);
    if (!node) return undefined;
    state.set(name, 'open');
    path.push(name);
    for (const up of [...node.dependsOn].sort()) {
      const found = visit(up);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of from ?? [...graph.nodes.keys()].sort()) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

function cycleError(cycle: string[]): UserError {
  return new UserError(`dependency cycle: ${cycle.join(' -> ')}`);
}

/** Why a stack's dependencies are broken (a missing stack, a cycle through it, an input with no outputs), or null. */
export function dependencyProblem(graph: StackGraph, name: string): string | null {
  const node = graph.nodes.get(name);
  if (!node) return null;
  for (const up of node.dependsOn) {
    if (!graph.nodes.has(up))
      return `stack ${name}: dependsOn names ${up}, which is not a registered stack (dayops stack list)`;
  }
  for (const [variable, ref] of Object.entries(node.inputs)) {
    const up = graph.nodes.get(ref.stack);
    if (up && !hasOutputs(up.tool)) {
      return `stack ${name}: inputs.${variable}: ${inputRefText(ref)}: stack ${ref.stack} is an ${up.tool} stack, which has no outputs (only OpenTofu/Terraform stacks have outputs)`;
    }
  }
  // Only a cycle this stack is part of, or one upstream of it, stops its runs.
  const cycle = findCycle(graph, [name]);
  return cycle ? `dependency cycle: ${cycle.join(' -> ')}` : null;
}

/** Every problem of the whole graph, first one thrown: for `dayops graph`. */
export function checkGraph(graph: StackGraph): void {
  for (const name of [...graph.nodes.keys()].sort()) {
    const node = graph.nodes.get(name)!;
    for (const up of node.dependsOn) {
      if (!graph.nodes.has(up))
        throw new UserError(
          `stack ${name}: dependsOn names ${up}, which is not a registered stack (dayops stack list)`,
        );
    }
  }
  const cycle = findCycle(graph);
  if (cycle) throw cycleError(cycle);
  for (const name of [...graph.nodes.keys()].sort()) {
    const p = dependencyProblem(graph, name);
    if (p) throw new UserError(p);
  }
}

/** The stacks in levels: each level depends only on earlier ones (names sorted in a level). Needs no cycle. */
export function levels(graph: StackGraph): string[][] {
  const remaining = new Map<string, Set<string>>();
  for (const n of graph.nodes.values()) remaining.set(n.name, new Set(n.dependsOn.filter((d) => graph.nodes.has(d))));
  const out: string[][] = [];
  while (remaining.size > 0) {
    const level = [...remaining.entries()].filter(([, deps]) => deps.size === 0).map(([n]) => n);
    if (level.length === 0) {
      const cycle = findCycle(graph);
      throw cycleError(cycle ?? [...remaining.keys()]);
    }
    level.sort();
    out.push(level);
    for (const n of level) remaining.delete(n);
    for (const deps of remaining.values()) for (const n of level) deps.delete(n);
  }
  return out;
}

/** The level of every stack (0 for stacks with no dependencies), for running a cascade in dependency order. */
export function levelOf(graph: StackGraph): Map<string, number> {
  const map = new Map<string, number>();
  try {
    levels(graph).forEach((l, i) => l.forEach((n) => map.set(n, i)));
  } catch {
    /* a cycle: runs of its stacks fail on it; the others keep level 0 */
  }
  return map;
}

/** The stacks that name `name` in their dependsOn, sorted by level then name. */
export function directDownstream(graph: StackGraph, name: string): string[] {
  const level = levelOf(graph);
  return [...graph.nodes.values()]
    .filter((n) => n.dependsOn.includes(name))
    .map((n) => n.name)
    .sort((a, b) => (level.get(a) ?? 0) - (level.get(b) ?? 0) || a.localeCompare(b));
}

/** The file a stack's dependencies are written in, for messages. */
export function configFileOf(stack: Stack): string {
  return join(stack.dir, STACK_CONFIG_FILE);
}
