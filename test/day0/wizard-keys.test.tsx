/**
 * One vocabulary, one keymap: every key the wizard names comes from src/keymap/day0.ts, footers show the keys
 * that work there and only those, and what the wizard says belongs to the key that said it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { binding } from '../../src/keymap/index.js';
import { tmpDb } from '../helpers/tmp.js';
import { focusRow, gotoStep, openWizard, wiz } from './wizard-driver.js';

const footer = (frame: string) => frame.trimEnd().split('\n').at(-1)!;
const flashLine = (frame: string) => frame.trimEnd().split('\n').at(-2)!;

/** Bindings changed by a test, put back after it. */
const changed: { id: string; keys: string[] }[] = [];
afterEach(() => {
  for (const c of changed.splice(0)) binding(c.id).keys = c.keys;
});
function rebind(id: string, keys: string[]) {
  changed.push({ id, keys: binding(id).keys });
  binding(id).keys = keys;
}

describe('the wizard names keys from the keymap', () => {
  it('rebinding a key changes every text that names it, and the key itself', async () => {
    rebind('day0.list.add', ['+']);
    rebind('day0.list.remove', ['-']);
    rebind('day0.confirm.yes', ['Y']);
    rebind('day0.toReview', ['V']);
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 100, rows: 30 });
    expect(app.frame()).toContain('V: straight to the review');
    expect(footer(app.frame())).toContain('V review');
    await gotoStep(app, 'network');
    await focusRow(app, 'subnets[1]');
    let f = app.frame();
    expect(f).toMatch(/Subnets \(3\)\s+\+ add · Enter edit · - remove/);
    expect(footer(f)).toContain('+ add');
    expect(footer(f)).toContain('- remove');
    f = await app.press('-');
    expect(f).toContain('Remove subnet private-b? Y remove · n/Esc keep');
    expect(footer(f)).toBe('Y remove n/Esc keep');
    await app.press('Y');
    expect(wiz(app).bp.network.subnets).toHaveLength(2);
    await gotoStep(app, 'storage');
    await focusRow(app, 'databases:empty');
    expect(app.frame()).toContain('(no databases) · + or Enter adds one');
    app.unmount();
  });

  it('a footer shows what works where the operator is: Enter says what it does; no Esc where Esc does nothing', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 120, rows: 30 });
    // A step opens on its "next step" button.
    let f = footer(app.frame());
    expect(f).toMatch(/^Enter next step /);
    expect(f).not.toContain('Enter edit');
    expect(f).not.toContain('Esc');
    // On a field, Enter edits; Esc still does nothing.
    await focusRow(app, 'owner');
    f = footer(app.frame());
    expect(f).toMatch(/^Enter edit /);
    expect(f).not.toContain('Esc');
    // While a value is typed: the field's keys only.
    await app.press('enter');
    expect(footer(app.frame())).toBe('Enter save Esc cancel ^U clear');
    await app.press('esc');
    // In a list item's editor Esc goes back to the list, and says so.
    await gotoStep(app, 'cluster');
    await focusRow(app, 'nodePools[0]');
    await app.press('enter');
    f = footer(app.frame());
    expect(f).toContain('Esc list');
    expect(f.match(/Esc/g)).toHaveLength(1);
    await app.press('esc');
    // On the review's write button, Enter writes.
    await app.press('R');
    expect(footer(app.frame())).toMatch(/^Enter write w write files /);
    app.unmount();
  });
});

describe('the flash line belongs to the key that raised it', () => {
  it('"Not saved: lowercase only" goes as soon as the value is being fixed', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 100, rows: 30 });
    await focusRow(app, 'name');
    await app.press('enter', 'ctrlU');
    await app.type('Payments');
    let f = await app.press('enter');
    expect(flashLine(f)).toContain('Not saved: lowercase only (fix it, or Esc to leave the field unchanged)');
    await app.press('ctrlU');
    f = await app.type('payments');
    expect(f).not.toContain('Not saved');
    expect(f).not.toContain('lowercase only');
    await app.press('enter');
    expect(wiz(app).bp.metadata.name).toBe('payments');
    app.unmount();
  });

  it('a remove says what it removed until the next key', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'network');
    await focusRow(app, 'subnets[2]');
    await app.press('x');
    let f = await app.press('y');
    expect(flashLine(f)).toContain('Removed subnet public-a');
    f = await app.press('up');
    expect(f).not.toContain('Removed subnet');
    app.unmount();
  });
});
