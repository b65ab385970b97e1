import { describe, expect, it } from 'vitest';
import { StacksRepo } from '../../src/db/stacks.js';
import { driveApp } from '../helpers/ink.js';
import { tmpDb } from '../helpers/tmp.js';

describe('the app shell', () => {
  it('opens on Day-0 on an empty database and shows the keys that work', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db);
    const f = app.frame();
    expect(f).toMatch(/1 Day-0 · Design/);
    expect(app.store.getState().view).toBe('day0');
    expect(f).toContain('q quit');
    expect(f).toContain('? help');
    app.unmount();
  });

  it('opens on the Day-2 dashboard when stacks exist', async () => {
    const { db, dir } = tmpDb();
    new StacksRepo(db).upsert({ name: 'payments', dir, tool: 'opentofu', environment: 'prod' });
    const app = await driveApp(db);
    expect(app.store.getState().view).toBe('day2');
    app.unmount();
  });

  it('switches days with 1/2/3 and Tab, and Shift-Tab goes back', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db);
    await app.press('2');
    expect(app.store.getState().view).toBe('day1');
    expect(app.frame()).toContain('Day-1 · Deploy');
    await app.press('3');
    expect(app.store.getState().view).toBe('day2');
    await app.press('tab');
    expect(app.store.getState().view).toBe('day0');
    await app.press('shiftTab');
    expect(app.store.getState().view).toBe('day2');
    await app.press('1');
    expect(app.store.getState().view).toBe('day0');
    app.unmount();
  });

  it('? lists every global binding; Esc closes help', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db, { columns: 120, rows: 40 });
    const help = await app.press('?');
    for (const text of [
      'Show or hide this help',
      'Day-1: runs, plans and approvals',
      'Quit (asks first while a run is active)',
      'Move down',
    ]) {
      expect(help).toContain(text);
    }
    const closed = await app.press('esc');
    expect(closed).not.toContain('Show or hide this help');
    app.unmount();
  });

  it('help scrolls when it does not fit a small terminal', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db, { columns: 80, rows: 16 });
    const help = await app.press('?');
    expect(help).toMatch(/scroll \(1-\d+ of \d+\)/);
    const scrolled = await app.press('G');
    expect(scrolled).toContain('Quit now: active runs are interrupted cleanly');
    app.unmount();
  });

  it('q quits at once when nothing runs, and asks first while runs are active', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db);
    app.store.getState().setActiveRuns(2);
    const asked = await app.press('q');
    expect(asked).toContain('2 runs are active. Quit and interrupt them? y / n');
    expect(app.store.getState().quitting).toBe(false);
    await app.press('n');
    expect(app.store.getState().quitConfirm).toBe(false);
    await app.press('q');
    await app.press('y');
    expect(app.store.getState().quitting).toBe(true);
    app.unmount();
  });

  it('quits once the runs it asked about have ended', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db);
    app.store.getState().setActiveRuns(1);
    expect(await app.press('q')).toContain('1 run is active. Quit and interrupt it? y / n');
    app.store.getState().setActiveRuns(0);
    expect(app.store.getState().quitting).toBe(true);
    app.unmount();
  });

  it('Ctrl-C quits even while a text field has the keyboard', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db);
    app.store.getState().setTextInput(true);
    await app.press('q');
    expect(app.store.getState().quitting).toBe(false);
    await app.press('ctrlC');
    expect(app.store.getState().quitting).toBe(true);
    app.unmount();
  });

  it('says so when the terminal is too small instead of drawing a garbled screen', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db, { columns: 50, rows: 12 });
    expect(app.frame()).toContain('Terminal too small (50x12)');
    app.unmount();
  });

  it('uses the room of a large terminal', async () => {
    const { db } = tmpDb();
    const app = await driveApp(db, { columns: 200, rows: 60 });
    const lines = app.frame().split('\n');
    expect(lines.length).toBe(59);
    expect(app.frame()).toContain('2 Day-1 · Deploy');
    app.unmount();
  });
});
