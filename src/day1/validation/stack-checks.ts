/**
 * A stack's checks run now, outside a run: `dayops check STACK` (source `manual`) and the Day-2 scheduler's
 * `when: [scheduled]` checks (source `scheduled`). Each result is stored in check_results. A `terraform` check
 * reads what the stack's latest apply reported of the configuration's `check` blocks.
 */
import { loadStackConfig, type StackConfig } from '../../config/stack-config.js';
import type { CheckConfig } from '../../config/checks-config.js';
import { checkKind } from '../../config/checks-config.js';
import { ChecksRepo, type CheckRecord, type CheckSource } from '../../db/checks.js';
import type { DB } from '../../db/open.js';
import { RunsRepo } from '../../db/runs.js';
import type { Stack } from '../../domain/stack.js';
import { UserError } from '../../errors.js';
import { refuseEnvironmentMismatch } from '../governance.js';
import { Redactor, resolveStackEnv } from '../secrets.js';
import { overallStatus, runChecks, terraformReport } from './run.js';
import type { CheckContext, CheckResult, TerraformCheckReport } from './types.js';

/** What the newest apply of a stack reported of its configuration's `check` blocks; undefined when none applied. */
export function latestTerraformReport(db: DB, stackName: string): TerraformCheckReport | undefined {
  const runs = new RunsRepo(db);
  for (const r of runs.list({ stack: stackName, limit: 100 })) {
    if (r.applied === null) continue;
    const d = runs.detail(r.id);
    if (d?.apply) return terraformReport(r.id, d.plan, d.apply);
  }
  return undefined;
}

export interface StackChecksOptions {
  source: CheckSource;
  /** Only these checks (by name); default every check of the stack. */
  names?: readonly string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The config, when the caller has read it already. */
  config?: StackConfig;
  onEnd?: (r: CheckResult) => void;
}

export interface StackChecksResult {
  stack: string;
  status: 'passed' | 'failed';
  checks: CheckResult[];
}

/** Run a stack's checks now and store them. Throws UserError (one line) when they cannot run at all. */
export async function runStackChecks(db: DB, stack: Stack, opts: StackChecksOptions): Promise<StackChecksResult> {
  const config = opts.config ?? loadStackConfig(stack.dir);
  refuseEnvironmentMismatch(stack, config);
  const checks: CheckConfig[] = opts.names ? config.checks.filter((c) => opts.names!.includes(c.name)) : config.checks;
  if (checks.length === 0) {
    throw new UserError(`stack ${stack.name} has no checks: add them under checks: in ${stack.dir}/dayops.yaml`);
  }
  const resolved = resolveStackEnv(config, stack.dir, opts.env ?? process.env);
  const redactor = new Redactor(resolved.secretValues);
  const ctx: CheckContext = {
    dir: stack.dir,
    env: { ...(opts.env ?? process.env), ...resolved.env },
    prometheusUrl: config.monitoring?.prometheusUrl,
    tool: stack.tool,
    terraform: checks.some((c) => c.terraform) ? latestTerraformReport(db, stack.name) : undefined,
    redact: (t) => redactor.redact(t),
    signal: opts.signal,
  };
  const repo = new ChecksRepo(db);
  const rows = new Map<string, number>();
  const results = await runChecks(checks, ctx, {
    onStart: (c) =>
      rows.set(
        c.name,
        repo.start({ runId: null, stackId: stack.id, source: opts.source, name: c.name, kind: checkKind(c) }),
      ),
    onEnd: (r) => {
      const row = rows.get(r.name);
      if (row !== undefined) repo.end(row, r);
      opts.onEnd?.(r);
    },
  });
  return { stack: stack.name, status: overallStatus(results), checks: results };
}

/**
 * The latest failed scheduled checks: for each stack (or one stack), each scheduled check whose newest result
 * failed. For other code to raise alerts from, show beside a stack's alerts, or list in `dayops status`.
 */
export function latestFailedScheduledChecks(db: DB, stackId?: number): CheckRecord[] {
  return new ChecksRepo(db).latestScheduled(stackId).filter((c) => c.status === 'failed');
}
