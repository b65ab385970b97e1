import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBlueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { DraftsRepo } from '../../src/db/drafts.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { openDatabase } from '../../src/db/open.js';
import { ROOT } from '../helpers/cli.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { enterThroughToWrite, focusRow, gotoStep, openWizard, setText, wiz } from './wizard-driver.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the Day-0 wizard, Enter all the way', () => {
  it('writes a valid design with the defaults in under 15 keys of Enter, as the README promises', async () => {
    const { db } = tmpDb();
    const cwd = tmpDir();
    vi.spyOn(process, 'cwd').mockReturnValue(cwd);
    const app = await openWizard(db, { columns: 80, rows: 24 });
    expect(app.frame()).toContain('step 1/10 · Basics');
    // Every step opens on its "next step" button, the review on its "write" button.
    const presses = await enterThroughToWrite(app);
    expect(presses).toBe(9);
    const review = app.frame();
    expect(review).toContain('Review & write');
    // The absolute path is on screen before anything is written.
    expect(review).toContain(`→ ${join(cwd, 'my-stack')}`);
    expect(review).toMatch(/Audit\s+✓ no findings/);

    await app.press('enter');
    const done = await app.waitFor('written:');
    expect(presses + 1).toBeLessThan(15);
    const dir = join(cwd, 'my-stack');
    // The files are on disk and blueprint.yaml holds exactly what was entered: the defaults, untouched.
    for (const f of ['blueprint.yaml', 'dayops.yaml', 'DESIGN.md']) expect(existsSync(join(dir, f))).toBe(true);
    const written = readBlueprint(join(dir, 'blueprint.yaml'));
    expect(written).toEqual(wiz(app).bp);
    expect(written).toEqual(defaultBlueprint('aws', 'my-stack', 'dev'));
    // The files are listed, the flash says where they went, the header shows the stack, the stack is registered.
    expect(done).toContain('✓ blueprint.yaml');
    expect(done).toContain(`Wrote`);
    expect(done).toContain(dir);
    expect(done.split('\n')[0]).toMatch(/stack my-stack \(dev\)/);
    const stack = new StacksRepo(db).get('my-stack');
    expect(stack?.dir).toBe(dir);
    expect(stack?.tool).toBe('opentofu');
    // The draft is completed: a new app starts a new design instead of resuming.
    await app.settle();
    expect(new DraftsRepo(db).open()).toBeUndefined();
    // n starts a new design, with a name not yet taken.
    expect(done).toContain('n new design');
    await app.press('n');
    expect(wiz(app).step).toBe(0);
    expect(wiz(app).written).toBeNull();
    expect(wiz(app).bp.metadata.name).toBe('my-stack-2');
    app.unmount();
  }, 240_000);

  it('one key on a step keeps its values and goes on; one key on step 1 goes to the review with every default', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'provider');
    const before = wiz(app).bp;
    expect(wiz(app).focus).toBe('next');
    expect(app.frame()).toMatch(/› \[ Next step › 3 Cluster \]/);
    await app.press('enter');
    expect(wiz(app).step).toBe(2);
    expect(wiz(app).bp).toEqual(before);

    await gotoStep(app, 'basics');
    expect(app.frame()).toContain('R: straight to the review');
    await app.press('R');
    expect(wiz(app).step).toBe(9);
    expect(wiz(app).focus).toBe('write');
    expect(wiz(app).bp).toEqual(defaultBlueprint('aws', 'my-stack', 'dev'));
    // Every step counts as seen: the step list marks them done.
    expect(wiz(app).reached).toBe(9);
    app.unmount();
  });

  it('Enter after a field passes over the lists below it; Enter on an item edits that item only, then goes on', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'network');
    await focusRow(app, 'vpcCidr');
    await setText(app, '10.0.0.0/16');
    // Not into the three subnets: on to the field after them.
    expect(wiz(app).editor).toBeNull();
    expect(wiz(app).focus).toBe('ingress');

    // The second subnet, opened on purpose: its fields, then out of the list (not into the third subnet).
    await focusRow(app, 'subnets[1]');
    await app.press('enter');
    expect(wiz(app).editor).toMatchObject({ list: 'subnets', index: 1 });
    await focusRow(app, 'public');
    await app.press('enter'); // the yes/no picker
    await app.press('enter'); // keep the value
    expect(wiz(app).editor).toBeNull();
    expect(wiz(app).focus).toBe('ingress');
    app.unmount();
  });

  it('started through npm start, writes relative to where npm was run (INIT_CWD), and says where', async () => {
    const { db } = tmpDb();
    const user = tmpDir();
    // npm start runs dayops in its own package folder and says where the user was in INIT_CWD.
    vi.spyOn(process, 'cwd').mockReturnValue(ROOT);
    const app = await openWizard(db, { env: { ...process.env, NO_COLOR: '1', INIT_CWD: user } });
    await app.press('R');
    expect(app.frame()).toContain(`→ ${join(user, 'my-stack')}`);
    await app.press('enter');
    await app.waitFor('written:');
    expect(existsSync(join(user, 'my-stack', 'dayops.yaml'))).toBe(true);
    expect(existsSync(join(ROOT, 'my-stack'))).toBe(false);
    app.unmount();
  });
});

