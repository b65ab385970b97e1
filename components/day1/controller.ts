/**
 * What the Day-1 keys do (the use cases are in src/app/day1): a plain function of the key, the store and the view's current data (no React), so
 * keys that arrive in one chunk each see the state the previous one left (they read `store.getState()`).
 * Starting runs, approving, discarding and canceling all go through the RunService, which writes the audit log;
 * approve, discard and cancel always pass a confirm first (prod: the stack's name typed out).
 */
import type { Key } from 'ink';
import {
  actionRefusal,
  performRunAction,
  startRefusal,
  startRun as startRunUseCase,
} from '../../src/app/day1/index.js';
import { planRollback, startRollback } from '../../src/app/promotion/index.js';
import type { RunRecord, RunService } from '../../src/day1/runs.js';
import { isTerminal } from '../../src/day1/runner/state.js';
import type { Stack } from '../../src/domain/stack.js';
import { errorMessage } from '../../src/errors.js';
import { isKey } from '../../src/keymap/index.js';
import type { Services } from '../../src/services.js';
import {
  recountActiveRuns,
  type Day1Action,
  type Day1Dialog,
  type Day1Focus,
  type Day1State,
} from '../../store/day1.js';
import type { AppStore } from '../../store/index.js';
import { editKey } from '../day0/TextField.js';
import { keys } from '../day0/keys.js';
import type { Day1Layout } from './layout.js';
import { wrappedRows, type LogReader } from './log-window.js';
import type { Viewport } from './LogPane.js';

export interface Day1Ctx {
  store: AppStore;
  services: Services;
  svc: RunService;
  source: LogReader;
  layout(): Day1Layout;
  /** The runs listed now (newest first). */
  runs(): RunRecord[];
  stacks(): Stack[];
  viewport(pane: number): Viewport | undefined;
  /** Rows of the plan panel: all, and how many fit. */
  planRows(): { total: number; visible: number };
  /** List more (older) runs. */
  loadMore(): void;
}

/** What has the keyboard, given what is on screen. */
export function effectiveFocus(d: Day1State, lay: Day1Layout): Day1Focus {
  if (lay.screen === 'list') return 'list';
  if (d.focus === 'list' && lay.list) return 'list';
  if (d.focus === 'plan' && lay.plan) return 'plan';
  if (lay.panes.length > 0) return 'pane';
  return lay.plan ? 'plan' : 'list';
}

/**
 * The key contexts of the view's state, most specific first. The run-level keys are offered only for a run they
 * can act on: approve and discard for a run waiting for approval, cancel for one that has not ended.
 */
export function day1Contexts(
  d: Day1State,
  lay: Day1Layout,
  run?: Pick<RunRecord, 'state'>,
  offersRollback = false,
): string[] {
  const dlg = d.dialog;
  if (dlg) {
    if (dlg.kind === 'pick') return ['day1.pick'];
    if (dlg.kind === 'search') return ['day1.search'];
    return [dlg.step === 'comment' ? 'day1.comment' : dlg.prod ? 'day1.typeName' : 'day1.confirm'];
  }
  const f = effectiveFocus(d, lay);
  const runKeys = !run
    ? []
    : run.state === 'UNCONFIRMED'
      ? ['day1.run', 'day1.live']
      : isTerminal(run.state)
        ? offersRollback
          ? ['day1.validationFailed']
          : []
        : ['day1.live'];
  if (lay.screen === 'list') return ['day1.list', ...runKeys];
  return [f === 'list' ? 'day1.list' : f === 'pane' ? 'day1.pane' : 'day1.plan', ...runKeys, 'day1.view'];
}

export function selectedIndex(d: Day1State, runs: readonly RunRecord[]): number {
  if (runs.length === 0) return -1;
  const i = d.selected === null ? -1 : runs.findIndex((r) => r.id === d.selected);
  return i < 0 ? 0 : i;
}

/** The run the run-level keys (a, d, c) act on. */
export function targetRun(ctx: Day1Ctx): RunRecord | undefined {
  const d = ctx.store.getState().day1;
  const f = effectiveFocus(d, ctx.layout());
  if (f === 'list') {
    const runs = ctx.runs();
    const i = selectedIndex(d, runs);
    return i < 0 ? undefined : ctx.svc.get(runs[i].id);
  }
  const pane = d.panes[d.pane];
  return pane ? ctx.svc.get(pane.runId) : undefined;
}

