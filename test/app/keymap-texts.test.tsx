/**
 * Every key named on screen comes from the keymap: rebinding a command changes each text that names its key (the
 * views' hints, the dialogs, help's closing line, the too-small notice). The README's key tables are checked
 * against the same keymap in test/readme.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { binding } from '../../src/keymap/index.js';
import { driveApp } from '../helpers/ink.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { addStack } from '../day2/ui/helpers.js';

const changed: { id: string; keys: string[] }[] = [];
afterEach(() => {
  for (const c of changed.splice(0)) binding(c.id).keys = c.keys;
});
function rebind(id: string, keys: string[]) {
  changed.push({ id, keys: binding(id).keys });
  binding(id).keys = keys;
}

describe('texts name the keys the keymap binds', () => {
  it('Day-1 and Day-2 hints, help and the too-small notice follow a rebinding', async () => {
    rebind('global.day0', ['0']);
    rebind('global.day1', ['@']);
    rebind('day1.list.tracked', ['T']);
    rebind('day1.list.proposed', ['P']);
    rebind('global.help', ['H']);
    rebind('day2.dashboard.sort', ['S']);
    rebind('day2.dashboard.clear', ['x']);
    rebind('global.quit', ['Q']);

    const { db } = tmpDb();
    const empty = await driveApp(db);
    await empty.press('@');
    expect(empty.frame()).toContain('Design one on Day-0 (press 0)');
    empty.unmount();

    const { db: db2 } = tmpDb();
    addStack(db2, tmpDir(), 'web');
    const app = await driveApp(db2);
    await app.press('/');
    await app.type('zzz');
    await app.press('enter');
    expect(app.frame()).toContain('No stack matches the filter "zzz". x clears it;');
    expect(app.frame()).toMatch(/sorts the worst first \(S\)/);
    await app.press('x');
    await app.press('@');
    expect(app.frame()).toContain('T starts a tracked run');
    expect(app.frame()).toContain('P a proposed run');
    await app.press('H');
    expect(app.frame()).toContain('Press H or Esc to close');
    app.unmount();

    const { db: db3 } = tmpDb();
    const small = await driveApp(db3, { columns: 50, rows: 12 });
    expect(small.frame()).toContain('press Q to quit');
    small.unmount();
  });
});
