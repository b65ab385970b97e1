/**
 * `Esc back` is offered only where Esc does something (issue 8): the footer under the help screen names the help's
 * keys (Esc closes it), not the covered view's `Esc back`; the quit question names only its own keys.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { driveApp, type DrivenApp } from '../helpers/ink.js';
import { tmpDb } from '../helpers/tmp.js';
import { addDrift, addStack, configsRead } from '../day2/ui/helpers.js';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

const footer = (frame: string) => frame.trimEnd().split('\n').at(-1)!.trim();

describe('the footer offers Esc only where Esc works', () => {
  it('help over the Day-2 detail: Esc close (not back, no view keys); Esc closes it; Esc again goes back', async () => {
    const { db, dir, path } = tmpDb();
    addDrift(db, addStack(db, dir, 'web', {}), []);
    app = await driveApp(db, { dbPath: path, columns: 120, rows: 30 });
    await configsRead(app);
    let f = await app.press('enter');
    expect(footer(f)).toContain('Esc back');
    f = await app.press('?');
    expect(app.store.getState().helpOpen).toBe(true);
    expect(footer(f)).toContain('Esc close');
    expect(footer(f)).not.toContain('back');
    expect(footer(f)).not.toContain('Tab day'); // Tab does nothing under the help
    expect(footer(f)).toContain('q quit');
    f = await app.press('esc');
    expect(app.store.getState().helpOpen).toBe(false);
    expect(footer(f)).toContain('Esc back');
    f = await app.press('esc');
    expect(app.store.getState().day2.screen).toBe('dashboard');
    expect(footer(f)).not.toContain('Esc');
  });

  it('the quit question: only its keys', async () => {
    const { db, path } = tmpDb();
    app = await driveApp(db, { dbPath: path, columns: 120, rows: 30 });
    app.store.setState({ quitConfirm: true });
    await app.settle();
    expect(footer(app.frame())).toBe('y/Y quit n/Esc stay');
  });
});
