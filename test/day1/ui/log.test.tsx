/**
 * The log pane on long logs: scrolling back, searching and following again, reading only a window of lines
 * around the screen; the tool's colours; several runs streaming in a split view.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { logWindowStats } from '../../../components/day1/log-window.js';
import { makeTheme, setTheme } from '../../../components/theme.js';
import { LogsRepo } from '../../../src/db/logs.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { customStack } from '../runs/helpers.js';
import { day1Fixture, openDay1, until } from './helpers.js';

const LINES = 5000;
/** Prints 5,000 lines; every 1,000th says "needle N". */
const PLAN_LONG = `const out = [];
for (let i = 1; i <= ${LINES}; i++) out.push(i % 1000 === 0 ? 'needle ' + i : 'line ' + i + ' of the plan');
console.log(out.join('\\n'));
console.log('dayops:change create null_resource.a');`;

afterEach(() => setTheme(makeTheme(process.env)));

describe('Day-1 log pane on a long log', () => {
  it('follows the end, scrolls back with PgUp and g, searches with / n N, follows again with G, holding only a window of lines', async () => {
    const fx = day1Fixture([]);
    customStack({ db: fx.db, name: 'big', plan: PLAN_LONG });
    logWindowStats.reset();
    const app = await openDay1(fx, { columns: 100, rows: 30 });
    await app.press('p', 'enter');
    await app.waitFor('✓ FINISHED', 30_000);
    const count = new LogsRepo(fx.db).count(1);
    expect(count).toBeGreaterThan(LINES);
    // Following: the end is on screen.
    await app.waitFor('dayops: plan: +1 ~0 -0');
    let f = app.frame();
    expect(f).toContain('following');
    expect(f).toContain('line 4999 of the plan');
    expect(f).not.toContain('line 4000 of the plan');

    // PgUp: a page back; the pane stops following and says where it is.
    f = await app.press('pgup');
    expect(f).not.toContain('following');
    expect(f).toMatch(new RegExp(`\\d+-\\d+/${count} · End follows`));
    expect(f).toContain('line 4970 of the plan');
    expect(f).not.toContain('dayops: plan: +1 ~0 -0');

    // g: the first line, under the phase header.
    f = await app.press('g');
    expect(f).toContain(`1-`);
    expect(f).toMatch(/── (init|plan) ─/);
    expect(f).toContain('line 1 of the plan');
    expect(f).toContain('line 2 of the plan');

    // j/k move a line at a time.
    f = await app.press('j', 'j');
    expect(f).toMatch(new RegExp(`3-\\d+/${count}`));

    // / searches the whole log; n and N go to the next and previous match, wrapping around.
    await app.press('/');
    await app.type('needle');
    f = await app.press('enter');
    expect(f).toContain('›needle 1000');
    expect(f).toContain('/needle match 1 of 5');
    f = await app.press('n');
    expect(f).toContain('›needle 2000');
    expect(f).not.toContain('needle 1000');
    f = await app.press('n', 'n', 'n');
    expect(f).toContain('›needle 5000');
    f = await app.press('n');
    expect(f).toContain('›needle 1000');
    expect(f).toContain('continued from the top');
    f = await app.press('N');
    expect(f).toContain('›needle 5000');
    f = await app.press('N');
    expect(f).toContain('›needle 4000');

    // A search that finds nothing says so and keeps the screen.
    await app.press('/');
    await app.press('ctrlU');
    await app.type('haystack');
    f = await app.press('enter');
    expect(f).toContain('"haystack" is not in the log of run #1');

    // Esc clears the search; G follows again.
    f = await app.press('esc');
    expect(f).not.toContain('/haystack');
    f = await app.press('G');
    expect(f).toContain('following');
    expect(f).toContain('dayops: plan: +1 ~0 -0');

    // Never more than a window of lines in memory, and far fewer rows read than the log has.
    expect(logWindowStats.maxHeld).toBeGreaterThan(0);
    expect(logWindowStats.maxHeld).toBeLessThanOrEqual(400);
    expect(logWindowStats.rowsRead).toBeLessThan(count);
  });

  it('keeps the tool colours on screen, drops other escape codes, and shows plain text without colour', async () => {
    const fx = day1Fixture([]);
    customStack({
      db: fx.db,
      name: 'colours',
      plan: `console.log('\\u001b[31mred alert\\u001b[0m and plain');
console.log('before\\u001b[2Jafter clear');
console.log('tab\\there');
console.log('dayops:change create null_resource.a');`,
    });
    setTheme(makeTheme({}));
    const app = await openDay1(fx);
    await app.press('p', 'enter');
    await app.waitFor('✓ FINISHED', 15_000);
    await app.waitFor('after clear');
    const raw = app.frames[app.frames.length - 1];
    // Ink writes the tool's reset as "default colour" (39).
    expect(raw).toMatch(/\u001b\[31mred alert\u001b\[(0|39)m and plain/);
    expect(raw).not.toContain('\u001b[2J');
    expect(app.frame()).toContain('beforeafter clear');
    expect(app.frame()).toContain('tab     here');

    setTheme(makeTheme({ NO_COLOR: '1' }));
    await app.press('k', 'G'); // re-render
    const plain = app.frames[app.frames.length - 1];
    expect(plain).toContain('red alert and plain');
    expect(plain).not.toContain('\u001b[31m');
  });
});

describe('Day-1 split view', () => {
  it('streams two runs at once in stacked panes; [ and ] move the focus, and keys act on the focused run', async () => {
    const fx = day1Fixture([
      { name: 'alpha', scenario: 'create', fake: { hang: 'plan:3' } },
      { name: 'beta', scenario: 'update', fake: { delayMs: 30 } },
    ]);
    const app = await openDay1(fx, { columns: 100, rows: 36 });
    await app.press('t', 'enter'); // alpha (first in the picker)
    await app.waitFor('terraform_data.old: Plan to create');
    await app.press('esc');
    await app.press('t', 'j', 'enter'); // beta
    await app.waitFor('#2 beta');
    expect(app.store.getState().day1.panes.map((p) => p.runId)).toEqual([1, 2]);
    // Both panes on screen, one above the other, each with its own run's lines.
    let f = await app.waitFor('Initializing the backend');
    expect(f).toContain('#1 alpha');
    expect(f.indexOf('#1 alpha')).toBeLessThan(f.indexOf('#2 beta'));
    expect(f).toContain('terraform_data.old: Plan to create');
    f = await app.waitFor('◆ UNCONFIRMED', 15_000);
    expect(f).toContain('terraform_data.web: Plan to update');
    // alpha is still running meanwhile, its lines still shown.
    expect(new RunsRepo(fx.db).get(1)!.state).toBe('PLANNING');
    expect(f).toContain('terraform_data.old: Plan to create');
    // The new pane has the focus: c would cancel beta... [ moves to alpha, whose run c cancels.
    expect(app.store.getState().day1.pane).toBe(1);
    await app.press('[');
    expect(app.store.getState().day1.pane).toBe(0);
    expect(await app.press('c')).toContain('Cancel run #1 of alpha');
    await app.press('y');
    await app.waitFor('⊘ CANCELED', 15_000);
    expect(new RunsRepo(fx.db).get(2)!.state).toBe('UNCONFIRMED');
    await app.press(']');
    expect(app.store.getState().day1.pane).toBe(1);
    // x closes a pane; the run goes on.
    await app.press('x');
    expect(app.store.getState().day1.panes.map((p) => p.runId)).toEqual([1]);
    expect(new RunsRepo(fx.db).get(2)!.state).toBe('UNCONFIRMED');
  });

  it('on a wide terminal shows the runs list, the panes side by side and the plan panel at once; s adds a run', async () => {
    const fx = day1Fixture([
      { name: 'alpha', scenario: 'create' },
      { name: 'beta', scenario: 'update' },
    ]);
    const app = await openDay1(fx, { columns: 220, rows: 40 });
    await app.press('t', 'enter');
    await app.waitFor('◆ UNCONFIRMED', 15_000);
    await app.press('esc', 't', 'j', 'enter');
    await until(() => new RunsRepo(fx.db).get(2)?.state === 'UNCONFIRMED', 'beta to wait for approval');
    await app.press('x'); // close beta's pane: alpha alone
    await app.press('esc'); // the list, full width
    let f = app.frame();
    expect(f).toMatch(/#2 beta\s+◆ UNCONFIRMED\s+apply/);
    // s: beta next to alpha.
    f = await app.press('s');
    const titles = f.split('\n').find((l) => l.includes('#1 alpha ◆') && l.includes('#2 beta ◆'));
    expect(titles).toBeDefined();
    // The runs list on the left, the plan of the focused run on the right.
    expect(f).toMatch(/RUN STACK/);
    expect(f).toContain('Plan · run #2');
    expect(f).toMatch(/~\s+terraform_data\.web update/);
    // The focus stays on the runs list; ] walks list -> panes -> plan
    expect(app.store.getState().day1.focus).toBe('list');
    await app.press(']', ']', ']');
    expect(app.store.getState().day1.focus).toBe('plan');
    await app.press(']');
    expect(app.store.getState().day1.focus).toBe('list');
    // Enter on the list opens the selected run in the focused pane.
    await app.press('j');
    await app.press('enter');
    expect(app.store.getState().day1.focus).toBe('pane');
  });
});
