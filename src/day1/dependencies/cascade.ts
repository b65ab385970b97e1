/**
 * Cascades (issue 12): the runs of downstream stacks a change of an upstream stack's outputs queued. They run one
 * at a time in dependency order (level by level); one that does not finish (failed, denied, canceled, or waiting
 * for approval) stops the cascade, and the runs still queued are skipped: CANCELED, with why, in their log and in
 * `run_cascades.skipped`.
 */
import type { DB } from '../../db/open.js';
import { DependenciesRepo, type CascadeMember } from '../../db/dependencies.js';
import { LogsRepo } from '../../db/logs.js';
import { RunsRepo, type RunRecord } from '../../db/runs.js';
import { currentOwner } from '../runner/procinfo.js';
import { isTerminal, OWNED_STATES } from '../runner/state.js';

/** What to do next in a cascade. */
export type CascadeStep =
  | { step: 'start'; member: CascadeMember }
  | { step: 'wait'; member: CascadeMember }
  /** A run of it did not finish while runs are still queued (its dayops died before skipping them). */
  | { step: 'stop'; member: CascadeMember }
  | { step: 'done' };

/** The next run to start, or the one being driven (by any process) to wait for, or nothing left. */
export function nextStep(members: readonly CascadeMember[]): CascadeStep {
  const driven = members.find((m) => !m.pending && OWNED_STATES.includes(m.state));
  if (driven) return { step: 'wait', member: driven };
  const pending = members.find((m) => m.pending);
  if (!pending) return { step: 'done' };
  const stopped = members.find((m) => !m.pending && !m.skipped && m.state !== 'FINISHED');
  return stopped ? { step: 'stop', member: stopped } : { step: 'start', member: pending };
}

/** Why the runs after `stopped` are skipped. */
export function skipReason(stopped: RunRecord, rootRunId: number): string {
  return `skipped: the cascade from run ${rootRunId} stopped at run ${stopped.id} of ${stopped.stackName} (${stopped.state === 'UNCONFIRMED' ? 'waiting for approval' : stopped.state})`;
}

/**
 * `run`, a run of a cascade, settled without finishing: skip every run of its cascade still queued. Returns the
 * runs skipped (each CANCELED, with why).
 */
export function skipRestOfCascade(db: DB, run: RunRecord): RunRecord[] {
  if (run.state === 'FINISHED' || (!isTerminal(run.state) && run.state !== 'UNCONFIRMED')) return [];
  const repo = new DependenciesRepo(db);
  const me = repo.cascadeOf(run.id);
  if (!me) return [];
  const why = skipReason(run, me.rootRunId);
  const runs = new RunsRepo(db);
  const logs = new LogsRepo(db);
  const out: RunRecord[] = [];
  for (const m of repo.members(me.rootRunId)) {
    if (!m.pending) continue;
    // Taken first, so no other dayops starts it meanwhile.
    if (!repo.claim(m.runId, currentOwner())) continue;
    const moved = runs.move(m.runId, 'cancel', { patch: { error: why }, note: 'skipped', expect: ['QUEUED'] });
    if (!moved) continue;
    repo.markSkipped(m.runId, why);
    logs.append(m.runId, [
      {
        runId: m.runId,
        seq: logs.count(m.runId) + 1,
        at: Date.now(),
        stream: 'system',
        phase: null,
        text: `dayops: ${why}`,
        plain: null,
        raw: null,
      },
    ]);
    out.push(moved);
  }
  return out;
}
