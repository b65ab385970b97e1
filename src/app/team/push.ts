/**
 * `dayops team push --from FILE`: copy a personal workspace (a dayops SQLite file) into the team database. The file
 * is opened read-only and never changed. Pushing again copies nothing twice: every record with an identity of its
 * own is recorded in `push_rows` (migrations/postgres/005-push.sql) under the workspace's id, in the same
 * transaction as the copy.
 *
 * - Stacks by name. A stack the team has already is used when it is the same one (folder, environment and tool);
 *   one that differs is kept as the team has it and nothing of this workspace's stack is copied (a note says so).
 * - Runs that ended, one transaction each, with everything that belongs to them: transitions, approvals, log chunks
 *   (as stored, compressed, re-keyed for the new id), after-apply check results, their drift check and what it found,
 *   the cascade link. A run still going is not copied (nothing could drive it from the team database): a note says
 *   so, and a later push copies it once it ended.
 * - Then checks and drift checks not bound to a run, the output digests and schedules' state (when each scheduled job
 *   last ran) of stacks this push created, drift triage (an entry older than the team's own newest triage of that
 *   address is not copied: it would take over from it), alert acknowledgements (not where the team acknowledged that alert itself), the silences dayops created (by
 *   their Alertmanager id), and the audit log (an entry about a run waits until that run is copied).
 * - Ids are the team database's own; every reference is remapped. The owner of a copied run (a process on the
 *   source's machine) is not copied.
 */
import { hostname } from 'node:os';
import { TERMINAL_STATES, type RunState } from '../../day1/runner/state.js';
import { AuditRepo } from '../../db/audit.js';
import { isTeamDb, type DB, type TeamDB } from '../../db/engine.js';
import { loadMigrations } from '../../db/open.js';
import {
  LOG_KEY,
  PUSH_TABLES,
  PushTarget,
  SourceWorkspace,
  zeroCounts,
  type Counts,
  type PushKind,
  type Row,
} from '../../db/push.js';
import { PgError, pgError } from '../../db/pg/database.js';
import { UserError } from '../../errors.js';

export interface PushResult {
  /** The source workspace's id (null: it has no stack, nothing to push). */
  workspace: string | null;
  copied: Counts;
  /** Rows of the source not copied by this push: copied before, still going, or refused (see `notes`). */
  skipped: Counts;
  /** One line each: stacks that differ from the team's, runs still going. */
  notes: string[];
}

export interface PushOptions {
  /** Told what is being copied, one line at a time. */
  onProgress?: (message: string) => void;
  now?: () => number;
  /** The SQLite schema this dayops knows (default: the newest of migrations/). */
  latestSchema?: number;
}

const TERMINAL = new Set<string>(TERMINAL_STATES);
/** Fields of a run that name the process driving it on the source's machine: not carried over. */
const OWNER_FIELDS = ['owner_host', 'owner_pid', 'owner_start', 'tool_pid', 'tool_start', 'lease_expires_at'];
/** Records copied per transaction when they are not a run's. */
const BATCH = 200;

const num = (v: unknown): number => Number(v);

function add(into: Counts, from: Counts): void {
  for (const t of PUSH_TABLES) into[t] += from[t];
}

export function pushWorkspace(from: string, team: DB, opts: PushOptions = {}): PushResult {
  if (!isTeamDb(team))
    throw new UserError(
      'dayops team push: --db (or DAYOPS_DB) must name the team database (postgres://...), not a SQLite file',
    );
  const latest = opts.latestSchema ?? loadMigrations().at(-1)?.version ?? 0;
  const src = SourceWorkspace.open(from, latest);
  try {
    return new Push(src, team, opts).run();
  } finally {
    src.close();
  }
}

class Push {
  private readonly target: PushTarget;
  private readonly now: () => number;
  private readonly say: (m: string) => void;
  private readonly copied = zeroCounts();
  private readonly notes: string[] = [];
  /** Source stack id to team stack id (stacks copied now or the team's same stack). */
  private readonly stacks = new Map<number, number>();
  private readonly stackNames = new Map<number, string>();
  /** Stacks created by this push (their output digests are copied). */
  private readonly created = new Set<number>();
  /** Source run id to team run id (copied now or before). */
  private readonly runs = new Map<number, number>();
  private workspace = '';

  constructor(
    private readonly src: SourceWorkspace,
    private readonly team: TeamDB,
    opts: PushOptions,
  ) {
    this.target = new PushTarget(team);
    this.now = opts.now ?? Date.now;
    this.say = opts.onProgress ?? (() => {});
  }

