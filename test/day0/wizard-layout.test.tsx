import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTheme, setTheme } from '../../components/theme.js';
import { tmpDb } from '../helpers/tmp.js';
import { focusRow, gotoStep, openWizard, wiz } from './wizard-driver.js';

const chalkLevel = chalk.level;
afterEach(() => {
  setTheme(makeTheme(process.env));
  chalk.level = chalkLevel;
});

const widest = (frame: string) => Math.max(...frame.split('\n').map((l) => [...l].length));

describe('the wizard on screens of different sizes', () => {
  it('fits 80x24: a compact step line, no line wider than the terminal, long steps scroll', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 80, rows: 24 });
    let f = app.frame();
    expect(f).toContain('step 1/10 · Basics');
    expect(f.split('\n')).toHaveLength(23);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain('Enter next step');
    expect(f).toContain('? help');
    // Every step fits; the review is longer than the screen and scrolls to keep the focus in view.
    for (let i = 0; i < 9; i++) {
      f = await app.press(']');
      expect(widest(f)).toBeLessThanOrEqual(80);
      expect(f.split('\n')).toHaveLength(23);
    }
    expect(f).toContain('step 10/10 · Review & write');
    expect(f).toMatch(/↓ 1-\d+\/\d+/);
    await app.press('G');
    f = app.frame();
    expect(f).toMatch(/↑ {2}\d+-(\d+)\/\1/);
    expect(f).toMatch(/› Patch window\s+Sun 02:00-04:00/);
    // An open picker pushes the rows below it down without overflowing.
    await gotoStep(app, 'provider');
    await focusRow(app, 'region');
    f = await app.press('enter');
    expect(f.split('\n')).toHaveLength(23);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(/› eu-west-1 · Europe \(Ireland\) · EU {2}\(current\)/);
    await app.press('esc');
    app.unmount();
  });

  it('uses a large terminal: step list on the left, help and the audit on the right', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 160, rows: 48 });
    await gotoStep(app, 'network');
    await focusRow(app, 'natGateways');
    await app.press('enter');
    await app.press('ctrlU');
    await app.type('0');
    await app.press('enter');
    // Enter after the step's last field went on to the next step: back to look at Network.
    expect(wiz(app).step).toBe(4);
    await gotoStep(app, 'network');
    await focusRow(app, 'natGateways');
    const f = app.frame();
    expect(widest(f)).toBeLessThanOrEqual(160);
    expect(f).toMatch(/Steps/);
    expect(f).toMatch(/✓\s+1 Basics/);
    expect(f).toMatch(/›\s+!\s+4 Network|›\s+✗\s+4 Network/);
    expect(f).toContain('Audit · Network');
    // AWS NAT with no gateway: a warning, shown in full on the right.
    expect(f).toContain('nat-missing');
    expect(f.replace(/\s*\n[^│]*│[^│]*│\s*/g, ' ')).toContain(
      'With no NAT gateway, nodes in private subnets cannot reach the internet',
    );
    expect(wiz(app).bp.network.egress.natGateways).toBe(0);
    app.unmount();
  });

  it('with NO_COLOR prints no colour, and every status still reads as a symbol or a word', async () => {
    // Ink would print colours (as in a colour terminal) if any component still asked for one.
    chalk.level = 3;
    setTheme(makeTheme({ NO_COLOR: '1' }));
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 120, rows: 30 });
    await gotoStep(app, 'cluster');
    await focusRow(app, 'nodePools[0]');
    await app.press('enter');
    await focusRow(app, 'min');
    await app.press('enter');
    await app.press('ctrlU');
    await app.type('9');
    await app.press('enter');
    await app.press('esc');
    await focusRow(app, 'version');
    await app.press('enter');
    const raw = app.frames.slice(-30).join('\n');
    // SGR colour codes: 30-37, 39, 90-97, 38;5/38;2 and their backgrounds.
    expect(raw).not.toMatch(/\u001B\[(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/);
    const f = app.frame();
    expect(f).toMatch(/✗\s+3 Cluster/);
    expect(f).toContain('Audit ✗ 1 error');
    expect(f).toContain('(current)');
    await app.press('esc');
    app.unmount();
  });
});
