/** The demo's past runs: Terraform-like logs, plans and applies written through the repositories. */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Blueprint, Cloud } from '../day0/blueprint.js';
import { LogsRepo, type LogLine, type LogStream } from '../db/logs.js';
import { type DB } from '../db/open.js';
import { RunsRepo } from '../db/runs.js';
import type { Phase } from '../day1/adapter.js';
import type { PolicyResult } from '../domain/policies.js';
import {
  summarize,
  type ApplyResult,
  type ChangeAction,
  type PlanResult,
  type ResourceChange,
} from '../domain/plan.js';
import type { Stack } from '../domain/stack.js';

// ---------------------------------------------------------------------------------------------------------------
// Made-up but realistic history

export const MIN = 60_000;

export const HOUR = 60 * MIN;

export const DAY = 24 * HOUR;

export const hex = (seed: string, n: number) => createHash('sha256').update(seed).digest('hex').slice(0, n);

export interface Designed {
  stack: Stack;
  bp: Blueprint;
  /** Resource addresses of its generated code, in file order. */
  addresses: string[];
}

/** `resource "aws_vpc" "main"` blocks of the generated code. */
export function addressesOf(files: { path: string; content: string }[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!f.path.endsWith('.tf')) continue;
    for (const m of f.content.matchAll(/^(resource|module)\s+"([\w-]+)"(?:\s+"([\w-]+)")?/gm)) {
      if (m[1] === 'resource') out.push(`${m[2]}.${m[3]}`);
      // The EKS module's own resources, as Terraform addresses them.
      else if (m[2] === 'eks')
        out.push(
          'module.eks.aws_eks_cluster.this[0]',
          'module.eks.module.eks_managed_node_group["system"].aws_eks_node_group.this[0]',
        );
    }
  }
  return out;
}

const PROVIDERS: Record<Cloud, { name: string; version: string; constraint: string }> = {
  aws: { name: 'aws', version: '5.82.2', constraint: '~> 5.0' },
  gcp: { name: 'google', version: '6.14.1', constraint: '~> 6.0' },
  azure: { name: 'azurerm', version: '4.14.0', constraint: '~> 4.0' },
} as Record<Cloud, { name: string; version: string; constraint: string }>;

function providerOf(cloud: string) {
  return (PROVIDERS as Record<string, { name: string; version: string; constraint: string }>)[cloud] ?? PROVIDERS.aws;
}

/** A change to a resource, with before/after values where it helps the reader. */
export function change(address: string, action: ChangeAction, before?: unknown, after?: unknown): ResourceChange {
  const [type, ...rest] = address.split('.');
  const actions = action === 'replace' ? ['delete', 'create'] : [action];
  const c: ResourceChange = { address, action, actions, type, name: rest.join('.') };
  if (before !== undefined) c.before = before;
  if (after !== undefined) c.after = after;
  return c;
}

export function plan(changes: ResourceChange[], drift: ResourceChange[] = []): PlanResult {
  return { changes, drift, summary: summarize(changes), diagnostics: [] };
}

class LogWriter {
  readonly lines: LogLine[] = [];
  readonly phases: Partial<Record<Phase, number>> = {};
  constructor(
    private readonly runId: number,
    private at: number,
  ) {}
  add(text: string, phase: Phase | null, stream: LogStream = 'stdout', stepMs = 400): void {
    if (phase && this.phases[phase] === undefined) this.phases[phase] = this.lines.length + 1;
    this.at += stepMs;
    this.lines.push({
      runId: this.runId,
      seq: this.lines.length + 1,
      at: this.at,
      stream,
      phase,
      text,
      plain: null,
      raw: null,
    });
  }
  system(text: string, phase: Phase | null = null): void {
    this.add(text, phase, 'system', 50);
  }
  get time(): number {
    return this.at;
  }
}

const verbs: Record<string, [string, string, string]> = {
  create: ['will be created', 'Creating...', 'Creation complete'],
  update: ['will be updated in-place', 'Modifying...', 'Modifications complete'],
  replace: ['must be replaced', 'Destroying...', 'Creation complete'],
  delete: ['will be destroyed', 'Destroying...', 'Destruction complete'],
};

function idOf(address: string): string {
  const type = address.split('.')[0];
  const prefix =
    type.includes('vpc') || type.includes('network')
      ? 'vpc'
      : type.includes('subnet')
        ? 'subnet'
        : type.includes('security') || type.includes('firewall')
          ? 'sg'
          : 'id';
  return `${prefix}-${hex(address, 12)}`;
}

function writeInit(log: LogWriter, cloud: string): void {
  const p = providerOf(cloud);
  log.add('', 'init');
  log.add('Initializing the backend...', 'init');
  log.add('', 'init');
  log.add('Initializing provider plugins...', 'init');
  log.add(`- Reusing previous version of hashicorp/${p.name} from the dependency lock file`, 'init');
  log.add(`- Using previously-installed hashicorp/${p.name} v${p.version}`, 'init');
  log.add('', 'init');
  log.add('OpenTofu has been successfully initialized!', 'init');
}

