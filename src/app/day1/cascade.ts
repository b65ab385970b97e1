/**
 * Running a cascade (issue 12), free of React: the process that ran the upstream run runs the downstream runs its
 * change of outputs queued, one at a time in dependency order, before it exits (`dayops run`, `dayops approve`);
 * the app's pickup (src/day1/dependencies/pickup.ts) runs those left queued (`--no-cascade`, another process).
 */
import type { RunRecord, RunService } from '../../day1/runs.js';
import { nextStep } from '../../day1/dependencies/cascade.js';
import type { CascadeMember } from '../../db/dependencies.js';

/** A cascade's run in `--json`. */
export interface CascadeRunJson {
  stack: string;
  id: number;
  kind: string;
  state: string;
}

export interface CascadeHooks {
  /** A run of the cascade is about to be followed (started here, or driven by another process). */
  onRun?(member: CascadeMember): void;
  /** It settled (ended, or waits for approval). */
  onSettled?(run: RunRecord): void;
}

/** The cascade of `rootRunId` as it stands, in the order it runs. */
export function cascadeRuns(svc: RunService, rootRunId: number): CascadeMember[] {
  return svc.dependencies.members(rootRunId);
}

export function cascadeJson(members: readonly CascadeMember[]): CascadeRunJson[] {
  return members.map((m) => ({ stack: m.stack, id: m.runId, kind: m.kind, state: m.state }));
}

/**
 * Run the cascade started by `rootRunId` to its end here: each queued run in turn (a run another process drives
 * is waited for). A run that does not finish stops it (the rest are skipped, by the run service). Returns every
 * run of the cascade as it ended.
 */
export async function runCascade(
  svc: RunService,
  rootRunId: number,
  hooks: CascadeHooks = {},
): Promise<CascadeMember[]> {
  const seen = new Set<number>();
  for (;;) {
    const next = nextStep(cascadeRuns(svc, rootRunId));
    if (next.step === 'done') break;
    const { member } = next;
    if (next.step === 'stop') {
      const stopped = svc.get(member.runId);
      if (stopped) svc.stopCascade(stopped);
      break;
    }
    if (next.step === 'start' && !(await svc.adopt(member.runId))) {
      // Taken by another process meanwhile: follow it. Shutting down: leave the rest queued.
      if (svc.get(member.runId)?.owner === null) break;
    }
    if (!seen.has(member.runId)) {
      seen.add(member.runId);
      hooks.onRun?.(member);
    }
    const run = await svc.wait(member.runId);
    hooks.onSettled?.(run);
    if (run.state !== 'FINISHED') break;
  }
  return cascadeRuns(svc, rootRunId);
}

/** The cascade's runs that did not finish, other than those skipped because of them. */
export function cascadeFailures(members: readonly CascadeMember[]): CascadeMember[] {
  return members.filter((m) => m.state !== 'FINISHED' && !m.skipped && !m.pending);
}

/** The runs list with each cascade as one group: its runs right under the run that started it, marked. */
export interface GroupedRuns<R extends { id: number }> {
  runs: R[];
  /** The tree mark of each cascade run shown under its upstream run (`├ `, and `└ ` for the last). */
  marks: Map<number, string>;
}

/**
 * Group the runs of each cascade under the run that started it (the list stays newest first otherwise; a
 * cascade's runs in the order they ran). A cascade run whose first run is not in the list stays where it is.
 */
export function groupCascades<R extends { id: number }>(
  runs: readonly R[],
  rootOf: ReadonlyMap<number, number>,
): GroupedRuns<R> {
  const shown = new Set(runs.map((r) => r.id));
  const members = new Map<number, R[]>();
  for (const r of runs) {
    const root = rootOf.get(r.id);
    if (root === undefined || !shown.has(root)) continue;
    const list = members.get(root) ?? [];
    list.push(r);
    members.set(root, list);
  }
  const out: R[] = [];
  const marks = new Map<number, string>();
  for (const r of runs) {
    const root = rootOf.get(r.id);
    if (root !== undefined && shown.has(root)) continue;
    out.push(r);
    const group = (members.get(r.id) ?? []).sort((a, b) => a.id - b.id);
    group.forEach((m, i) => {
      out.push(m);
      marks.set(m.id, i === group.length - 1 ? '└ ' : '├ ');
    });
  }
  return { runs: out, marks };
}
