/** How runs leave dayops: diagnostics as one line, `--json`, and the exit code of a headless command. */
import type { RunDetail } from '../../db/runs.js';
import { fullSummary, type Diagnostic } from '../../domain/plan.js';
import { runKindName } from '../../domain/run-words.js';
import { isTerminal, type RunState } from '../runner/state.js';

export function formatDiagnostic(d: Diagnostic): string {
  const where = [d.address, d.location].filter(Boolean).join(', ');
  const summary = d.summary.replace(/\s+/g, ' ').trim();
  return `${summary}${where ? ` (${where})` : ''}${d.detail ? `: ${d.detail.split('\n')[0]}` : ''}`;
}

/** Exit code of a run that ended FINISHED after an apply whose validation failed (issue 11). */
export const VALIDATION_FAILED_EXIT = 5;

/**
 * Exit code of a headless command for a run: as its state (exitCodeFor), but 5 when it FINISHED (the apply
 * succeeded) and its after-apply validation failed.
 */
export function exitCodeForRun(run: { state: RunState; validationStatus: 'passed' | 'failed' | null }): number {
  if (run.state === 'FINISHED' && run.validationStatus === 'failed') return VALIDATION_FAILED_EXIT;
  return exitCodeFor(run.state);
}

/** Exit code of a headless command for a run's state: 0 FINISHED, 1 FAILED/CANCELED/DISCARDED, 3 POLICY_DENIED, 4 waiting. */
export function exitCodeFor(state: RunState): number {
  switch (state) {
    case 'FINISHED':
      return 0;
    case 'POLICY_DENIED':
      return 3;
    case 'UNCONFIRMED':
      return 4;
    default:
      return isTerminal(state) ? 1 : 4;
  }
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A diagnostic in `--json`: where it is (`file`, `line`, `column`) and its `detail`, null when the tool gave none. */
function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return { ...d, detail: d.detail ?? null, file: d.file ?? null, line: d.line ?? null, column: d.column ?? null };
}

/** The `--json` shape of a run (dayops run/approve/runs). */
export function runJson(d: RunDetail): Record<string, unknown> {
  return {
    id: d.id,
    stack: d.stackName,
    environment: d.stackEnvironment,
    tool: d.stackTool,
    kind: d.kind,
    purpose: d.purpose,
    kindName: runKindName(d),
    state: d.state,
    triggeredBy: d.triggeredBy,
    trigger: d.trigger,
    summary: fullSummary(d.summary),
    changes: d.plan?.changes ?? [],
    drift: d.plan?.drift ?? [],
    diagnostics: [...d.diagnostics, ...(d.plan?.diagnostics ?? []), ...(d.apply?.diagnostics ?? [])].map(
      diagnosticJson,
    ),
    policies: d.policies,
    approvals: {
      required: d.requiredApprovals,
      given: d.approvals.map((a) => ({ user: a.user, comment: a.comment, at: iso(a.at) })),
    },
    applied: d.apply ? { summary: fullSummary(d.apply.summary), changes: d.apply.changes } : null,
    error: d.error,
    logLines: d.logLines,
    createdAt: iso(d.createdAt),
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    durationMs: d.durationMs,
    transitions: d.transitions.map((t) => ({ state: t.state, at: iso(t.at), note: t.note })),
    validation: validationJson(d),
  };
}

/**
 * `validation` in `--json`: `{status, checks: [{name, kind, status, durationMs, message}]}`, null when the run ran
 * no checks. `status` is null (and a check's `running`) only while the run is VALIDATING.
 */
export function validationJson(d: Pick<RunDetail, 'validation'>): Record<string, unknown> | null {
  if (!d.validation) return null;
  return {
    status: d.validation.status,
    checks: d.validation.checks.map((c) => ({
      name: c.name,
      kind: c.kind,
      status: c.status,
      durationMs: c.durationMs,
      message: c.message,
    })),
  };
}
