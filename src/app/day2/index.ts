/**
 * Day-2's application layer, free of React: drift triage, alert silences and acknowledgements, backups and
 * restore tests, drift checks, remediation and refreshes, each as one function of the app's services that does
 * the work and says in one line what happened (an `Outcome`). The TUI (components/day2/flows.ts) asks first,
 * runs the slow ones in the background and shows the outcome in the flash line; the headless commands do the
 * same work through ./operations.ts. Errors are thrown (a UserError says why in one line).
 */
import {
  acknowledge,
  alertingTarget,
  expireSilence,
  silenceAlert,
  silenceMatchers,
  unacknowledge,
  type AlertView,
} from '../../day2/alerts.js';
import { formatMatcher } from '../../day2/alertmanager.js';
import { syncSlos } from '../../day2/slo.js';
import { stackConfigOf } from '../../day2/configs.js';
import { acceptDrift, clearTriage, remediate, snoozeDrift } from '../../day2/drift.js';
import { backupStackNow, checkStackDriftNow, refreshAlertsNow, restoreTestNow, snapshotsOf } from './operations.js';
import type { RunService } from '../../day1/runs.js';
import type { Stack } from '../../domain/stack.js';
import type { Services } from '../../services.js';
import { roleRefusal, type Action } from '../permissions.js';

/** What an action did, in one line, with how loud to say it. */
export interface Outcome {
  level: 'info' | 'warning' | 'error';
  text: string;
}

const info = (text: string): Outcome => ({ level: 'info', text });

/** The registered stack of this name; a stack removed meanwhile is an error. */
export function stackOf(services: Services, name: string): Stack {
  const s = services.repos.stacks.get(name);
  if (!s) throw new Error(`stack ${name} is gone`);
  return s;
}

/** Why an action that writes is refused (read-only mode, or in team mode a role that may not), or null. */
export function readonlyRefusal(services: Services, what: string, action?: Action): string | null {
  if (services.readonly) return `read-only (--readonly): ${what} is not allowed`;
  return action ? roleRefusal(services.db, action) : null;
}

/** The app's run service, loaded when an action needs it (it brings the tool adapters and the policy engine). */
async function runService(services: Services): Promise<RunService> {
  const { RUN_SERVICE } = await import('../../day1/run-service/key.js');
  return services.use(RUN_SERVICE);
}

// ------------------------------------------------------------------------------------------------ drift

export function acceptStackDrift(services: Services, stack: string, address: string, note: string): Outcome {
  acceptDrift(services.db, stackOf(services, stack).id, address, note, services.user);
  return info(`accepted the drift of ${address}`);
}

/** Snooze until `until` (epoch ms); `untilLabel` is how the operator reads that time. */
export function snoozeStackDrift(
  services: Services,
  stack: string,
  address: string,
  until: number,
  untilLabel: string,
  note: string,
): Outcome {
  snoozeDrift(services.db, stackOf(services, stack).id, address, until, note, services.user);
  return info(`snoozed ${address} until ${untilLabel}`);
}

export function clearDriftTriage(services: Services, stack: string, address: string): Outcome {
  clearTriage(services.db, stackOf(services, stack).id, address, services.user);
  return info(`${address} is open drift again`);
}

export async function checkStackDrift(services: Services, stack: string): Promise<Outcome> {
  const r = await checkStackDriftNow(await runService(services), services.db, stack, {
    trigger: 'tui',
    user: services.user,
  });
  if (r.status === 'failed') return { level: 'error', text: `drift check of ${stack} failed: ${r.error ?? ''}` };
  return r.status === 'drifted'
    ? { level: 'warning', text: `${stack} drifted: ${r.drifted} open of ${r.resources.length}` }
    : info(`${stack} is ${r.status.replace('_', ' ')}`);
}

/** Start a remediation run (it plans, then waits for approval). */
export async function remediateStackDrift(services: Services, stack: string): Promise<{ runId: number } & Outcome> {
  const runId = await remediate(await runService(services), services.db, stack, services.user, { trigger: 'tui' });
  return { runId, ...info(`remediation run #${runId} of ${stack} started: it plans, then waits for your approval`) };
}

/** Approve a run waiting for approval (a remediation, say) as the app's user. */
export async function approveRun(
  services: Services,
  runId: number,
  comment?: string,
): Promise<{ applying: boolean } & Outcome> {
  const r = await (await runService(services)).approve(runId, services.user, comment || undefined);
  return {
    applying: r.applying,
    ...info(
      r.applying
        ? `approved run #${runId}: applying`
        : `approved run #${runId} (${r.approvals} of ${r.required}); another approver is needed`,
    ),
  };
}

export async function discardRun(services: Services, runId: number, comment?: string): Promise<Outcome> {
  await (await runService(services)).discard(runId, services.user, comment || undefined);
  return info(`discarded run #${runId}`);
}

// ------------------------------------------------------------------------------------------------ alerts

