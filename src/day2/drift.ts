/**
 * Day-2 drift: a drift check is a proposed run of the Day-1 engine (purpose `drift`: plan only, never applied),
 * whose plan says how the real infrastructure differs from the code.
 *
 * What counts as drift (one row per resource address):
 * - OpenTofu/Terraform: `resource_drift` (changes made outside the tool since the last apply) PLUS the planned
 *   changes (what applying the code would do to the real infrastructure now). The planned changes count because
 *   a drift check plans the committed code against reality: when the code did not change, every planned change
 *   is a difference made outside the tool (Terraform reports some of them only as planned changes); when the code
 *   did change and was not applied, reality differs from the code all the same. `source` tells them apart:
 *   `drift` (resource_drift only), `plan` (planned only), `both`. Reads and no-ops never count.
 * - Ansible: the check-mode changes (`host: task`, with the diff): for Ansible they ARE the drift.
 * - Custom stacks: `dayops:drift` lines and `dayops:change` lines, the same way as Terraform.
 *
 * Each resource gets a fingerprint (hash of its address and what differs). Triage is per stack and address:
 * `acceptDrift` holds while the fingerprint stays the one accepted (a further change shows it again),
 * `snoozeDrift` holds until a time, `clearTriage` takes either back. The dashboard's `drifted` counts the open
 * ones (neither accepted nor snoozed); `dayops drift` exits 2 only for open drift.
 *
 * A check whose tool fails is `failed` with the error; the figures of the last good check stay readable and are
 * shown as stale (the summary's `resultAt`, a check result's `fetchedAt`, say how old they are): a failure never
 * makes known drift disappear. Remediation is a tracked run (purpose `remediation`) that goes
 * through the usual plan, policies and approval; `drift.autoRemediate: true` starts it after a drifted check,
 * but it always stops for an approval (never auto-applied, whatever `autoApply` says).
 */
import { runKindName } from '../domain/run-words.js';
import { createHash } from 'node:crypto';
import { type DriftCheckRecord, type DriftSource, type ResourceWithTriage, type TriageRecord } from '../db/drift.js';
import type { DB } from '../db/open.js';
import { repos } from '../db/repos.js';
import type { RunService } from '../day1/runs.js';
import { isTerminal, type RunTrigger } from '../day1/runner/state.js';
import type { ChangeAction, PlanResult, ResourceChange } from '../domain/plan.js';
import type { Stack } from '../domain/stack.js';
import { errorMessage, UserError } from '../errors.js';
import { stackConfigOf } from './configs.js';

export type { DriftCheckRecord, TriageRecord } from '../db/drift.js';

export type DriftStatus = 'in_sync' | 'drifted' | 'unknown' | 'checking' | 'failed';

/** One side of a difference as the tool reported it. */
export interface ChangeDetail {
  action: ChangeAction;
  actions: string[];
  before?: unknown;
  after?: unknown;
  reason?: string;
}

/** One field that differs, for display (`input.size: "small" -> "medium"`). */
export interface FieldDiff {
  path: string;
  before: unknown;
  after: unknown;
}

/** What differs for one resource. */
export interface DriftDetail {
  /** What changed outside the tool (Terraform's resource_drift, custom `dayops:drift`). */
  drift?: ChangeDetail;
  /** What applying the code would do now (planned change; Ansible's check-mode change). */
  plan?: ChangeDetail;
  /** Ansible: the unified diff of the check-mode change. */
  diff?: string;
  host?: string;
  task?: string;
  /** Field-level differences of the drift (else of the plan), at most 50; absent when values are unknown. */
  fields?: FieldDiff[];
}

/** A resource as a check found it, before triage. */
export interface FoundDrift {
  address: string;
  /** The change made outside the tool when known (resource_drift), else the planned action. */
  action: ChangeAction;
  source: DriftSource;
  detail: DriftDetail;
  fingerprint: string;
}

export type TriageState = 'open' | 'accepted' | 'snoozed';

