/**
 * The Day-2 views' UI state: the dashboard's filter, sort and cursor, the open stack's detail (section, cursor per
 * section, an open alert), the dialog that has the keyboard (filter typing, a note, a duration, a choice, a
 * confirm), the background actions started from here (for the status line), and the remediation run being
 * followed. It never holds stacks, alerts or runs: the views read those from SQLite on `dataVersion`.
 *
 * The cursor is kept by stack name (dashboard) and by index (detail sections), so a reload or a new sort never
 * moves it to another stack.
 */
import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

import { DAY2_SORTS, type Day2Sort } from '../src/app/day2/dashboard.js';
import { DAY2_SECTIONS, type Day2Section } from '../src/app/day2/readers.js';

export { DAY2_SECTIONS, DAY2_SORTS, type Day2Section, type Day2Sort };

/** What a dialog does when its last step is confirmed. */
export type Day2Action = 'accept' | 'snooze' | 'silence' | 'expire' | 'remediate' | 'approve' | 'discard';

/**
 * A multi-step dialog: the steps of each action are defined by the view (components/day2/flows.ts); here is only
 * where the operator is and what was entered.
 */
export interface Day2Dialog {
  action: Day2Action;
  /** The stack it acts on. */
  stack: string;
  /** What it acts on: a resource address, an alert fingerprint, silence ids, a run id. */
  target: string;
  /** Index of the current step. */
  step: number;
  /** Values of the steps done so far, by field name. */
  values: Record<string, string>;
  /** What is typed in a text step. */
  text: string;
  cursor: number;
  /** The highlighted choice of a choice step. */
  choice: number;
}

export interface Day2State {
  screen: 'dashboard' | 'detail';
  /** The dashboard filter as typed; a leading `!` inverts it. */
  filter: string;
  /** The filter is being typed (it has the keyboard). */
  filterEditing: boolean;
  filterCursor: number;
  sort: Day2Sort;
  /** Reverse of the sort's natural order. */
  sortReverse: boolean;
  /** The stack under the dashboard's cursor (by name). */
  selected: string | null;
  /** The stack whose detail is open. */
  stack: string | null;
  section: Day2Section;
  /** The cursor of each section of the detail. */
  cursors: Record<Day2Section, number>;
  /** The alert whose detail is open (fingerprint). */
  alert: string | null;
  /** Scroll of the alert detail. */
  alertScroll: number;
  dialog: Day2Dialog | null;
  /** Background actions started from the Day-2 views ("silence: payments", "backup: web"). */
  busy: string[];
  /** A remediation started here: the view tells when it waits for approval and when it ends. */
  watchRun: { runId: number; stack: string } | null;
}

export interface Day2Slice {
  day2: Day2State;
  day2Select(stack: string | null): void;
  day2SetFilter(text: string, cursor?: number): void;
  day2EditFilter(editing: boolean): void;
  day2InvertFilter(): void;
  day2CycleSort(): void;
  day2ReverseSort(): void;
  /** Open a stack's detail (section kept from last time unless given). */
  day2Open(stack: string, section?: Day2Section): void;
  day2Back(): void;
  day2SetSection(section: Day2Section): void;
  day2StepSection(step: 1 | -1): void;
  day2SetCursor(section: Day2Section, index: number): void;
  day2OpenAlert(fingerprint: string | null): void;
  day2ScrollAlert(n: number): void;
  /** Open a dialog at its first step; text steps take the keyboard from the global keys. */
  day2OpenDialog(action: Day2Action, stack: string, target: string, values?: Record<string, string>): void;
  day2UpdateDialog(patch: Partial<Day2Dialog>): void;
  day2CloseDialog(): void;
  /** Mark a background action started (true) or ended (false). */
  day2Busy(label: string, on: boolean): void;
  day2Watch(run: { runId: number; stack: string } | null): void;
}

export const initialDay2 = (): Day2State => ({
  screen: 'dashboard',
  filter: '',
  filterEditing: false,
  filterCursor: 0,
  sort: 'name',
  sortReverse: false,
  selected: null,
  stack: null,
  section: 'drift',
  cursors: { drift: 0, alerts: 0, snapshots: 0, runs: 0, audit: 0 },
  alert: null,
  alertScroll: 0,
  dialog: null,
  busy: [],
  watchRun: null,
});

export const createDay2Slice: StateCreator<AppState, [], [], Day2Slice> = (set, get) => {
  const patch = (p: Partial<Day2State>) => set((s) => ({ day2: { ...s.day2, ...p } }));
  return {
    day2: initialDay2(),
    day2Select: (selected) => {
      if (get().day2.selected !== selected) patch({ selected });
    },
    day2SetFilter: (filter, cursor) => patch({ filter, filterCursor: cursor ?? filter.length }),
    day2EditFilter: (editing) => {
      patch({ filterEditing: editing, filterCursor: get().day2.filter.length });
      get().setTextInput(editing);
    },
    day2InvertFilter: () => {
      const f = get().day2.filter;
      const filter = f.startsWith('!') ? f.slice(1) : `!${f}`;
      patch({ filter, filterCursor: filter.length });
    },
    day2CycleSort: () => {
      const i = DAY2_SORTS.indexOf(get().day2.sort);
      patch({ sort: DAY2_SORTS[(i + 1) % DAY2_SORTS.length], sortReverse: false });
    },
    day2ReverseSort: () => patch({ sortReverse: !get().day2.sortReverse }),
    day2Open: (stack, section) => {
      const d = get().day2;
      const same = d.stack === stack;
      patch({
        screen: 'detail',
        stack,
        selected: stack,
        section: section ?? d.section,
        cursors: same ? d.cursors : initialDay2().cursors,
        alert: null,
        alertScroll: 0,
      });
    },
    day2Back: () => {
      const d = get().day2;
      if (d.alert !== null) patch({ alert: null, alertScroll: 0 });
      else patch({ screen: 'dashboard' });
    },
    day2SetSection: (section) => patch({ section, alert: null, alertScroll: 0 }),
    day2StepSection: (step) => {
      const i = DAY2_SECTIONS.indexOf(get().day2.section);
      patch({
        section: DAY2_SECTIONS[(i + step + DAY2_SECTIONS.length) % DAY2_SECTIONS.length],
        alert: null,
        alertScroll: 0,
      });
    },
    day2SetCursor: (section, index) => {
      const d = get().day2;
      const n = Math.max(0, index);
      if (d.cursors[section] !== n) patch({ cursors: { ...d.cursors, [section]: n } });
    },
    day2OpenAlert: (alert) => patch({ alert, alertScroll: 0 }),
    day2ScrollAlert: (n) => patch({ alertScroll: Math.max(0, n) }),
    day2OpenDialog: (action, stack, target, values = {}) => {
      patch({ dialog: { action, stack, target, step: 0, values, text: '', cursor: 0, choice: 0 } });
      // Every dialog takes the keyboard: its keys (y, n, letters typed) must not reach the global ones.
      get().setTextInput(true);
    },
    day2UpdateDialog: (p) => {
      const d = get().day2.dialog;
      if (d) patch({ dialog: { ...d, ...p } });
    },
    day2CloseDialog: () => {
      if (!get().day2.dialog) return;
      patch({ dialog: null });
      get().setTextInput(false);
    },
    day2Busy: (label, on) => {
      const busy = get().day2.busy.filter((b) => b !== label);
      if (on) busy.push(label);
      patch({ busy });
    },
    day2Watch: (watchRun) => patch({ watchRun }),
  };
};
