/**
 * The Day-2 actions and their dialogs, React-free. Each action that changes something asks first: a dialog is a
 * list of steps (a text, a choice, a confirm: for a prod stack, typing the stack's name), the store holds where
 * the operator is, and `perform` runs the action at the end. Quick actions (acknowledge, clear a triage, back up,
 * verify, check drift, refresh) run at once. Everything slow runs in the background: the view stays responsive,
 * `busy` names it in the status line and the flash line tells the outcome in one line.
 */
import {
  acknowledge,
  alertingTarget,
  expireSilence,
  silenceAlert,
  silenceMatchers,
  syncAlerts,
  unacknowledge,
  type AlertView,
} from '../../src/day2/alerts.js';
import { formatMatcher } from '../../src/day2/alertmanager.js';
import { listSnapshots, runBackup, verifyBackup } from '../../src/day2/backups.js';
import { acceptDrift, checkDrift, clearTriage, remediate, snoozeDrift } from '../../src/day2/drift.js';
import type { RunService } from '../../src/day1/runs.js';
import { stackConfigOf } from '../../src/day2/configs.js';
import type { Stack } from '../../src/domain/stack.js';
import { errorMessage } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import type { Day2Action, Day2Dialog } from '../../store/day2.js';
import type { AppStore } from '../../store/index.js';
import { compactDuration, localTime, parseDuration, parseUntil } from './format.js';

export type Step =
  | {
      kind: 'text';
      field: string;
      prompt: (d: Day2Dialog) => string;
      /** What the field starts with. */
      initial?: string;
      /** Empty is refused with this message. */
      required?: string;
      /** A reason the text is refused, or null. */
      validate?: (text: string, now: number) => string | null;
      /** A live reading of what is typed ("until Tue 14:00"). */
      preview?: (text: string, now: number) => string;
    }
  | {
      kind: 'choice';
      field: string;
      prompt: (d: Day2Dialog) => string;
      options: (d: Day2Dialog) => { value: string; label: string }[];
    }
  | { kind: 'confirm'; prompt: (d: Day2Dialog) => string };

const until = (text: string, now: number) => {
  const r = parseUntil(text, now);
  return 'error' in r ? r.error : null;
};

export const FLOWS: Record<Day2Action, Step[]> = {
  accept: [
    {
      kind: 'text',
      field: 'note',
      prompt: (d) => `Why accept the drift of ${d.target} as it is now? (a note for the audit log)`,
      required: 'a note is needed: say why this drift is fine',
    },
    { kind: 'confirm', prompt: (d) => `Accept ${d.target} as it is now? It shows as accepted until it changes again.` },
  ],
  snooze: [
    {
      kind: 'text',
      field: 'until',
      initial: '1d',
      prompt: (d) => `Snooze ${d.target} until (4h, 2d, 1w, or a date such as 2025-07-01 09:00)`,
      validate: until,
      preview: (text, now) => {
        const r = parseUntil(text, now);
        return 'error' in r ? '' : `until ${localTime(r.at)} (in ${compactDuration(r.at - now)})`;
      },
    },
    { kind: 'text', field: 'note', prompt: () => 'Why? (optional, for the audit log)' },
  ],
  silence: [
    {
      kind: 'choice',
      field: 'scope',
      prompt: (d) => `Silence ${d.values.alertname}:`,
      options: (d) => [
        { value: 'alert', label: `this alert only: ${d.values.alertMatchers}` },
        { value: 'labels', label: `every alert matching its labels: ${d.values.labelMatchers}` },
      ],
    },
    {
      kind: 'text',
      field: 'duration',
      initial: '2h',
      prompt: () => 'For how long? (30m, 2h, 1d)',
      validate: (t) => (parseDuration(t) === null ? `"${t}" is not a duration such as 30m, 2h or 1d` : null),
      preview: (t, now) => {
        const ms = parseDuration(t);
        return ms === null ? '' : `until ${localTime(now + ms)}`;
      },
    },
    {
      kind: 'text',
      field: 'comment',
      prompt: () => 'Comment (who is on it and why; Alertmanager shows it)',
      required: 'a silence needs a comment',
    },
    {
      kind: 'confirm',
      prompt: (d) =>
        `Create a silence in ${d.values.url} for ${d.values.duration} matching ${d.values.scope === 'labels' ? d.values.labelMatchers : d.values.alertMatchers}?`,
    },
  ],
  expire: [{ kind: 'confirm', prompt: (d) => `Expire ${d.values.what}? The alerts it mutes notify again.` }],
  remediate: [
    {
      kind: 'confirm',
      prompt: (d) =>
        `Remediate the drift of ${d.stack}: a tracked run plans the code against the real infrastructure, checks the policies, and waits for approval before it applies. Start it?`,
    },
  ],
  approve: [
    {
      kind: 'text',
      field: 'comment',
      prompt: (d) => `Approve run #${d.target} (${d.values.what}): comment (optional)`,
    },
    {
      kind: 'confirm',
      prompt: (d) =>
        `Approve run #${d.target} of ${d.stack}? ${d.values.what}; it applies as soon as the approvals are enough.`,
    },
  ],
  discard: [
    { kind: 'text', field: 'comment', prompt: (d) => `Discard run #${d.target}: why? (optional)` },
    {
      kind: 'confirm',
      prompt: (d) => `Discard run #${d.target} of ${d.stack}? Its plan is dropped and nothing is applied.`,
    },
  ],
};

