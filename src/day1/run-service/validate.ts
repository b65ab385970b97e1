/**
 * A run's after-apply checks (issue 11): after a successful apply, a stack with `when: [after-apply]` checks moves
 * the run APPLYING -> VALIDATING, runs them (in parallel, bounded), and ends FINISHED with `validation_status`
 * passed or failed and each check's row in check_results. A cancel stops the checks (the run ends CANCELED with
 * what had ended); a crash leaves the run VALIDATING, which start-up recovery marks FAILED as any interrupted run.
 */
import { checkKind, type CheckConfig } from '../../config/checks-config.js';
import { ChecksRepo } from '../../db/checks.js';
import type { ToolGroupsRepo } from '../../db/tool-groups.js';
import type { ApplyResult, PlanResult } from '../../domain/plan.js';
import { currentOwner } from '../runner/procinfo.js';
import { overallStatus, runChecks, terraformReport } from '../validation/run.js';
import type { CheckContext } from '../validation/types.js';
import type { Conclusion, LiveRun } from './types.js';

/** The checks of a stack's config that run after an apply. */
export function afterApplyChecks(checks: readonly CheckConfig[]): CheckConfig[] {
  return checks.filter((c) => c.when.includes('after-apply'));
}

/** One line for the log and the headless report: `2 of 3 checks passed; web-up failed: expected ...`. */
export function validationLine(results: readonly { name: string; status: string; message: string | null }[]): string {
  const failed = results.filter((r) => r.status !== 'passed');
  const head = `${results.length - failed.length} of ${results.length} check${results.length === 1 ? '' : 's'} passed`;
  return failed.length ? `${head}; ${failed.map((f) => `${f.name} ${f.status}: ${f.message ?? ''}`).join('; ')}` : head;
}

export interface ValidationHost {
  db: ConstructorParameters<typeof ChecksRepo>[0];
  env: NodeJS.ProcessEnv;
  toolGroups: Pick<ToolGroupsRepo, 'add' | 'remove'>;
  /** Something of the run changed (a check started or ended): views that listen redraw. */
  changed(): void;
}

/** Run the checks of a run now VALIDATING; returns how the run ends. */
export async function validateRun(
  host: ValidationHost,
  live: LiveRun,
  checks: readonly CheckConfig[],
  plan: PlanResult,
  apply: ApplyResult,
): Promise<Conclusion> {
  const { id, prep } = live;
  const repo = new ChecksRepo(host.db);
  const ctx: CheckContext = {
    dir: prep.stack.dir,
    env: { ...host.env, ...prep.env },
    prometheusUrl: prep.config.monitoring?.prometheusUrl,
    tool: prep.stack.tool,
    terraform: terraformReport(id, plan, apply),
    redact: (t) => live.log.redact(t),
    signal: live.abort.signal,
    onSpawn: (pid, start) => host.toolGroups.add(id, pid, start, currentOwner()),
    onGroupEnd: (pid) => host.toolGroups.remove(id, pid),
  };
  live.log.system(
    `dayops: validating: ${checks.length} after-apply check${checks.length === 1 ? '' : 's'} (${checks.map((c) => c.name).join(', ')})`,
    'apply',
  );
  const rows = new Map<string, number>();
  const results = await runChecks(checks, ctx, {
    onStart: (c) => {
      rows.set(
        c.name,
        repo.start({ runId: id, stackId: prep.stack.id, source: 'after-apply', name: c.name, kind: checkKind(c) }),
      );
      host.changed();
    },
    onEnd: (r) => {
      const row = rows.get(r.name);
      if (row !== undefined) repo.end(row, r);
      live.log.system(
        `dayops: check ${r.name} ${r.status} (${(r.durationMs / 1000).toFixed(1)} s): ${r.message}`,
        'apply',
      );
      host.changed();
    },
  });
  const status = overallStatus(results);
  if (live.abort.signal.aborted) {
    const reason = live.cancelReason ?? 'canceled';
    live.log.system(`dayops: ${reason} while validating`, 'apply');
    return ['cancel', { patch: { error: `${reason} while validating`, validationStatus: 'failed' } }];
  }
  live.log.system(`dayops: validation ${status}: ${validationLine(results)}`, 'apply');
  return ['finish', { patch: { validationStatus: status }, note: `validation ${status}`, expect: ['VALIDATING'] }];
}
