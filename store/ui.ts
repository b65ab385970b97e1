import type { StateCreator } from 'zustand';
import type { AppState } from './index.js';

export type View = 'day0' | 'day1' | 'day2';
export const VIEWS: View[] = ['day0', 'day1', 'day2'];

export type FlashLevel = 'info' | 'warning' | 'error';
export interface Flash {
  id: number;
  level: FlashLevel;
  text: string;
}

/** The shell's state: which day is shown, help, the flash line, focus, quitting. */
export interface UiSlice {
  view: View;
  helpOpen: boolean;
  /** A text field or prompt has the keyboard: global keys are off, Esc leaves it. */
  textInput: boolean;
  /** The key contexts of what has focus, most specific first; the footer and help are drawn from them. */
  keyContexts: string[];
  flash: Flash | null;
  /** `q` was pressed while runs are active: the quit confirm is shown. */
  quitConfirm: boolean;
  /** Set when the app should unmount (the shell runs the shutdown). */
  quitting: boolean;
  /** Runs this process is driving; quitting asks first when there are any. */
  activeRuns: number;
  /** Bumped whenever the database changed (this process or another); views reload on it. */
  dataVersion: number;
  /** The stack the current view is about, for the header. */
  currentStack: { name: string; environment: string } | null;

  setView(view: View): void;
  cycleView(step: 1 | -1): void;
  toggleHelp(open?: boolean): void;
  setTextInput(active: boolean): void;
  setKeyContexts(ids: string[]): void;
  showFlash(level: FlashLevel, text: string): number;
  clearFlash(id?: number): void;
  requestQuit(force?: boolean): void;
  cancelQuit(): void;
  setActiveRuns(n: number): void;
  bumpData(): void;
  setCurrentStack(stack: { name: string; environment: string } | null): void;
}

let flashIds = 0;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set, get) => ({
  view: 'day0',
  helpOpen: false,
  textInput: false,
  keyContexts: [],
  flash: null,
  quitConfirm: false,
  quitting: false,
  activeRuns: 0,
  dataVersion: 0,
  currentStack: null,

  // The header's stack belongs to the view that set it: a newly shown view sets its own.
  setView: (view) =>
    set(
      view === get().view
        ? { helpOpen: false, quitConfirm: false }
        : { view, helpOpen: false, quitConfirm: false, currentStack: null },
    ),
  cycleView: (step) => {
    const i = VIEWS.indexOf(get().view);
    set({
      view: VIEWS[(i + step + VIEWS.length) % VIEWS.length],
      helpOpen: false,
      quitConfirm: false,
      currentStack: null,
    });
  },
  toggleHelp: (open) => set((s) => ({ helpOpen: open ?? !s.helpOpen })),
  setTextInput: (active) => set({ textInput: active }),
  setKeyContexts: (ids) => {
    const cur = get().keyContexts;
    if (cur.length === ids.length && cur.every((c, i) => c === ids[i])) return;
    set({ keyContexts: ids });
  },
  showFlash: (level, text) => {
    const id = ++flashIds;
    set({ flash: { id, level, text } });
    return id;
  },
  clearFlash: (id) => {
    const f = get().flash;
    if (f && (id === undefined || f.id === id)) set({ flash: null });
  },
  requestQuit: (force = false) => {
    if (!force && get().activeRuns > 0 && !get().quitConfirm) set({ quitConfirm: true });
    else set({ quitting: true, quitConfirm: false });
  },
  cancelQuit: () => set({ quitConfirm: false }),
  // Asked to quit while runs were active, and they have all ended since: nothing is left to ask about.
  setActiveRuns: (n) =>
    set(n === 0 && get().quitConfirm ? { activeRuns: n, quitConfirm: false, quitting: true } : { activeRuns: n }),
  bumpData: () => set((s) => ({ dataVersion: s.dataVersion + 1 })),
  setCurrentStack: (currentStack) => set({ currentStack }),
});