/** A confirm of a prod stack is given by typing the stack's name. */
export const typesName = (d: Day2Dialog): boolean => d.values.prod === '1';

// ------------------------------------------------------------------------------------------------ running

export interface Ctx {
  services: Services;
  store: AppStore;
}

function flash(ctx: Ctx, level: 'info' | 'warning' | 'error', text: string): void {
  ctx.store.getState().showFlash(level, text);
}

function stackOf(ctx: Ctx, name: string): Stack {
  const s = ctx.services.repos.stacks.get(name);
  if (!s) throw new Error(`stack ${name} is gone`);
  return s;
}

/** Refuse actions that write in read-only mode; true when refused. */
export function refuseReadonly(ctx: Ctx, what: string): boolean {
  if (!ctx.services.readonly) return false;
  flash(ctx, 'warning', `read-only (--readonly): ${what} is not allowed`);
  return true;
}

/** Run something in the background under a busy label; its error is the flash line, never a crash. */
export function background(ctx: Ctx, label: string, work: () => Promise<void>): void {
  const s = ctx.store.getState();
  if (s.day2.busy.includes(label)) {
    flash(ctx, 'warning', `${label} is already running`);
    return;
  }
  s.day2Busy(label, true);
  void work()
    .catch((err) => flash(ctx, 'error', `${label}: ${errorMessage(err).split('\n')[0]}`))
    .finally(() => {
      try {
        ctx.store.getState().day2Busy(label, false);
      } catch {
        /* unmounted */
      }
    });
}

/** What the dialog of `action` needs to show, computed when it opens. */
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

