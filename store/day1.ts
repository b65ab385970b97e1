/**
 * The Day-1 views' UI state: which runs are listed (a stack filter), which run is selected, the run view's log
 * panes (each with its own follow/scroll/search state), what has focus, and the dialog that has the keyboard
 * (a stack picker, a search prompt, an approve/discard/cancel confirm). It never holds log lines or runs: the
 * views read those from the database around what is on screen.
 *
 * Also the Day-1 start-up hook (`day1StartupHook`, registered in src/startup.ts): runs a crashed dayops left
 * behind are marked interrupted and named in the flash line, and `activeRuns` follows the runs this process
 * drives (so `q` asks before quitting while one is active).
 */
import type { RunsRepo } from '../src/db/runs.js';
import { hostname } from 'node:os';
import type { StateCreator } from 'zustand';
import { recoverRuns, type RecoveredRun } from '../src/day1/runner/recover.js';
import type { Services } from '../src/services.js';
import type { AppState, AppStore } from './index.js';

/** At most this many log panes side by side or stacked. */
export const MAX_PANES = 4;

export type Day1Focus = 'list' | 'pane' | 'plan';
export type Day1Action = 'approve' | 'discard' | 'cancel';

export interface PaneState {
  runId: number;
  /** Stick to the last line as lines arrive. */
  follow: boolean;
  /** The first line shown (log seq) when not following. */
  top: number;
  /** Columns scrolled to the right (long lines are cut at the pane's edge). */
  hscroll: number;
  /** The search of this pane ('' when none). */
  search: string;
  /** The line of the current match. */
  match: number | null;
  /** Long lines wrapped onto the next rows instead of cut at the edge (and scrolled sideways). */
  wrap: boolean;
}

export type Day1Dialog =
  | { kind: 'pick'; purpose: 'proposed' | 'tracked'; index: number }
  | { kind: 'search'; pane: number; text: string; cursor: number }
  | {
      kind: 'action';
      action: Day1Action;
      runId: number;
      stackName: string;
      prod: boolean;
      /** `comment` (approve and discard ask for an optional one first), then `confirm`. */
      step: 'comment' | 'confirm';
      comment: string;
      /** What is typed in the current step. */
      text: string;
      cursor: number;
      /** First line of what is confirmed shown, when it is taller than the dialog. */
      scroll?: number;
    };

export interface Day1State {
  /** The runs list, or the run view (log panes and the plan panel). */
  screen: 'list' | 'run';
  /** Only this stack's runs are listed. */
  stackFilter: string | null;
  /** The run under the list's cursor. */
  selected: number | null;
  panes: PaneState[];
  focus: Day1Focus;
  /** The focused pane (index in `panes`). */
  pane: number;
  /** Narrow terminals: the plan panel is shown instead of the logs. */
  planOpen: boolean;
  planScroll: number;
  dialog: Day1Dialog | null;
}

export interface Day1Slice {
  day1: Day1State;
  day1Select(runId: number | null): void;
  day1SetFilter(stack: string | null): void;
  /**
   * Open a run in the run view: `replace` shows it in the focused pane, `add` adds a pane (the split view),
   * `only` closes the other panes.
   */
  day1Open(runId: number, how: 'replace' | 'add' | 'only'): void;
  day1ClosePane(index: number): void;
  /** Keep only the panes of these runs. */
  day1RetainPanes(runIds: readonly number[]): void;
  /** Back to the runs list. */
  day1Back(): void;
  day1SetFocus(focus: Day1Focus, pane?: number): void;
  day1UpdatePane(index: number, patch: Partial<PaneState>): void;
  /** Every pane showing this run follows its new lines again (after an approval starts the apply). */
  day1FollowRun(runId: number): void;
  day1TogglePlan(open?: boolean): void;
  day1SetPlanScroll(n: number): void;
  /** Open a dialog; text dialogs take the keyboard from the global keys. */
  day1OpenDialog(d: Day1Dialog): void;
  day1UpdateDialog(patch: Partial<Day1Dialog>): void;
  day1CloseDialog(): void;
}

export const initialDay1 = (): Day1State => ({
  screen: 'list',
  stackFilter: null,
  selected: null,
  panes: [],
  focus: 'list',
  pane: 0,
  planOpen: false,
  planScroll: 0,
  dialog: null,
});

export const newPane = (runId: number): PaneState => ({
  runId,
  follow: true,
  top: 1,
  hscroll: 0,
  search: '',
  match: null,
  wrap: false,
});

const takesText = (d: Day1Dialog | null) => d !== null && d.kind !== 'pick';

