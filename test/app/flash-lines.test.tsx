/**
 * A flash line belongs to the action that raised it and clears on the next action (issue 8), in Day-1 and Day-2
 * as in the wizard: an old error never stays on screen after the operator has moved on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { driveApp, type DrivenApp } from '../helpers/ink.js';
import { tmpDb } from '../helpers/tmp.js';
import { day1Fixture, openDay1 } from '../day1/ui/helpers.js';
import { addDrift, addStack, configsRead } from '../day2/ui/helpers.js';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

describe('flash lines clear on the next action', () => {
  it('Day-1: the error a key raised stays while nothing else happens, and goes with the next key', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create' }]);
    const day1 = await openDay1(fx, { readonly: true });
    let f = await day1.press('t');
    expect(day1.store.getState().flash).toMatchObject({ level: 'error' });
    expect(f).toContain('readonly mode (--readonly)');
    f = await day1.press('j');
    expect(day1.store.getState().flash).toBeNull();
    expect(f).not.toContain('readonly mode (--readonly)');
  });

  it('Day-2: a warning a key raised goes with the next key', async () => {
    const { db, dir, path } = tmpDb();
    const web = addStack(db, dir, 'web', {});
    addDrift(db, web, []);
    app = await driveApp(db, { dbPath: path, columns: 120, rows: 30 });
    await configsRead(app);
    await app.press('enter');
    let f = await app.press('A');
    expect(f).toContain('no drifted resource under the cursor');
    expect(app.store.getState().flash).toMatchObject({ level: 'warning' });
    f = await app.press('l');
    expect(app.store.getState().flash).toBeNull();
    expect(f).not.toContain('no drifted resource under the cursor');
  });
});
