/** The runs repository: every state change a compare-and-set in one `BEGIN IMMEDIATE` transaction. */
import type { DB } from '../open.js';
import { dataVersion, dialect, isTeamDb } from '../engine.js';
import { AuditRepo, type AuditAction } from '../audit.js';
import { ChecksRepo } from '../checks.js';
import type { ApplyResult, Diagnostic, PlanResult } from '../../domain/plan.js';
import type { PolicyResult } from '../../domain/policies.js';
import { TERMINAL_STATES, nextState, type RunEvent, type RunKind, type RunState } from '../../day1/runner/state.js';
import { applyBlocker, startBlocker, type LiveRunInfo } from '../../day1/runner/queue.js';
import { SELECT_RUN, TERMINAL_SQL, parse, toRecord, type DetailRow, type Row } from './rows.js';
import {
  type Approval,
  type ApprovalResult,
  type NewRun,
  type PhaseStarts,
  type RunDetail,
  type RunOwner,
  type RunPatch,
  type RunRecord,
  type StartResult,
} from './types.js';

export interface ListRunsOptions {
  /** Only this stack's runs (by name). */
  stack?: string;
  /** Runs with an id below this (paging back). */
  before?: number;
  limit?: number;
}

export class RunsRepo {
  private readonly audit: AuditRepo;
  private readonly checks: ChecksRepo;
  private readonly insertRun;
  private readonly insertTransition;
  private readonly byId;
  private readonly detailCols;
  private readonly listAll;
  private readonly listStack;
  private readonly liveAll;
  private readonly liveOfStack;
  private readonly transitionsOf;
  private readonly approvalsOf;
  private readonly insertApproval;
  private readonly approvalOf;
  private readonly setToolStmt;
  private readonly requestCancelStmt;
  private readonly cancelFlags;
  private readonly token;
  private readonly patchStatements = new Map<string, ReturnType<DB['prepare']>>();
  private readonly remoteQueue;
  private readonly renewStmt;
  private readonly heldStmt;
  /**
   * How long an owner's lease lasts (team mode, workers): every change of owner sets `lease_expires_at` to now plus
   * this; undefined: no lease is kept (a SQLite file's local runs: pid liveness decides).
   */
  private leaseMs: number | undefined;

