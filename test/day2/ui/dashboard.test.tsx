import { afterEach, describe, expect, it } from 'vitest';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { WAITING_SYMBOL } from '../../../src/domain/run-words.js';
import { driveApp, type DrivenApp } from '../../helpers/ink.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addDrift, addStack, alertRecord, cacheAlerts, cacheSnapshot, configsRead, order, rowOf } from './helpers.js';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

/** Four stacks: payments (prod, drifted 2, critical alert, on-time backup), web (staging, in sync, late backup),
 *  batch (dev, never checked), search (prod, in sync, warning alert, no snapshot). */
function fleet() {
  const { db, dir, path } = tmpDb();
  const payments = addStack(db, dir, 'payments', {
    environment: 'prod',
    alerting: 'http://127.0.0.1:9',
    backups: true,
    rpoMinutes: 60,
  });
  const web = addStack(db, dir, 'web', { environment: 'staging', backups: true, rpoMinutes: 60 });
  addStack(db, dir, 'batch', { environment: 'dev' });
  const search = addStack(db, dir, 'search', { environment: 'prod', alerting: 'http://127.0.0.1:9', backups: true });
  addDrift(db, payments, ['aws_instance.a', 'aws_instance.b']);
  addDrift(db, web, []);
  addDrift(db, search, []);
  cacheAlerts(db, payments, [alertRecord('payments', 'DiskFull', 'critical')]);
  cacheAlerts(db, search, [alertRecord('search', 'SlowQueries', 'warning')]);
  cacheSnapshot(db, payments, 20);
  cacheSnapshot(db, web, 180);
  return { db, dir, path };
}

