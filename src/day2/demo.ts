/**
 * `dayops demo`: a workspace a newcomer can explore at once, in its own database.
 *
 * - Designed stacks in dev, staging and prod (Day-0 designs written by `designStack`, so their folders hold real
 *   blueprint.yaml, dayops.yaml and OpenTofu code), with a history made through the repositories: deploys with
 *   Terraform-like logs and plans, approvals, a failed apply, a policy denial, drift checks (some drifted
 *   resources, one accepted), a failed check, cached alerts of every severity (one acknowledged, one silenced),
 *   snapshots and restore tests (on time, late, missing, a failed restore test).
 * - One stack that really runs here with nothing else installed (`demo-local`, tool `custom`): its plan and
 *   apply are node scripts shipped with dayops (demo/stack/), managing a few files under its folder. It is
 *   deployed for real while the demo is made, then one of its files is edited "by hand" and a real drift check
 *   finds it, so a newcomer can remediate it: a real plan, an approval, an apply. When restic is installed it
 *   also gets a real restic repository with one snapshot.
 *
 * Alerts point at http://127.0.0.1:9093: when nothing listens there they show as stale with the error, which is
 * what dayops shows for any Alertmanager that is down. The demo never writes into a database that has stacks
 * outside its workspace; run again, it replaces the previous demo (database, workspace, run folders).
 */
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, delimiter, dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { Blueprint, Cloud } from '../day0/blueprint.js';
import { defaultBlueprint } from '../day0/defaults.js';
import { designStack } from '../app/day0/design.js';
import { RunService } from '../day1/runs.js';
import { runsRoot } from '../day1/runner/rundir.js';
import { AlertsRepo, type AlertRecord } from '../db/alerts.js';
import { BackupsRepo } from '../db/backups.js';
import { DriftRepo } from '../db/drift.js';
import { LogsRepo, type LogLine, type LogStream } from '../db/logs.js';
import { openDatabase, type DB } from '../db/open.js';
import { RunsRepo } from '../db/runs.js';
import { SourcesRepo } from '../db/sources.js';
import { StacksRepo } from '../db/stacks.js';
import type { Phase } from '../day1/adapter.js';
import type { PolicyResult } from '../domain/policies.js';
import {
  summarize,
  type ApplyResult,
  type ChangeAction,
  type PlanResult,
  type ResourceChange,
} from '../domain/plan.js';
import type { Environment, Stack } from '../domain/stack.js';
import { errorMessage, UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { acceptDrift, checkDrift, recordDriftRun, snoozeDrift } from './drift.js';
import { acknowledge, alertsSourceKey, severityRank } from './alerts.js';
import { backupSourceKey, runBackup } from './backups.js';
import type { Snapshot } from './restic.js';
import { previousSlot } from './configs.js';

/** The Alertmanager every demo stack points at (nothing listens there on a fresh machine: the alerts are stale). */
export const DEMO_ALERTMANAGER = 'http://127.0.0.1:9093';
/** The stack that really runs. */
export const DEMO_LOCAL = 'demo-local';
/** A file in the workspace that marks it as the demo's (a folder without it is never removed). */
export const DEMO_MARKER = '.dayops-demo';

/** `$XDG_DATA_HOME/dayops/demo/demo.db`: its own folder, so its run folders never mix with the real database's. */
export function defaultDemoDbPath(defaultDb: string): string {
  return join(dirname(defaultDb), 'demo', 'demo.db');
}

/** The workspace of a demo database: `<folder>/<name>-workspace`. */
export function demoWorkspace(dbPath: string): string {
  return join(dirname(dbPath), `${basename(dbPath, extname(dbPath))}-workspace`);
}

export interface DemoOptions {
  dbPath: string;
  /** The OS user recorded as the demo's operator for its own actions (default: demo users alice, bob). */
  user: string;
  env?: NodeJS.ProcessEnv;
  now?: number;
  /** Deploy demo-local for real and check it for drift (default true). */
  runLocal?: boolean;
  /** Told what is being made, one line at a time. */
  onProgress?: (message: string) => void;
}

export interface DemoStack {
  name: string;
  environment: Environment;
  tool: string;
  dir: string;
  /** One line: what the stack shows. */
  shows: string;
}

export interface DemoResult {
  dbPath: string;
  workspace: string;
  /** A previous demo was replaced. */
  replaced: boolean;
  stacks: DemoStack[];
  /** The real runs made for demo-local (ids), and whether restic backed it up. */
  local: { deployRunId: number | null; driftRunId: number | null; snapshot: string | null; notes: string[] };
  openCommand: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Safety: never touch a real database or folder

function inside(dir: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(dir));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * Refuse (UserError) when the database has a stack outside the workspace, or the workspace folder exists without
 * the demo's marker. Returns the run ids of the old demo (their folders are removed with it).
 */
function checkReplaceable(dbPath: string, workspace: string): { existed: boolean; runIds: number[] } {
  if (existsSync(workspace) && !existsSync(join(workspace, DEMO_MARKER)) && readdirSync(workspace).length > 0) {
    throw new UserError(
      `dayops demo: ${workspace} exists and is not a dayops demo workspace; move it away or pick another database with --db`,
    );
  }
  if (!existsSync(dbPath)) return { existed: false, runIds: [] };
  const db = openDatabase(dbPath);
  try {
    const stacks = new StacksRepo(db).list();
    const foreign = stacks.filter((s) => !inside(s.dir, workspace));
    if (foreign.length > 0) {
      const names = foreign
        .slice(0, 5)
        .map((s) => s.name)
        .join(', ');
      throw new UserError(
        `dayops demo: ${dbPath} has stacks that are not demo stacks (${names}${foreign.length > 5 ? ', ...' : ''}); the demo never writes into a real database: pick another path with --db`,
      );
    }
    const runIds = new RunsRepo(db).list({ limit: 1_000_000 }).map((r) => r.id);
    return { existed: true, runIds };
  } finally {
    db.close();
  }
}

function removeOld(dbPath: string, workspace: string, runIds: number[]): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  if (existsSync(join(workspace, DEMO_MARKER))) rmSync(workspace, { recursive: true, force: true });
  const root = runsRoot(dbPath);
  for (const id of runIds) rmSync(join(root, String(id)), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Made-up but realistic history

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const hex = (seed: string, n: number) => createHash('sha256').update(seed).digest('hex').slice(0, n);

interface Designed {
  stack: Stack;
  bp: Blueprint;
  /** Resource addresses of its generated code, in file order. */
  addresses: string[];
}

/** `resource "aws_vpc" "main"` blocks of the generated code. */
function addressesOf(files: { path: string; content: string }[]): string[] {
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
function change(address: string, action: ChangeAction, before?: unknown, after?: unknown): ResourceChange {
  const [type, ...rest] = address.split('.');
  const actions = action === 'replace' ? ['delete', 'create'] : [action];
  const c: ResourceChange = { address, action, actions, type, name: rest.join('.') };
  if (before !== undefined) c.before = before;
  if (after !== undefined) c.after = after;
  return c;
}

function plan(changes: ResourceChange[], drift: ResourceChange[] = []): PlanResult {
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
function insertRun(db: DB, d: Designed, r: PastRun, now: number): number {
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

function pick(addresses: string[], re: RegExp, fallback: number): string {
  return (
    addresses.find((a) => re.test(a)) ??
    addresses[Math.min(fallback, addresses.length - 1)] ??
    `null_resource.r${fallback}`
  );
}

/** An alert as Alertmanager would have sent it. */
function alert(
  stack: string,
  name: string,
  severity: string,
  startsAgoMin: number,
  now: number,
  extra: {
    labels?: Record<string, string>;
    summary: string;
    description: string;
    state?: AlertRecord['state'];
    silencedBy?: string[];
  },
): AlertRecord {
  const labels: Record<string, string> = { alertname: name, severity, stack, ...extra.labels };
  const startsAt = now - startsAgoMin * MIN;
  return {
    fingerprint: hex(JSON.stringify(labels), 16),
    alertname: name,
    severity,
    severityRank: severityRank(severity),
    state: extra.state ?? 'active',
    amState: extra.state && extra.state !== 'active' ? 'suppressed' : 'active',
    silencedBy: extra.silencedBy ?? [],
    inhibitedBy: [],
    labels,
    annotations: {
      summary: extra.summary,
      description: extra.description,
      runbook_url: `https://runbooks.example.com/${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
    },
    receivers: ['default'],
    startsAt,
    endsAt: now + 4 * MIN,
    updatedAt: now - 13 * MIN,
    generatorUrl: `http://prometheus.${stack}.internal:9090/graph?g0.expr=${encodeURIComponent(name)}`,
  };
}

function snapshots(
  stack: string,
  newestAgoMin: number,
  count: number,
  everyMin: number,
  now: number,
  paths: string[],
): Snapshot[] {
  const out: Snapshot[] = [];
  let parent: string | null = null;
  for (let i = count - 1; i >= 0; i--) {
    const time = now - (newestAgoMin + i * everyMin) * MIN;
    const id = hex(`${stack}:${time}`, 64);
    out.push({
      id,
      shortId: id.slice(0, 8),
      time,
      hostname: 'dayops',
      username: 'dayops',
      paths,
      tags: ['dayops', `stack:${stack}`],
      parent,
      tree: hex(`tree:${id}`, 64),
      programVersion: null,
      summary: null,
    });
    parent = id;
  }
  return out.reverse();
}

interface BackupScenario {
  snapshots: Snapshot[];
  fetchedAgoMin: number;
  backups?: { agoMin: number; ok: boolean; error?: string }[];
  restoreTests?: { agoMin: number; ok: boolean; error?: string }[];
}

function insertBackups(db: DB, stack: Stack, b: BackupScenario, now: number): void {
  const repo = new BackupsRepo(db);
  const sources = new SourcesRepo(db);
  for (const e of b.backups ?? []) {
    const id = repo.startEvent({
      stackId: stack.id,
      kind: 'backup',
      user: 'dayops',
      trigger: 'schedule',
      now: now - e.agoMin * MIN,
    });
    const snap = b.snapshots.find((s) => Math.abs(s.time - (now - e.agoMin * MIN)) < MIN);
    repo.finish(
      id,
      {
        ok: e.ok,
        snapshotId: e.ok ? (snap?.id ?? null) : null,
        error: e.error ?? null,
        detail: e.ok ? { filesNew: 0, filesChanged: 2, dataAdded: 18_432 } : undefined,
      },
      now - e.agoMin * MIN + 40_000,
    );
  }
  for (const e of b.restoreTests ?? []) {
    const id = repo.startEvent({
      stackId: stack.id,
      kind: 'verify',
      user: 'dayops',
      trigger: 'schedule',
      now: now - e.agoMin * MIN,
    });
    const snap = b.snapshots.find((s) => s.time <= now - e.agoMin * MIN);
    repo.finish(
      id,
      { ok: e.ok, snapshotId: snap?.id ?? null, error: e.error ?? null, detail: { files: 3, restored: e.ok } },
      now - e.agoMin * MIN + 95_000,
    );
  }
  repo.replaceSnapshots(stack.id, b.snapshots, now - b.fetchedAgoMin * MIN, () =>
    sources.recordOk(backupSourceKey(stack.name), now - b.fetchedAgoMin * MIN),
  );
}

function insertAlerts(db: DB, stack: Stack, alerts: AlertRecord[], fetchedAgoMin: number, now: number): void {
  const repo = new AlertsRepo(db);
  const sources = new SourcesRepo(db);
  const at = now - fetchedAgoMin * MIN;
  db.transaction(() => {
    repo.replace(stack.id, alerts, at);
    sources.recordOk(alertsSourceKey(stack.name), at);
  }).immediate();
}

/** A drift check run (proposed, purpose drift) whose plan holds the drift, recorded as a check. */
function driftCheck(
  db: DB,
  d: Designed,
  agoMin: number,
  now: number,
  drift: ResourceChange[],
  outcome: 'planned' | 'plan-failed' = 'planned',
  error?: { message: string; lines: string[] },
): number {
  const changes = drift.map((x) => ({
    ...change(x.address, x.action === 'create' ? 'delete' : 'update', x.after, x.before),
  }));
  const id = insertRun(
    db,
    d,
    {
      startedAgo: agoMin,
      kind: 'proposed',
      purpose: 'drift',
      outcome,
      user: 'dayops',
      trigger: 'schedule',
      plan: plan(changes, drift),
      error: error?.message,
      errorLines: error?.lines,
    },
    now,
  );
  recordDriftRun(db, id, now - agoMin * MIN + 90_000);
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// The stacks

/** The drift schedule of the demo designs (the Day-0 default). */
const DRIFT_SCHEDULE = '0 */6 * * *';

/**
 * Minutes ago for a drift check that should count as fresh: after the schedule's newest slot, so the dashboard
 * does not call it overdue (capped at `min`).
 */
function fresh(min: number, now: number): number {
  const slot = previousSlot(DRIFT_SCHEDULE, now);
  const since = slot === null ? min : (now - slot) / MIN;
  return Math.max(0.5, Math.min(min, since - 1));
}

interface Spec {
  name: string;
  cloud: Cloud;
  env: Environment;
  shows: string;
  fill(db: DB, d: Designed, now: number): void;
}

const APPROVE_SG = (addr: string): PolicyResult[] => [
  {
    name: 'no-ssh-rdp-from-internet',
    kind: 'deny',
    fired: true,
    source: 'default',
    message: `Close SSH/RDP to the internet: port 22 or 3389 is open to 0.0.0.0/0 or ::/0 in ["${addr}"]; allow only your VPN or bastion ranges (or use SSM, IAP or Azure Bastion)`,
  },
  {
    name: 'deletes-need-second-approver',
    kind: 'require_approvals',
    approvals: 2,
    fired: false,
    source: 'default',
    message: 'Get a second approver: this plan deletes or replaces …',
  },
];

const SPECS: Spec[] = [
  {
    name: 'shop-prod',
    cloud: 'aws',
    env: 'prod',
    shows: 'drifted 2 (1 more accepted), 1 critical and 2 warning alerts (1 acknowledged), backups on time',
    fill(db, d, now) {
      const a = d.addresses;
      const pool = pick(a, /node_group|node_pool/, 3);
      const sg = pick(a, /security_group|firewall/, 2);
      const bucket = pick(a, /aws_vpc\.|compute_network\.|virtual_network\./, 4);
      insertRun(
        db,
        d,
        {
          startedAgo: 3 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'alice',
          approvers: ['bob'],
          plan: plan(a.slice(0, 12).map((x) => change(x, 'create'))),
          comment: 'first deploy of the shop',
        },
        now,
      );
      insertRun(
        db,
        d,
        {
          startedAgo: 26 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'bob',
          approvers: ['alice'],
          plan: plan([
            change(
              pool,
              'update',
              { scaling_config: { desired_size: 3, max_size: 5 } },
              { scaling_config: { desired_size: 4, max_size: 6 } },
            ),
          ]),
          comment: 'more capacity for the sale',
        },
        now,
      );
      driftCheck(db, d, fresh(45, now), now, [
        change(pool, 'update', { scaling_config: { desired_size: 4 } }, { scaling_config: { desired_size: 7 } }),
        change(
          sg,
          'update',
          { ingress: [{ from_port: 443, cidr_blocks: ['0.0.0.0/0'] }] },
          {
            ingress: [
              { from_port: 443, cidr_blocks: ['0.0.0.0/0'] },
              { from_port: 8080, cidr_blocks: ['10.0.0.0/8'] },
            ],
          },
        ),
        change(bucket, 'update', { tags: { team: 'shop' } }, { tags: { team: 'shop', 'cost-center': 'cc-1042' } }),
      ]);
      acceptDrift(
        db,
        d.stack.id,
        bucket,
        'Tagged by the FinOps team; keep until the tagging policy is in the code',
        'alice',
        now - (fresh(45, now) / 2) * MIN,
      );
      const alerts = [
        alert('shop-prod', 'KubeNodeNotReady', 'critical', 38, now, {
          labels: {
            node: 'ip-10-0-3-17.eu-central-1.compute.internal',
            namespace: 'kube-system',
            instance: '10.0.3.17:9100',
          },
          summary: 'Node ip-10-0-3-17 has been unready for more than 15 minutes',
          description: 'The kubelet on ip-10-0-3-17 stopped posting its status; pods there are being evicted.',
        }),
        alert('shop-prod', 'HighRequestLatency', 'warning', 52, now, {
          labels: { service: 'checkout', namespace: 'shop', instance: '10.0.17.4:8080' },
          summary: 'checkout p95 latency is 412 ms (SLO: 300 ms)',
          description: 'The 95th percentile latency of checkout has been above 300 ms for 10 minutes.',
        }),
        alert('shop-prod', 'KubePodCrashLooping', 'warning', 95, now, {
          labels: { pod: 'cart-7d9f8b6c5d-x2l8q', namespace: 'shop', container: 'cart' },
          summary: 'Pod shop/cart-7d9f8b6c5d-x2l8q is crash looping',
          description: 'Container cart restarted 14 times in the last hour.',
        }),
      ];
      insertAlerts(db, d.stack, alerts, 12, now);
      acknowledge(db, d.stack, alerts[2].fingerprint, 'bob', 'looking at the cart OOMs', now - 60 * MIN);
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('shop-prod', 18, 24, 60, now, ['terraform.tfstate', 'dayops.yaml', 'blueprint.yaml']),
          fetchedAgoMin: 20,
          backups: [
            { agoMin: 78, ok: true },
            { agoMin: 18, ok: true },
          ],
          restoreTests: [{ agoMin: 2 * 24 * 60, ok: true }],
        },
        now,
      );
    },
  },
  {
    name: 'analytics-prod',
    cloud: 'gcp',
    env: 'prod',
    shows: 'in sync, a silenced warning and an info alert, backup late against its RPO, last restore test failed',
    fill(db, d, now) {
      const a = d.addresses;
      insertRun(
        db,
        d,
        {
          startedAgo: 30 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'carol',
          approvers: ['alice'],
          plan: plan(a.slice(0, 9).map((x) => change(x, 'create'))),
        },
        now,
      );
      driftCheck(db, d, fresh(130, now), now, []);
      const silenceId = `${hex('silence-analytics', 8)}-${hex('s1', 4)}-${hex('s2', 4)}-${hex('s3', 4)}-${hex('s4', 12)}`;
      insertAlerts(
        db,
        d.stack,
        [
          alert('analytics-prod', 'BigQuerySlotsExhausted', 'warning', 180, now, {
            labels: { project: 'analytics-prod', reservation: 'etl' },
            summary: 'The etl reservation used all its slots for 30 minutes',
            description: 'Queries queue behind the nightly backfill.',
            state: 'silenced',
            silencedBy: [silenceId],
          }),
          alert('analytics-prod', 'CertificateExpiresSoon', 'info', 2 * 24 * 60, now, {
            labels: { host: 'reports.example.com' },
            summary: 'The certificate of reports.example.com expires in 21 days',
            description: 'cert-manager will renew it 14 days before it expires.',
          }),
        ],
        12,
        now,
      );
      new AlertsRepo(db).addSilence({
        id: silenceId,
        stackId: d.stack.id,
        url: DEMO_ALERTMANAGER,
        matchers: [
          { name: 'alertname', value: 'BigQuerySlotsExhausted', isRegex: false, isEqual: true },
          { name: 'stack', value: 'analytics-prod', isRegex: false, isEqual: true },
        ],
        startsAt: now - 170 * MIN,
        endsAt: now + 10 * HOUR,
        createdBy: 'carol',
        comment: 'backfill until tonight, expected',
        kind: 'manual',
        scope: 'labels',
        fingerprint: null,
        runId: null,
        createdAt: now - 170 * MIN,
      });
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('analytics-prod', 190, 12, 60, now, [
            'terraform.tfstate',
            'dayops.yaml',
            'blueprint.yaml',
          ]),
          fetchedAgoMin: 20,
          backups: [
            { agoMin: 190, ok: true },
            {
              agoMin: 130,
              ok: false,
              error:
                'Fatal: unable to open repository at ./backups/restic: repository is already locked by PID 3114 on build-7',
            },
            {
              agoMin: 70,
              ok: false,
              error:
                'Fatal: unable to open repository at ./backups/restic: repository is already locked by PID 3114 on build-7',
            },
          ],
          restoreTests: [
            {
              agoMin: 6 * 24 * 60,
              ok: false,
              error: 'restore test: 1 of 3 files differs from the snapshot (terraform.tfstate)',
            },
          ],
        },
        now,
      );
    },
  },
  {
    name: 'identity-prod',
    cloud: 'azure',
    env: 'prod',
    shows: 'the last drift check failed (state lock), no alerts, backups on time',
    fill(db, d, now) {
      const a = d.addresses;
      insertRun(
        db,
        d,
        {
          startedAgo: 5 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'alice',
          approvers: ['bob'],
          plan: plan(a.slice(0, 8).map((x) => change(x, 'create'))),
        },
        now,
      );
      driftCheck(db, d, 24 * 60, now, []);
      driftCheck(db, d, 70, now, [], 'plan-failed', {
        message: 'plan failed: tofu plan exited 1',
        lines: [
          'Error: Error acquiring the state lock',
          '',
          'Error message: state blob is already locked',
          'Lock Info:',
          `  ID:        ${hex('lock', 8)}-${hex('lock2', 4)}`,
          '  Path:      tfstate/identity-prod.tfstate',
          '  Operation: OperationTypeApply',
          '  Who:       dave@laptop-17',
        ],
      });
      insertAlerts(db, d.stack, [], 8, now);
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('identity-prod', 12, 10, 60, now, [
            'terraform.tfstate',
            'dayops.yaml',
            'blueprint.yaml',
          ]),
          fetchedAgoMin: 20,
          backups: [{ agoMin: 12, ok: true }],
          restoreTests: [{ agoMin: 4 * 24 * 60, ok: true }],
        },
        now,
      );
    },
  },
  {
    name: 'shop-staging',
    cloud: 'aws',
    env: 'staging',
    shows: 'the last deploy failed during apply, drifted 3 (1 snoozed), a warning alert, no backup yet',
    fill(db, d, now) {
      const a = d.addresses;
      const pool = pick(a, /node_group/, 3);
      insertRun(
        db,
        d,
        {
          startedAgo: 2 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'bob',
          approvers: ['bob'],
          plan: plan(a.slice(0, 10).map((x) => change(x, 'create'))),
        },
        now,
      );
      insertRun(
        db,
        d,
        {
          startedAgo: 6 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'apply-failed',
          user: 'dave',
          approvers: ['dave'],
          plan: plan([
            change(
              pick(a, /subnet/, 1),
              'update',
              { tags: { tier: 'private' } },
              { tags: { tier: 'private', env: 'staging' } },
            ),
            change(pool, 'update', { instance_types: ['m6i.large'] }, { instance_types: ['m7i.large'] }),
          ]),
          failAt: pool,
          error: 'apply failed: tofu apply exited 1',
          errorLines: [
            `Error: updating EKS Node Group (${pool}): ResourceInUseException: Nodegroup cannot be updated as it is currently not in Active State`,
            '',
            `  with ${pool},`,
            '  on main.tf line 88, in resource "aws_eks_node_group" "system":',
          ],
        },
        now,
      );
      driftCheck(db, d, fresh(3 * 60, now), now, [
        change(
          pick(a, /security_group/, 2),
          'update',
          { description: 'cluster' },
          { description: 'cluster (edited in console)' },
        ),
        change(
          pick(a, /route_table|nat/, 5),
          'update',
          { tags: { Name: 'private' } },
          { tags: { Name: 'private-old' } },
        ),
        change(
          pick(a, /aws_eip|compute_address|public_ip/, 6),
          'update',
          { tags: { Name: 'nat' } },
          { tags: { Name: 'nat', owner: 'dave' } },
        ),
      ]);
      snoozeDrift(
        db,
        d.stack.id,
        pick(a, /aws_eip|compute_address|public_ip/, 6),
        now + 3 * DAY,
        'tagging convention under review (FIN-211)',
        'dave',
        now - 2 * HOUR,
      );
      insertAlerts(
        db,
        d.stack,
        [
          alert('shop-staging', 'KubeDeploymentReplicasMismatch', 'warning', 340, now, {
            labels: { deployment: 'checkout', namespace: 'shop' },
            summary: 'checkout has 1 of 3 replicas available',
            description: 'The node group update failed; pods are pending for want of nodes.',
          }),
        ],
        12,
        now,
      );
      insertBackups(
        db,
        d.stack,
        {
          snapshots: [],
          fetchedAgoMin: 20,
          backups: [
            {
              agoMin: 50,
              ok: false,
              error:
                'Fatal: repository does not exist: unable to open config file: stat ./backups/restic/config: no such file or directory',
            },
          ],
        },
        now,
      );
    },
  },
  {
    name: 'analytics-staging',
    cloud: 'gcp',
    env: 'staging',
    shows: 'the last deploy was denied by a policy (SSH open to the internet), an info alert, backups on time',
    fill(db, d, now) {
      const a = d.addresses;
      const fw = pick(a, /firewall/, 2);
      insertRun(
        db,
        d,
        {
          startedAgo: 3 * 24 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'carol',
          approvers: ['carol'],
          plan: plan(a.slice(0, 9).map((x) => change(x, 'create'))),
        },
        now,
      );
      const checked = fresh(5 * 60, now);
      driftCheck(db, d, checked, now, []);
      insertRun(
        db,
        d,
        {
          startedAgo: Math.min(35, checked / 2),
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'denied',
          user: 'erin',
          plan: plan([
            change(
              fw,
              'update',
              { source_ranges: ['10.8.0.0/16'], allow: [{ ports: ['443'] }] },
              { source_ranges: ['0.0.0.0/0'], allow: [{ ports: ['443', '22'] }] },
            ),
          ]),
          policies: APPROVE_SG(fw),
          error: `denied by policy: no-ssh-rdp-from-internet: port 22 is open to 0.0.0.0/0 in ${fw}`,
        },
        now,
      );
      insertAlerts(
        db,
        d.stack,
        [
          alert('analytics-staging', 'DataflowJobLagging', 'info', 25, now, {
            labels: { job: 'events-ingest' },
            summary: 'events-ingest is 4 minutes behind',
            description: 'System lag above 3 minutes.',
          }),
        ],
        12,
        now,
      );
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('analytics-staging', 9, 8, 60, now, [
            'terraform.tfstate',
            'dayops.yaml',
            'blueprint.yaml',
          ]),
          fetchedAgoMin: 20,
          backups: [{ agoMin: 9, ok: true }],
          restoreTests: [{ agoMin: 9 * 24 * 60, ok: true }],
        },
        now,
      );
    },
  },
  {
    name: 'shop-dev',
    cloud: 'aws',
    env: 'dev',
    shows: 'designed but never deployed or checked: drift unknown, no backup yet',
    fill() {
      /* a fresh design: only the Day-0 audit entry */
    },
  },
  {
    name: 'analytics-dev',
    cloud: 'gcp',
    env: 'dev',
    shows: 'in sync and quiet; a discarded run; backups on time, never restore-tested',
    fill(db, d, now) {
      const a = d.addresses;
      insertRun(
        db,
        d,
        {
          startedAgo: 8 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'applied',
          user: 'erin',
          approvers: ['erin'],
          plan: plan(a.slice(0, 9).map((x) => change(x, 'create'))),
        },
        now,
      );
      insertRun(
        db,
        d,
        {
          startedAgo: 4 * 60,
          kind: 'tracked',
          purpose: 'deploy',
          outcome: 'discarded',
          user: 'erin',
          approvers: ['erin'],
          comment: 'wrong branch',
          plan: plan([change(a[1] ?? a[0], 'delete')]),
        },
        now,
      );
      driftCheck(db, d, fresh(65, now), now, []);
      insertAlerts(db, d.stack, [], 12, now);
      insertBackups(
        db,
        d.stack,
        {
          snapshots: snapshots('analytics-dev', 22, 6, 60, now, ['terraform.tfstate', 'dayops.yaml', 'blueprint.yaml']),
          fetchedAgoMin: 20,
          backups: [{ agoMin: 22, ok: true }],
        },
        now,
      );
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// demo-local: the stack that really runs

const LOCAL_INFRA = {
  resources: [
    {
      type: 'local_file',
      name: 'motd',
      path: 'managed/motd.txt',
      content:
        'Welcome to the dayops demo.\nThis file is managed by the demo-local stack: edit it, then check for drift (D).\n',
    },
    {
      type: 'local_file',
      name: 'nginx_conf',
      path: 'managed/nginx.conf',
      content: 'server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n',
    },
    {
      type: 'local_file',
      name: 'app_env',
      path: 'managed/app.env',
      content: 'PORT=3000\nLOG_LEVEL=info\nFEATURE_NEW_CHECKOUT=false\n',
    },
    {
      type: 'local_file',
      name: 'cron_backup',
      path: 'managed/backup.cron',
      content: '0 * * * * dayops backup run demo-local\n',
    },
  ],
};

function onPath(cmd: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (existsSync(join(dir, cmd))) return true;
  }
  return false;
}

function localConfig(hasRestic: boolean): string {
  const root = packageRoot();
  const node = JSON.stringify(process.execPath);
  const lines = [
    '# The demo stack that really runs: its "infrastructure" is the files under managed/.',
    '# infra.json is the code, state.json what the last apply made; edit a file under managed/ to make drift.',
    'apiVersion: dayops/v1',
    'kind: Stack',
    `name: ${DEMO_LOCAL}`,
    'environment: dev',
    'tool: custom',
    'autoApply: false',
    'custom:',
    `  plan: [${node}, ${JSON.stringify(join(root, 'demo', 'stack', 'plan.mjs'))}]`,
    `  apply: [${node}, ${JSON.stringify(join(root, 'demo', 'stack', 'apply.mjs'))}]`,
    'drift:',
    '  autoRemediate: false',
  ];
  if (hasRestic) {
    lines.push(
      'backups:',
      '  repository: ./backups/restic',
      '  passwordFile: ./.restic-password   # made by dayops demo; never commit a real one',
      '  paths: [infra.json, state.json, managed]',
      '  retention: { last: 10 }',
      'rpoMinutes: 1440',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function makeLocal(db: DB, workspace: string, opts: DemoOptions, result: DemoResult): Promise<DemoStack> {
  const dir = join(workspace, 'stacks', DEMO_LOCAL);
  mkdirSync(dir, { recursive: true });
  const env = opts.env ?? process.env;
  const hasRestic = onPath('restic', env);
  writeFileSync(join(dir, 'infra.json'), `${JSON.stringify(LOCAL_INFRA, null, 2)}\n`);
  if (hasRestic) writeFileSync(join(dir, '.restic-password'), `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'dayops.yaml'), localConfig(hasRestic));
  writeFileSync(
    join(dir, 'README.md'),
    [
      '# demo-local',
      '',
      'A stack that really runs on this machine: `plan.mjs` and `apply.mjs` (shipped with dayops) manage the files',
      "listed in `infra.json` under `managed/`, report each change with dayops' custom-stack protocol",
      '(`dayops:change <action> <address>`), and keep what they applied in `state.json`.',
      '',
      '- Change `infra.json` and deploy (Day-1: `t`), or `dayops run demo-local`.',
      '- Edit a file under `managed/` by hand, then check for drift (Day-2: `D`) and remediate it (`r`).',
      '',
    ].join('\n'),
  );
  const stack = new StacksRepo(db).upsert({ name: DEMO_LOCAL, dir, tool: 'custom', environment: 'dev' });
  const shows: string[] = [];
  if (opts.runLocal !== false) {
    const runs = new RunService(db, {
      dbPath: opts.dbPath,
      user: opts.user,
      env: { ...env, DAYOPS_DEMO_DELAY_MS: '0' },
      handleSignals: false,
      recover: false,
    });
    try {
      opts.onProgress?.(
        `deploying ${DEMO_LOCAL} for real (node demo/stack/plan.mjs and apply.mjs), then checking it for drift`,
      );
      const deployId = await runs.start(DEMO_LOCAL, { autoApprove: true, trigger: 'cli', user: opts.user });
      const deployed = await runs.wait(deployId, 'terminal');
      result.local.deployRunId = deployId;
      if (deployed.state !== 'FINISHED')
        throw new Error(`its deploy (run ${deployId}) ended ${deployed.state}: ${deployed.error ?? ''}`);
      // Someone "fixes" the box by hand: reality drifts from the code.
      writeFileSync(join(dir, 'managed', 'app.env'), 'PORT=3000\nLOG_LEVEL=debug\nFEATURE_NEW_CHECKOUT=true\n');
      const check = await checkDrift(runs, db, DEMO_LOCAL, { trigger: 'cli', user: opts.user });
      result.local.driftRunId = check.runId;
      shows.push(
        check.status === 'drifted'
          ? `deployed here, then ${check.drifted} file edited by hand: drifted, ready to remediate (r)`
          : `deployed here (drift check: ${check.status})`,
      );
    } catch (err) {
      result.local.notes.push(`demo-local could not run here: ${errorMessage(err)}`);
      shows.push('could not run here (see the notes)');
    } finally {
      await runs.shutdown('demo made');
    }
  } else shows.push('never run yet: deploy it (Day-1 t, or dayops run demo-local)');
  if (hasRestic) {
    try {
      opts.onProgress?.(`backing up ${DEMO_LOCAL} with restic (a real repository in its folder)`);
      const b = await runBackup(db, stack, { user: opts.user, trigger: 'cli', env });
      result.local.snapshot = b.shortId;
      shows.push(`real restic snapshot ${b.shortId}`);
    } catch (err) {
      result.local.notes.push(`restic backup of demo-local failed: ${errorMessage(err).split('\n')[0]}`);
    }
  } else {
    result.local.notes.push(
      'restic is not installed: demo-local has no backups (install restic and run dayops demo again)',
    );
  }
  return { name: DEMO_LOCAL, environment: 'dev', tool: 'custom', dir, shows: shows.join('; ') };
}

// ---------------------------------------------------------------------------------------------------------------

/** Make (or remake) the demo. Throws UserError when the database or folder is not the demo's. */
export async function createDemo(opts: DemoOptions): Promise<DemoResult> {
  const dbPath = resolve(opts.dbPath);
  const workspace = demoWorkspace(dbPath);
  const { existed, runIds } = checkReplaceable(dbPath, workspace);
  removeOld(dbPath, workspace, runIds);
  mkdirSync(join(workspace, 'stacks'), { recursive: true });
  writeFileSync(
    join(workspace, DEMO_MARKER),
    'This folder was made by `dayops demo` and is replaced when it runs again.\n',
  );
  const now = opts.now ?? Date.now();
  const result: DemoResult = {
    dbPath,
    workspace,
    replaced: existed,
    stacks: [],
    local: { deployRunId: null, driftRunId: null, snapshot: null, notes: [] },
    openCommand: `dayops --db ${dbPath}`,
  };
  const db = openDatabase(dbPath);
  try {
    const drift = new DriftRepo(db);
    for (const spec of SPECS) {
      const bp = defaultBlueprint(spec.cloud, spec.name, spec.env);
      bp.metadata.owner = spec.name.startsWith('shop')
        ? 'shop-team'
        : spec.name.startsWith('analytics')
          ? 'data-team'
          : 'platform-team';
      bp.metadata.description = `dayops demo: ${spec.shows}`;
      bp.day2.alerting.alertmanagerUrl = DEMO_ALERTMANAGER;
      opts.onProgress?.(`designing ${spec.name} (${spec.env}, ${spec.cloud}) and its history`);
      const r = designStack(db, bp, join(workspace, 'stacks', spec.name), { user: 'alice' });
      if (!r.stack) {
        const why =
          r.findings.filter((f) => f.severity === 'error').map((f) => f.message)[0] ??
          `refused files ${r.refused.join(', ')}`;
        throw new Error(`the demo design of ${spec.name} was not written: ${why}`);
      }
      const d: Designed = { stack: r.stack, bp, addresses: addressesOf(r.files) };
      spec.fill(db, d, now);
      // The schedules in its dayops.yaml start from now, so opening the demo does not run every job at once.
      for (const job of ['drift', 'backup', 'restore-test'] as const) {
        drift.recordScheduleRun({ stackId: r.stack.id, job, lastRunAt: now, finishedAt: now, ok: true, error: null });
      }
      result.stacks.push({
        name: spec.name,
        environment: spec.env,
        tool: r.stack.tool,
        dir: r.stack.dir,
        shows: spec.shows,
      });
    }
    result.stacks.push(await makeLocal(db, workspace, opts, result));
  } finally {
    db.close();
  }
  return result;
}

/** The demo's files shipped with dayops (a fresh checkout or install must have them). */
export function demoAssetsPresent(): boolean {
  const dir = join(packageRoot(), 'demo', 'stack');
  return ['plan.mjs', 'apply.mjs', 'lib.mjs'].every((f) => existsSync(join(dir, f)));
}
