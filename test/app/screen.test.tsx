/**
 * The header at the stated minimum size (MIN_COLUMNS x MIN_ROWS) and at 80 columns: the day tabs, the read-only
 * mark and the stack never collide or wrap; what gives way first is the least useful.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MIN_COLUMNS, MIN_ROWS } from '../../components/App.js';
import { headerParts, headerWidth } from '../../components/layout/Header.js';
import { driveApp, type DrivenApp } from '../helpers/ink.js';
import { tmpDb } from '../helpers/tmp.js';
import { addStack } from '../day2/ui/helpers.js';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

describe('header', () => {
  it(`at the minimum ${MIN_COLUMNS}x${MIN_ROWS}, read-only, a long stack name: one line, tabs and name intact`, async () => {
    const { db, dir, path } = tmpDb();
    addStack(db, dir, 'analytics-staging', { environment: 'staging' });
    app = await driveApp(db, { dbPath: path, readonly: true, columns: MIN_COLUMNS, rows: MIN_ROWS });
    const f = await app.waitFor('analytics-staging');
    const [first, second] = f.split('\n');
    expect(first).toMatch(/1 Design\s+2 Deploy\s+3 Operate\s+\[ro\] analytics-staging/);
    expect(first.length).toBeLessThanOrEqual(MIN_COLUMNS);
    // The second line is the view's, not the rest of the header.
    expect(second).not.toMatch(/^\s*(s|Design|\(staging\))/);
  });

  it('gives way in order and always fits, down to cutting the name', () => {
    const stack = { name: 'a-very-long-stack-name-for-the-header', environment: 'prod' };
    for (const w of [MIN_COLUMNS, 70, 80, 100, 140]) {
      for (const ro of [false, true]) {
        const p = headerParts(w, ro, stack);
        expect(headerWidth(p, stack), `${w} columns`).toBeLessThanOrEqual(w);
        // prod is never hidden
        expect(p.environment).toBe(true);
      }
    }
    const wide = headerParts(200, true, stack);
    expect(wide).toMatchObject({ brand: true, titles: 'long', readonly: '[read-only] ', stackWord: true });
    expect(wide.name).toBe(stack.name);
    expect(headerParts(MIN_COLUMNS, true, stack).name).toMatch(/…$/);
  });
});

describe('help at 80x24', () => {
  it('PgDn moves by the rows on screen minus one: the last line of a page is the first of the next', async () => {
    const { db, dir, path } = tmpDb();
    addStack(db, dir, 'net');
    app = await driveApp(db, { dbPath: path, columns: 80, rows: 24 });
    await app.waitFor('net');
    // The runs list's help is long: several pages.
    await app.press('2');
    let f = await app.press('?');
    const range = (frame: string) => {
      const m = /\((\d+)-(\d+) of (\d+)\)/.exec(frame);
      if (!m) throw new Error(`no range in:\n${frame}`);
      return [Number(m[1]), Number(m[2]), Number(m[3])];
    };
    const [, end, total] = range(f);
    // The bindings on screen: the rows of the key tables (the help draws one table per group), headings left out.
    // Each table sizes its columns to its own cells: compare the key and the start of its description.
    const bindings = (frame: string) =>
      frame
        .split('\n')
        .filter((l) => /│ │ \S/.test(l) && !/│ │ key /.test(l))
        .map((l) =>
          l
            .split('│')
            .slice(2, 4)
            .map((c) => c.trim().slice(0, 20))
            .join(' | '),
        );
    const lastLine = bindings(f).at(-1);
    f = await app.press('pgdown');
    const [start2] = range(f);
    // The page starts on the last line of the one before (or shows the last lines when fewer are left).
    expect(start2).toBe(Math.min(end, total - end + 1));
    expect(total).toBeGreaterThan(2 * end);
    if (start2 === end) expect(bindings(f)[0]).toBe(lastLine);
    f = await app.press('pgup');
    expect(range(f)[0]).toBe(1);
  });
});
