/**
 * Keys of the Day-2 views, React-free: the view hands each key event here with what is on screen (the rows of the
 * dashboard, the items of the open section, page sizes). State is always read from the store (`getState()`), so
 * keys that arrive in one chunk each see the previous key's result.
 */
import { stateText } from '../../src/domain/run-words.js';
import type { Key } from 'ink';
import { commandFor, isKey } from '../../src/keymap/index.js';
import type { Day2Action, Day2Dialog } from '../../store/day2.js';
import type { AppStore } from '../../store/index.js';
import { editKey } from '../day0/TextField.js';
import {
  backupNow,
  checkDriftNow,
  clearDriftTriage,
  FLOWS,
  perform,
  refreshNow,
  refuseReadonly,
  silenceValues,
  toggleAck,
  typesName,
  verifyNow,
  type Ctx,
} from './flows.js';
import { matches, parseFilter, sortRows, type Row } from '../../src/app/day2/dashboard.js';
import { isProdStack } from '../../src/app/day2/readers.js';
import type { Item } from './sections.js';

export interface Screen {
  /** Every row (unfiltered): the dashboard filters and sorts them per key, from the store's current state. */
  rows: Row[];
  /** Rows of the dashboard list on screen. */
  dashboardPage: number;
  /** Items of the open section, and how many fit. */
  items: Item[];
  itemsPage: number;
  /** Lines of the open alert's detail, and how many fit. */
  alertLines: number;
  alertPage: number;
}

/** The dashboard's rows as shown: filtered, then sorted. */
export function visibleRows(
  rows: Row[],
  filter: string,
  sort: Parameters<typeof sortRows>[1],
  reverse: boolean,
): Row[] {
  const f = parseFilter(filter);
  return sortRows(
    rows.filter((r) => matches(r, f)),
    sort,
    reverse,
  );
}

/** The index after a motion key, or undefined when the key is no motion. */
function motion(input: string, key: Key, index: number, count: number, page: number): number | undefined {
  const last = Math.max(0, count - 1);
  if (isKey('nav.down', input, key)) return Math.min(last, index + 1);
  if (isKey('nav.up', input, key)) return Math.max(0, index - 1);
  // A page keeps one row of the last one on screen: never a row skipped.
  if (isKey('nav.pageDown', input, key)) return Math.min(last, index + Math.max(1, page - 1));
  if (isKey('nav.pageUp', input, key)) return Math.max(0, index - Math.max(1, page - 1));
  if (isKey('nav.top', input, key)) return 0;
  if (isKey('nav.bottom', input, key)) return last;
  return undefined;
}

/** Open a dialog at its first step (a text step starts with its default value). */
export function openFlow(
  store: AppStore,
  action: Day2Action,
  stack: string,
  target: string,
  values: Record<string, string> = {},
): void {
  const s = store.getState();
  s.day2OpenDialog(action, stack, target, values);
  startStep(store);
}

function startStep(store: AppStore): void {
  const d = store.getState().day2.dialog;
  if (!d) return;
  const step = FLOWS[d.action][d.step];
  const text = step?.kind === 'text' ? (d.values[step.field] ?? step.initial ?? '') : '';
  store.getState().day2UpdateDialog({ text, cursor: text.length, choice: 0 });
}

function advance(ctx: Ctx, patch: Partial<Day2Dialog>): void {
  const s = ctx.store.getState();
  const d = { ...s.day2.dialog!, ...patch };
  const steps = FLOWS[d.action];
  if (d.step + 1 >= steps.length) {
    s.day2CloseDialog();
    perform(ctx, d);
    return;
  }
  s.day2UpdateDialog({ ...patch, step: d.step + 1 });
  startStep(ctx.store);
}

function dialogKey(ctx: Ctx, d: Day2Dialog, input: string, key: Key): void {
  const s = ctx.store.getState();
  const step = FLOWS[d.action][d.step];
  if (!step) return s.day2CloseDialog();
  if (step.kind === 'choice') {
    const n = step.options(d).length;
    if (isKey('day2.choose.cancel', input, key)) return s.day2CloseDialog();
    if (isKey('day2.choose.down', input, key)) return s.day2UpdateDialog({ choice: Math.min(n - 1, d.choice + 1) });
    if (isKey('day2.choose.up', input, key)) return s.day2UpdateDialog({ choice: Math.max(0, d.choice - 1) });
    if (isKey('day2.choose.pick', input, key)) {
      const opt = step.options(d)[d.choice];
      return advance(ctx, { values: { ...d.values, [step.field]: opt.value } });
    }
    return;
  }
  if (step.kind === 'confirm' && !typesName(d)) {
    if (isKey('day2.confirm.yes', input, key)) return advance(ctx, {});
    if (isKey('day2.confirm.no', input, key)) {
      s.day2CloseDialog();
      s.showFlash('info', 'nothing changed');
    }
    return;
  }
  // A text step, or the confirm of a prod stack (type its name).
  const r = editKey({ text: d.text, cursor: d.cursor }, input, key);
  if (r.cancel) {
    s.day2CloseDialog();
    s.showFlash('info', 'nothing changed');
    return;
  }
  if (!r.submit) {
    s.day2UpdateDialog({ text: r.text, cursor: r.cursor });
    return;
  }
  const text = r.text.trim();
  if (step.kind === 'confirm') {
    if (text !== d.stack) {
      s.showFlash('error', `type the stack's name (${d.stack}) to confirm, or Esc`);
      s.day2UpdateDialog({ text: r.text, cursor: r.cursor });
      return;
    }
    return advance(ctx, {});
  }
  if (!text && step.required) {
    s.showFlash('error', step.required);
    return;
  }
  const problem = text && step.validate ? step.validate(text, Date.now()) : null;
  if (problem) {
    s.showFlash('error', problem);
    s.day2UpdateDialog({ text: r.text, cursor: r.cursor });
    return;
  }
  advance(ctx, { values: { ...d.values, [step.field]: text } });
}