export interface DriftTriage {
  state: TriageState;
  /** The triage row in force (accepted/snoozed), or the last one that lapsed. */
  note: string | null;
  user: string | null;
  at: number | null;
  /** Snoozed until. */
  until: number | null;
  /** Why an earlier triage no longer holds: the resource changed again since it was accepted, or the snooze ended. */
  lapsed?: 'changed' | 'expired';
}

export interface DriftedResource extends FoundDrift {
  triage: DriftTriage;
}

export interface DriftSummary {
  stackId: number;
  status: DriftStatus;
  /** Open drift (neither accepted nor snoozed) in the last good check. */
  drifted: number;
  accepted: number;
  snoozed: number;
  /** Every resource that differs in the last good check. */
  total: number;
  /** When the newest check finished (started, while it is checking); null if never checked. */
  checkedAt: number | null;
  /** When the figures were computed: the last good (in_sync/drifted) check; null if none. */
  resultAt: number | null;
  /** The newest check's id and run. */
  checkId: number | null;
  runId: number | null;
  /** The newest check's error when it failed. */
  error: string | null;
}

export interface DriftCheckOptions {
  trigger?: RunTrigger;
  /** Who triggered it (default the run service's user). */
  user?: string;
  /** Stop waiting (the run itself is left to the run service, which cancels it when it shuts down). */
  signal?: AbortSignal;
  /** The clock for the stored times (default Date.now). */
  now?: () => number;
  /** Override `drift.autoRemediate` of dayops.yaml. */
  autoRemediate?: boolean;
}

export interface RemediationOutcome {
  /** The remediation run started, when one was. */
  runId?: number;
  /** Its state once settled (UNCONFIRMED: waiting for approval). */
  state?: string;
  /** Why none was started (read-only, a tracked run already pending, start failed). */
  skipped?: string;
}

export interface DriftCheckResult {
  checkId: number;
  runId: number | null;
  stackId: number;
  stack: string;
  /** `checking` only when the wait was aborted. */
  status: 'in_sync' | 'drifted' | 'failed' | 'checking';
  /** Open drift (neither accepted nor snoozed). */
  drifted: number;
  /** Everything that differs, with its triage (for a failed check: empty). */
  resources: DriftedResource[];
  error: string | null;
  checkedAt: number;
  /**
   * The figures are not this check's: it failed (or was not waited for), and `drifted`/`resources` are those of
   * the last good check, computed at `fetchedAt` (null: never checked successfully, nothing known).
   */
  stale?: boolean;
  /** When the figures were computed: this check, or the last good one when this one failed. */
  fetchedAt?: number | null;
  /** With drift.autoRemediate: what happened. */
  remediation?: RemediationOutcome;
}

// ---------------------------------------------------------------------------------------------------------------
// From a plan to the drifted resources

/** JSON with object keys sorted, so equal values always give the same text. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const keys = Object.keys(v as Record<string, unknown>)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * A diff without its file header lines: Ansible names the new side after a temporary file that changes on every
 * run (`+++ after: ~/.ansible/tmp/ansible-local-.../tmpXXXX`), which must not make the same drift look new.
 */
export function diffBody(diff: string): string {
  return diff
    .split('\n')
    .filter((l) => !/^(---|\+\+\+) (before|after)\b/.test(l) && !/^={10,}$/.test(l) && !/^Index: /.test(l))
    .join('\n');
}

