/**
 * Who may use a stack's folder, as a pure rule over the stack's live runs (the database applies it inside the
 * `BEGIN IMMEDIATE` transaction that moves a run, so two processes decide one at a time).
 *
 * - Never two runs of any kind with a tool working in the folder (INITIALIZING, PLANNING, APPLYING) at once:
 *   Terraform's .terraform folder and state lock are per folder.
 * - A tracked run holds the stack from INITIALIZING through UNCONFIRMED and APPLYING: another tracked run waits
 *   while one is parked for approval. A proposed (plan-only) run may plan while a tracked run waits for approval,
 *   unless that run already has all its approvals (its apply is about to take the folder).
 * - First come, first served: an earlier queued run that could start now goes first.
 */
import { BUSY_STATES, type RunKind, type RunState } from './state.js';

export interface LiveRunInfo {
  id: number;
  kind: RunKind;
  state: RunState;
  requiredApprovals: number;
  approvals: number;
}

function holds(other: LiveRunInfo, candidate: { kind: RunKind }): boolean {
  if (other.state !== 'UNCONFIRMED' || other.kind !== 'tracked') return false;
  return candidate.kind === 'tracked' || other.approvals >= other.requiredApprovals;
}

/**
 * The run that keeps `run` (QUEUED) from starting now, or undefined when it may start. `others` are the other
 * live (non-terminal) runs of the same stack.
 */
export function startBlocker(
  run: { id: number; kind: RunKind },
  others: readonly LiveRunInfo[],
): LiveRunInfo | undefined {
  const live = others.filter((o) => o.id !== run.id);
  const busy = live.find((o) => BUSY_STATES.includes(o.state));
  if (busy) return busy;
  const held = live.find((o) => holds(o, run));
  if (held) return held;
  for (const earlier of live.filter((o) => o.state === 'QUEUED' && o.id < run.id).sort((a, b) => a.id - b.id)) {
    if (!live.some((o) => holds(o, earlier))) return earlier;
  }
  return undefined;
}

/** The run that keeps an approved run from applying now (a tool working in the folder), or undefined. */
export function applyBlocker(run: { id: number }, others: readonly LiveRunInfo[]): LiveRunInfo | undefined {
  return others.find((o) => o.id !== run.id && BUSY_STATES.includes(o.state));
}