function writePlan(log: LogWriter, addresses: string[], p: PlanResult): void {
  for (const a of addresses.slice(0, 14)) log.add(`${a}: Refreshing state... [id=${idOf(a)}]`, 'plan', 'stdout', 250);
  if (p.drift.length) {
    log.add('', 'plan');
    log.add('Note: Objects have changed outside of OpenTofu', 'plan');
    log.add('', 'plan');
    log.add(
      'OpenTofu detected the following changes made outside of OpenTofu since the last "tofu apply" which may',
      'plan',
    );
    log.add('have affected this plan:', 'plan');
    for (const d of p.drift) {
      log.add('', 'plan');
      log.add(`  # ${d.address} has changed`, 'plan');
      for (const line of valueLines(d)) log.add(line, 'plan');
    }
  }
  log.add('', 'plan');
  if (p.changes.length === 0) {
    log.add('No changes. Your infrastructure matches the configuration.', 'plan');
    return;
  }
  log.add('OpenTofu will perform the following actions:', 'plan');
  for (const c of p.changes) {
    log.add('', 'plan');
    log.add(`  # ${c.address} ${verbs[c.action]?.[0] ?? c.action}`, 'plan');
    for (const line of valueLines(c)) log.add(line, 'plan');
  }
  log.add('', 'plan');
  log.add(`Plan: ${p.summary.add} to add, ${p.summary.change} to change, ${p.summary.destroy} to destroy.`, 'plan');
}