/** The dialog's last step was confirmed: do it. */
export function perform(ctx: Ctx, d: Day2Dialog): void {
  const { services } = ctx;
  const db = services.db;
  const user = services.user;
  try {
    switch (d.action) {
      case 'accept': {
        acceptDrift(db, stackOf(ctx, d.stack).id, d.target, d.values.note ?? '', user);
        flash(ctx, 'info', `accepted the drift of ${d.target}`);
        return;
      }
      case 'snooze': {
        const r = parseUntil(d.values.until ?? '', Date.now());
        if ('error' in r) throw new Error(r.error);
        snoozeDrift(db, stackOf(ctx, d.stack).id, d.target, r.at, d.values.note ?? '', user);
        flash(ctx, 'info', `snoozed ${d.target} until ${localTime(r.at)}`);
        return;
      }
      case 'silence': {
        const durationMs = parseDuration(d.values.duration ?? '') ?? 0;
        const scope = d.values.scope === 'labels' ? 'labels' : 'alert';
        background(ctx, `silence: ${d.stack}`, async () => {
          const r = await silenceAlert(db, d.stack, d.target, { durationMs, comment: d.values.comment, user, scope });
          const synced = r.sync && !r.sync.ok ? `; the re-sync failed: ${r.sync.error}` : '';
          flash(
            ctx,
            synced ? 'warning' : 'info',
            `silenced ${d.values.alertname} for ${d.values.duration} (silence ${r.silence.id.slice(0, 8)})${synced}`,
          );
        });
        return;
      }
      case 'expire': {
        const ids = d.target.split(',').filter(Boolean);
        const stack = stackOf(ctx, d.stack);
        let url: string | undefined;
        try {
          url = alertingTarget(stack)?.url;
        } catch {
          /* the stored silence knows its Alertmanager */
        }
        background(ctx, `expire: ${d.stack}`, async () => {
          for (const id of ids)
            await expireSilence(db, id, user, { url: url && !knownSilence(ctx, id) ? url : undefined });
          flash(
            ctx,
            'info',
            `expired ${ids.length === 1 ? `silence ${ids[0].slice(0, 8)}` : `${ids.length} silences`}`,
          );
        });
        return;
      }
      case 'remediate': {
        if (refuseReadonly(ctx, 'remediating drift')) return;
        background(ctx, `remediate: ${d.stack}`, async () => {
          const runId = await remediate(await runService(services), db, d.stack, user, { trigger: 'tui' });
          ctx.store.getState().day2Watch({ runId, stack: d.stack });
          flash(ctx, 'info', `remediation run #${runId} of ${d.stack} started: it plans, then waits for your approval`);
        });
        return;
      }
      case 'approve': {
        const runId = Number(d.target);
        background(ctx, `approve: #${runId}`, async () => {
          const r = await (await runService(services)).approve(runId, user, d.values.comment || undefined);
          if (r.applying) ctx.store.getState().day2Watch({ runId, stack: d.stack });
          flash(
            ctx,
            'info',
            r.applying
              ? `approved run #${runId}: applying`
              : `approved run #${runId} (${r.approvals} of ${r.required}); another approver is needed`,
          );
        });
        return;
      }
      case 'discard': {
        const runId = Number(d.target);
        background(ctx, `discard: #${runId}`, async () => {
          await (await runService(services)).discard(runId, user, d.values.comment || undefined);
          flash(ctx, 'info', `discarded run #${runId}`);
        });
        return;
      }
    }
  } catch (err) {
    flash(ctx, 'error', errorMessage(err).split('\n')[0]);
  }
}

/** The app's run service, loaded when an action needs it (it brings the tool adapters and the policy engine). */
async function runService(services: Services): Promise<RunService> {
  const { appRunService } = await import('../../src/day2/refresh.js');
  return appRunService(services);
}

function knownSilence(ctx: Ctx, id: string): boolean {
  return ctx.services.repos.alerts.silence(id) !== undefined;
}

// ------------------------------------------------------------------------------------------------ quick actions

export function toggleAck(ctx: Ctx, stack: string, a: AlertView): void {
  if (refuseReadonly(ctx, 'acknowledging')) return;
  try {
    if (a.acknowledged) {
      unacknowledge(ctx.services.db, stack, a.fingerprint, ctx.services.user);
      flash(ctx, 'info', `took back the acknowledgement of ${a.alertname}`);
    } else {
      acknowledge(ctx.services.db, stack, a.fingerprint, ctx.services.user);
      flash(ctx, 'info', `acknowledged ${a.alertname}`);
    }
  } catch (err) {
    flash(ctx, 'error', errorMessage(err).split('\n')[0]);
  }
}

