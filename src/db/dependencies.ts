/**
 * Stack dependencies (migrations/010-dependencies.sql): the digest of each stack's outputs after its last
 * successful apply, and the cascades of downstream runs a change of outputs queues.
 */
import type { DB } from './open.js';
import { dialect } from './engine.js';
import type { RunKind, RunState } from '../day1/runner/state.js';
import type { RunOwner } from './runs.js';

/** One output as stored: never its value, a keyed hash of it. */
export interface OutputDigest {
  sensitive: boolean;
  hash: string;
}

export interface OutputsSnapshot {
  salt: string;
  runId: number | null;
  outputs: Record<string, OutputDigest>;
  readAt: number;
}

export interface CascadeMember {
  runId: number;
  rootRunId: number;
  upstreamRunId: number;
  stack: string;
  kind: RunKind;
  state: RunState;
  /** How its after-apply checks ended (null when it ran none). */
  validationStatus: 'passed' | 'failed' | null;
  /** Queued and not taken by any dayops process yet. */
  pending: boolean;
  level: number;
  reason: string;
  skipped: string | null;
  error: string | null;
}

export interface NewCascadeRun {
  stackId: number;
  kind: RunKind;
  autoApply: boolean;
  level: number;
  reason: string;
}

interface MemberRow {
  run_id: number;
  root_run_id: number;
  upstream_run_id: number;
  stack: string;
  kind: RunKind;
  state: RunState;
  validation_status: 'passed' | 'failed' | null;
  owner_pid: number | null;
  level: number;
  reason: string;
  skipped: string | null;
  error: string | null;
}

const MEMBER_SQL = `SELECT c.run_id, c.root_run_id, c.upstream_run_id, s.name AS stack, r.kind, r.state, r.validation_status,
  r.owner_pid,
  c.level, c.reason, c.skipped, r.error
  FROM run_cascades c JOIN runs r ON r.id = c.run_id JOIN stacks s ON s.id = r.stack_id`;

function member(r: MemberRow): CascadeMember {
  return {
    runId: r.run_id,
    rootRunId: r.root_run_id,
    upstreamRunId: r.upstream_run_id,
    stack: r.stack,
    kind: r.kind,
    state: r.state,
    validationStatus: r.validation_status,
    pending: r.state === 'QUEUED' && r.owner_pid === null,
    level: r.level,
    reason: r.reason,
    skipped: r.skipped,
    error: r.error,
  };
}

export class DependenciesRepo {
  private readonly getOutputs;
  private readonly putOutputs;
  private readonly insertRun;
  private readonly insertTransition;
  private readonly insertCascade;
  private readonly byRun;
  private readonly byRoot;
  private readonly pendingOfStack;
  private readonly claimStmt;
  private readonly skipStmt;
  private readonly roots;
  private readonly ofRuns;

  constructor(private readonly db: DB) {
    this.getOutputs = db.prepare<
      [number],
      { salt: string; run_id: number | null; outputs_json: string; read_at: number }
    >('SELECT salt, run_id, outputs_json, read_at FROM stack_outputs WHERE stack_id = ?');
    this.putOutputs = db.prepare<[number, string, number | null, string, number]>(
      `INSERT INTO stack_outputs (stack_id, salt, run_id, outputs_json, read_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stack_id) DO UPDATE SET salt = excluded.salt, run_id = excluded.run_id,
         outputs_json = excluded.outputs_json, read_at = excluded.read_at`,
    );
    this.insertRun = db.prepare(
      `INSERT INTO runs (stack_id, kind, purpose, state, triggered_by, trigger, auto_apply, created_at, updated_at)
       VALUES (@stackId, @kind, 'deploy', 'QUEUED', @triggeredBy, 'cascade', @autoApply, @now, @now) RETURNING id`,
    );
    this.insertTransition = db.prepare<[number, number, string]>(
      "INSERT INTO run_transitions (run_id, state, at, note) VALUES (?, 'QUEUED', ?, ?)",
    );
    this.insertCascade = db.prepare<[number, number, number, number, string]>(
      'INSERT INTO run_cascades (run_id, root_run_id, upstream_run_id, level, reason) VALUES (?, ?, ?, ?, ?)',
    );
    this.byRun = db.prepare<[number], MemberRow>(`${MEMBER_SQL} WHERE c.run_id = ?`);
    this.byRoot = db.prepare<[number], MemberRow>(`${MEMBER_SQL} WHERE c.root_run_id = ? ORDER BY c.level, c.run_id`);
    this.pendingOfStack = db.prepare<[number, number], { id: number }>(
      `SELECT r.id FROM run_cascades c JOIN runs r ON r.id = c.run_id
       WHERE c.root_run_id = ? AND r.stack_id = ? AND r.state = 'QUEUED' AND r.owner_pid IS NULL`,
    );
    this.claimStmt = db.prepare<[string, number, string | null, number, number]>(
      `UPDATE runs SET owner_host = ?, owner_pid = ?, owner_start = ?, updated_at = ?
       WHERE id = ? AND state = 'QUEUED' AND owner_pid IS NULL`,
    );
    this.skipStmt = db.prepare<[string, number]>('UPDATE run_cascades SET skipped = ? WHERE run_id = ?');
    this.roots = db.prepare<[], { root_run_id: number }>(
      `SELECT DISTINCT c.root_run_id FROM run_cascades c JOIN runs r ON r.id = c.run_id
       WHERE r.state = 'QUEUED' AND r.owner_pid IS NULL ORDER BY c.root_run_id`,
    );
    this.ofRuns = db.prepare<[string], { run_id: number; root_run_id: number }>(
      `SELECT run_id, root_run_id FROM run_cascades WHERE run_id IN (${dialect(db).idsFromJson})`,
    );
  }