/** `~ resource "x" "y" { ~ field = a -> b }` lines for a change. */
function valueLines(c: ResourceChange): string[] {
  const sign = c.action === 'create' ? '+' : c.action === 'delete' ? '-' : c.action === 'replace' ? '-/+' : '~';
  const [type, ...name] = c.address.split('.');
  const out = [`  ${sign} resource "${type}" "${name.join('.')}" {`];
  const walk = (b: unknown, a: unknown, path: string[]) => {
    if (a && typeof a === 'object' && !Array.isArray(a)) {
      for (const k of Object.keys(a as object))
        walk((b as Record<string, unknown> | undefined)?.[k], (a as Record<string, unknown>)[k], [...path, k]);
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const key = path.join('.');
    if (b === undefined) out.push(`      + ${key} = ${JSON.stringify(a)}`);
    else out.push(`      ~ ${key} = ${JSON.stringify(b)} -> ${JSON.stringify(a)}`);
  };
  walk(c.before, c.after ?? {}, []);
  out.push('    }');
  return out;
}

function writeApply(log: LogWriter, changes: ResourceChange[], failAt?: { address: string; error: string[] }): void {
  for (const c of changes) {
    const v = verbs[c.action] ?? verbs.update;
    log.add(
      `${c.address}: ${c.action === 'create' ? v[1] : `${v[1]} [id=${idOf(c.address)}]`}`,
      'apply',
      'stdout',
      800,
    );
    if (failAt && failAt.address === c.address) {
      log.add(
        `${c.address}: Still ${c.action === 'create' ? 'creating' : 'modifying'}... [10s elapsed]`,
        'apply',
        'stdout',
        10_000,
      );
      log.add('', 'apply', 'stderr');
      for (const e of failAt.error) log.add(e, 'apply', 'stderr', 20);
      return;
    }
    const secs = 3 + (parseInt(hex(c.address, 2), 16) % 90);
    log.add(`${c.address}: ${v[2]} after ${secs}s [id=${idOf(c.address)}]`, 'apply', 'stdout', secs * 1000);
  }
  const s = summarize(changes);
  log.add('', 'apply');
  log.add(`Apply complete! Resources: ${s.add} added, ${s.change} changed, ${s.destroy} destroyed.`, 'apply');
}

interface PastRun {
  /** Minutes before now the run started. */
  startedAgo: number;
  kind: 'tracked' | 'proposed';
  purpose: 'deploy' | 'drift' | 'remediation';
  outcome: 'applied' | 'planned' | 'apply-failed' | 'plan-failed' | 'denied' | 'discarded';
  user: string;
  approvers?: string[];
  trigger?: 'tui' | 'cli' | 'schedule';
  plan?: PlanResult;
  policies?: PolicyResult[];
  error?: string;
  errorLines?: string[];
  failAt?: string;
  comment?: string;
}

/** Insert one finished run (transitions, plan, approvals, logs) through the repositories; returns its id. */
export function insertRun(db: DB, d: Designed, r: PastRun, now: number): number {
  const runs = new RunsRepo(db);
  const logs = new LogsRepo(db);
  const owner = { host: hostname(), pid: process.pid, start: null };
  let t = now - r.startedAgo * MIN;
  const run = runs.create(
    {
      stackId: d.stack.id,
      kind: r.kind,
      purpose: r.purpose,
      triggeredBy: r.user,
      trigger: r.trigger ?? 'tui',
      autoApply: false,
      owner,
    },
    t,
  );
  const log = new LogWriter(run.id, t);
  const id = run.id;
  log.system(`dayops: run ${id} of ${d.stack.name} (${d.stack.tool}, ${d.stack.environment}): initializing`, 'init');
  t += 2_000;
  runs.move(id, 'start', { now: t });
  writeInit(log, d.bp.provider.cloud);
  runs.move(id, 'plan', { now: log.time });
  log.system('dayops: planning', 'plan');
  const p = r.plan ?? plan([]);
  if (r.outcome === 'plan-failed') {
    for (const a of d.addresses.slice(0, 3))
      log.add(`${a}: Refreshing state... [id=${idOf(a)}]`, 'plan', 'stdout', 300);
    log.add('', 'plan', 'stderr');
    for (const e of r.errorLines ?? []) log.add(e, 'plan', 'stderr', 20);
    log.system(`dayops: ${r.error}`, 'plan');
    runs.move(id, 'fail', { patch: { error: r.error ?? 'plan failed' }, now: log.time });
    logs.append(id, log.lines, log.phases, log.time);
    return id;
  }
  writePlan(log, d.addresses, p);
  log.system(
    `dayops: plan: +${p.summary.add} ~${p.summary.change} -${p.summary.destroy}${p.changes.length ? '' : ' (no changes)'}`,
    'plan',
  );
  const policies = r.policies ?? [];
  for (const pr of policies.filter((x) => x.fired))
    log.system(
      `dayops: policy ${pr.name} (${pr.source}) ${pr.kind === 'deny' ? 'denies' : 'warns'}: ${pr.message}`,
      'plan',
    );
  const patch = { plan: p, policies, summary: p.summary, requiredApprovals: Math.max(1, r.approvers?.length ?? 1) };
  if (r.outcome === 'denied') {
    runs.move(id, 'deny', { patch: { ...patch, error: r.error ?? 'denied by policy' }, now: log.time });
    logs.append(id, log.lines, log.phases, log.time);
    return id;
  }
  if (r.kind === 'proposed' || p.changes.length === 0) {
    runs.move(id, 'finish', { patch, note: r.kind === 'proposed' ? 'plan only' : 'no changes', now: log.time });
    logs.append(id, log.lines, log.phases, log.time);
    return id;
  }
  runs.move(id, 'park', { patch, now: log.time });
  log.system(
    `dayops: waiting for approval (${patch.requiredApprovals} required): dayops approve ${id}, or dayops discard ${id}`,
    'plan',
  );
  let at = log.time + 7 * MIN;
  if (r.outcome === 'discarded') {
    runs.moveAudited(
      id,
      'discard',
      { user: r.approvers?.[0] ?? r.user, action: 'discard', comment: r.comment ?? null },
      { patch: { error: `discarded by ${r.approvers?.[0] ?? r.user}` }, now: at },
    );
    logs.append(id, log.lines, log.phases, at);
    return id;
  }
  for (const user of r.approvers ?? [r.user]) {
    runs.approve(id, user, r.comment ?? null, owner, at);
    at += 3 * MIN;
  }
  log.add(`dayops: approved by ${(r.approvers ?? [r.user]).join(', ')}`, 'apply', 'system', at - log.time);
  log.system('dayops: applying', 'apply');
  writeApply(
    log,
    p.changes,
    r.outcome === 'apply-failed' ? { address: r.failAt ?? p.changes[0].address, error: r.errorLines ?? [] } : undefined,
  );
  if (r.outcome === 'apply-failed') {
    log.system(`dayops: ${r.error}`, 'apply');
    const done = p.changes.slice(
      0,
      Math.max(
        0,
        p.changes.findIndex((c) => c.address === r.failAt),
      ),
    );
    const apply: ApplyResult = {
      changes: done.map((c) => ({ ...c, status: 'changed' as const })),
      summary: summarize(done),
      diagnostics: [
        {
          severity: 'error',
          summary: (r.errorLines ?? [])[0]?.replace(/^Error: /, '') ?? 'apply failed',
          address: r.failAt,
        },
      ],
    };
    runs.move(id, 'fail', { patch: { error: r.error ?? 'apply failed', apply }, now: log.time });
  } else {
    const apply: ApplyResult = {
      changes: p.changes.map((c) => ({ ...c, status: 'changed' as const })),
      summary: p.summary,
      diagnostics: [],
    };
    log.system(`dayops: applied: +${p.summary.add} ~${p.summary.change} -${p.summary.destroy}`, 'apply');
    runs.move(id, 'finish', { patch: { apply }, now: log.time });
  }
  logs.append(id, log.lines, log.phases, log.time);
  return id;
}