  run(): PushResult {
    if (!this.target.canPush())
      throw new UserError(
        `dayops team push: ${this.team.sessionUser} may not push into ${this.team.url}: a push creates stacks and records other people's approvals, triage and audit entries, which only dayops_admin may do (GRANT dayops_admin TO ${this.team.sessionUser})`,
      );
    const totals = this.src.totals();
    const workspace = this.src.workspaceId();
    if (workspace === null) return { workspace: null, copied: this.copied, skipped: totals, notes: [] };
    this.workspace = workspace;
    this.say(`pushing ${this.src.path} (workspace ${workspace}) into ${this.team.url}`);
    this.copyStacks();
    this.copyRuns();
    this.copyUnbound('drift_checks');
    this.copyUnbound('check_results');
    this.copyOutputs();
    this.copyTriage();
    this.copyAcks();
    this.copySilences();
    this.copyAudit();
    const copiedAny = PUSH_TABLES.some((t) => this.copied[t] > 0);
    if (copiedAny) {
      new AuditRepo(this.team).append({
        user: this.team.sessionUser,
        action: 'team-push',
        at: this.now(),
        comment: `pushed from ${hostname()}:${this.src.path}`,
        detail: { workspace, copied: this.copied },
      });
    }
    const skipped = zeroCounts();
    for (const t of PUSH_TABLES) skipped[t] = Math.max(0, totals[t] - this.copied[t]);
    return { workspace, copied: this.copied, skipped, notes: this.notes };
  }

  /** What was not copied and why: in the summary (not the progress). */
  private note(message: string): void {
    this.notes.push(message);
  }

  /**
   * One transaction (taking the team-wide write lock); its counts only once it committed. What the server refused
   * is one line naming what was being copied: nothing of it was written, what was copied before stays.
   */
  private tx(what: string, fn: (counts: Counts) => void): void {
    const counts = zeroCounts();
    try {
      this.team.transaction(() => fn(counts)).immediate();
    } catch (err) {
      const known = pgError(this.team.url, err, this.team.sessionUser);
      if (known) throw known;
      if (!(err instanceof PgError)) throw err;
      throw new UserError(
        `dayops team push: copying ${what} failed (${err.message}); nothing of it was written, what was copied before stays: push again to continue`,
      );
    }
    add(this.copied, counts);
  }

  private copyStacks(): void {
    const stacks = this.src.stacks();
    this.say(`stacks: ${stacks.length}`);
    this.tx('the stacks', (c) => {
      for (const s of stacks) {
        this.stackNames.set(s.id, s.name);
        const theirs = this.target.stack(s.name);
        if (!theirs) {
          const { id } = this.target.insert('stacks', s);
          this.target.record(this.workspace, 'stacks', s.name, id, this.now());
          this.stacks.set(s.id, id);
          this.created.add(s.id);
          c.stacks++;
        } else if (theirs.dir === s.dir && theirs.environment === s.environment && theirs.tool === s.tool) {
          this.stacks.set(s.id, theirs.id);
        } else {
          this.note(
            `stack ${s.name}: the team's is ${theirs.dir} (${theirs.environment}, ${theirs.tool}), this workspace's ${s.dir} (${s.environment}, ${s.tool}): kept the team's; nothing of this workspace's ${s.name} was copied`,
          );
        }
      }
    });
  }

  private runKey(r: { id: number; stack_id: number; created_at: number; kind: string; triggered_by: string }): string {
    return JSON.stringify([this.stackNames.get(r.stack_id), r.created_at, r.kind, r.triggered_by, r.id]);
  }

  private copyRuns(): void {
    const heads = this.src.runHeads();
    for (const [key, teamId] of this.target.pushed(this.workspace, 'runs')) {
      const id = (JSON.parse(key) as unknown[])[4];
      if (typeof id === 'number') this.runs.set(id, teamId);
    }
    const todo = heads.filter((h) => this.stacks.has(h.stack_id) && !this.runs.has(h.id));
    this.say(`runs: ${heads.length} (${todo.length} to copy)`);
    let done = 0;
    let told = this.now();
    for (const h of todo) {
      if (!TERMINAL.has(h.state)) {
        this.note(
          `run ${h.id} of ${this.stackNames.get(h.stack_id)} is ${h.state as RunState}: not copied (a run still going cannot be driven from the team database; push again once it ended)`,
        );
        continue;
      }
      this.tx(`run ${h.id} of ${this.stackNames.get(h.stack_id)}`, (c) => this.copyRun(h.id, this.runKey(h), c));
      done++;
      if (this.now() - told >= 1000) {
        told = this.now();
        this.say(`runs: ${done} of ${todo.length} copied`);
      }
    }
  }