function filterKey(ctx: Ctx, input: string, key: Key): void {
  const s = ctx.store.getState();
  const d = s.day2;
  const r = editKey({ text: d.filter, cursor: d.filterCursor }, input, key);
  if (r.cancel) {
    s.day2SetFilter('');
    s.day2EditFilter(false);
    return;
  }
  if (r.text !== d.filter || r.cursor !== d.filterCursor) s.day2SetFilter(r.text, r.cursor);
  if (r.submit) s.day2EditFilter(false);
}

function prodValues(ctx: Ctx, stack: string): Record<string, string> {
  return isProdStack(ctx.services, stack) ? { prod: '1' } : {};
}

function dashboardKey(ctx: Ctx, screen: Screen, input: string, key: Key): void {
  const s = ctx.store.getState();
  const d = s.day2;
  const rows = visibleRows(screen.rows, d.filter, d.sort, d.sortReverse);
  const index = Math.max(
    0,
    rows.findIndex((r) => r.name === d.selected),
  );
  const moved = motion(input, key, index, rows.length, screen.dashboardPage);
  if (moved !== undefined) {
    if (rows[moved]) s.day2Select(rows[moved].name);
    return;
  }
  const cmd = commandFor(['day2.dashboard'], input, key);
  const current = rows[index]?.name;
  switch (cmd) {
    case 'day2.dashboard.open':
      if (current) s.day2Open(current);
      return;
    case 'day2.dashboard.filter':
      s.day2EditFilter(true);
      return;
    case 'day2.dashboard.invert':
      s.day2InvertFilter();
      return;
    case 'day2.dashboard.sort':
      s.day2CycleSort();
      return;
    case 'day2.dashboard.reverse':
      s.day2ReverseSort();
      return;
    case 'day2.dashboard.refresh':
      refreshNow(ctx);
      return;
    case 'day2.dashboard.check':
      if (current) checkDriftNow(ctx, current);
      return;
    case 'day2.dashboard.clear':
      if (d.filter) s.day2SetFilter('');
      return;
  }
}

function alertOf(screen: Screen, fp: string | null): Extract<Item, { kind: 'alert' }> | undefined {
  return screen.items.find((i): i is Extract<Item, { kind: 'alert' }> => i.kind === 'alert' && i.key === fp);
}

function silence(ctx: Ctx, stack: string, item: Extract<Item, { kind: 'alert' }>): void {
  if (refuseReadonly(ctx, 'silencing', 'silence')) return;
  try {
    const values = silenceValues(ctx.services, stack, item.alert);
    if (!values) return;
    openFlow(ctx.store, 'silence', stack, item.alert.fingerprint, values);
  } catch (err) {
    ctx.store.getState().showFlash('error', (err as Error).message.split('\n')[0]);
  }
}

function expire(ctx: Ctx, stack: string, item: Item | undefined): void {
  if (refuseReadonly(ctx, 'expiring a silence', 'silence')) return;
  const s = ctx.store.getState();
  if (item?.kind === 'silence') {
    openFlow(ctx.store, 'expire', stack, item.silence.id, {
      what: `silence ${item.silence.id.slice(0, 8)} (${item.silence.comment})`,
    });
  } else if (item?.kind === 'alert' && item.alert.silencedBy.length > 0) {
    const ids = item.alert.silencedBy;
    openFlow(ctx.store, 'expire', stack, ids.join(','), {
      what: `${ids.length === 1 ? `silence ${ids[0].slice(0, 8)}` : `${ids.length} silences`} muting ${item.alert.alertname}`,
    });
  } else s.showFlash('warning', 'no silence here: put the cursor on a silence, or on a silenced alert');
}

function warn(s: ReturnType<AppStore['getState']>, text: string): void {
  s.showFlash('warning', text);
}

