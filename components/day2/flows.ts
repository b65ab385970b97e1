/**
 * The Day-2 dialogs, and the keys' actions mapped onto the use cases of src/app/day2, React-free. Each action that changes something asks first: a dialog is a
 * list of steps (a text, a choice, a confirm: for a prod stack, typing the stack's name), the store holds where
 * the operator is, and `perform` runs the action at the end. Quick actions (acknowledge, clear a triage, back up,
 * verify, check drift, refresh) run at once. Everything slow runs in the background: the view stays responsive,
 * `busy` names it in the status line and the flash line tells the outcome in one line.
 */
import * as app from '../../src/app/day2/index.js';
import type { AlertView } from '../../src/day2/alerts.js';
import type { Stack } from '../../src/domain/stack.js';
import { errorMessage } from '../../src/errors.js';
import type { Services } from '../../src/services.js';
import { roleRefusal, type Action } from '../../src/app/permissions.js';
import type { Day2Action, Day2Dialog } from '../../store/day2.js';
import type { AppStore } from '../../store/index.js';
import { compactDuration, localTime, parseDuration, parseUntil } from '../../src/app/day2/format.js';

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
  return app.stackOf(ctx.services, name);
}

const show = (ctx: Ctx, o: app.Outcome) => flash(ctx, o.level, o.text);

/** Refuse actions that write in read-only mode, or that the role may not take (team mode); true when refused. */
export function refuseReadonly(ctx: Ctx, what: string, action?: Action): boolean {
  const refused = app.readonlyRefusal(ctx.services, what, action);
  if (refused) flash(ctx, 'warning', refused);
  return refused !== null;
}

/** Refuse what the role may not do (team mode) though read-only mode allows it (drift checks, refreshes). */
export function refuseRole(ctx: Ctx, action: Action): boolean {
  const refused = roleRefusal(ctx.services.db, action);
  if (refused) flash(ctx, 'warning', refused);
  return refused !== null;
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

/** What the silence dialog shows of an alert, computed when it opens (null when the stack is gone). */
export const silenceValues = app.silenceValuesOf;

/** The dialog's last step was confirmed: do it (src/app/day2 does the work). */
export function perform(ctx: Ctx, d: Day2Dialog): void {
  const { services } = ctx;
  try {
    switch (d.action) {
      case 'accept': {
        show(ctx, app.acceptStackDrift(services, d.stack, d.target, d.values.note ?? ''));
        return;
      }
      case 'snooze': {
        const r = parseUntil(d.values.until ?? '', Date.now());
        if ('error' in r) throw new Error(r.error);
        show(ctx, app.snoozeStackDrift(services, d.stack, d.target, r.at, localTime(r.at), d.values.note ?? ''));
        return;
      }
      case 'silence': {
        const durationMs = parseDuration(d.values.duration ?? '') ?? 0;
        const scope = d.values.scope === 'labels' ? 'labels' : 'alert';
        background(ctx, `silence: ${d.stack}`, async () => {
          show(
            ctx,
            await app.silenceStackAlert(services, d.stack, d.target, {
              durationMs,
              durationLabel: d.values.duration ?? '',
              alertname: d.values.alertname ?? '',
              comment: d.values.comment,
              scope,
            }),
          );
        });
        return;
      }
      case 'expire': {
        const ids = d.target.split(',').filter(Boolean);
        stackOf(ctx, d.stack);
        background(ctx, `expire: ${d.stack}`, async () => show(ctx, await app.expireSilences(services, d.stack, ids)));
        return;
      }
      case 'remediate': {
        if (refuseReadonly(ctx, 'remediating drift', 'remediate')) return;
        background(ctx, `remediate: ${d.stack}`, async () => {
          const r = await app.remediateStackDrift(services, d.stack);
          ctx.store.getState().day2Watch({ runId: r.runId, stack: d.stack });
          show(ctx, r);
        });
        return;
      }
      case 'approve': {
        const runId = Number(d.target);
        background(ctx, `approve: #${runId}`, async () => {
          const r = await app.approveRun(services, runId, d.values.comment);
          if (r.applying) ctx.store.getState().day2Watch({ runId, stack: d.stack });
          show(ctx, r);
        });
        return;
      }
      case 'discard': {
        const runId = Number(d.target);
        background(ctx, `discard: #${runId}`, async () =>
          show(ctx, await app.discardRun(services, runId, d.values.comment)),
        );
        return;
      }
    }
  } catch (err) {
    flash(ctx, 'error', errorMessage(err).split('\n')[0]);
  }
}

// ------------------------------------------------------------------------------------------------ quick actions

export function toggleAck(ctx: Ctx, stack: string, a: AlertView): void {
  if (refuseReadonly(ctx, 'acknowledging', 'ack')) return;
  try {
    show(ctx, app.toggleAcknowledgement(ctx.services, stack, a));
  } catch (err) {
    flash(ctx, 'error', errorMessage(err).split('\n')[0]);
  }
}

export function clearDriftTriage(ctx: Ctx, stack: string, address: string): void {
  if (refuseReadonly(ctx, 'changing drift triage', 'triage')) return;
  try {
    show(ctx, app.clearDriftTriage(ctx.services, stack, address));
  } catch (err) {
    flash(ctx, 'error', errorMessage(err).split('\n')[0]);
  }
}

export function backupNow(ctx: Ctx, stack: string): void {
  if (refuseReadonly(ctx, 'backing up', 'backup')) return;
  background(ctx, `backup: ${stack}`, async () => show(ctx, await app.backupStack(ctx.services, stack)));
}

export function verifyNow(ctx: Ctx, stack: string, snapshotId?: string): void {
  if (refuseReadonly(ctx, 'a restore test', 'restore-test')) return;
  background(ctx, `verify: ${stack}`, async () =>
    show(ctx, await app.verifyStackBackup(ctx.services, stack, snapshotId)),
  );
}

export function checkDriftNow(ctx: Ctx, stack: string): void {
  if (refuseRole(ctx, 'check-drift')) return;
  background(ctx, `drift check: ${stack}`, async () => show(ctx, await app.checkStackDrift(ctx.services, stack)));
}

/** Refresh alerts (forced, even when backing off) and snapshot lists: of one stack, or of all. */
export function refreshNow(ctx: Ctx, stack?: string): void {
  if (refuseRole(ctx, 'refresh')) return;
  background(ctx, `refresh: ${stack ?? 'all'}`, async () => show(ctx, await app.refreshStacks(ctx.services, stack)));
}