  constructor(private readonly db: DB) {
    this.audit = new AuditRepo(db);
    this.checks = new ChecksRepo(db);
    this.insertRun = db.prepare(
      `INSERT INTO runs (stack_id, kind, purpose, state, triggered_by, trigger, auto_apply, owner_host, owner_pid, owner_start,
         created_at, updated_at, remote, lease_expires_at)
       VALUES (@stackId, @kind, @purpose, 'QUEUED', @triggeredBy, @trigger, @autoApply, @host, @pid, @start, @now, @now,
         @remote, @lease) RETURNING id`,
    );
    this.insertTransition = db.prepare<[number, string, number, string | null]>(
      'INSERT INTO run_transitions (run_id, state, at, note) VALUES (?, ?, ?, ?)',
    );
    this.byId = db.prepare<[number], Row>(`${SELECT_RUN} WHERE r.id = ?`);
    this.detailCols = db.prepare<[number], DetailRow>(
      'SELECT plan_json, policy_json, apply_json, phases_json, diagnostics_json FROM runs WHERE id = ?',
    );
    this.listAll = db.prepare<[number, number], Row>(`${SELECT_RUN} WHERE r.id < ? ORDER BY r.id DESC LIMIT ?`);
    this.listStack = db.prepare<[string, number, number], Row>(
      `${SELECT_RUN} WHERE s.name = ? AND r.id < ? ORDER BY r.id DESC LIMIT ?`,
    );
    this.liveAll = db.prepare<[], Row>(`${SELECT_RUN} WHERE r.state NOT IN ${TERMINAL_SQL} ORDER BY r.id`);
    this.liveOfStack = db.prepare<
      [number],
      { id: number; kind: RunKind; state: RunState; required_approvals: number; approvals: number }
    >(
      `SELECT id, kind, state, required_approvals,
         (SELECT count(*) FROM approvals a WHERE a.run_id = runs.id) AS approvals
       FROM runs WHERE stack_id = ? AND state NOT IN ${TERMINAL_SQL}
         -- a run queued with no owner (a cascade's, left for the scheduler) holds nothing until a process takes it
         AND NOT (state = 'QUEUED' AND owner_pid IS NULL)
       ORDER BY id`,
    );
    this.transitionsOf = db.prepare<[number], { state: RunState; at: number; note: string | null }>(
      'SELECT state, at, note FROM run_transitions WHERE run_id = ? ORDER BY id',
    );
    this.approvalsOf = db.prepare<[number], Approval>(
      'SELECT "user", comment, at FROM approvals WHERE run_id = ? ORDER BY id',
    );
    this.insertApproval = db.prepare<[number, string, string | null, number]>(
      'INSERT INTO approvals (run_id, "user", comment, at) VALUES (?, ?, ?, ?)',
    );
    this.approvalOf = db.prepare<[number, string], { id: number }>(
      'SELECT id FROM approvals WHERE run_id = ? AND "user" = ?',
    );
    this.setToolStmt = db.prepare<[number | null, string | null, number, number]>(
      'UPDATE runs SET tool_pid = ?, tool_start = ?, updated_at = ? WHERE id = ?',
    );
    this.requestCancelStmt = db.prepare<[number, number]>(
      `UPDATE runs SET cancel_requested = 1, updated_at = ? WHERE id = ? AND state NOT IN ${TERMINAL_SQL}`,
    );
    this.cancelFlags = db.prepare<[string], { id: number }>(
      `SELECT id FROM runs WHERE cancel_requested = 1 AND state NOT IN ${TERMINAL_SQL} AND id IN (${dialect(db).idsFromJson})`,
    );
    this.remoteQueue = db.prepare<[], { id: number }>(
      `SELECT id FROM runs WHERE remote = 1 AND state = 'QUEUED' AND owner_pid IS NULL ORDER BY id LIMIT 64${
        isTeamDb(db) ? ' FOR UPDATE SKIP LOCKED' : ''
      }`,
    );
    this.renewStmt = db.prepare<[number, string, number]>(
      `UPDATE runs SET lease_expires_at = ? WHERE owner_host = ? AND owner_pid = ? AND state NOT IN ${TERMINAL_SQL}`,
    );
    this.heldStmt = db.prepare<[string, number], { id: number; approvals: number; required: number }>(
      `SELECT id, required_approvals AS required,
         (SELECT count(*) FROM approvals a WHERE a.run_id = runs.id) AS approvals
       FROM runs WHERE state = 'UNCONFIRMED' AND owner_host = ? AND owner_pid = ? ORDER BY id`,
    );
    // PostgreSQL's change token (the WAL position) moves on this connection's own commits too.
    this.token = db.prepare<[], { m: number | null; c: number }>(
      `SELECT max(id) AS m, ${isTeamDb(db) ? '0' : 'total_changes()'} AS c FROM runs`,
    );
  }

  /** Keep leases on the runs this repository gives an owner (see `leaseMs`). */
  useLeases(ms: number | undefined): void {
    this.leaseMs = ms;
  }