const flash = (ctx: Day1Ctx, level: 'info' | 'warning' | 'error', text: string) =>
  ctx.store.getState().showFlash(level, text);

// ------------------------------------------------------------------------------------------------ starting

export async function startRun(
  ctx: Day1Ctx,
  stackName: string,
  purpose: 'proposed' | 'tracked',
): Promise<number | undefined> {
  const { svc, store } = ctx;
  try {
    const { runId: id, message } = await startRunUseCase(svc, stackName, purpose);
    const d = store.getState().day1;
    // Watch it next to the runs still going; panes of runs that ended make room.
    const going = d.panes.filter((p) => {
      const r = svc.get(p.runId);
      return r !== undefined && !isTerminal(r.state);
    });
    store.getState().day1RetainPanes(going.map((p) => p.runId));
    store.getState().day1Open(id, going.length > 0 ? 'add' : 'only');
    flash(ctx, 'info', message);
    recountActiveRuns(ctx.services, store);
    return id;
  } catch (err) {
    flash(ctx, 'error', errorMessage(err));
    return undefined;
  }
}

function askStart(ctx: Day1Ctx, purpose: 'proposed' | 'tracked'): void {
  const s = ctx.store.getState();
  const refused = startRefusal(ctx.svc, purpose);
  if (refused) {
    flash(ctx, 'error', refused);
    return;
  }
  const stacks = ctx.stacks();
  if (s.day1.stackFilter && stacks.some((x) => x.name === s.day1.stackFilter)) {
    void startRun(ctx, s.day1.stackFilter, purpose);
    return;
  }
  if (stacks.length === 0) {
    flash(
      ctx,
      'warning',
      `No stacks yet: design one on Day-0 (press ${keys('global.day0')}) or register one with \`dayops stack add DIR\``,
    );
    return;
  }
  // Start on the stack of the run under the cursor unless the operator picks another.
  const runs = ctx.runs();
  const i = selectedIndex(s.day1, runs);
  const index = Math.max(0, i < 0 ? 0 : stacks.findIndex((x) => x.name === runs[i].stackName));
  s.day1OpenDialog({ kind: 'pick', purpose, index });
}

// --------------------------------------------------------------------------------------------- rollback

/**
 * The run under the cursor failed its validation: propose the rollback (a run at the previous successful commit
 * that waits for approval), or say in the flash line why none can be proposed (with the git command to put the
 * checkout at that commit).
 */
export async function proposeRollback(ctx: Day1Ctx): Promise<number | undefined> {
  const run = targetRun(ctx);
  if (!run) return undefined;
  const { svc, store } = ctx;
  try {
    const plan = await planRollback(svc.db, run.stackName, svc.user);
    const id = await startRollback(svc, plan, 'tui');
    store.getState().day1Open(id, 'only');
    flash(
      ctx,
      'info',
      `Run #${id} proposed: rollback of ${plan.stack.name} to run #${plan.to.runId} (commit ${plan.to.revision!.slice(0, 12)}); it waits for approval (${keys('day1.run.approve')})`,
    );
    recountActiveRuns(ctx.services, store);
    return id;
  } catch (err) {
    flash(ctx, 'error', errorMessage(err));
    return undefined;
  }
}

// ----------------------------------------------------------------------------------- approve / discard / cancel

function askAction(ctx: Day1Ctx, action: Day1Action): void {
  const { svc, store } = ctx;
  const run = targetRun(ctx);
  if (!run) {
    flash(ctx, 'warning', 'No run selected');
    return;
  }
  const refused = actionRefusal(svc, run, action);
  if (refused) {
    flash(ctx, refused.level, refused.text);
    return;
  }
  store.getState().day1OpenDialog({
    kind: 'action',
    action,
    runId: run.id,
    stackName: run.stackName,
    prod: run.stackEnvironment === 'prod',
    step: action === 'cancel' ? 'confirm' : 'comment',
    comment: '',
    text: '',
    cursor: 0,
  });
}

