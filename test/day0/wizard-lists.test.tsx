import { describe, expect, it } from 'vitest';
import { CATALOG, regionOf } from '../../src/day0/catalog.js';

const regionsOf = (cloud: 'aws') => CATALOG[cloud].regions.map((r) => r.id);
import { tmpDb } from '../helpers/tmp.js';
import { choose, focusRow, gotoStep, openWizard, setText, wiz } from './wizard-driver.js';

describe('lists in the wizard', () => {
  it('adds a node pool, edits its max, and removes a subnet after asking', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'cluster');
    await focusRow(app, 'nodePools[0]');
    expect(app.frame()).toContain('a add');
    // a adds a pool and opens it for editing.
    let f = await app.press('a');
    expect(wiz(app).bp.cluster.nodePools).toHaveLength(2);
    expect(f).toContain('Node pools › pool (2 of 2)');
    await focusRow(app, 'max');
    await setText(app, '12');
    expect(wiz(app).bp.cluster.nodePools[1].max).toBe(12);
    // Esc goes back to the list, which shows the new pool.
    f = await app.press('esc');
    expect(wiz(app).editor).toBeNull();
    expect(f).toContain('Node pools (2)');
    expect(f).toMatch(/pool · m6i\.large · min 1 \/ desired 1 \/ max 12 · on-demand/);

    // Enter on an item edits it.
    await focusRow(app, 'nodePools[1]');
    await app.press('enter');
    expect(wiz(app).editor).toMatchObject({ list: 'nodePools', index: 1 });
    await focusRow(app, 'spot');
    await app.press('space');
    expect(wiz(app).bp.cluster.nodePools[1].spot).toBe(true);
    await app.press('esc');

    // Removing asks first: n keeps it, y removes it.
    await gotoStep(app, 'network');
    await focusRow(app, 'subnets[1]');
    f = await app.press('x');
    expect(f).toContain('Remove subnet private-b? y remove · n/Esc keep');
    // The footer shows exactly the question's keys: y among them.
    expect(f.trimEnd().split('\n').at(-1)).toMatch(/^y remove n\/Esc keep$/);
    // While the question is asked, global keys are off.
    await app.press('2');
    expect(app.store.getState().view).toBe('day0');
    await app.press('n');
    expect(wiz(app).bp.network.subnets).toHaveLength(3);
    await app.press('\u001B[3~'); // the Delete key asks too
    expect(wiz(app).mode).toBe('confirm');
    f = await app.press('y');
    expect(wiz(app).bp.network.subnets.map((s) => s.name)).toEqual(['private-a', 'public-a']);
    expect(f).toContain('Removed subnet private-b');
    expect(f).not.toContain('private-b ·');
    app.unmount();
  });

  it('will not remove the last node pool, and motion keys never remove anything', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'cluster');
    await focusRow(app, 'nodePools[0]');
    const f = await app.press('x');
    expect(f).toContain('A design needs at least 1 node pool');
    expect(wiz(app).mode).toBe('nav');
    for (const k of ['j', 'k', 'g', 'G', 'down', 'up', 'home', 'end', 'pgdown', 'pgup']) await app.press(k);
    expect(wiz(app).bp.cluster.nodePools).toHaveLength(1);
    app.unmount();
  });

  it('adds a database to an empty list, and a receiver to a list of names', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'storage');
    await focusRow(app, 'databases:empty');
    expect(app.frame()).toContain('(no databases) · a or Enter adds one');
    await app.press('a');
    await setText(app, 'orders');
    await choose(app, 'mysql');
    await setText(app, '8.0');
    await setText(app, '100');
    await app.press('esc');
    expect(wiz(app).bp.storage.databases).toEqual([
      { name: 'orders', engine: 'mysql', version: '8.0', sizeGb: 100, encrypted: true, backup: true },
    ]);
    expect(app.frame()).toContain('orders · mysql 8.0 · 100 GB · encrypted · backed up');

    await gotoStep(app, 'day2');
    await focusRow(app, 'receivers[0]');
    await app.press('a');
    await setText(app, 'pagerduty');
    expect(wiz(app).bp.day2.alerting.receivers).toEqual(['default', 'pagerduty']);
    app.unmount();
  });

  it('ticks several compliance regimes and picks secondary regions', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'security');
    await focusRow(app, 'compliance');
    let f = await app.press('enter');
    expect(wiz(app).mode).toBe('multi');
    expect(f).toContain('[ ] gdpr');
    await app.press('down');
    f = await app.press('space');
    expect(f).toContain('[x] gdpr');
    await app.press('down');
    await app.press('down');
    await app.press('enter'); // Enter ticks too
    // Back to "done": the list rotates, so walk up until done is under the cursor.
    for (let i = 0; i < 6 && !/›\s+done/.test(app.frame()); i++) await app.press('up');
    await app.press('enter');
    expect(wiz(app).bp.security.compliance).toEqual(['gdpr', 'pci-dss']);
    expect(wiz(app).mode).toBe('nav');
    expect(app.frame()).toMatch(/Compliance\s+gdpr, pci-dss/);

    // Esc leaves the ticks as they were.
    await focusRow(app, 'compliance');
    await app.press('enter');
    await app.press('down');
    await app.press('space');
    await app.press('esc');
    expect(wiz(app).bp.security.compliance).toEqual(['gdpr', 'pci-dss']);

    // Secondary regions: the cloud's regions other than the primary.
    await gotoStep(app, 'provider');
    await focusRow(app, 'secondaryRegions');
    f = await app.press('enter');
    expect(f).not.toContain('[ ] eu-west-1 ·');
    expect(f).toContain('[ ] eu-central-1 · Europe (Frankfurt) · EU');
    for (let i = 0; i < 20 && !/›\s+\[ \] eu-central-1/.test(app.frame()); i++) await app.press('down');
    await app.press('space');
    await app.press('up');
    await app.press('up');
    await app.press('up');
    for (let i = 0; i < 6 && !/›\s+done/.test(app.frame()); i++) await app.press('up');
    await app.press('enter');
    expect(wiz(app).bp.provider.secondaryRegions).toEqual(['eu-central-1']);
    app.unmount();
  });

  it('changing the cloud re-derives region, zones, instance types and the Kubernetes service', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'provider');
    await focusRow(app, 'cloud');
    await choose(app, 'gcp');
    const bp = wiz(app).bp;
    expect(bp.provider).toMatchObject({ cloud: 'gcp', region: 'europe-west1', kubernetes: 'gke' });
    expect(bp.cluster.nodePools[0].instanceType).toBe('e2-standard-4');
    // Subnets keep their zone's position: the first and third were in the first zone, the second in the second.
    const [z1, z2] = regionOf('gcp', 'europe-west1')!.zones;
    expect(bp.network.subnets.map((s) => s.zone)).toEqual([z1, z2, z1]);
    expect(bp.security.secrets).toBe('gcp-secret-manager');
    // The region's choices are the cloud's; a region change moves the subnets' zones with it.
    await focusRow(app, 'region');
    await choose(app, 'europe-west4');
    const [y1, y2] = regionOf('gcp', 'europe-west4')!.zones;
    expect(wiz(app).bp.network.subnets.map((s) => s.zone)).toEqual([y1, y2, y1]);
    expect(app.frame()).toMatch(/audit ✓|no errors/);
    app.unmount();
  });

  it('prod raises the environment-dependent defaults that were not changed', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await focusRow(app, 'environment');
    await choose(app, 'prod');
    expect(wiz(app).bp.cluster.controlPlane.availability).toBe('ha');
    expect(wiz(app).bp.network.egress.natGateways).toBe(2);
    app.unmount();
  });
});

describe('choosing when keys arrive faster than the screen redraws', () => {
  it('moves the highlight once per key, however many keys came in one read', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db);
    await gotoStep(app, 'provider');
    await focusRow(app, 'region');
    await app.press('enter');
    const regions = regionsOf('aws');
    const from = regions.indexOf(wiz(app).bp.provider.region);
    // Two arrow keys in one write: Ink hands them over one after the other, before React re-renders.
    await app.type('\u001B[B\u001B[B');
    expect(wiz(app).pickValue).toBe(regions[from + 2]);
    await app.type('\u001B[A');
    await app.press('enter');
    expect(wiz(app).bp.provider.region).toBe(regions[from + 1]);
    app.unmount();
  });
});
