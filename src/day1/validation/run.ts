/**
 * Running checks: each one retried with backoff until it passes or its `within` window ends (default 2m), several
 * at once (at most `concurrency`), each reported as it starts and as it ends.
 */
import { checkKind, DEFAULT_WITHIN_MS, type CheckConfig } from '../../config/checks-config.js';
import type { ApplyResult, PlanResult } from '../../domain/plan.js';
import { commandAttempt, httpAttempt, prometheusAttempt, tcpAttempt, terraformAttempt } from './probes.js';
import type { Attempt, CheckContext, CheckResult, TerraformCheckReport } from './types.js';

/** How many checks run at once. */
export const CHECK_CONCURRENCY = 4;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 15_000;

function attempt(check: CheckConfig, ctx: CheckContext): Promise<Attempt> | Attempt {
  if (check.http) return httpAttempt(check.http, ctx);
  if (check.prometheus) return prometheusAttempt(check.prometheus, ctx);
  if (check.tcp) return tcpAttempt(check.tcp, ctx);
  if (check.command) return commandAttempt(check.command, check.timeout, ctx);
  return terraformAttempt(ctx);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** One check to its verdict: retried with backoff (1 s, doubling, at most 15 s) until it passes or `within` ends. */
export async function runCheck(check: CheckConfig, ctx: CheckContext, now = Date.now): Promise<CheckResult> {
  const start = now();
  const within = check.within ?? DEFAULT_WITHIN_MS;
  const redact = ctx.redact ?? ((t: string) => t);
  let backoff = FIRST_BACKOFF_MS;
  let attempts = 0;
  for (;;) {
    attempts++;
    let a: Attempt;
    try {
      a = await attempt(check, ctx);
    } catch (err) {
      a = { ok: false, message: `could not run: ${(err as Error)?.message ?? String(err)}`, final: true };
    }
    const left = start + within - now();
    if (a.ok || a.final || ctx.signal?.aborted || left <= 0) {
      const message = redact(a.message);
      return {
        name: check.name,
        kind: checkKind(check),
        status: a.ok ? 'passed' : 'failed',
        durationMs: now() - start,
        message: !a.ok && attempts > 1 ? `${message} (after ${attempts} attempts)` : message,
        ...(a.output !== undefined ? { output: a.output } : {}),
        attempts,
      };
    }
    await sleep(Math.min(backoff, left), ctx.signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

export interface RunChecksHooks {
  onStart?: (check: CheckConfig) => void;
  onEnd?: (result: CheckResult) => void;
  concurrency?: number;
}

/** Every check, at most `concurrency` at once; results in the order of the checks. */
export async function runChecks(
  checks: readonly CheckConfig[],
  ctx: CheckContext,
  hooks: RunChecksHooks = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array<CheckResult>(checks.length);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      hooks.onStart?.(checks[i]);
      results[i] = await runCheck(checks[i], ctx);
      hooks.onEnd?.(results[i]);
    }
  };
  const n = Math.max(1, Math.min(hooks.concurrency ?? CHECK_CONCURRENCY, checks.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/** The failure messages of the configuration's check blocks, from an apply's diagnostics (Terraform 1.11). */
export function terraformReport(
  runId: number,
  plan: Pick<PlanResult, 'checks'> | null | undefined,
  apply: Pick<ApplyResult, 'diagnostics'> | null | undefined,
): TerraformCheckReport {
  const failures: Record<string, string[]> = {};
  for (const d of apply?.diagnostics ?? []) {
    if (!d.check) continue;
    (failures[d.check] ??= []).push(d.detail?.split('\n')[0] || d.summary);
  }
  return { runId, checks: plan?.checks ?? [], failures };
}

/** `passed` when every check passed. */
export function overallStatus(results: readonly CheckResult[]): 'passed' | 'failed' {
  return results.every((r) => r.status === 'passed') ? 'passed' : 'failed';
}
