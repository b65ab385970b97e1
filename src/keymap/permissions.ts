/**
 * The action each key binding takes, for the ones a team role may not be allowed (src/app/permissions.ts): the
 * footer and the `?` help leave out what the role cannot do; pressing such a key anyway says why (the same
 * refusals as `--readonly`). Kept beside the bindings, not in them, so the keymap stays one table of keys.
 */
import type { Action } from '../app/permissions.js';

export const BINDING_NEEDS: Readonly<Record<string, Action>> = {
  'day0.write': 'design',
  'day0.writeButton.write': 'design',
  'day1.list.proposed': 'start-run',
  'day1.list.tracked': 'start-run',
  'day1.run.approve': 'approve',
  'day1.run.discard': 'discard',
  'day1.run.cancel': 'cancel',
  'day1.run.rollback': 'start-run',
  'day2.dashboard.refresh': 'refresh',
  'day2.dashboard.check': 'check-drift',
  'day2.detail.refresh': 'refresh',
  'day2.drift.accept': 'triage',
  'day2.drift.snooze': 'triage',
  'day2.drift.clear': 'triage',
  'day2.drift.remediate': 'remediate',
  'day2.drift.check': 'check-drift',
  'day2.alerts.silence': 'silence',
  'day2.alerts.expire': 'silence',
  'day2.alerts.ack': 'ack',
  'day2.alert.silence': 'silence',
  'day2.alert.expire': 'silence',
  'day2.alert.ack': 'ack',
  'day2.snapshots.backup': 'backup',
  'day2.snapshots.verify': 'restore-test',
  'day2.runs.approve': 'approve',
  'day2.runs.discard': 'discard',
};

/** Whether the binding is shown to a user who may not take the `denied` actions. */
export function bindingShown(id: string, denied: ReadonlySet<Action>): boolean {
  const needs = BINDING_NEEDS[id];
  return needs === undefined || !denied.has(needs);
}