  private copyRun(srcId: number, key: string, c: Counts): void {
    // Another push of the same workspace may have copied it meanwhile: the lock serialises, the record tells.
    const already = this.target.lookup(this.workspace, 'runs', key);
    if (already !== undefined) {
      this.runs.set(srcId, already);
      return;
    }
    const row = { ...this.src.run(srcId) };
    row.stack_id = this.stacks.get(num(row.stack_id));
    for (const f of OWNER_FIELDS) if (f in row) row[f] = null;
    for (const f of ['promoted_from_run_id', 'rollback_of_run_id'])
      if (row[f] !== null && row[f] !== undefined) row[f] = this.runs.get(num(row[f])) ?? null;
    const { id } = this.target.insert('runs', row);
    // Recorded first: the policy that lets an admin copy others' approvals asks for it (005-push.sql).
    this.target.record(this.workspace, 'runs', key, id, this.now());
    c.runs++;
    for (const t of this.src.ofRun('run_transitions', srcId)) {
      this.target.insert('run_transitions', { ...t, run_id: id });
      c.run_transitions++;
    }
    for (const a of this.src.ofRun('approvals', srcId)) {
      this.target.insert('approvals', { ...a, run_id: id });
      c.approvals++;
    }
    for (const chunk of this.src.logChunks(srcId)) {
      const first = num(chunk.id) - srcId * LOG_KEY;
      this.target.insert('run_logs', { ...chunk, id: id * LOG_KEY + first }, { keepId: true });
      c.run_logs++;
    }
    for (const r of this.src.ofRun('check_results', srcId)) {
      this.target.insert('check_results', { ...r, run_id: id, stack_id: row.stack_id });
      c.check_results++;
    }
    for (const d of this.src.ofRun('drift_checks', srcId)) this.copyDriftCheck(d, id, c);
    const cascade = this.src.cascade(srcId);
    if (cascade) {
      const root = this.runs.get(num(cascade.root_run_id));
      const upstream = this.runs.get(num(cascade.upstream_run_id));
      // A cascade whose first runs were not copied (still going, or on a stack kept as the team's) loses its link.
      if (root !== undefined && upstream !== undefined) {
        this.target.insert('run_cascades', { ...cascade, run_id: id, root_run_id: root, upstream_run_id: upstream });
        c.run_cascades++;
      }
    }
    this.runs.set(srcId, id);
  }

  private copyDriftCheck(d: Row, runId: number | null, c: Counts): number {
    const { id } = this.target.insert('drift_checks', {
      ...d,
      run_id: runId,
      stack_id: this.stacks.get(num(d.stack_id)),
    });
    c.drift_checks++;
    for (const r of this.src.driftResources(num(d.id))) {
      this.target.insert('drift_resources', { ...r, check_id: id });
      c.drift_resources++;
    }
    return id;
  }

  /** Records copied one by one with their own entry in push_rows, in transactions of up to BATCH. */
  private batches(kind: PushKind, rows: Row[], copy: (row: Row, key: string, c: Counts) => void): void {
    const done = this.target.pushed(this.workspace, kind);
    const todo = rows.filter((r) => !done.has(this.keyOf(kind, r)));
    if (todo.length) this.say(`${kind}: ${todo.length} to copy`);
    for (let i = 0; i < todo.length; i += BATCH) {
      this.tx(kind, (c) => {
        for (const r of todo.slice(i, i + BATCH)) {
          const key = this.keyOf(kind, r);
          if (this.target.lookup(this.workspace, kind, key) === undefined) copy(r, key, c);
        }
      });
    }
  }

  private keyOf(kind: PushKind, r: Row): string {
    switch (kind) {
      case 'audit_log':
        return JSON.stringify([r.id, r.at, r.action]);
      case 'alert_acks':
        // What the policy of 005-push.sql checks the acknowledgement against.
        return `${this.stacks.get(num(r.stack_id))} ${String(r.fingerprint)} ${num(r.starts_at)}`;
      case 'silences':
        return String(r.id);
      case 'drift_checks':
      case 'check_results':
        return JSON.stringify([this.stackNames.get(num(r.stack_id)), r.id, r.started_at]);
      default:
        return JSON.stringify([this.stackNames.get(num(r.stack_id)), r.id, r.at]);
    }
  }

  private copyUnbound(kind: 'drift_checks' | 'check_results'): void {
    const rows = this.src
      .unbound(kind)
      .filter((r) => this.stacks.has(num(r.stack_id)) && r.status !== 'checking' && r.status !== 'running');
    this.batches(kind, rows, (r, key, c) => {
      const id =
        kind === 'drift_checks'
          ? this.copyDriftCheck(r, null, c)
          : this.target.insert('check_results', { ...r, stack_id: this.stacks.get(num(r.stack_id)) }).id;
      if (kind === 'check_results') c.check_results++;
      this.target.record(this.workspace, kind, key, id, this.now());
    });
  }