/** What the silence dialog shows of an alert: its name, the matchers of each scope, the Alertmanager. */
export function silenceValues(stack: Stack, a: AlertView): Record<string, string> {
  const target = alertingTarget(stack);
  const fmt = (scope: 'alert' | 'labels') =>
    silenceMatchers(a, scope, target?.matchers ?? [])
      .map(formatMatcher)
      .join(', ');
  return {
    alertname: a.alertname,
    alertMatchers: fmt('alert'),
    labelMatchers: fmt('labels'),
    url: target?.url ?? '(no alerting.alertmanagerUrl)',
  };
}

/** The silence dialog's values of an alert of a registered stack, or null when the stack is gone. */
export function silenceValuesOf(services: Services, stack: string, a: AlertView): Record<string, string> | null {
  const s = services.repos.stacks.get(stack);
  return s ? silenceValues(s, a) : null;
}

export async function silenceStackAlert(
  services: Services,
  stack: string,
  fingerprint: string,
  opts: { durationMs: number; durationLabel: string; alertname: string; comment?: string; scope: 'alert' | 'labels' },
): Promise<Outcome> {
  const r = await silenceAlert(services.db, stack, fingerprint, {
    durationMs: opts.durationMs,
    comment: opts.comment,
    user: services.user,
    scope: opts.scope,
  });
  const synced = r.sync && !r.sync.ok ? `; the re-sync failed: ${r.sync.error}` : '';
  return {
    level: synced ? 'warning' : 'info',
    text: `silenced ${opts.alertname} for ${opts.durationLabel} (silence ${r.silence.id.slice(0, 8)})${synced}`,
  };
}

/** Expire silences; one not stored here is expired on the stack's Alertmanager. */
export async function expireSilences(services: Services, stack: string, ids: readonly string[]): Promise<Outcome> {
  let url: string | undefined;
  try {
    url = alertingTarget(stackOf(services, stack))?.url;
  } catch {
    /* the stored silence knows its Alertmanager */
  }
  for (const id of ids) {
    const known = services.repos.alerts.silence(id) !== undefined;
    await expireSilence(services.db, id, services.user, { url: url && !known ? url : undefined });
  }
  return info(`expired ${ids.length === 1 ? `silence ${ids[0].slice(0, 8)}` : `${ids.length} silences`}`);
}

/** Acknowledge an alert, or take the acknowledgement back when it has one. */
export function toggleAcknowledgement(services: Services, stack: string, a: AlertView): Outcome {
  if (a.acknowledged) {
    unacknowledge(services.db, stack, a.fingerprint, services.user);
    return info(`took back the acknowledgement of ${a.alertname}`);
  }
  acknowledge(services.db, stack, a.fingerprint, services.user);
  return info(`acknowledged ${a.alertname}`);
}

// ------------------------------------------------------------------------------------------------ backups

export async function backupStack(services: Services, stack: string): Promise<Outcome> {
  const r = await backupStackNow(services.db, stackOf(services, stack), {
    user: services.user,
    trigger: 'tui',
    env: services.env,
  });
  return r.ok
    ? info(`backed up ${stack}: snapshot ${r.shortId}`)
    : { level: 'warning', text: `snapshot ${r.shortId} of ${stack} is incomplete: ${r.errors[0] ?? ''}` };
}

export async function verifyStackBackup(services: Services, stack: string, snapshotId?: string): Promise<Outcome> {
  const r = await restoreTestNow(services.db, stackOf(services, stack), {
    user: services.user,
    trigger: 'tui',
    env: services.env,
    snapshotId,
  });
  return r.ok
    ? info(`restore test of ${r.snapshotId?.slice(0, 8) ?? stack} passed`)
    : { level: 'error', text: `restore test of ${stack} failed: ${r.error ?? ''}` };
}

// ------------------------------------------------------------------------------------------------ refresh

/** Refresh alerts and SLOs (forced, even when backing off) and snapshot lists: of one stack, or of all. */
export async function refreshStacks(services: Services, stack?: string): Promise<Outcome> {
  const { db, env } = services;
  const [results, slos] = await Promise.all([
    refreshAlertsNow(db, stack ? [stack] : undefined),
    syncSlos(db, stack ? [stack] : undefined, { force: true }),
  ]);
  const failed = results.filter((r) => !r.ok);
  for (const r of slos) if (!r.ok && !r.skipped) failed.push({ ...r, alerts: 0, error: `slo: ${r.error ?? ''}` });
  if (stack) {
    const s = stackOf(services, stack);
    if (stackConfigOf(s.dir).config?.backups) {
      const l = await snapshotsOf(db, s, { refresh: true, env, trigger: 'tui' });
      if (l.error)
        failed.push({ stack, stackId: s.id, ok: false, skipped: false, alerts: 0, error: `snapshots: ${l.error}` });
    }
  } else {
    // A round of snapshot lists now (restic for stale lists only), apart from the app's refresher.
    const { Refresher } = await import('../../day2/refresh.js');
    await new Refresher({ db, env, timers: false }).refreshSnapshots();
  }
  return failed.length
    ? { level: 'warning', text: `refreshed; ${failed.length} failed: ${failed[0].stack}: ${failed[0].error ?? ''}` }
    : info(`refreshed ${stack ?? `${results.length} stacks' alerts`}`);
}
