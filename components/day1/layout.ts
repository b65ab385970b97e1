/**
 * Where each part of the Day-1 view goes, from the body's size and the view's state. The same function sizes the
 * components and tells the key handler how tall a page is, so PgUp moves exactly what is on screen.
 *
 *   list screen           the runs table; from 160 columns, the plan of the run under the cursor beside it
 *   run screen, >= 160    runs list | log panes | plan panel   (the list gives way when several panes need room)
 *   run screen, >= 120    log panes | plan panel
 *   run screen, narrow    log panes, or the plan panel (v)
 * Log panes sit side by side when each gets at least PANE_MIN_SIDE columns, else they are stacked.
 */
import type { Day1State } from '../../store/day1.js';

export const LIST_COLUMN = 38;
export const PANE_MIN_SIDE = 48;
export const WIDE = 160;
export const MEDIUM = 120;

export interface Box2 {
  width: number;
  height: number;
}

export type Region = { kind: 'list' } | { kind: 'pane'; index: number } | { kind: 'plan' };

export interface Day1Layout {
  screen: 'list' | 'run';
  /** Height left for the view above the dialog. */
  mainHeight: number;
  dialogHeight: number;
  list: Box2 | null;
  panes: Box2[];
  panesDirection: 'row' | 'column';
  plan: Box2 | null;
  /** What `[`/`]` cycle through, in screen order. */
  regions: Region[];
}

/** A pane's border (2 rows) and title row. */
export const PANE_CHROME_ROWS = 3;

/** Log rows inside a pane of this outer height. */
export const paneRows = (b: Box2): number => Math.max(1, b.height - PANE_CHROME_ROWS);

/** The plan panel: about a third of the width, more on a wide terminal (long addresses stay whole). */
const planWidth = (width: number) => Math.min(110, Math.max(44, Math.floor(width * 0.38)));

/**
 * Rows of a dialog. An approve/discard/cancel dialog is as tall as what it confirms (`actionRows`: its wrapped
 * lines, the plan's changes among them), leaving the view at least 6 rows; past that it scrolls.
 */
export function dialogHeight(d: Day1State['dialog'], stackCount: number, height: number, actionRows = 3): number {
  if (!d) return 0;
  if (d.kind === 'pick') return Math.min(Math.max(4, height - 6), stackCount + 3);
  if (d.kind === 'search') return 1;
  return Math.max(5, Math.min(height - 6, actionRows + 2));
}

export function day1Layout(
  width: number,
  height: number,
  s: Day1State,
  stackCount: number,
  actionRows?: number,
): Day1Layout {
  const dh = dialogHeight(s.dialog, stackCount, height, actionRows);
  const mainHeight = Math.max(3, height - dh);
  if (s.screen === 'list' || s.panes.length === 0) {
    // Wide: the plan of the run under the cursor, as a preview next to the list.
    const preview = width >= WIDE ? planWidth(width) : 0;
    return {
      screen: 'list',
      mainHeight,
      dialogHeight: dh,
      list: { width: width - preview, height: mainHeight },
      panes: [],
      panesDirection: 'column',
      plan: preview ? { width: preview, height: mainHeight } : null,
      regions: [{ kind: 'list' }],
    };
  }
  const n = s.panes.length;
  let listW = 0;
  let planW = 0;
  let showPanes = true;
  if (width >= MEDIUM) {
    planW = planWidth(width);
    if (width >= WIDE && width - LIST_COLUMN - planW >= Math.max(60, n * PANE_MIN_SIDE)) listW = LIST_COLUMN;
  } else if (s.planOpen) {
    planW = width;
    showPanes = false;
  }
  const panesW = showPanes ? width - listW - planW : 0;
  const side = n > 1 && Math.floor(panesW / n) >= PANE_MIN_SIDE;
  const panes: Box2[] = [];
  if (showPanes) {
    for (let i = 0; i < n; i++) {
      if (side) {
        const w = Math.floor(panesW / n) + (i < panesW % n ? 1 : 0);
        panes.push({ width: w, height: mainHeight });
      } else {
        const h = Math.floor(mainHeight / n) + (i < mainHeight % n ? 1 : 0);
        panes.push({ width: panesW, height: h });
      }
    }
  }
  const regions: Region[] = [];
  if (listW) regions.push({ kind: 'list' });
  panes.forEach((_, index) => regions.push({ kind: 'pane', index }));
  if (planW) regions.push({ kind: 'plan' });
  return {
    screen: 'run',
    mainHeight,
    dialogHeight: dh,
    list: listW ? { width: listW, height: mainHeight } : null,
    panes,
    panesDirection: side ? 'row' : 'column',
    plan: planW ? { width: planW, height: mainHeight } : null,
    regions,
  };
}