  outputs(stackId: number): OutputsSnapshot | undefined {
    const r = this.getOutputs.get(stackId);
    if (!r) return undefined;
    let outputs: Record<string, OutputDigest> = {};
    try {
      outputs = JSON.parse(r.outputs_json) as Record<string, OutputDigest>;
    } catch {
      /* unreadable: as if none */
    }
    return { salt: r.salt, runId: r.run_id, outputs, readAt: r.read_at };
  }

  saveOutputs(
    stackId: number,
    salt: string,
    runId: number | null,
    outputs: Record<string, OutputDigest>,
    now = Date.now(),
  ): void {
    this.putOutputs.run(stackId, salt, runId, JSON.stringify(outputs), now);
  }

  /**
   * Queue runs of downstream stacks in the cascade of `rootRunId`, with no owner (any dayops process may take
   * them). A stack that already has a run waiting in this cascade gets no second one. Returns the runs queued.
   */
  queue(rootRunId: number, upstreamRunId: number, triggeredBy: string, items: NewCascadeRun[]): number[] {
    return this.db
      .transaction(() => {
        const ids: number[] = [];
        const now = Date.now();
        for (const it of items) {
          if (this.pendingOfStack.get(rootRunId, it.stackId)) continue;
          const info = this.insertRun.run({
            stackId: it.stackId,
            kind: it.kind,
            triggeredBy,
            autoApply: it.autoApply ? 1 : 0,
            now,
          });
          const id = Number(info.lastInsertRowid);
          this.insertTransition.run(id, now, `cascade from run ${rootRunId}`);
          this.insertCascade.run(id, rootRunId, upstreamRunId, it.level, it.reason);
          ids.push(id);
        }
        return ids;
      })
      .immediate();
  }

  cascadeOf(runId: number): CascadeMember | undefined {
    const r = this.byRun.get(runId);
    return r ? member(r) : undefined;
  }

  /** The runs of a cascade, in the order they run (level, then queue order). */
  members(rootRunId: number): CascadeMember[] {
    return this.byRoot.all(rootRunId).map(member);
  }

  /** Take a queued cascade run for this process; false when another process took it first. */
  claim(runId: number, owner: RunOwner, now = Date.now()): boolean {
    return this.claimStmt.run(owner.host, owner.pid, owner.start, now, runId).changes === 1;
  }

  markSkipped(runId: number, why: string): void {
    this.skipStmt.run(why, runId);
  }

  /** Cascades with a run that no process has taken yet, oldest first. */
  pendingRoots(): number[] {
    return this.roots.all().map((r) => r.root_run_id);
  }

  /** For each of these runs that belongs to a cascade, the run that started it. */
  rootsOf(runIds: readonly number[]): Map<number, number> {
    const map = new Map<number, number>();
    if (runIds.length === 0) return map;
    for (const r of this.ofRuns.all(JSON.stringify(runIds))) map.set(r.run_id, r.root_run_id);
    return map;
  }
}