export async function performAction(ctx: Day1Ctx, action: Day1Action, runId: number, comment: string): Promise<void> {
  const { svc, store } = ctx;
  try {
    const done = await performRunAction(svc, action, runId, comment);
    if (done.applying) {
      const d = store.getState().day1;
      if (!d.panes.some((p) => p.runId === runId))
        store.getState().day1Open(runId, d.panes.length > 0 ? 'add' : 'only');
    }
    if (done.applying || action === 'cancel') store.getState().day1FollowRun(runId);
    flash(ctx, 'info', done.message);
  } catch (err) {
    flash(ctx, 'error', errorMessage(err));
  }
  recountActiveRuns(ctx.services, store);
}

// ------------------------------------------------------------------------------------------------ search

/** Find the search of a pane from `fromSeq` on (or back), wrapping around the log once. */
export function findInPane(ctx: Day1Ctx, index: number, direction: 'forward' | 'backward', fromSeq: number): void {
  const s = ctx.store.getState();
  const pane = s.day1.panes[index];
  if (!pane) return;
  if (!pane.search) {
    flash(ctx, 'info', 'No search yet: / starts one');
    return;
  }
  const count = ctx.source.count(pane.runId);
  let seq = ctx.source.search(pane.runId, pane.search, fromSeq, direction);
  let wrapped = false;
  if (seq === undefined) {
    seq = ctx.source.search(pane.runId, pane.search, direction === 'forward' ? 1 : count, direction);
    wrapped = seq !== undefined;
  }
  if (seq === undefined) {
    s.day1UpdatePane(index, { match: null });
    flash(ctx, 'warning', `"${pane.search}" is not in the log of run #${pane.runId}`);
    return;
  }
  const rows = ctx.viewport(index)?.rows ?? 10;
  s.day1UpdatePane(index, { follow: false, top: Math.max(1, seq - Math.floor(rows / 3)), match: seq });
  if (wrapped)
    flash(
      ctx,
      'info',
      direction === 'forward'
        ? 'Search went past the end: continued from the top'
        : 'Search went past the top: continued from the end',
    );
}

// --------------------------------------------------------------------------------------------------- keys

export function handleDay1Key(input: string, key: Key, ctx: Day1Ctx): void {
  const s = ctx.store.getState();
  if (s.helpOpen || s.quitConfirm || s.view !== 'day1') return;
  const d = s.day1;
  if (d.dialog) {
    dialogKey(input, key, ctx, d.dialog);
    return;
  }
  if (s.textInput) return;
  const lay = ctx.layout();
  const focus = effectiveFocus(d, lay);

  if (isKey('day1.run.approve', input, key)) return askAction(ctx, 'approve');
  if (isKey('day1.run.discard', input, key)) return askAction(ctx, 'discard');
  if (isKey('day1.run.cancel', input, key)) return askAction(ctx, 'cancel');
  if (isKey('day1.run.rollback', input, key)) return void proposeRollback(ctx);

  if (lay.screen === 'run') {
    if (isKey('day1.view.nextPane', input, key) || isKey('day1.view.prevPane', input, key)) {
      const step = isKey('day1.view.nextPane', input, key) ? 1 : -1;
      const cur = lay.regions.findIndex((r) =>
        r.kind === 'list'
          ? focus === 'list'
          : r.kind === 'plan'
            ? focus === 'plan'
            : focus === 'pane' && r.index === d.pane,
      );
      const next = lay.regions[(cur + step + lay.regions.length) % lay.regions.length];
      if (next) s.day1SetFocus(next.kind, next.kind === 'pane' ? next.index : undefined);
      return;
    }
    if (isKey('day1.view.plan', input, key)) {
      if (!lay.plan || lay.panes.length === 0) s.day1TogglePlan();
      else s.day1SetFocus(focus === 'plan' ? 'pane' : 'plan');
      return;
    }
  }
  if (focus === 'list') return listKey(input, key, ctx);
  if (focus === 'pane') return paneKey(input, key, ctx);
  return planKey(input, key, ctx);
}

