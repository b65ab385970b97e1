/**
 * Day-1's application layer, free of React: starting, approving, discarding and canceling runs, with the checks
 * and the one-line answers the TUI (components/day1/controller.ts) and the headless commands (src/commands/run.ts)
 * share. Everything goes through the RunService, which writes the audit log; what to show and where (panes,
 * flash line, stderr) stays with the caller.
 */
import { stateText } from '../../domain/run-words.js';
import type { ApproveResult, RunRecord, RunService } from '../../day1/runs.js';
import { isTerminal, type RunState } from '../../day1/runner/state.js';
import { formatSummary } from '../../domain/plan.js';
import { roleRefusal } from '../permissions.js';

/** What an operator can do to a run that exists. */
export type RunAction = 'approve' | 'discard' | 'cancel';

export type RunPurpose = 'proposed' | 'tracked';

/** Why a run of this purpose cannot start here, or null when it can. */
export function startRefusal(svc: RunService, purpose: RunPurpose): string | null {
  if (purpose === 'tracked' && svc.readonly)
    return 'readonly mode (--readonly): only proposed runs can start; p starts one (plan only, never applies)';
  return roleRefusal(svc.db, 'start-run');
}

/** Start a run of the stack; the answer says what was started. Errors (UserError) say why it could not. */
export async function startRun(
  svc: RunService,
  stackName: string,
  purpose: RunPurpose,
  trigger: 'tui' | 'cli' = 'tui',
): Promise<{ runId: number; message: string }> {
  const runId = await svc.start(stackName, { planOnly: purpose === 'proposed', trigger });
  return {
    runId,
    message:
      purpose === 'tracked'
        ? `Run #${runId} started: tracked run of ${stackName} (plan, then approval, then apply)`
        : `Run #${runId} started: proposed run of ${stackName} (plan only, never applies)`,
  };
}

/**
 * Why `svc.user` cannot take this action on the run now, or null when the action may go on to its confirm:
 * readonly mode or a role that may not (team mode), a run that ended (cancel), a run not waiting for approval (approve, discard), or an approval
 * this user already gave.
 */
export function actionRefusal(
  svc: RunService,
  run: RunRecord,
  action: RunAction,
): { level: 'warning' | 'error'; text: string } | null {
  const gerund = action === 'approve' ? 'approving' : action === 'discard' ? 'discarding' : 'canceling';
  if (svc.readonly) return { level: 'error', text: `readonly mode (--readonly): ${gerund} a run is not allowed` };
  const denied = roleRefusal(svc.db, action);
  if (denied) return { level: 'error', text: denied };
  if (action === 'cancel') {
    if (isTerminal(run.state))
      return {
        level: 'warning',
        text: `Run #${run.id} has already ended (${stateText(run.state)}); nothing to cancel`,
      };
    return null;
  }
  if (run.state !== 'UNCONFIRMED') {
    return {
      level: 'warning',
      text: `Run #${run.id} is ${stateText(run.state)}; only a run waiting for approval (${stateText('UNCONFIRMED')}) can be ${action === 'approve' ? 'approved' : 'discarded'}`,
    };
  }
  if (action === 'approve') {
    const given = svc.runs.approvals(run.id);
    if (given.some((a) => a.user === svc.user) && given.length < run.requiredApprovals)
      return {
        level: 'warning',
        text: `You (${svc.user}) already approved run #${run.id} (${given.length} of ${run.requiredApprovals}); another user must approve`,
      };
  }
  return null;
}

/** One line about the run for a confirm: its state, plan and approvals. */
export function actionDetail(svc: RunService, runId: number): string {
  const r = svc.get(runId);
  if (!r) return '';
  const parts: string[] = [stateText(r.state)];
  if (r.summary) parts.push(formatSummary(r.summary));
  if (r.state === 'UNCONFIRMED') parts.push(`approvals ${svc.runs.approvals(runId).length} of ${r.requiredApprovals}`);
  return parts.join(' · ');
}

/** The headless commands' line for an approval that is not enough yet. */
export function moreApprovalsNeeded(res: ApproveResult, user: string): string {
  return `approved by ${user} (${res.approvals} of ${res.required}); run ${res.runId} needs ${res.required - res.approvals} more approval(s) from other users`;
}

/** What an action did: the run's state after it and a line to show. */
export interface ActionOutcome {
  runId: number;
  action: RunAction;
  state: RunState;
  /** An approval that made the run apply (here). */
  applying: boolean;
  message: string;
}

/** Approve, discard or cancel the run as `svc.user`, with an optional comment for the audit log. */
export async function performRunAction(
  svc: RunService,
  action: RunAction,
  runId: number,
  comment?: string,
): Promise<ActionOutcome> {
  const note = comment || undefined;
  if (action === 'approve') {
    const r = await svc.approve(runId, svc.user, note);
    return {
      runId,
      action,
      state: r.state,
      applying: r.applying,
      message: r.applying
        ? `Approved run #${runId} (${r.approvals} of ${r.required}): applying`
        : `Approved run #${runId} (${r.approvals} of ${r.required}): ${r.required - r.approvals} more approval(s) needed from other users`,
    };
  }
  if (action === 'discard') {
    const r = await svc.discard(runId, svc.user, note);
    return {
      runId,
      action,
      state: r.state,
      applying: false,
      message: `Discarded run #${runId}: its plan will never be applied`,
    };
  }
  const r = await svc.cancel(runId, svc.user, note);
  return {
    runId,
    action,
    state: r.state,
    applying: false,
    message: isTerminal(r.state)
      ? `Run #${runId} ${r.state}`
      : `Canceling run #${runId}: its tool is being interrupted`,
  };
}
