/**
 * Promotion pipelines (issue 12): stacks of one design in several environments, each promoted from the one before.
 *
 * A stack's upstream is, first, `promotesFrom: STACK` in its dayops.yaml; else, when its design (the blueprint
 * stored with the stack, or `blueprint.yaml` in its folder) says `promotion: [dev, staging, prod]`, the stack of the
 * same design in the environment before its own. Stacks are of one design when their names are equal once the
 * environment is taken off (`shop-dev`, `shop-staging`, `shop-prod`; or `dev-shop`), or when their blueprints have
 * the same `metadata.name`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { readFileSync } from 'node:fs';
import { loadStackConfig } from '../../config/stack-config.js';
import type { DB } from '../../db/open.js';
import { StacksRepo } from '../../db/stacks.js';
import { ENVIRONMENTS, type Environment, type Stack } from '../../domain/stack.js';
import { errorMessage } from '../../errors.js';

export interface PipelineLink {
  stack: Stack;
  /** The stack it is promoted from, when it has one. */
  upstream?: Stack;
  /** How the link was made: `promotesFrom` in dayops.yaml, or the blueprint's `promotion`. */
  via?: 'promotesFrom' | 'blueprint';
  /** Why the upstream named cannot be used (a stack that is not registered, a second stack in one environment). */
  problem?: string;
}

export interface Pipeline {
  /** The design's name (the first stack's name without its environment). */
  name: string;
  /** Upstream first: dev, staging, prod. */
  stages: Stack[];
}

/** `shop-prod` (prod) -> `shop`; `prod-shop` -> `shop`; otherwise the name itself. */
export function designKey(name: string, environment: Environment): string {
  if (name.endsWith(`-${environment}`)) return name.slice(0, -environment.length - 1);
  if (name.startsWith(`${environment}-`)) return name.slice(environment.length + 1);
  return name;
}

interface DesignFacts {
  name?: string;
  promotion?: Environment[];
}

/** The design's name and promotion list, from the stored blueprint or the folder's blueprint.yaml; never throws. */
function designOf(repo: StacksRepo, stack: Stack): DesignFacts {
  let bp: unknown;
  try {
    bp = repo.blueprint(stack.name);
  } catch {
    bp = undefined;
  }
  if (!bp || typeof bp !== 'object' || !('promotion' in bp)) {
    const file = join(stack.dir, 'blueprint.yaml');
    try {
      if (existsSync(file)) bp = parseYamlText(readFileSync(file, 'utf8')) as unknown;
    } catch {
      /* an unreadable design: no pipeline from it */
    }
  }
  if (!bp || typeof bp !== 'object') return {};
  const b = bp as { metadata?: { name?: unknown }; promotion?: unknown };
  const name = typeof b.metadata?.name === 'string' ? b.metadata.name : undefined;
  const promotion = Array.isArray(b.promotion)
    ? b.promotion.filter((e): e is Environment => ENVIRONMENTS.includes(e as Environment))
    : undefined;
  return { name, promotion };
}

/** A stack's `promotesFrom`, or why its dayops.yaml cannot say. */
export type PromotesFromOf = (stack: Stack) => { name?: string; problem?: string };

const promotesFromFile: PromotesFromOf = (stack) => {
  try {
    return { name: loadStackConfig(stack.dir).promotesFrom };
  } catch (err) {
    return { problem: errorMessage(err) };
  }
};

/**
 * Every registered stack with its upstream, by name. `promotesFromOf` reads dayops.yaml (the dashboard gives one
 * that reads through its cache of parsed files).
 */
export function pipelineLinks(db: DB, promotesFromOf: PromotesFromOf = promotesFromFile): Map<string, PipelineLink> {
  const repo = new StacksRepo(db);
  const stacks = repo.list();
  const byName = new Map(stacks.map((s) => [s.name, s]));
  const designs = new Map(stacks.map((s) => [s.name, designOf(repo, s)]));
  const links = new Map<string, PipelineLink>();
  for (const stack of stacks) {
    const link: PipelineLink = { stack };
    links.set(stack.name, link);
    const from = promotesFromOf(stack);
    if (from.problem) {
      link.problem = from.problem;
      continue;
    }
    if (from.name) {
      link.via = 'promotesFrom';
      const up = byName.get(from.name);
      if (!up)
        link.problem = `promotesFrom: ${from.name} in ${join(stack.dir, 'dayops.yaml')} is not a registered stack`;
      else if (up.name === stack.name) link.problem = `promotesFrom: ${from.name} names the stack itself`;
      else link.upstream = up;
      continue;
    }
    const design = designs.get(stack.name)!;
    const order = design.promotion;
    const at = order ? order.indexOf(stack.environment) : -1;
    if (!order || at <= 0) continue;
    const env = order[at - 1];
    const key = designKey(stack.name, stack.environment);
    const same = stacks.filter(
      (s) =>
        s.environment === env &&
        s.name !== stack.name &&
        (designKey(s.name, s.environment) === key ||
          (design.name !== undefined && designs.get(s.name)!.name === design.name)),
    );
    link.via = 'blueprint';
    if (same.length === 1) link.upstream = same[0];
    else if (same.length === 0)
      link.problem = `the design's promotion [${order.join(', ')}] has no registered ${env} stack of ${key} (such as ${key}-${env})`;
    else
      link.problem = `the design's promotion has ${same.length} ${env} stacks of ${key}: ${same.map((s) => s.name).join(', ')}`;
  }
  return links;
}

/** The pipelines: chains of two or more stacks, upstream first, in name order. A cycle is cut where it closes. */
export function pipelines(db: DB, links = pipelineLinks(db)): Pipeline[] {
  const downstream = new Map<string, Stack[]>();
  for (const l of links.values()) {
    if (!l.upstream) continue;
    const list = downstream.get(l.upstream.name) ?? [];
    list.push(l.stack);
    downstream.set(l.upstream.name, list);
  }
  const out: Pipeline[] = [];
  const seen = new Set<string>();
  // Roots: stacks that feed others and have no upstream themselves.
  for (const l of links.values()) {
    if (l.upstream || !downstream.has(l.stack.name)) continue;
    const stages: Stack[] = [];
    const walk = (s: Stack) => {
      if (seen.has(s.name)) return;
      seen.add(s.name);
      stages.push(s);
      for (const d of (downstream.get(s.name) ?? []).sort((a, b) => a.name.localeCompare(b.name))) walk(d);
    };
    walk(l.stack);
    out.push({ name: designKey(l.stack.name, l.stack.environment), stages });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The stack of STACK's pipeline in environment ENV: STACK itself, a stack up or down its chain, or, when STACK is a
 * design's name (`shop`), that design's stack in ENV. Undefined when there is none.
 */
export function stackInEnvironment(db: DB, name: string, env: Environment): Stack | undefined {
  const links = pipelineLinks(db);
  const start = links.get(name)?.stack;
  if (start?.environment === env) return start;
  for (const p of pipelines(db, links)) {
    const member = start ? p.stages.some((s) => s.name === start.name) : p.name === name;
    if (member) {
      const found = p.stages.filter((s) => s.environment === env);
      if (found.length === 1) return found[0];
    }
  }
  // A lone stack and a design name that has no pipeline yet: the stack named NAME-ENV, if it is linked.
  const key = start ? designKey(start.name, start.environment) : name;
  const guess = links.get(`${key}-${env}`) ?? links.get(`${env}-${key}`);
  return guess && (guess.upstream || guess.problem) ? guess.stack : undefined;
}