function listKey(input: string, key: Key, ctx: Day1Ctx): void {
  const s = ctx.store.getState();
  const d = s.day1;
  const runs = ctx.runs();
  const i = selectedIndex(d, runs);
  const lay = ctx.layout();
  const page = Math.max(1, (lay.list?.height ?? 10) - 2);
  const moveTo = (j: number) => {
    if (runs.length === 0) return;
    const k = Math.max(0, Math.min(runs.length - 1, j));
    s.day1Select(runs[k].id);
    if (k >= runs.length - page) ctx.loadMore();
  };
  if (isKey('day1.list.down', input, key)) return moveTo(i + 1);
  if (isKey('day1.list.up', input, key)) return moveTo(i - 1);
  if (isKey('day1.list.pageDown', input, key)) return moveTo(i + page);
  if (isKey('day1.list.pageUp', input, key)) return moveTo(i - page);
  if (isKey('day1.list.top', input, key)) return moveTo(0);
  if (isKey('day1.list.bottom', input, key)) return moveTo(runs.length - 1);
  if (isKey('day1.list.open', input, key)) {
    if (i < 0) return;
    s.day1Open(runs[i].id, 'replace');
    return;
  }
  if (isKey('day1.list.split', input, key)) {
    if (i < 0) return;
    const wasList = lay.screen === 'list';
    s.day1Open(runs[i].id, 'add');
    // The focus stays on the runs list until the operator moves it: beside the panes when the width has room for
    // the list, else on the list screen itself (the runs in panes are marked; Enter shows one).
    if (ctx.layout().list) ctx.store.getState().day1SetFocus('list');
    else if (wasList) ctx.store.getState().day1Back();
    return;
  }
  if (isKey('day1.list.nextStack', input, key) || isKey('day1.list.prevStack', input, key)) {
    const names = [null, ...ctx.stacks().map((x) => x.name)];
    const cur = Math.max(0, names.indexOf(d.stackFilter));
    const step = isKey('day1.list.nextStack', input, key) ? 1 : -1;
    const next = names[(cur + step + names.length) % names.length];
    s.day1SetFilter(next);
    return;
  }
  if (isKey('day1.list.allStacks', input, key)) {
    if (d.stackFilter) s.day1SetFilter(null);
    return;
  }
  if (isKey('day1.list.proposed', input, key)) return askStart(ctx, 'proposed');
  if (isKey('day1.list.tracked', input, key)) return askStart(ctx, 'tracked');
}

function paneKey(input: string, key: Key, ctx: Day1Ctx): void {
  const s = ctx.store.getState();
  const d = s.day1;
  const index = d.pane;
  const pane = d.panes[index];
  if (!pane) return;
  const vp = ctx.viewport(index) ?? { top: 1, bottom: 1, rows: 10, count: ctx.source.count(pane.runId) };
  const count = ctx.source.count(pane.runId);
  const rows = vp.rows;
  const maxTop = Math.max(1, count - rows + 1);
  const from = pane.follow ? vp.top || maxTop : pane.top;
  const scrollTo = (top: number) => s.day1UpdatePane(index, { follow: false, top: Math.max(1, Math.min(maxTop, top)) });

  if (isKey('day1.pane.up', input, key)) return scrollTo(from - 1);
  if (isKey('day1.pane.down', input, key)) {
    if (!pane.follow) scrollTo(from + 1);
    return;
  }
  // A page keeps one line of the last one on screen (phase headers and wrapped lines take rows too): never a line
  // skipped.
  const lineRowsFrom = (first: number): ((seq: number) => number) => {
    if (!pane.wrap) return () => 1;
    const inner = (ctx.layout().panes[index]?.width ?? 80) - 2;
    const costs = new Map(ctx.source.page(pane.runId, first, rows + 1).map((l) => [l.seq, wrappedRows(l, inner)]));
    return (seq) => costs.get(seq) ?? 1;
  };
  if (isKey('day1.pane.pageUp', input, key)) {
    const phaseStarts = new Set(Object.values(ctx.source.phases(pane.runId)));
    return scrollTo(pageUpTop(from, rows, phaseStarts, lineRowsFrom(Math.max(1, from - rows))));
  }
  if (isKey('day1.pane.pageDown', input, key)) {
    const phaseStarts = new Set(Object.values(ctx.source.phases(pane.runId)));
    if (!pane.follow) scrollTo(pageDownTop(from, rows, phaseStarts, count, lineRowsFrom(from)));
    return;
  }
  if (isKey('day1.pane.wrap', input, key)) return s.day1UpdatePane(index, { wrap: !pane.wrap, hscroll: 0 });
  if (isKey('day1.pane.top', input, key)) return scrollTo(1);
  if (isKey('day1.pane.bottom', input, key)) return s.day1UpdatePane(index, { follow: true });
  if (isKey('day1.pane.left', input, key)) return s.day1UpdatePane(index, { hscroll: Math.max(0, pane.hscroll - 8) });
  if (isKey('day1.pane.right', input, key)) return s.day1UpdatePane(index, { hscroll: pane.hscroll + 8 });
  if (isKey('day1.pane.search', input, key)) {
    s.day1OpenDialog({ kind: 'search', pane: index, text: pane.search, cursor: pane.search.length });
    return;
  }
  if (isKey('day1.pane.next', input, key))
    return findInPane(ctx, index, 'forward', pane.match !== null ? pane.match + 1 : vp.top || 1);
  if (isKey('day1.pane.prev', input, key))
    return findInPane(ctx, index, 'backward', pane.match !== null ? pane.match - 1 : vp.bottom || count);
  if (isKey('day1.pane.phase', input, key)) {
    const starts = Object.values(ctx.source.phases(pane.runId)).sort((a, b) => a - b);
    if (starts.length === 0) return;
    const next = starts.find((x) => x > from) ?? starts[0];
    s.day1UpdatePane(index, { follow: false, top: next });
    return;
  }
  if (isKey('day1.pane.close', input, key)) return s.day1ClosePane(index);
  if (isKey('day1.pane.back', input, key)) {
    if (pane.search) s.day1UpdatePane(index, { search: '', match: null });
    else s.day1Back();
  }
}