export const createDay1Slice: StateCreator<AppState, [], [], Day1Slice> = (set, get) => {
  const patch = (p: Partial<Day1State>) => set((s) => ({ day1: { ...s.day1, ...p } }));
  return {
    day1: initialDay1(),
    day1Select: (selected) => patch({ selected }),
    day1SetFilter: (stackFilter) => patch({ stackFilter, selected: null }),
    day1Open: (runId, how) => {
      const d = get().day1;
      const at = d.panes.findIndex((p) => p.runId === runId);
      if (at >= 0 && how !== 'only') {
        patch({ screen: 'run', focus: 'pane', pane: at, planOpen: false, selected: runId });
        return;
      }
      let panes: PaneState[];
      let pane: number;
      if (how === 'only') {
        panes = [newPane(runId)];
        pane = 0;
      } else if (how === 'add' || d.panes.length === 0) {
        panes = [...d.panes, newPane(runId)];
        if (panes.length > MAX_PANES) panes = panes.slice(panes.length - MAX_PANES);
        pane = panes.length - 1;
      } else {
        pane = Math.min(d.pane, d.panes.length - 1);
        panes = d.panes.map((p, i) => (i === pane ? newPane(runId) : p));
      }
      patch({ screen: 'run', focus: 'pane', panes, pane, planOpen: false, planScroll: 0, selected: runId });
    },
    day1ClosePane: (index) => {
      const d = get().day1;
      const panes = d.panes.filter((_, i) => i !== index);
      if (panes.length === 0) patch({ panes, pane: 0, screen: 'list', focus: 'list', planOpen: false });
      else patch({ panes, pane: Math.min(d.pane > index ? d.pane - 1 : d.pane, panes.length - 1), planScroll: 0 });
    },
    day1RetainPanes: (runIds) => {
      const d = get().day1;
      const focused = d.panes[d.pane]?.runId;
      const panes = d.panes.filter((p) => runIds.includes(p.runId));
      const at = panes.findIndex((p) => p.runId === focused);
      patch({ panes, pane: at >= 0 ? at : Math.max(0, panes.length - 1) });
    },
    day1Back: () => patch({ screen: 'list', focus: 'list', planOpen: false }),
    day1SetFocus: (focus, pane) => {
      const d = get().day1;
      const p = pane ?? d.pane;
      patch({ focus, pane: p, planScroll: p !== d.pane ? 0 : d.planScroll });
    },
    day1UpdatePane: (index, p) =>
      set((s) => ({ day1: { ...s.day1, panes: s.day1.panes.map((x, i) => (i === index ? { ...x, ...p } : x)) } })),
    day1FollowRun: (runId) =>
      set((s) => ({
        day1: {
          ...s.day1,
          panes: s.day1.panes.map((x) => (x.runId === runId ? { ...x, follow: true, match: null } : x)),
        },
      })),
    day1TogglePlan: (open) => {
      const d = get().day1;
      const planOpen = open ?? !d.planOpen;
      patch({ planOpen, focus: planOpen ? 'plan' : 'pane' });
    },
    day1SetPlanScroll: (planScroll) => patch({ planScroll: Math.max(0, planScroll) }),
    day1OpenDialog: (dialog) => {
      patch({ dialog });
      get().setTextInput(takesText(dialog));
    },
    day1UpdateDialog: (p) => {
      const d = get().day1.dialog;
      if (!d) return;
      patch({ dialog: { ...d, ...p } as Day1Dialog });
    },
    day1CloseDialog: () => {
      const had = get().day1.dialog;
      patch({ dialog: null });
      if (takesText(had)) get().setTextInput(false);
    },
  };
};

// ------------------------------------------------------------------------------------------------ start-up

/** "2 runs were interrupted when dayops stopped: #12 payments, #15 web" */
export function recoveredMessage(recovered: readonly RecoveredRun[]): string {
  const n = recovered.length;
  const names = recovered.map((r) => `#${r.id} ${r.stackName}`).join(', ');
  return `${n} run${n === 1 ? ' was' : 's were'} interrupted when dayops stopped: ${names}`;
}

/** Runs this process drives: not ended, not parked, owned by this pid on this host. */
export function countOwnRuns(runs: RunsRepo, pid = process.pid, host = hostname()): number {
  return runs.live().filter((r) => r.owner && r.owner.pid === pid && r.owner.host === host).length;
}

/**
 * At start-up: mark runs of a dayops that died as interrupted (flash naming them), and keep `activeRuns` equal to
 * the runs this process drives, recounted whenever the database changes (`dataVersion`).
 */
export function day1StartupHook(services: Services, store: AppStore): void {
  let recovered: RecoveredRun[] = [];
  try {
    recovered = recoverRuns(services.db, { dbPath: services.dbPath });
  } catch (err) {
    store.getState().showFlash('error', `could not check for interrupted runs: ${(err as Error).message}`);
  }
  if (recovered.length > 0) store.getState().showFlash('warning', recoveredMessage(recovered));
  store.subscribe((s, prev) => {
    if (s.dataVersion !== prev.dataVersion) recountActiveRuns(services, store);
  });
}

/** Set `activeRuns` to the number of runs this process drives now. */
export function recountActiveRuns(services: Services, store: AppStore): void {
  try {
    const n = countOwnRuns(services.repos.runs);
    if (store.getState().activeRuns !== n) store.getState().setActiveRuns(n);
  } catch {
    /* closed while quitting, or busy: the next change recounts */
  }
}
