import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readBlueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { DraftsRepo } from '../../src/db/drafts.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { openDatabase } from '../../src/db/open.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { enterThroughToWrite, focusRow, gotoStep, openWizard, setText, wiz } from './wizard-driver.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the Day-0 wizard, Enter all the way', () => {
  it('writes a valid design with the defaults when the operator presses Enter through every step', async () => {
    const { db } = tmpDb();
    const cwd = tmpDir();
    vi.spyOn(process, 'cwd').mockReturnValue(cwd);
    const app = await openWizard(db, { columns: 80, rows: 24 });
    expect(app.frame()).toContain('step 1/10 · Basics');
    const presses = await enterThroughToWrite(app);
    expect(presses).toBeGreaterThan(50);
    const review = app.frame();
    expect(review).toContain('Review & write');
    expect(review).toContain(`→ ${join(cwd, 'my-stack')}`);
    expect(review).toMatch(/Audit\s+✓ no findings/);

    await app.press('enter');
    const done = await app.waitFor('written:');
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
    expect(new DraftsRepo(db).open()).toBeUndefined();
    // n starts a new design, with a name not yet taken.
    expect(done).toContain('n new design');
    await app.press('n');
    expect(wiz(app).step).toBe(0);
    expect(wiz(app).written).toBeNull();
    expect(wiz(app).bp.metadata.name).toBe('my-stack-2');
    app.unmount();
  }, 240_000);
});

describe('moving between steps', () => {
  it('keeps what was entered when going back and forward', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await setText(app, 'payments');
    expect(wiz(app).bp.metadata.name).toBe('payments');
    // Enter after a field goes on to the next field.
    expect(wiz(app).focus).toBe('environment');
    await gotoStep(app, 'network');
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