/**
 * The first line of the page above one that starts at `top`: as many lines as fit in `rows` rows (a line where a
 * phase starts takes a header row too, a wrapped line its rows) and that end on `top` itself, so the page
 * overlaps by one line.
 */
export function pageUpTop(
  top: number,
  rows: number,
  phaseStarts: ReadonlySet<number>,
  lineRows: (seq: number) => number = () => 1,
): number {
  const cost = (seq: number) => lineRows(seq) + (phaseStarts.has(seq) ? 1 : 0);
  let t = Math.max(1, top);
  let used = cost(t);
  while (t > 1 && used + cost(t - 1) <= rows) {
    t--;
    used += cost(t);
  }
  return t === top && top > 1 ? top - 1 : t;
}

/** The first line of the page below one that starts at `top`: the last line on screen (as paneRowsOf lays it). */
export function pageDownTop(
  top: number,
  rows: number,
  phaseStarts: ReadonlySet<number>,
  count: number,
  lineRows: (seq: number) => number = () => 1,
): number {
  let used = 0;
  let last = top;
  for (let seq = top; seq <= count; seq++) {
    if (phaseStarts.has(seq) && used < rows - 1) used++;
    if (used >= rows) break;
    const cost = lineRows(seq);
    if (used + cost > rows && seq > top) break;
    used += cost;
    last = seq;
  }
  return last > top ? last : top + 1;
}

function planKey(input: string, key: Key, ctx: Day1Ctx): void {
  const s = ctx.store.getState();
  const { total, visible } = ctx.planRows();
  const max = Math.max(0, total - visible);
  const cur = Math.min(s.day1.planScroll, max);
  const to = (n: number) => s.day1SetPlanScroll(Math.max(0, Math.min(max, n)));
  if (isKey('day1.plan.down', input, key)) return to(cur + 1);
  if (isKey('day1.plan.up', input, key)) return to(cur - 1);
  if (isKey('day1.plan.pageDown', input, key)) return to(cur + Math.max(1, visible - 1));
  if (isKey('day1.plan.pageUp', input, key)) return to(cur - Math.max(1, visible - 1));
  if (isKey('day1.plan.top', input, key)) return to(0);
  if (isKey('day1.plan.bottom', input, key)) return to(max);
  if (isKey('day1.plan.back', input, key)) {
    const lay = ctx.layout();
    if (!lay.plan || lay.panes.length === 0) s.day1TogglePlan(false);
    s.day1Back();
  }
}

