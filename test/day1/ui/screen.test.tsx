/**
 * The Day-1 screen at 80x24: a page of the log moves by what is on screen minus one line, phase headers counted,
 * so PgDn/PgUp never skip a line; `s` adds a run to the split and leaves the focus on the runs list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTheme, setTheme } from '../../../components/theme.js';
import { pageDownTop, pageUpTop } from '../../../components/day1/controller.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { APPLY_RECORDS, customStack } from '../runs/helpers.js';
import { day1Fixture, openDay1, until } from './helpers.js';

/** The numbers of the log lines (`seq`) a pane shows, read from its lines: the fake prints known text; use the
 * pane's own "a-b/N" position instead, which names the first and last line on screen. */
const position = (frame: string): [number, number] => {
  const m = /(\d+)-(\d+)\/\d+/.exec(frame);
  if (!m) throw new Error(`no position in:\n${frame}`);
  return [Number(m[1]), Number(m[2])];
};

describe('log pane pages', () => {
  it('pageDownTop/pageUpTop keep one line of overlap, headers taking rows', () => {
    // 10 rows, a phase starting at 1 and at 5: rows 1(h) 1 2 3 4 5(h) 5 6 7 8 -> last line 8.
    expect(pageDownTop(1, 10, new Set([1, 5]), 100)).toBe(8);
    expect(pageDownTop(20, 10, new Set(), 100)).toBe(29);
    // Up from 8: 8 7 6 5(h) 4 3 2 1(h)... 8 lines and 2 headers fit in 10 rows.
    expect(pageUpTop(8, 10, new Set([1, 5])), 'to line 1').toBe(1);
    expect(pageUpTop(29, 10, new Set())).toBe(20);
    expect(pageUpTop(1, 10, new Set())).toBe(1);
  });

  it('PgDn then PgUp through a run log with phase headers at 80x24: each page starts on the last line of the one before', async () => {
    const fx = day1Fixture([]);
    // A short plan, then a long apply: two phase headers on the first page.
    customStack({
      db: fx.db,
      name: 'alpha',
      apply: `${APPLY_RECORDS}\nfor (let i = 1; i <= 80; i++) console.log('apply line ' + i);`,
    });
    const app = await openDay1(fx, { columns: 80, rows: 24 });
    await app.press('t', 'enter');
    await until(() => new RunsRepo(fx.db).get(1)?.state === 'UNCONFIRMED', 'the plan to wait', 20_000);
    await app.settle();
    await app.press('a', 'enter', 'y');
    await until(() => new RunsRepo(fx.db).get(1)?.state === 'FINISHED', 'the apply to finish', 20_000);
    await app.settle();
    let f = await app.press('g');
    expect(f).toMatch(/── plan ─/);
    expect(f).toMatch(/── apply ─/);
    let [top, bottom] = position(f);
    expect(top).toBe(1);
    const pages: [number, number][] = [[top, bottom]];
    for (let i = 0; i < 3; i++) {
      f = await app.press('pgdown');
      const [t, b] = position(f);
      if (t === top) break;
      expect(t, `page ${i + 1} starts on the last line of the page before`).toBe(bottom);
      [top, bottom] = [t, b];
      pages.push([t, b]);
    }
    expect(pages.length).toBeGreaterThan(1);
    // Back up: each page ends on the first line of the one below (or starts at line 1).
    for (let i = pages.length - 2; i >= 0; i--) {
      f = await app.press('pgup');
      const [t, b] = position(f);
      expect(b, 'the page above ends on the first line of the page below').toBeGreaterThanOrEqual(top);
      expect(t).toBeLessThan(top);
      top = t;
    }
  }, 40_000);
});