  private leaseFor(owner: RunOwner | null | undefined, now: number): number | null {
    return owner && this.leaseMs !== undefined ? now + this.leaseMs : null;
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  create(input: NewRun, now = Date.now()): RunRecord {
    return this.tx(() => {
      const info = this.insertRun.run({
        stackId: input.stackId,
        kind: input.kind,
        purpose: input.purpose,
        triggeredBy: input.triggeredBy,
        trigger: input.trigger,
        autoApply: input.autoApply ? 1 : 0,
        host: input.owner?.host ?? null,
        pid: input.owner?.pid ?? null,
        start: input.owner?.start ?? null,
        now,
        remote: input.remote ? 1 : 0,
        lease: this.leaseFor(input.owner, now),
      });
      const id = Number(info.lastInsertRowid);
      this.insertTransition.run(id, 'QUEUED', now, null);
      return this.get(id)!;
    });
  }

  get(id: number): RunRecord | undefined {
    const r = this.byId.get(id);
    return r ? toRecord(r) : undefined;
  }

  detail(id: number): RunDetail | undefined {
    const run = this.get(id);
    if (!run) return undefined;
    const d = this.detailCols.get(id)!;
    const checks = this.checks.ofRun(id);
    return {
      ...run,
      plan: parse<PlanResult | null>(d.plan_json, null),
      diagnostics: parse<Diagnostic[]>(d.diagnostics_json, []),
      policies: parse<PolicyResult[]>(d.policy_json, []),
      apply: parse<ApplyResult | null>(d.apply_json, null),
      transitions: this.transitionsOf.all(id),
      approvals: this.approvalsOf.all(id),
      phases: parse<PhaseStarts>(d.phases_json, {}),
      validation: checks.length || run.validationStatus ? { status: run.validationStatus, checks } : null,
    };
  }

  /** Newest first: every stack's runs, or one stack's. */
  list(opts: ListRunsOptions = {}): RunRecord[] {
    const before = opts.before ?? Number.MAX_SAFE_INTEGER;
    const limit = opts.limit ?? 50;
    const rows = opts.stack ? this.listStack.all(opts.stack, before, limit) : this.listAll.all(before, limit);
    const now = Date.now();
    return rows.map((r) => toRecord(r, now));
  }

  /** Every run not in a terminal state, oldest first. */
  live(): RunRecord[] {
    const now = Date.now();
    return this.liveAll.all().map((r) => toRecord(r, now));
  }

  approvals(id: number): Approval[] {
    return this.approvalsOf.all(id);
  }

  private liveInfo(stackId: number): LiveRunInfo[] {
    return this.liveOfStack.all(stackId).map((r) => ({
      id: r.id,
      kind: r.kind,
      state: r.state,
      requiredApprovals: r.required_approvals,
      approvals: r.approvals,
    }));
  }

  /** Set the columns of a patch (inside a transaction). */
  private applyPatch(id: number, patch: RunPatch, now: number): void {
    const sets: string[] = ['updated_at = @now'];
    const params: Record<string, unknown> = { id, now };
    if (patch.owner !== undefined) {
      sets.push('owner_host = @ownerHost', 'owner_pid = @ownerPid', 'owner_start = @ownerStart');
      params.ownerHost = patch.owner?.host ?? null;
      params.ownerPid = patch.owner?.pid ?? null;
      params.ownerStart = patch.owner?.start ?? null;
      sets.push('lease_expires_at = @lease');
      params.lease = this.leaseFor(patch.owner, now);
    }
    if (patch.worker !== undefined) {
      sets.push('worker = @worker');
      params.worker = patch.worker;
    }
    if (patch.error !== undefined) {
      sets.push('error = @error');
      params.error = patch.error;
    }
    if (patch.summary !== undefined) {
      sets.push(
        'summary_add = @add',
        'summary_change = @change',
        'summary_destroy = @destroy',
        'summary_import = @import',
        'summary_forget = @forget',
      );
      params.add = patch.summary?.add ?? null;
      params.change = patch.summary?.change ?? null;
      params.destroy = patch.summary?.destroy ?? null;
      params.import = patch.summary ? (patch.summary.import ?? 0) : null;
      params.forget = patch.summary ? (patch.summary.forget ?? 0) : null;
    }
    if (patch.plan !== undefined) {
      sets.push('plan_json = @plan');
      params.plan = patch.plan === null ? null : JSON.stringify(patch.plan);
    }
    if (patch.policies !== undefined) {
      sets.push('policy_json = @policies');
      params.policies = patch.policies === null ? null : JSON.stringify(patch.policies);
    }
    if (patch.apply !== undefined) {
      const a = patch.apply?.summary;
      sets.push(
        'apply_json = @apply',
        'applied_add = @appliedAdd',
        'applied_change = @appliedChange',
        'applied_destroy = @appliedDestroy',
        'applied_import = @appliedImport',
        'applied_forget = @appliedForget',
      );
      params.apply = patch.apply === null ? null : JSON.stringify(patch.apply);
      params.appliedAdd = a ? a.add : null;
      params.appliedChange = a ? a.change : null;
      params.appliedDestroy = a ? a.destroy : null;
      params.appliedImport = a ? (a.import ?? 0) : null;
      params.appliedForget = a ? (a.forget ?? 0) : null;
    }
    if (patch.diagnostics !== undefined) {
      sets.push('diagnostics_json = @diagnostics');
      params.diagnostics = patch.diagnostics === null ? null : JSON.stringify(patch.diagnostics);
    }
    if (patch.validationStatus !== undefined) {
      sets.push('validation_status = @validationStatus');
      params.validationStatus = patch.validationStatus;
    }
    if (patch.requiredApprovals !== undefined) {
      sets.push('required_approvals = @requiredApprovals');
      params.requiredApprovals = patch.requiredApprovals;
    }
    const sql = `UPDATE runs SET ${sets.join(', ')} WHERE id = @id`;
    let stmt = this.patchStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.patchStatements.set(sql, stmt);
    }
    stmt.run(params);
  }