// ------------------------------------------------------------------------------------------------ dialogs

function dialogKey(input: string, key: Key, ctx: Day1Ctx, dlg: Day1Dialog): void {
  const s = ctx.store.getState();
  if (dlg.kind === 'pick') {
    const stacks = ctx.stacks();
    if (isKey('day1.pick.down', input, key)) s.day1UpdateDialog({ index: Math.min(stacks.length - 1, dlg.index + 1) });
    else if (isKey('day1.pick.up', input, key)) s.day1UpdateDialog({ index: Math.max(0, dlg.index - 1) });
    else if (isKey('day1.pick.cancel', input, key)) s.day1CloseDialog();
    else if (isKey('day1.pick.choose', input, key)) {
      const stack = stacks[dlg.index];
      s.day1CloseDialog();
      if (stack) void startRun(ctx, stack.name, dlg.purpose);
    }
    return;
  }
  if (dlg.kind === 'search') {
    const r = editKey({ text: dlg.text, cursor: dlg.cursor }, input, key);
    if (r.cancel) return s.day1CloseDialog();
    if (r.submit) {
      const pane = s.day1.panes[dlg.pane];
      s.day1CloseDialog();
      if (!pane) return;
      const query = r.text;
      if (!query) {
        s.day1UpdatePane(dlg.pane, { search: '', match: null });
        return;
      }
      const vp = ctx.viewport(dlg.pane);
      const again = query === pane.search && pane.match !== null;
      s.day1UpdatePane(dlg.pane, { search: query, match: again ? pane.match : null });
      const from = again ? pane.match! + 1 : pane.follow ? 1 : (vp?.top ?? 1);
      findInPane(ctx, dlg.pane, 'forward', from);
      return;
    }
    s.day1UpdateDialog({ text: r.text, cursor: r.cursor });
    return;
  }
  // approve / discard / cancel
  const verb = dlg.action === 'approve' ? 'approved' : dlg.action === 'discard' ? 'discarded' : 'canceled';
  const nothing = () => {
    s.day1CloseDialog();
    flash(ctx, 'info', `Nothing ${verb}: run #${dlg.runId} is as it was`);
  };
  // What is confirmed scrolls when it is taller than the dialog (the dialog clamps the line shown).
  const ctxName = dlg.step === 'comment' ? 'day1.comment' : dlg.prod ? 'day1.typeName' : 'day1.confirm';
  if (isKey(`${ctxName}.down`, input, key)) return s.day1UpdateDialog({ scroll: (dlg.scroll ?? 0) + 1 });
  if (isKey(`${ctxName}.up`, input, key)) return s.day1UpdateDialog({ scroll: Math.max(0, (dlg.scroll ?? 0) - 1) });
  if (dlg.step === 'comment') {
    const r = editKey({ text: dlg.text, cursor: dlg.cursor }, input, key);
    if (r.cancel) return nothing();
    if (r.submit) s.day1UpdateDialog({ step: 'confirm', comment: r.text.trim(), text: '', cursor: 0 });
    else s.day1UpdateDialog({ text: r.text, cursor: r.cursor });
    return;
  }
  if (!dlg.prod) {
    if (isKey('day1.confirm.yes', input, key)) {
      s.day1CloseDialog();
      void performAction(ctx, dlg.action, dlg.runId, dlg.comment);
    } else if (isKey('day1.confirm.no', input, key)) nothing();
    return;
  }
  const r = editKey({ text: dlg.text, cursor: dlg.cursor }, input, key);
  if (isKey('day1.typeName.cancel', input, key) || r.cancel) return nothing();
  if (isKey('day1.typeName.confirm', input, key) || r.submit) {
    if (r.text.trim() === dlg.stackName) {
      s.day1CloseDialog();
      void performAction(ctx, dlg.action, dlg.runId, dlg.comment);
    } else {
      s.day1UpdateDialog({ text: '', cursor: 0 });
      flash(
        ctx,
        'error',
        `"${r.text.trim()}" is not ${dlg.stackName}: nothing ${verb}. Type ${dlg.stackName} exactly, or ${keys('day1.typeName.cancel')}`,
      );
    }
    return;
  }
  s.day1UpdateDialog({ text: r.text, cursor: r.cursor });
}
