/**
 * Start-up recovery: a run left QUEUED, INITIALIZING, PLANNING, APPLYING or VALIDATING by a dayops process that is gone
 * (same host, and its pid is dead or was reused) is marked FAILED "interrupted: ...", a system line says so in
 * its log (every stored line is kept), and its orphaned tool process group is stopped. Runs driven by another
 * live dayops process (a second terminal, a cron job) are never touched; nor are runs owned on another host.
 */
import { hostname } from 'node:os';
import type { DB } from '../../db/open.js';
import { LogsRepo } from '../../db/logs.js';
import { ChecksRepo } from '../../db/checks.js';
import { RunsRepo, type RunRecord } from '../../db/runs.js';
import { ToolGroupsRepo } from '../../db/tool-groups.js';
import { OWNED_STATES, type RunState } from './state.js';
import { escalate } from './process.js';
import { groupAlive, ownerState, pidAlive, sameProcessAlive } from './procinfo.js';
import { removeRunDir } from './rundir.js';

export interface RecoveredRun {
  id: number;
  stackName: string;
  /** The state the run was in when its owner went away. */
  state: RunState;
  error: string;
  /** The orphaned tool process group that was stopped, if one was still running. */
  toolPid: number | null;
}

export interface RecoverOptions {
  /** The database file (for the runs' folders); default the handle's own file name. */
  dbPath?: string;
  host?: string;
  /** Time between SIGTERM and SIGKILL for an orphaned tool. */
  graceMs?: number;
  /** Only look at these runs (the queue re-checks its blockers). */
  runIds?: readonly number[];
}

export function interruptedMessage(state: RunState): string {
  return `interrupted: dayops stopped while this run was ${state}`;
}

/** A parked run whose plan was held by a process that is gone for good: it can only be planned again. */
export function planHolderLostMessage(run: RunRecord): string {
  const who = run.worker ? `worker ${run.worker}` : `dayops on ${run.owner?.host ?? 'another host'}`;
  return `plan holder lost: ${who} stopped while this run waited for approval; discard it and plan again (dayops run ${run.stackName})`;
}

/**
 * Whether the process that owns a run is gone: same host and its pid is dead or reused (pid liveness), or, on any
 * host, its lease expired (team mode and workers renew it every few seconds while they live).
 */
export function ownerGone(run: RunRecord, host = hostname(), now = Date.now()): boolean {
  if (ownerState(run.owner, host) === 'gone') return true;
  return run.leaseExpiresAt != null && run.leaseExpiresAt < now;
}

/** A parked run holding its plan in a live process (a worker) whose owner is gone. */
function heldPlanLost(run: RunRecord, host: string): boolean {
  return run.state === 'UNCONFIRMED' && run.owner !== null && ownerGone(run, host);
}

function stopOrphan(run: RunRecord, graceMs: number): number | null {
  return stopGroup(run.toolPid, run.toolStart, graceMs);
}

/** End a recorded tool group if something of it (and not a stranger reusing its pid) still runs. */
function stopGroup(pid: number | null, start: string | null, graceMs: number): number | null {
  if (!pid) return null;
  const leaderAlive = sameProcessAlive(pid, start);
  // The leader may be gone while its children (providers) live on in the group.
  if (!leaderAlive && (pidAlive(pid) || !groupAlive(pid))) return null;
  // Only what the tool left behind (its leader is gone): nothing to save, and a command that recovers exits before
  // a later SIGKILL: killed now.
  escalate(pid, graceMs, leaderAlive ? 'SIGTERM' : 'SIGKILL', true);
  return pid;
}

/** Mark every run whose owner is gone as FAILED (interrupted). Returns what was marked. */
export function recoverRuns(db: DB, opts: RecoverOptions = {}): RecoveredRun[] {
  // A database opened read-only is only looked at: its runs are left for a dayops that can write.
  if (db.readonly) return [];
  const runs = new RunsRepo(db);
  const logs = new LogsRepo(db);
  const checks = new ChecksRepo(db);
  const host = opts.host ?? hostname();
  const dbPath = opts.dbPath ?? db.name;
  const out: RecoveredRun[] = [];
  for (const candidate of runs.live()) {
    if (opts.runIds && !opts.runIds.includes(candidate.id)) continue;
    const lost = heldPlanLost(candidate, host);
    if (!OWNED_STATES.includes(candidate.state) && !lost) continue;
    // Queued for whichever dayops takes it (a cascade's run left for the scheduler): nobody was driving it.
    if (candidate.state === 'QUEUED' && candidate.owner === null) continue;
    if (!ownerGone(candidate, host)) continue;
    const marked = db
      .transaction(() => {
        const run = runs.get(candidate.id);
        // Re-read inside the transaction: another process may have recovered or moved it meanwhile.
        if (!run || run.state !== candidate.state || !ownerGone(run, host)) return undefined;
        if (lost && !heldPlanLost(run, host)) return undefined;
        const error = lost ? planHolderLostMessage(run) : interruptedMessage(run.state);
        // Mid-validation: the apply happened, the checks did not all end; those still running end failed, and so
        // does the validation (it never passed).
        const validating = run.state === 'VALIDATING';
        const patch = validating ? { error, validationStatus: 'failed' as const } : { error };
        const moved = runs.move(run.id, 'fail', {
          patch,
          note: lost ? 'plan holder lost' : 'interrupted',
          expect: [run.state],
        });
        if (!moved) return undefined;
        if (validating) checks.failRunning(run.id, 'interrupted: dayops stopped before this check ended');
        const seq = logs.count(run.id) + 1;
        logs.append(run.id, [
          {
            runId: run.id,
            seq,
            at: Date.now(),
            stream: 'system',
            phase: null,
            text: `dayops: ${error}; marked FAILED`,
            plain: null,
            raw: null,
          },
        ]);
        return { run, error };
      })
      .immediate();
    if (!marked) continue;
    // A tool of another host is that host's to stop (its own recovery does, when it comes back).
    const toolPid = marked.run.owner?.host === host ? stopOrphan(marked.run, opts.graceMs ?? 5000) : null;
    removeRunDir(dbPath, marked.run.id);
    out.push({
      id: marked.run.id,
      stackName: marked.run.stackName,
      state: marked.run.state,
      error: marked.error,
      toolPid,
    });
  }
  // Tool groups whose dayops is gone (a tool's children left behind, a dayops killed while ending them): ended.
  const groups = new ToolGroupsRepo(db);
  for (const g of groups.all()) {
    if (opts.runIds && !opts.runIds.includes(g.runId)) continue;
    if (ownerState(g.owner, host) !== 'gone') continue;
    stopGroup(g.pgid, g.leaderStart, opts.graceMs ?? 5000);
    groups.remove(g.runId, g.pgid);
  }
  return out;
}