export function clearDriftTriage(ctx: Ctx, stack: string, address: string): void {
  if (refuseReadonly(ctx, 'changing drift triage')) return;
  try {
    clearTriage(ctx.services.db, stackOf(ctx, stack).id, address, ctx.services.user);
    flash(ctx, 'info', `${address} is open drift again`);
  } catch (err) {
    flash(ctx, 'error', errorMessage(err).split('\n')[0]);
  }
}

export function backupNow(ctx: Ctx, stack: string): void {
  if (refuseReadonly(ctx, 'backing up')) return;
  background(ctx, `backup: ${stack}`, async () => {
    const r = await runBackup(ctx.services.db, stackOf(ctx, stack), {
      user: ctx.services.user,
      trigger: 'tui',
      env: ctx.services.env,
    });
    flash(
      ctx,
      r.ok ? 'info' : 'warning',
      r.ok
        ? `backed up ${stack}: snapshot ${r.shortId}`
        : `snapshot ${r.shortId} of ${stack} is incomplete: ${r.errors[0] ?? ''}`,
    );
  });
}

export function verifyNow(ctx: Ctx, stack: string, snapshotId?: string): void {
  if (refuseReadonly(ctx, 'a restore test')) return;
  background(ctx, `verify: ${stack}`, async () => {
    const r = await verifyBackup(ctx.services.db, stackOf(ctx, stack), {
      user: ctx.services.user,
      trigger: 'tui',
      env: ctx.services.env,
      snapshotId,
    });
    flash(
      ctx,
      r.ok ? 'info' : 'error',
      r.ok
        ? `restore test of ${r.snapshotId?.slice(0, 8) ?? stack} passed`
        : `restore test of ${stack} failed: ${r.error ?? ''}`,
    );
  });
}

export function checkDriftNow(ctx: Ctx, stack: string): void {
  background(ctx, `drift check: ${stack}`, async () => {
    const r = await checkDrift(await runService(ctx.services), ctx.services.db, stack, {
      trigger: 'tui',
      user: ctx.services.user,
    });
    if (r.status === 'failed') flash(ctx, 'error', `drift check of ${stack} failed: ${r.error ?? ''}`);
    else
      flash(
        ctx,
        r.status === 'drifted' ? 'warning' : 'info',
        r.status === 'drifted'
          ? `${stack} drifted: ${r.drifted} open of ${r.resources.length}`
          : `${stack} is ${r.status.replace('_', ' ')}`,
      );
  });
}

/** Refresh alerts (forced, even when backing off) and snapshot lists: of one stack, or of all. */
export function refreshNow(ctx: Ctx, stack?: string): void {
  const { db } = ctx.services;
  background(ctx, `refresh: ${stack ?? 'all'}`, async () => {
    const results = await syncAlerts(db, stack ? [stack] : undefined, { force: true });
    const failed = results.filter((r) => !r.ok);
    if (stack) {
      const s = stackOf(ctx, stack);
      if (stackConfigOf(s.dir).config?.backups) {
        const l = await listSnapshots(db, s, { refresh: true, env: ctx.services.env, trigger: 'tui' });
        if (l.error)
          failed.push({ stack, stackId: s.id, ok: false, skipped: false, alerts: 0, error: `snapshots: ${l.error}` });
      }
    } else {
      // A round of snapshot lists now (restic for stale lists only), apart from the app's refresher.
      const { Refresher } = await import('../../src/day2/refresh.js');
      await new Refresher({ db, env: ctx.services.env, timers: false }).refreshSnapshots();
    }
    if (failed.length)
      flash(ctx, 'warning', `refreshed; ${failed.length} failed: ${failed[0].stack}: ${failed[0].error ?? ''}`);
    else flash(ctx, 'info', `refreshed ${stack ?? `${results.length} stacks' alerts`}`);
  });
}