/** Hash of the address and what differs (not the display-only fields, nor the diff's file headers). */
export function driftFingerprint(address: string, detail: DriftDetail): string {
  const what = {
    drift: detail.drift
      ? { action: detail.drift.action, before: detail.drift.before, after: detail.drift.after }
      : undefined,
    plan: detail.plan
      ? { action: detail.plan.action, before: detail.plan.before, after: detail.plan.after }
      : undefined,
    diff: detail.diff === undefined ? undefined : diffBody(detail.diff),
  };
  return createHash('sha256')
    .update(`${address}\n${stableJson(what)}`)
    .digest('hex')
    .slice(0, 32);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The leaves that differ between two values, at most `limit`: objects walked by key, and arrays walked too, so a
 * security group's `ingress` shows the rule added or the CIDR changed rather than two long JSON lists. Elements
 * equal on both sides are set aside first (a rule inserted at the top is one added element, not every rule
 * changed); what remains is compared position by position, the rest listed as added (`null ->`) or removed.
 */
export function fieldDiffs(before: unknown, after: unknown, limit = 50): FieldDiff[] {
  const out: FieldDiff[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= limit) return;
    if (isObj(a) && isObj(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (stableJson(a) === stableJson(b)) return;
      const left = unmatched(a, b);
      const right = unmatched(b, a);
      for (let i = 0; i < Math.max(left.length, right.length); i++) {
        const l = left[i];
        const r = right[i];
        const at = `${path || '(value)'}[${(r ?? l)!.index}]`;
        if (l && r) walk(l.value, r.value, at);
        else if (out.length < limit) out.push({ path: at, before: l?.value ?? null, after: r?.value ?? null });
      }
      return;
    }
    if (stableJson(a) !== stableJson(b)) out.push({ path: path || '(value)', before: a ?? null, after: b ?? null });
  };
  walk(before, after, '');
  return out;
}

/** The elements of `xs` (with their index) that have no equal element left in `ys`, each equal one used once. */
function unmatched(xs: unknown[], ys: unknown[]): { index: number; value: unknown }[] {
  const pool = new Map<string, number>();
  for (const y of ys) pool.set(stableJson(y), (pool.get(stableJson(y)) ?? 0) + 1);
  const out: { index: number; value: unknown }[] = [];
  xs.forEach((x, index) => {
    const k = stableJson(x);
    const n = pool.get(k) ?? 0;
    if (n > 0) pool.set(k, n - 1);
    else out.push({ index, value: x });
  });
  return out;
}

const counts = (c: ResourceChange) => c.action !== 'no-op' && c.action !== 'read';

function changeDetail(c: ResourceChange): ChangeDetail {
  const d: ChangeDetail = { action: c.action, actions: c.actions };
  if (c.before !== undefined) d.before = c.before;
  if (c.after !== undefined) d.after = c.after;
  if (c.reason) d.reason = c.reason;
  return d;
}

/** Address made unique: a second `web1: Ensure file` becomes `web1: Ensure file (2)`. */
function uniqueAddress(seen: Map<string, number>, address: string): string {
  const n = (seen.get(address) ?? 0) + 1;
  seen.set(address, n);
  return n === 1 ? address : `${address} (${n})`;
}

/** The drifted resources of a drift run's plan (see the module comment for what counts). */
export function driftFromPlan(plan: Pick<PlanResult, 'changes' | 'drift'>): FoundDrift[] {
  const byAddress = new Map<string, DriftDetail>();
  const order: string[] = [];
  const seenDrift = new Map<string, number>();
  const seenPlan = new Map<string, number>();
  for (const c of (plan.drift ?? []).filter(counts)) {
    const address = uniqueAddress(seenDrift, c.address);
    if (!byAddress.has(address)) order.push(address);
    byAddress.set(address, { ...byAddress.get(address), drift: changeDetail(c) });
  }
  for (const c of (plan.changes ?? []).filter(counts)) {
    const address = uniqueAddress(seenPlan, c.address);
    if (!byAddress.has(address)) order.push(address);
    const d: DriftDetail = { ...byAddress.get(address), plan: changeDetail(c) };
    if (c.diff) d.diff = c.diff;
    if (c.host) d.host = c.host;
    if (c.task) d.task = c.task;
    byAddress.set(address, d);
  }
  return order.map((address) => {
    const detail = byAddress.get(address)!;
    const main = detail.drift ?? detail.plan!;
    if (main.before !== undefined || main.after !== undefined) {
      const fields = fieldDiffs(main.before, main.after);
      if (fields.length) detail.fields = fields;
    }
    return {
      address,
      action: main.action,
      source: detail.drift && detail.plan ? 'both' : detail.drift ? 'drift' : 'plan',
      detail,
      fingerprint: driftFingerprint(address, detail),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Recording checks

/**
 * Record the outcome of a finished drift run (idempotent): finishes its `checking` check, or creates the check
 * when the run was started without `checkDrift` (the run engine's end hook calls this). Returns the check, or
 * undefined when the run is not a drift run or has not ended.
 */
export function recordDriftRun(db: DB, runId: number, now: number = Date.now()): DriftCheckRecord | undefined {
  const { drift, runs } = repos(db);
  const run = runs.detail(runId);
  if (!run || run.purpose !== 'drift' || !isTerminal(run.state)) return undefined;
  let check = drift.byRunId(runId);
  if (!check) {
    const id = drift.startCheck({
      stackId: run.stackId,
      runId,
      trigger: run.trigger,
      triggeredBy: run.triggeredBy,
      now: run.createdAt,
    });
    check = drift.get(drift.attachRun(id, runId))!;
  }
  if (check.status !== 'checking') return check;
  const at = run.finishedAt ?? now;
  if ((run.state === 'FINISHED' || run.state === 'POLICY_DENIED') && run.plan) {
    const found = driftFromPlan(run.plan);
    drift.finish(check.id, {
      status: found.length ? 'drifted' : 'in_sync',
      resources: found.map((f) => ({
        address: f.address,
        action: f.action,
        source: f.source,
        detail: f.detail,
        fingerprint: f.fingerprint,
      })),
      now: at,
    });
  } else {
    const error =
      run.state === 'FINISHED' ? 'the drift run stored no plan' : (run.error ?? `the drift run ended ${run.state}`);
    drift.finish(check.id, { status: 'failed', error, now: at });
  }
  return drift.get(check.id);
}

/**
 * Finish checks left `checking` by a dayops that stopped: from their run when it ended, else (no run after a
 * minute, or a run that will never end here) as failed. Returns how many were finished.
 */
export function reconcileDriftChecks(db: DB, now: number = Date.now()): number {
  const { drift, runs } = repos(db);
  let n = 0;
  for (const c of drift.open()) {
    if (c.runId === null) {
      if (
        now - c.startedAt > 60_000 &&
        drift.finish(c.id, { status: 'failed', error: 'interrupted: dayops stopped before the check started', now })
      )
        n++;
      continue;
    }
    const run = runs.get(c.runId);
    if (!run) {
      if (drift.finish(c.id, { status: 'failed', error: `its run ${c.runId} is gone`, now })) n++;
    } else if (isTerminal(run.state)) {
      recordDriftRun(db, c.runId, now);
      n++;
    }
  }
  return n;
}

function resolveStack(db: DB, stack: Stack | string | number): Stack {
  const { stacks } = repos(db);
  const s = typeof stack === 'string' ? stacks.get(stack) : typeof stack === 'number' ? stacks.getById(stack) : stack;
  if (!s) throw new UserError(`no stack named "${String(stack)}"; \`dayops stack list\` shows the registered stacks`);
  return s;
}

function waitOrAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Check a stack for drift now: a proposed run (purpose `drift`) through the run service, which queues it behind
 * any run working in the stack's folder. Waits for it, stores the check and what drifted, and (with
 * `drift.autoRemediate: true`) starts a remediation run that stops for approval. A tool failure gives a `failed`
 * check (never a throw); throws UserError only for an unknown stack or a run service that is shutting down.
 */
export async function checkDrift(
  runs: RunService,
  db: DB,
  stack: Stack | string,
  opts: DriftCheckOptions = {},
): Promise<DriftCheckResult> {
  const clock = opts.now ?? Date.now;
  const s = resolveStack(db, stack);
  const { drift } = repos(db);
  const user = opts.user ?? runs.user;
  const trigger = opts.trigger ?? 'tui';
  let checkId = drift.startCheck({ stackId: s.id, trigger, triggeredBy: user, now: clock() });
  let runId: number;
  try {
    runId = await runs.start(s.name, { planOnly: true, purpose: 'drift', trigger, user });
  } catch (err) {
    drift.finish(checkId, { status: 'failed', error: errorMessage(err), now: clock() });
    throw err;
  }
  checkId = drift.attachRun(checkId, runId);
  const settled = await waitOrAbort(runs.wait(runId, 'terminal'), opts.signal);
  const base = { checkId, runId, stackId: s.id, stack: s.name };
  if (!settled) {
    return {
      ...base,
      status: 'checking',
      error: 'stopped waiting for the drift run',
      checkedAt: clock(),
      ...lastKnown(db, s.id, clock()),
    };
  }
  const check = recordDriftRun(db, runId, clock()) ?? drift.get(checkId)!;
  const now = clock();
  if (check.status === 'failed' || check.status === 'checking') {
    // The check failed: what the last good check found still holds as far as anyone knows; shown as stale.
    return {
      ...base,
      status: check.status,
      error: check.error,
      checkedAt: check.finishedAt ?? now,
      ...lastKnown(db, s.id, now),
    };
  }
  const resources = triaged(drift.resourcesTriaged(s.id, check.id), now);
  const open = resources.filter((r) => r.triage.state === 'open').length;
  const result: DriftCheckResult = {
    ...base,
    status: check.status,
    drifted: open,
    resources,
    error: null,
    checkedAt: check.finishedAt ?? now,
    stale: false,
    fetchedAt: check.finishedAt ?? now,
  };
  const auto = opts.autoRemediate ?? stackConfigOf(s.dir).config?.drift?.autoRemediate ?? false;
  if (auto && open > 0) result.remediation = await autoRemediate(runs, db, s, user, clock, opts.signal);
  return result;
}

/** The figures of a stack's last good check, for a check that failed: never hide what is known. */
function lastKnown(
  db: DB,
  stackId: number,
  now: number,
): Pick<DriftCheckResult, 'drifted' | 'resources' | 'stale' | 'fetchedAt'> {
  const result = repos(db).drift.lastResult(stackId);
  const resources = result ? driftedResources(db, stackId, now) : [];
  return {
    drifted: resources.filter((r) => r.triage.state === 'open').length,
    resources,
    stale: true,
    fetchedAt: result ? (result.finishedAt ?? result.startedAt) : null,
  };
}

async function autoRemediate(
  runs: RunService,
  db: DB,
  stack: Stack,
  user: string,
  clock: () => number,
  signal?: AbortSignal,
): Promise<RemediationOutcome> {
  const { drift, runs: runsRepo } = repos(db);
  const note = (skipped: string): RemediationOutcome => {
    drift.auditEntry({
      at: clock(),
      user,
      action: 'drift-auto-remediate',
      stackId: stack.id,
      comment: `not started: ${skipped}`,
    });
    return { skipped };
  };
  if (runs.readonly) return note('dayops is read-only (--readonly)');
  const pending = runsRepo.live().find((r) => r.stackId === stack.id && r.kind === 'tracked');
  if (pending)
    return note(`run ${pending.id} (${runKindName(pending)}, ${pending.state}) is already pending for the stack`);
  let runId: number;
  try {
    runId = await runs.start(stack.name, {
      purpose: 'remediation',
      trigger: 'auto-remediate',
      user,
      requireApproval: true,
    });
  } catch (err) {
    return note(errorMessage(err));
  }
  drift.auditEntry({
    at: clock(),
    user,
    action: 'drift-auto-remediate',
    stackId: stack.id,
    runId,
    comment: 'drift.autoRemediate: true; waits for approval',
  });
  const settled = await waitOrAbort(runs.wait(runId, 'settled'), signal);
  return { runId, state: settled?.state ?? runs.get(runId)?.state };
}

export interface RemediateOptions {
  trigger?: RunTrigger;
  comment?: string;
}

/**
 * Start the remediation of a stack's drift: a tracked run (purpose `remediation`) that plans the code against the
 * real infrastructure and goes through the usual policies and approval. Returns its id (follow it with
 * `runs.wait`). Refused (UserError) in read-only mode.
 */
export async function remediate(
  runs: RunService,
  db: DB,
  stack: Stack | string,
  user: string,
  opts: RemediateOptions = {},
): Promise<number> {
  const s = resolveStack(db, stack);
  if (runs.readonly)
    throw new UserError('readonly mode (--readonly): remediating drift applies changes and is not allowed');
  const runId = await runs.start(s.name, { purpose: 'remediation', trigger: opts.trigger ?? 'tui', user });
  repos(db).drift.auditEntry({
    at: Date.now(),
    user,
    action: 'drift-remediate',
    stackId: s.id,
    runId,
    comment: opts.comment ?? null,
  });
  return runId;
}

// ---------------------------------------------------------------------------------------------------------------
// Triage

function currentResource(db: DB, stackId: number, address: string): FoundDrift & { checkId: number } {
  const { drift } = repos(db);
  const result = drift.lastResult(stackId);
  const r = result ? drift.resources(result.id).find((x) => x.address === address) : undefined;
  if (!result || !r) {
    throw new UserError(`${address} is not drifted in the last drift check of this stack; nothing to triage`);
  }
  return {
    address: r.address,
    action: r.action as ChangeAction,
    source: r.source,
    detail: r.detail as DriftDetail,
    fingerprint: r.fingerprint,
    checkId: result.id,
  };
}

/**
 * Accept a drifted resource as it is now (with a note): it shows as accepted, not drifted, until its fingerprint
 * changes again. Written to the audit log (`drift-accept`).
 */
export function acceptDrift(
  db: DB,
  stackId: number,
  address: string,
  note: string,
  user: string,
  now: number = Date.now(),
): TriageRecord {
  const r = currentResource(db, stackId, address);
  return repos(db).drift.addTriage(
    {
      stackId,
      address,
      fingerprint: r.fingerprint,
      kind: 'accepted',
      note: note.trim() || null,
      until: null,
      user,
      at: now,
    },
    { action: 'drift-accept', detail: { address, fingerprint: r.fingerprint, action: r.action, checkId: r.checkId } },
  );
}

/** Snooze a drifted resource until a time (epoch ms). Written to the audit log (`drift-snooze`). */
export function snoozeDrift(
  db: DB,
  stackId: number,
  address: string,
  until: number,
  note: string,
  user: string,
  now: number = Date.now(),
): TriageRecord {
  if (!Number.isFinite(until) || until <= now) throw new UserError('a snooze needs a time in the future');
  const r = currentResource(db, stackId, address);
  return repos(db).drift.addTriage(
    { stackId, address, fingerprint: r.fingerprint, kind: 'snoozed', note: note.trim() || null, until, user, at: now },
    {
      action: 'drift-snooze',
      detail: { address, fingerprint: r.fingerprint, until: new Date(until).toISOString(), checkId: r.checkId },
    },
  );
}

/** Take back an accept or a snooze: the resource is open drift again. Audit log `drift-clear`. */
export function clearTriage(
  db: DB,
  stackId: number,
  address: string,
  user: string,
  note = '',
  now: number = Date.now(),
): TriageRecord {
  const { drift } = repos(db);
  const last = drift.latestTriageOf(stackId, address);
  if (!last || last.kind === 'cleared') throw new UserError(`${address} is neither accepted nor snoozed`);
  return drift.addTriage(
    {
      stackId,
      address,
      fingerprint: last.fingerprint,
      kind: 'cleared',
      note: note.trim() || null,
      until: null,
      user,
      at: now,
    },
    { action: 'drift-clear', detail: { address, was: last.kind } },
  );
}

/** The triage in force for a resource with this fingerprint, given its newest triage row. */
export function triageOf(fingerprint: string, t: TriageRecord | null, now: number): DriftTriage {
  if (!t || t.kind === 'cleared') return { state: 'open', note: null, user: null, at: null, until: null };
  const base = { note: t.note, user: t.user, at: t.at, until: t.until };
  if (t.kind === 'accepted')
    return t.fingerprint === fingerprint
      ? { state: 'accepted', ...base }
      : { state: 'open', ...base, lapsed: 'changed' };
  return t.until !== null && t.until > now
    ? { state: 'snoozed', ...base }
    : { state: 'open', ...base, lapsed: 'expired' };
}

function triaged(rows: ResourceWithTriage[], now: number): DriftedResource[] {
  return rows.map((r) => ({
    address: r.address,
    action: r.action as ChangeAction,
    source: r.source,
    detail: (r.detail ?? {}) as DriftDetail,
    fingerprint: r.fingerprint,
    triage: triageOf(r.fingerprint, r.triage, now),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** Every stack's drift, from one query: Map by stack id (every registered stack is present). */
export function driftSummaries(db: DB, now: number = Date.now()): Map<number, DriftSummary> {
  const out = new Map<number, DriftSummary>();
  for (const r of repos(db).drift.summaries(now)) {
    let status: DriftStatus;
    let error: string | null = null;
    const open = r.total - r.accepted - r.snoozed;
    if (r.lastStatus === null) status = 'unknown';
    else if (r.lastStatus === 'checking') {
      // A check whose run ended without it being recorded (dayops stopped): failed until reconciled.
      if (r.lastRunState !== null && isTerminal(r.lastRunState)) {
        status = 'failed';
        error = `the drift run ended ${r.lastRunState} before its check was recorded`;
      } else status = 'checking';
    } else if (r.lastStatus === 'failed') {
      status = 'failed';
      error = r.lastError;
    } else status = open > 0 ? 'drifted' : 'in_sync';
    out.set(r.stackId, {
      stackId: r.stackId,
      status,
      drifted: open,
      accepted: r.accepted,
      snoozed: r.snoozed,
      total: r.total,
      checkedAt: r.lastStatus === 'checking' ? r.lastStartedAt : r.lastFinishedAt,
      resultAt: r.resultAt,
      checkId: r.lastId,
      runId: r.lastRunId,
      error,
    });
  }
  return out;
}

/**
 * The resources of a stack's last good drift check with their triage (open first, then snoozed, then accepted;
 * by address within). Empty when the stack was never checked successfully.
 */
export function driftedResources(db: DB, stackId: number, now: number = Date.now()): DriftedResource[] {
  const { drift } = repos(db);
  const result = drift.lastResult(stackId);
  if (!result) return [];
  const rank: Record<TriageState, number> = { open: 0, snoozed: 1, accepted: 2 };
  return triaged(drift.resourcesTriaged(stackId, result.id), now).sort(
    (a, b) => rank[a.triage.state] - rank[b.triage.state] || a.address.localeCompare(b.address),
  );
}

/** A stack's checks, newest first (the dashboard's history of a stack). */
export function driftHistory(db: DB, stackId: number, limit = 50): DriftCheckRecord[] {
  return repos(db).drift.history(stackId, limit);
}

/** One line about a resource for tables and logs: `~ terraform_data.web (input.size: "small" -> "medium")`. */
export function describeDrift(r: FoundDrift): string {
  const sign: Partial<Record<ChangeAction, string>> = {
    create: '+',
    update: '~',
    replace: '-/+',
    delete: '-',
    move: '->',
  };
  const f = r.detail.fields
    ?.slice(0, 2)
    .map((x) => `${x.path}: ${JSON.stringify(x.before)} -> ${JSON.stringify(x.after)}`);
  const why = f?.length ? ` (${f.join(', ')}${(r.detail.fields?.length ?? 0) > 2 ? ', ...' : ''})` : '';
  return `${sign[r.action] ?? r.action} ${r.address}${why}`;
}