describe('the Day-2 dashboard', () => {
  it('shows every stack with its drift, alerts and backup in words and symbols', async () => {
    const { db, path } = fleet();
    app = await driveApp(db, { dbPath: path, columns: 120, rows: 30 });
    const f = await configsRead(app);
    expect(app.store.getState().view).toBe('day2');
    expect(f).toMatch(/Stacks 4/);
    expect(rowOf(f, 'payments')).toMatch(/prod.*✗ drifted 2.*✗ 1 crit.*✓ 20m\/1h/);
    expect(rowOf(f, 'web')).toMatch(/staging.*✓ in sync.*– none.*✗ late 3h\/1h/);
    expect(rowOf(f, 'batch')).toMatch(/dev.*\? unknown/);
    expect(rowOf(f, 'search')).toMatch(/! 1 warn.*✗ missing/);
    // The footer lists this view's keys.
    expect(f).toContain('/ filter');
    expect(f).toContain('s sort');
  });

  it('filters by name, environment or status word; ! inverts; Esc clears', async () => {
    const { db, path } = fleet();
    app = await driveApp(db, { dbPath: path });
    await configsRead(app);
    await app.press('/');
    expect(app.store.getState().textInput).toBe(true);
    let f = await app.type('drifted');
    expect(order(f, ['payments', 'web', 'batch', 'search'])).toEqual(['payments']);
    f = await app.press('enter');
    expect(app.store.getState().textInput).toBe(false);
    expect(f).toContain('filter: drifted');
    f = await app.press('!');
    expect(order(f, ['payments', 'web', 'batch', 'search'])).toEqual(['batch', 'search', 'web']);
    expect(f).toContain('filter: !drifted');
    f = await app.press('esc');
    expect(order(f, ['payments', 'web', 'batch', 'search'])).toEqual(['batch', 'payments', 'search', 'web']);
    // Environment and several words (all must match).
    await app.press('/');
    f = await app.type('prod critical');
    expect(order(f, ['payments', 'web', 'batch', 'search'])).toEqual(['payments']);
    await app.press('enter');
    await app.press('/');
    await app.press('ctrlU');
    f = await app.type('late');
    expect(order(f, ['payments', 'web', 'batch', 'search'])).toEqual(['web']);
    // Esc while typing clears the filter.
    f = await app.press('esc');
    expect(order(f, ['payments', 'web', 'batch', 'search'])).toHaveLength(4);
    // A filter that matches nothing says so.
    await app.press('/');
    f = await app.type('nothing-like-this');
    expect(f).toContain('No stack matches the filter');
  });

  it('sorts by name, environment, status (worst first) and last run; o reverses', async () => {
    const { db, path } = fleet();
    app = await driveApp(db, { dbPath: path });
    let f = await configsRead(app);
    const names = ['payments', 'web', 'batch', 'search'];
    expect(order(f, names)).toEqual(['batch', 'payments', 'search', 'web']);
    f = await app.press('s');
    expect(f).toContain('sort: env');
    expect(order(f, names)).toEqual(['payments', 'search', 'web', 'batch']);
    f = await app.press('s');
    expect(f).toContain('sort: status');
    // payments: critical + drifted; web: late backup; search: warning + missing; batch: unknown.
    expect(order(f, names)[0]).toBe('payments');
    expect(order(f, names).at(-1)).toBe('batch');
    f = await app.press('o');
    expect(f).toContain('(reversed)');
    expect(order(f, names)[0]).toBe('batch');
  });

  it('moves with j/k/G/g, opens the detail with Enter, switches sections, and Esc comes back', async () => {
    const { db, path } = fleet();
    app = await driveApp(db, { dbPath: path });
    await app.waitFor('payments');
    await app.press('j');
    expect(rowOf(app.frame(), 'payments')).toContain('›');
    await app.press('G');
    expect(rowOf(app.frame(), 'web')).toContain('›');
    await app.press('g', 'j');
    let f = await app.press('enter');
    expect(app.store.getState().day2.screen).toBe('detail');
    expect(f).toMatch(/payments prod · opentofu/);
    expect(f).toContain('aws_instance.a');
    expect(f).toContain('drifted 2');
    expect(app.store.getState().currentStack).toEqual({ name: 'payments', environment: 'prod' });
    f = await app.press('right');
    expect(f).toContain('DiskFull');
    f = await app.press('l');
    expect(f).toMatch(/on time/);
    f = await app.press('l');
    expect(f).toContain('No runs yet');
    f = await app.press('l');
    expect(f).toContain('What operators did');
    f = await app.press('h', 'h', 'h', 'h');
    expect(f).toContain('aws_instance.a');
    f = await app.press('esc');
    expect(app.store.getState().day2.screen).toBe('dashboard');
    expect(f).toMatch(/Stacks 4/);
  });

  it('reloads when another process changes the database', async () => {
    const { db, path, dir } = fleet();
    app = await driveApp(db, { dbPath: path });
    await app.waitFor('payments');
    // Another connection, as another dayops process would.
    const { openDatabase } = await import('../../../src/db/open.js');
    const other = openDatabase(path);
    try {
      addStack(other, dir, 'zeta', { environment: 'dev' });
      addDrift(other, new StacksRepo(other).get('zeta')!, ['null_resource.z']);
    } finally {
      other.close();
    }
    const f = await app.waitFor('zeta');
    expect(rowOf(f, 'zeta')).toContain('drifted 1');
  });

  it('at 80x24 keeps the essential columns readable', async () => {
    const { db, path } = fleet();
    app = await driveApp(db, { dbPath: path, columns: 80, rows: 24 });
    const f = await configsRead(app);
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(f).toContain('STACK');
    expect(f).toContain('DRIFT');
    expect(f).toContain('ALERTS');
    expect(f).toContain('BACKUP');
    expect(rowOf(f, 'payments')).toMatch(/drifted 2/);
  });

  it('renders only the rows that fit: 1,000 stacks open, scroll, and G reaches the last', async () => {
    const { db, dir, path } = tmpDb();
    const stacks = new StacksRepo(db);
    db.transaction(() => {
      for (let i = 0; i < 1000; i++)
        stacks.upsert({
          name: `stack-${String(i).padStart(4, '0')}`,
          dir: `${dir}/s${i}`,
          tool: 'opentofu',
          environment: i % 3 === 0 ? 'prod' : 'dev',
        });
    })();
    app = await driveApp(db, { dbPath: path, columns: 100, rows: 30 });
    let f = await app.waitFor('stack-0000');
    expect(f).toMatch(/Stacks 1000/);
    const rowsShown = f.split('\n').filter((l) => /stack-\d{4}/.test(l)).length;
    expect(rowsShown).toBeGreaterThan(10);
    expect(rowsShown).toBeLessThan(30);
    f = await app.press('G');
    expect(rowOf(f, 'stack-0999')).toContain('›');
    expect(f).not.toContain('stack-0000');
    await app.press('ctrlU', 'ctrlU');
    const at = app.store.getState().day2.selected!;
    expect(Number(at.slice(6))).toBeLessThan(999 - 20);
    f = await app.press('g');
    expect(rowOf(f, 'stack-0000')).toContain('›');
    expect(f).not.toContain('stack-0999');
  });
});

describe('runs on the dashboard speak the one vocabulary', () => {
  it('a waiting run is ◆ UNCONFIRMED on the dashboard, in the side panel and in Day-1 alike; its name is tracked', async () => {
    const { db, path } = fleet();
    const stack = new StacksRepo(db).get('web')!;
    const runs = new RunsRepo(db);
    const owner = { host: 'h', pid: 1, start: null };
    const r = runs.create({
      stackId: stack.id,
      kind: 'tracked',
      purpose: 'deploy',
      triggeredBy: 'bob',
      trigger: 'cli',
      autoApply: false,
      owner,
    });
    runs.tryStart(r.id, owner);
    runs.move(r.id, 'plan');
    runs.move(r.id, 'park');
    app = await driveApp(db, { dbPath: path, columns: 200, rows: 30 });
    let f = await configsRead(app);
    expect(rowOf(f, 'web')).toContain(`${WAITING_SYMBOL} UNCONFIRMED`);
    expect(f).not.toContain('⏸');
    expect(f).not.toContain('needs approval');
    // the side panel of web: its name and its state
    await app.press('/');
    await app.type('web');
    f = await app.press('enter');
    expect(f).toMatch(new RegExp(`#${r.id} ${WAITING_SYMBOL} UNCONFIRMED tracked by bob`));
    f = await app.press('2');
    expect(f).toMatch(new RegExp(`#${r.id} web\\s+${WAITING_SYMBOL} UNCONFIRMED\\s+tracked`));
  });
});