function detailKey(ctx: Ctx, screen: Screen, input: string, key: Key): void {
  const s = ctx.store.getState();
  const d = s.day2;
  const stack = d.stack;
  if (!stack) return s.day2Back();
  // The open alert's detail.
  if (d.alert !== null) {
    const item = alertOf(screen, d.alert);
    const maxScroll = Math.max(0, screen.alertLines - screen.alertPage);
    const moved = motion(input, key, d.alertScroll, maxScroll + 1, screen.alertPage);
    if (moved !== undefined) return s.day2ScrollAlert(moved);
    const cmd = commandFor(['day2.alert', 'day2.change'], input, key);
    if (cmd === 'day2.alert.back' || cmd === 'day2.change.back') return s.day2OpenAlert(null);
    if (!item) return;
    if (cmd === 'day2.alert.silence') return silence(ctx, stack, item);
    if (cmd === 'day2.alert.expire') return expire(ctx, stack, item);
    if (cmd === 'day2.alert.ack') return toggleAck(ctx, stack, item.alert);
    return;
  }
  const section = d.section;
  const index = Math.min(d.cursors[section], Math.max(0, screen.items.length - 1));
  const moved = motion(input, key, index, screen.items.length, screen.itemsPage);
  if (moved !== undefined) return s.day2SetCursor(section, moved);
  const item = screen.items[index];
  const cmd = commandFor([`day2.${section}`, 'day2.detail'], input, key);
  switch (cmd) {
    case 'day2.detail.next':
      return s.day2StepSection(1);
    case 'day2.detail.prev':
      return s.day2StepSection(-1);
    case 'day2.detail.back':
      return s.day2Back();
    case 'day2.detail.refresh':
      return refreshNow(ctx, stack);
    // drift
    case 'day2.drift.accept':
      if (item?.kind !== 'drift') return warn(s, 'no drifted resource under the cursor');
      if (refuseReadonly(ctx, 'accepting drift', 'triage')) return;
      return openFlow(ctx.store, 'accept', stack, item.resource.address);
    case 'day2.drift.snooze':
      if (item?.kind !== 'drift') return warn(s, 'no drifted resource under the cursor');
      if (refuseReadonly(ctx, 'snoozing drift', 'triage')) return;
      return openFlow(ctx.store, 'snooze', stack, item.resource.address);
    case 'day2.drift.clear':
      if (item?.kind !== 'drift') return;
      return clearDriftTriage(ctx, stack, item.resource.address);
    case 'day2.drift.remediate':
      if (refuseReadonly(ctx, 'remediating drift', 'remediate')) return;
      return openFlow(ctx.store, 'remediate', stack, stack, prodValues(ctx, stack));
    case 'day2.drift.check':
      return checkDriftNow(ctx, stack);
    case 'day2.drift.open':
      if (item?.kind === 'drift') s.day2OpenAlert(item.key);
      return;
    // alerts
    case 'day2.alerts.open':
      if (item?.kind === 'alert') s.day2OpenAlert(item.alert.fingerprint);
      return;
    case 'day2.alerts.silence':
      if (item?.kind !== 'alert') return warn(s, 'no alert under the cursor');
      return silence(ctx, stack, item);
    case 'day2.alerts.expire':
      return expire(ctx, stack, item);
    case 'day2.alerts.ack':
      if (item?.kind !== 'alert') return warn(s, 'no alert under the cursor');
      return toggleAck(ctx, stack, item.alert);
    // snapshots
    case 'day2.snapshots.backup':
      return backupNow(ctx, stack);
    case 'day2.snapshots.verify':
      return verifyNowFor(ctx, stack, item);
    // runs
    case 'day2.runs.open':
      if (item?.kind === 'run') {
        s.day1Open(item.run.id, 'replace');
        s.setView('day1');
      }
      return;
    case 'day2.runs.approve':
    case 'day2.runs.discard': {
      if (item?.kind !== 'run') return;
      const action = cmd === 'day2.runs.approve' ? 'approve' : 'discard';
      if (refuseReadonly(ctx, `${action === 'approve' ? 'approving' : 'discarding'} a run`, action)) return;
      if (item.run.state !== 'UNCONFIRMED')
        return warn(
          s,
          `run #${item.run.id} is ${stateText(item.run.state)}: only a run waiting for approval (${stateText('UNCONFIRMED')}) can be ${action}d`,
        );
      const sum = item.run.summary
        ? `plan +${item.run.summary.add} ~${item.run.summary.change} -${item.run.summary.destroy}`
        : 'no plan summary';
      return openFlow(ctx.store, action, stack, String(item.run.id), { ...prodValues(ctx, stack), what: sum });
    }
  }
}

function verifyNowFor(ctx: Ctx, stack: string, item: Item | undefined): void {
  verifyNow(ctx, stack, item?.kind === 'snapshot' ? item.snapshot.id : undefined);
}

/** One key event of the Day-2 views. */
export function handleKey(ctx: Ctx, screen: Screen, input: string, key: Key): void {
  const s = ctx.store.getState();
  if (s.quitConfirm || s.helpOpen || s.view !== 'day2') return;
  const d = s.day2;
  if (d.dialog) return dialogKey(ctx, d.dialog, input, key);
  if (d.filterEditing) return filterKey(ctx, input, key);
  if (d.screen === 'dashboard') return dashboardKey(ctx, screen, input, key);
  return detailKey(ctx, screen, input, key);
}