describe('moving between steps', () => {
  it('keeps what was entered when going back and forward', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await focusRow(app, 'name');
    await setText(app, 'payments');
    expect(wiz(app).bp.metadata.name).toBe('payments');
    // Enter after a field goes on to the next field.
    expect(wiz(app).focus).toBe('environment');
    await gotoStep(app, 'network');
    await focusRow(app, 'vpcCidr');
    await setText(app, '10.40.0.0/16');
    await app.press(']');
    await app.press('[');
    expect(app.frame()).toContain('10.40.0.0/16');
    await app.press('left');
    await app.press('left');
    await app.press('left');
    expect(wiz(app).step).toBe(0);
    const f = app.frame();
    expect(f).toMatch(/Stack name\s+payments/);
    expect(wiz(app).bp.network.vpcCidr).toBe('10.40.0.0/16');
    app.unmount();
  });
});

describe('the draft', () => {
  it('resumes at the same step, field and values after the app is closed', async () => {
    const { db, path } = tmpDb();
    const app = await openWizard(db);
    await focusRow(app, 'name');
    await setText(app, 'resume-me');
    await gotoStep(app, 'cluster');
    await focusRow(app, 'privateEndpoint');
    await app.press('space');
    expect(wiz(app).bp.cluster.controlPlane.privateEndpoint).toBe(false);
    await focusRow(app, 'nodePools[0]');
    await app.press('enter');
    await focusRow(app, 'max');
    // Typing that was not committed is not part of the draft.
    await app.press('enter');
    await app.type('99');
    app.unmount();
    await app.services.shutdown();

    // A new app on the same database file, through a new connection.
    const db2 = openDatabase(path);
    try {
      const again = await openWizard(db2);
      const w = wiz(again);
      expect(w.step).toBe(2);
      expect(w.editor).toEqual({ list: 'nodePools', index: 0, focus: 'max' });
      expect(w.mode).toBe('nav');
      expect(w.bp.metadata.name).toBe('resume-me');
      expect(w.bp.cluster.controlPlane.privateEndpoint).toBe(false);
      expect(w.bp.cluster.nodePools[0].max).toBe(5);
      const f = again.frame();
      expect(f).toContain('Resumed the draft of resume-me at step 3/10 · Cluster');
      expect(f).toContain('Cluster › Node pools › system (1 of 1)');
      expect(f).toMatch(/› Max nodes\s+5/);
      // Going back shows the name that was entered before the close.
      await again.press('esc');
      await gotoStep(again, 'basics');
      expect(again.frame()).toMatch(/Stack name\s+resume-me/);
      again.unmount();
      await again.services.shutdown();
    } finally {
      db2.close();
    }
  });

  it('saves no draft in read-only mode and refuses to write', async () => {
    const { db } = tmpDb();
    const { driveApp } = await import('../helpers/ink.js');
    const app = await driveApp(db, { readonly: true });
    await app.waitFor(() => app.store.getState().wizard !== null);
    await focusRow(app, 'name');
    await setText(app, 'readonly-stack');
    await gotoStep(app, 'review');
    let f = app.frame();
    expect(f).toContain('read-only: writing is off');
    f = await app.press('w');
    expect(f).toContain('Read-only mode: the design cannot be written');
    expect(new DraftsRepo(db).open()).toBeUndefined();
    app.unmount();
    await app.services.shutdown();
  });
});
