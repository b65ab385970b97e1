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