  /** Store columns without changing the state (plan, policies while still PLANNING). */
  patch(id: number, patch: RunPatch, now = Date.now()): void {
    this.tx(() => this.applyPatch(id, patch, now));
  }

  /** The move itself, inside a transaction: compare-and-set on the state read in the same transaction. */
  private moveInTx(
    run: RunRecord,
    event: RunEvent,
    patch: RunPatch,
    note: string | null,
    now: number,
  ): RunRecord | undefined {
    const to = nextState(run, event);
    if (!to) return undefined;
    const terminal = TERMINAL_STATES.includes(to);
    const extra: string[] = ['state = @to', 'updated_at = @now'];
    if (to === 'INITIALIZING') extra.push('started_at = coalesce(started_at, @now)');
    if (terminal) extra.push('finished_at = @now', 'tool_pid = NULL', 'tool_start = NULL');
    const sql = `UPDATE runs SET ${extra.join(', ')} WHERE id = @id AND state = @from`;
    let stmt = this.patchStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.patchStatements.set(sql, stmt);
    }
    const info = stmt.run({ id: run.id, to, from: run.state, now });
    if (info.changes !== 1) return undefined;
    // A run that ends (or parks) has no owner any more; the caller's patch may say otherwise.
    const fullPatch: RunPatch = terminal || to === 'UNCONFIRMED' ? { owner: null, ...patch } : patch;
    this.applyPatch(run.id, fullPatch, now);
    this.insertTransition.run(run.id, to, now, note);
    return this.get(run.id);
  }

  /**
   * Move a run by `event` if it is allowed from its current state (and, when `expect` is given, the run is in one
   * of those states). Returns the moved run, or undefined when the run was not in a state that allows the move
   * (another process moved it first).
   */
  move(
    id: number,
    event: RunEvent,
    opts: { patch?: RunPatch; note?: string; expect?: readonly RunState[]; now?: number } = {},
  ): RunRecord | undefined {
    return this.tx(() => {
      const run = this.get(id);
      if (!run) return undefined;
      if (opts.expect && !opts.expect.includes(run.state)) return undefined;
      return this.moveInTx(run, event, opts.patch ?? {}, opts.note ?? null, opts.now ?? Date.now());
    });
  }

  /** Leave the queue if the stack is free for this run (see queue.ts), taking ownership. */
  tryStart(id: number, owner: RunOwner, now = Date.now()): StartResult {
    return this.tx(() => {
      const run = this.get(id);
      if (!run || run.state !== 'QUEUED') return { result: 'gone', run } as const;
      const blocker = startBlocker(run, this.liveInfo(run.stackId));
      if (blocker) return { result: 'wait', blocker } as const;
      const moved = this.moveInTx(run, 'start', { owner }, null, now);
      return moved ? ({ result: 'started', run: moved } as const) : ({ result: 'gone', run: this.get(id) } as const);
    });
  }

  /**
   * Record one user's approval of an UNCONFIRMED run (and the audit entry), in one transaction. When this makes
   * enough approvals and no tool works in the folder, the run moves to APPLYING owned by `owner`.
   * Throws ApprovalRefused when the run cannot be approved by this user.
   */
  approve(id: number, user: string, comment: string | null, owner: RunOwner, now = Date.now()): ApprovalResult {
    return this.tx(() => {
      const run = this.get(id);
      if (!run) throw new ApprovalRefused(`run ${id} does not exist`);
      if (run.state !== 'UNCONFIRMED') {
        throw new ApprovalRefused(
          `run ${id} is ${run.state}; only a run waiting for approval (UNCONFIRMED) can be approved`,
        );
      }
      if (this.approvalOf.get(id, user)) {
        const given = this.approvalsOf.all(id).length;
        // Fully approved but nobody applied it (the approving process stopped while waiting for the folder):
        // approving again resumes the apply, without a second approval from the same user.
        if (given < run.requiredApprovals) {
          throw new ApprovalRefused(
            `${user} has already approved run ${id} (${given} of ${run.requiredApprovals}); another user must approve`,
          );
        }
      } else {
        this.insertApproval.run(id, user, comment, now);
        this.audit.append({ at: now, user, action: 'approve', runId: id, stackId: run.stackId, comment });
      }
      const approvals = this.approvalsOf.all(id).length;
      const required = run.requiredApprovals;
      // The plan is held by another live process (a worker): that process applies it, never this one.
      const heldBy =
        run.owner && (run.owner.host !== owner.host || run.owner.pid !== owner.pid)
          ? (run.worker ?? `${run.owner.host}:${run.owner.pid}`)
          : undefined;
      if (approvals < required || heldBy) {
        this.applyPatch(id, {}, now);
        return { run: this.get(id)!, approvals, required, applying: false, heldBy };
      }
      const blocker = applyBlocker(run, this.liveInfo(run.stackId));
      if (blocker) {
        this.applyPatch(id, {}, now);
        return { run: this.get(id)!, approvals, required, applying: false, blocker };
      }
      const moved = this.moveInTx(run, 'apply', { owner }, `approved by ${approvals} of ${required}`, now)!;
      return { run: moved, approvals, required, applying: true };
    });
  }

  /** An approved run waiting for the folder: move it to APPLYING when the folder is free. */
  claimApply(id: number, owner: RunOwner, now = Date.now()): StartResult {
    return this.tx(() => {
      const run = this.get(id);
      if (!run || run.state !== 'UNCONFIRMED') return { result: 'gone', run } as const;
      if (this.approvalsOf.all(id).length < run.requiredApprovals) return { result: 'gone', run } as const;
      const blocker = applyBlocker(run, this.liveInfo(run.stackId));
      if (blocker) return { result: 'wait', blocker } as const;
      const moved = this.moveInTx(run, 'apply', { owner }, 'approved', now);
      return moved ? ({ result: 'started', run: moved } as const) : ({ result: 'gone', run: this.get(id) } as const);
    });
  }

  /**
   * Move a run by an operator's action (discard, cancel, auto-approve's apply) and write the audit entry in the
   * same transaction. Returns the moved run, or undefined when its state did not allow it.
   */
  moveAudited(
    id: number,
    event: RunEvent,
    audit: { user: string; action: AuditAction; comment?: string | null; detail?: unknown },
    opts: { patch?: RunPatch; note?: string; expect?: readonly RunState[]; now?: number } = {},
  ): RunRecord | undefined {
    return this.tx(() => {
      const run = this.get(id);
      if (!run) return undefined;
      if (opts.expect && !opts.expect.includes(run.state)) return undefined;
      const now = opts.now ?? Date.now();
      const moved = this.moveInTx(run, event, opts.patch ?? {}, opts.note ?? null, now);
      if (moved) {
        this.audit.append({
          at: now,
          user: audit.user,
          action: audit.action,
          runId: id,
          stackId: run.stackId,
          comment: audit.comment,
          detail: audit.detail,
        });
      }
      return moved;
    });
  }

  /**
   * Ask the live process that owns a run to cancel it (it polls the flag), with the audit entry. Returns false
   * when the run has already ended.
   */
  requestCancel(id: number, user: string, comment: string | null, now = Date.now()): boolean {
    return this.tx(() => {
      const run = this.get(id);
      if (!run) return false;
      const info = this.requestCancelStmt.run(now, id);
      if (info.changes !== 1) return false;
      this.audit.append({ at: now, user, action: 'cancel', runId: id, stackId: run.stackId, comment });
      return true;
    });
  }

  /**
   * A worker takes the oldest queued remote run whose stack is free for it and starts it (QUEUED -> INITIALIZING,
   * owned by `owner`, with a lease), in one transaction: on PostgreSQL the candidates are row-locked with
   * `FOR UPDATE SKIP LOCKED` (and `immediate()` serialises the stack decision team-wide), on SQLite the
   * `BEGIN IMMEDIATE` transaction does. A run is taken by exactly one worker. Undefined when nothing can start.
   */
  claimRemote(owner: RunOwner, worker: string, now = Date.now()): RunRecord | undefined {
    return this.tx(() => {
      for (const { id } of this.remoteQueue.all()) {
        const run = this.get(id);
        if (!run || run.state !== 'QUEUED' || run.owner) continue;
        if (startBlocker(run, this.liveInfo(run.stackId))) continue;
        const moved = this.moveInTx(run, 'start', { owner, worker }, `claimed by worker ${worker}`, now);
        if (moved) return moved;
      }
      return undefined;
    });
  }

  /**
   * Hold (or, `hold: false`, release) the plan of a parked run in this process: while held, an approval from
   * another process does not apply it there; this process does (`held`). False when the run is not parked, or
   * another process holds it.
   */
  holdPlan(id: number, owner: RunOwner, hold: boolean, now = Date.now()): boolean {
    return this.tx(() => {
      const run = this.get(id);
      if (!run || run.state !== 'UNCONFIRMED') return false;
      const mine = run.owner?.host === owner.host && run.owner?.pid === owner.pid;
      if (hold ? run.owner !== null && !mine : !mine) return false;
      this.applyPatch(id, { owner: hold ? owner : null }, now);
      return true;
    });
  }

  /** Renew the lease of every live run this process owns (driving it, or holding its plan). */
  renewLeases(owner: RunOwner, now = Date.now()): number {
    if (this.leaseMs === undefined) return 0;
    return this.renewStmt.run(now + this.leaseMs, owner.host, owner.pid).changes;
  }

  /** Parked runs (UNCONFIRMED) whose plan this process holds, with their approvals so far. */
  held(owner: RunOwner): { id: number; approvals: number; required: number }[] {
    return this.heldStmt.all(owner.host, owner.pid);
  }

  /** Of these run ids, those whose cancel was requested (by any process). */
  cancelRequested(ids: readonly number[]): number[] {
    if (ids.length === 0) return [];
    return this.cancelFlags.all(JSON.stringify(ids)).map((r) => r.id);
  }

  setTool(id: number, pid: number | null, start: string | null, now = Date.now()): void {
    this.setToolStmt.run(pid, start, now, id);
  }

  /**
   * Changes whenever the database changed since the last call: `PRAGMA data_version` moves on commits by other
   * connections (another dayops process), `total_changes()` on this connection's own writes. It may also move
   * for writes to other tables; a poller then reloads once for nothing. Costs two index lookups.
   */
  changeToken(): string {
    const t = this.token.get()!;
    return `${dataVersion(this.db)}:${t.c}:${t.m ?? 0}`;
  }
}

/** An approval that cannot be recorded (wrong state, same user twice). */
export class ApprovalRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalRefused';
  }
}

const repos = new WeakMap<DB, RunsRepo>();

/** Cheap token for pollers: compare it with the last one to know when to reload runs and logs. */
export function changeToken(db: DB): string {
  let repo = repos.get(db);
  if (!repo) {
    repo = new RunsRepo(db);
    repos.set(db, repo);
  }
  return repo.changeToken();
}