describe('split', () => {
  it('s adds the run to the split and the focus stays on the runs list (80 columns and 220)', async () => {
    const fx = day1Fixture([
      { name: 'alpha', scenario: 'create' },
      { name: 'beta', scenario: 'update' },
    ]);
    const app = await openDay1(fx, { columns: 80, rows: 24 });
    await app.press('p', 'enter');
    await until(() => new RunsRepo(fx.db).get(1)?.state === 'FINISHED', 'alpha to finish', 20_000);
    await app.press('esc', 'p', 'j', 'enter');
    await until(() => new RunsRepo(fx.db).get(2)?.state === 'FINISHED', 'beta to finish', 20_000);
    await app.press('x'); // close beta's pane
    await app.press('esc');
    // On the list, #2 (beta) is selected: s adds it to the split; the list keeps the keys, j moves to #1.
    let f = await app.press('g', 's');
    let d = app.store.getState().day1;
    expect(d.panes.map((p) => p.runId)).toContain(2);
    expect(f).toMatch(/RUN\s+STACK/);
    await app.press('j');
    d = app.store.getState().day1;
    expect(d.selected).toBe(1);
    f = await app.press('s');
    expect(
      app.store
        .getState()
        .day1.panes.map((p) => p.runId)
        .sort(),
    ).toEqual([1, 2]);
    expect(f).toMatch(/RUN\s+STACK/);
    app.unmount();

    const wide = await openDay1(fx, { columns: 220, rows: 40 });
    wide.store.getState().day1Back();
    await wide.settle();
    f = await wide.press('g', 's');
    d = wide.store.getState().day1;
    expect(d.focus).toBe('list');
    expect(f).toMatch(/RUN\s+STACK/);
    await wide.press('j');
    expect(wide.store.getState().day1.selected).toBe(1);
  }, 60_000);
});

afterEach(() => setTheme(makeTheme(process.env)));

describe('log pane lines at 80x24', () => {
  it('w wraps a long line onto the next rows; sideways scrolling keeps colour; the search counts its matches', async () => {
    const fx = day1Fixture([]);
    const long = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(2, '0')}`).join(' ');
    customStack({
      db: fx.db,
      name: 'wide',
      plan: `console.log(${JSON.stringify(long)});
console.log('\\u001b[31m' + 'x'.repeat(20) + 'RED-TAIL\\u001b[0m plain');
for (let i = 1; i <= 17; i++) console.log('needle ' + i);
console.log('dayops:change create null_resource.a');`,
    });
    setTheme(makeTheme({}));
    const app = await openDay1(fx, { columns: 80, rows: 24 });
    await app.press('p', 'enter');
    await until(() => new RunsRepo(fx.db).get(1)?.state === 'FINISHED', 'the plan to finish', 20_000);
    await app.settle();
    let f = await app.press('g');
    // Cut at the edge: the end of the long line is not on screen.
    expect(f).toContain('w00 w01');
    expect(f).not.toContain('w29');
    f = await app.press('w');
    expect(f).toContain('w29');
    // The rest of the line is on the next row, inside the pane.
    const rows = f.split('\n');
    const at = rows.findIndex((l) => l.includes('w00 w01'));
    expect(rows[at + 1]).toMatch(/w2\d/);
    for (const l of rows) expect(l.length).toBeLessThanOrEqual(80);
    await app.press('w', 'l', 'l');
    // Scrolled 16 columns right, the red text is still red.
    const raw = app.frames[app.frames.length - 1];
    expect(raw).toMatch(/\u001b\[31mx+RED-TAIL/);
    // Search: 17 matches; n walks them and the title counts.
    await app.press('/');
    await app.type('needle');
    f = await app.press('enter');
    expect(f).toMatch(/needle match 1 of 17/);
    f = await app.press('n', 'n');
    expect(f).toMatch(/needle match 3 of 17/);
  }, 40_000);
});

describe('the approve dialog at 80x24', () => {
  it("lists the plan's changes it approves, wrapped, never cut", async () => {
    const fx = day1Fixture([{ name: 'a-stack-with-a-rather-long-name', scenario: 'mixed' }]);
    const app = await openDay1(fx, { columns: 80, rows: 24 });
    await app.press('t', 'enter');
    await until(() => new RunsRepo(fx.db).get(1)?.state === 'UNCONFIRMED', 'the plan to wait', 20_000);
    await app.settle();
    const f = await app.press('a');
    const detail = new RunsRepo(fx.db).detail(1);
    const changes = (detail?.plan?.changes ?? []).filter((c) => c.action !== 'no-op');
    expect(changes.length).toBeGreaterThan(1);
    // In the dialog (below its title), not only in the log above it.
    const rows = f.split('\n');
    const title = rows.findIndex((l) => l.includes('Approve run #1 of a-stack-with-a-rather-long-name'));
    expect(title).toBeGreaterThan(0);
    const dialog = rows.slice(title).join('\n');
    for (const c of changes) expect(dialog).toContain(c.address);
    expect(f).toMatch(/approvals 0 of \d/);
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  }, 40_000);
});