  /** Of the stacks this push created only: a stack the team had keeps its own. */
  private copyOutputs(): void {
    if (this.created.size === 0) return;
    this.tx("the new stacks' output digests and schedules", (c) => {
      for (const stackId of this.created) {
        const o = this.src.stackOutputs(stackId);
        if (o) {
          const runId = o.run_id === null ? null : (this.runs.get(num(o.run_id)) ?? null);
          const r = this.target.insert(
            'stack_outputs',
            { ...o, stack_id: this.stacks.get(stackId), run_id: runId },
            { onConflict: '(stack_id) DO NOTHING' },
          );
          if (r.inserted) c.stack_outputs++;
        }
        // When each scheduled job last ran, so the team's scheduler does not run them all at once as never run.
        for (const j of this.src.scheduleState(stackId)) {
          const q = this.target.insert(
            'schedule_state',
            { ...j, stack_id: this.stacks.get(stackId) },
            { onConflict: '(stack_id, job) DO NOTHING' },
          );
          if (q.inserted) c.schedule_state++;
        }
      }
    });
  }

  private copyTriage(): void {
    const rows = this.src.triage().filter((r) => this.stacks.has(num(r.stack_id)));
    const older = new Set<string>();
    this.batches('drift_triage', rows, (r, key, c) => {
      const stackId = this.stacks.get(num(r.stack_id)) as number;
      // The newest entry of an address is in force: an older one copied after the team's would take over from it.
      const teams = this.target.lastTriageAt(stackId, String(r.address));
      if (teams !== null && teams > num(r.at)) {
        older.add(`${this.stackNames.get(num(r.stack_id))} ${String(r.address)}`);
        return;
      }
      const id = this.target.nextId('drift_triage');
      this.target.record(this.workspace, 'drift_triage', key, id, this.now());
      this.target.insert('drift_triage', { ...r, id, stack_id: stackId }, { keepId: true });
      c.drift_triage++;
    });
    if (older.size)
      this.note(
        `drift triage of ${[...older].join(', ')}: the team triaged it since; its newer decision stands, this workspace's older entries were not copied`,
      );
  }

  /** Acknowledgements the team has none of for that alert (its own is kept). */
  private copyAcks(): void {
    const rows = this.src.acks().filter((r) => this.stacks.has(num(r.stack_id)));
    this.batches('alert_acks', rows, (r, key, c) => {
      const stackId = this.stacks.get(num(r.stack_id)) as number;
      if (this.target.hasAck(stackId, String(r.fingerprint))) return;
      this.target.record(this.workspace, 'alert_acks', key, stackId, this.now());
      this.target.insert('alert_acks', { ...r, stack_id: stackId });
      c.alert_acks++;
    });
  }

  /** The silences dayops created here (their id is Alertmanager's: one the team has already is left as it is). */
  private copySilences(): void {
    const rows = this.src.silences().filter((r) => r.stack_id === null || this.stacks.has(num(r.stack_id)));
    this.batches('silences', rows, (r, key, c) => {
      if (this.target.hasSilence(String(r.id))) return;
      this.target.record(this.workspace, 'silences', key, 0, this.now());
      this.target.insert(
        'silences',
        {
          ...r,
          stack_id: r.stack_id === null ? null : this.stacks.get(num(r.stack_id)),
          run_id: r.run_id === null ? null : (this.runs.get(num(r.run_id)) ?? null),
        },
        { keepId: true },
      );
      c.silences++;
    });
  }

  private copyAudit(): void {
    const rows = this.src.audit().filter((r) => {
      // An entry about a stack kept as the team's is not copied; one about a run waits until that run is copied.
      if (r.stack_id !== null && !this.stacks.has(num(r.stack_id))) return false;
      if (r.run_id !== null && !this.runs.has(num(r.run_id))) return false;
      return true;
    });
    this.batches('audit_log', rows, (r, key, c) => {
      const id = this.target.nextId('audit_log');
      this.target.record(this.workspace, 'audit_log', key, id, this.now());
      this.target.insert(
        'audit_log',
        {
          ...r,
          id,
          stack_id: r.stack_id === null ? null : this.stacks.get(num(r.stack_id)),
          run_id: r.run_id === null ? null : this.runs.get(num(r.run_id)),
        },
        { keepId: true },
      );
      c.audit_log++;
    });
  }
}
