/**
 * Design is iterative: a written design is reopened in the wizard, changed and written again, with the audit,
 * the overwrite rules and the draft as for a new one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designStack } from '../../src/app/day0/design.js';
import { readBlueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { DraftsRepo } from '../../src/db/drafts.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { focusRow, gotoStep, openWizard, setText, wiz } from './wizard-driver.js';

/** A design written as `dayops design` would, registered in the database. */
function written(db: Parameters<typeof designStack>[0], name: string, env: 'dev' | 'prod' = 'prod') {
  const dir = join(tmpDir(), name);
  const bp = defaultBlueprint('gcp', name, env);
  const r = designStack(db, bp, dir, { user: 'alice' });
  expect(r.stack).toBeDefined();
  return { dir, bp };
}

describe('reopening a written design', () => {
  it('o lists the registered designs; opening one edits it and writes it back to its folder', async () => {
    const { db } = tmpDb();
    const payments = written(db, 'payments');
    written(db, 'search', 'dev');
    const app = await openWizard(db, { columns: 160, rows: 30 });
    // Someone changed blueprint.yaml in git since: the folder's file is what opens.
    writeFileSync(
      join(payments.dir, 'blueprint.yaml'),
      readFileSync(join(payments.dir, 'blueprint.yaml'), 'utf8').replace(
        'owner: platform-team',
        'owner: payments-team',
      ),
    );
    let f = await app.press('o');
    expect(wiz(app).mode).toBe('open');
    expect(f).toContain('Open a design to change it');
    expect(f).toContain(`payments · prod · ${payments.dir}`);
    expect(f).toContain('search · dev ·');
    expect(f.trimEnd().split('\n').at(-1)).toMatch(/^Enter open Esc cancel$/);
    // Esc keeps the design being edited.
    await app.press('esc');
    expect(wiz(app).bp.metadata.name).toBe('my-stack');

    await app.press('o');
    for (let i = 0; i < 5 && !/›\s+payments ·/.test(app.frame()); i++) await app.press('down');
    f = await app.press('enter');
    const w = wiz(app);
    expect(w.bp.metadata.name).toBe('payments');
    expect(w.bp.metadata.owner).toBe('payments-team');
    expect(w.step).toBe(9);
    expect(w.outDir).toBe(payments.dir);
    expect(f).toContain(`Opened the design of payments from ${join(payments.dir, 'blueprint.yaml')}`);
    await app.waitFor('· updates the registered stack payments');
    // Opening is not a change: no draft yet.
    expect(new DraftsRepo(db).open()).toBeUndefined();

    // Change it: a bigger node pool. The change is a draft, as for a new design.
    await gotoStep(app, 'cluster');
    await focusRow(app, 'nodePools[0]');
    await app.press('enter');
    await focusRow(app, 'max');
    await setText(app, '9');
    await app.press('esc');
    await app.settle();
    expect((new DraftsRepo(db).open()?.blueprint as { metadata: { name: string } }).metadata.name).toBe('payments');

    // blueprint.yaml was edited by hand: writing asks before overwriting it; Esc keeps it.
    await app.press('R');
    f = await app.press('w');
    expect(wiz(app).mode).toBe('overwrite');
    expect(f).toContain('✗ blueprint.yaml');
    await app.press('esc');
    expect(readBlueprint(join(payments.dir, 'blueprint.yaml')).cluster.nodePools[0].max).toBe(5);
    await app.press('w');
    await app.type('yes');
    await app.press('enter');
    await app.waitFor('written:');
    expect(readBlueprint(join(payments.dir, 'blueprint.yaml')).cluster.nodePools[0].max).toBe(9);
    expect(readBlueprint(join(payments.dir, 'blueprint.yaml')).metadata.owner).toBe('payments-team');
    const stacks = new StacksRepo(db);
    expect(stacks.get('payments')?.dir).toBe(payments.dir);
    expect(
      (stacks.blueprint('payments') as { cluster: { nodePools: { max: number }[] } }).cluster.nodePools[0].max,
    ).toBe(9);
    // Written: the draft is completed.
    await app.settle();
    expect(new DraftsRepo(db).open()).toBeUndefined();
    app.unmount();
  });

  it('the audit works on a reopened design: an error blocks writing it back', async () => {
    const { db } = tmpDb();
    const shop = written(db, 'shop');
    const app = await openWizard(db, { columns: 100, rows: 30 });
    await app.press('o');
    await app.press('enter');
    expect(wiz(app).bp.metadata.name).toBe('shop');
    await gotoStep(app, 'network');
    await focusRow(app, 'subnets[0]');
    await app.press('enter');
    await focusRow(app, 'cidr');
    await setText(app, '192.168.0.0/24');
    await app.press('esc');
    await app.press('R');
    const f = await app.press('w');
    expect(f).toContain('1 audit error block writing');
    expect(readBlueprint(join(shop.dir, 'blueprint.yaml')).network.subnets[0].cidr).not.toBe('192.168.0.0/24');
    app.unmount();
  });

  it('a draft left for another design is offered too, and resumes where it was', async () => {
    const { db } = tmpDb();
    written(db, 'payments');
    const app = await openWizard(db);
    // A new design, changed: a draft.
    await app.press('n'); // nothing written yet: n does nothing here
    await focusRow(app, 'name');
    await setText(app, 'half-done');
    await gotoStep(app, 'cluster');
    await app.settle();
    // Open payments: the half-done draft stays, and the list offers it.
    await app.press('o');
    for (let i = 0; i < 5 && !/›\s+payments ·/.test(app.frame()); i++) await app.press('down');
    await app.press('enter');
    expect(wiz(app).bp.metadata.name).toBe('payments');
    const f = await app.press('o');
    expect(f).toContain('half-done · draft at step 3/10 · Cluster');
    for (let i = 0; i < 5 && !/›\s+half-done/.test(app.frame()); i++) await app.press('down');
    await app.press('enter');
    expect(wiz(app).bp.metadata.name).toBe('half-done');
    expect(wiz(app).step).toBe(2);
    expect(app.frame()).toContain('Resumed the draft of half-done at step 3/10 · Cluster');
    // Changes now go to that draft's row: still one draft for it.
    await focusRow(app, 'privateEndpoint');
    await app.press('space');
    await app.settle();
    const drafts = new DraftsRepo(db).unfinished();
    expect(drafts.map((d) => (d.blueprint as { metadata: { name: string } }).metadata.name)).toEqual(['half-done']);
    app.unmount();
  });

  it('says so when there is nothing to open', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    const f = await app.press('o');
    expect(wiz(app).mode).toBe('nav');
    expect(f).toContain('Nothing to open yet');
    app.unmount();
  });

  it('a folder whose blueprint.yaml no longer reads opens the design dayops last wrote, and says why', async () => {
    const { db } = tmpDb();
    const { dir } = written(db, 'payments');
    writeFileSync(join(dir, 'blueprint.yaml'), 'apiVersion: dayops/v1\nkind: [Blueprint\n');
    const app = await openWizard(db, { columns: 160, rows: 30 });
    await app.press('o');
    const f = await app.press('enter');
    expect(wiz(app).bp.metadata.name).toBe('payments');
    expect(f).toMatch(/! \S+blueprint\.yaml:3:1: invalid YAML: /);
    expect(app.store.getState().flash?.text).toMatch(/: opened the design dayops last wrote instead$/);
    app.unmount();
  });
});
