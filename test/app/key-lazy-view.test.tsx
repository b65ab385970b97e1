/**
 * Keys pressed while a view is still loading are not lost: the Day-1 view loads on first use (this file never
 * preloads it), and `2` then `j` in one read switch to it and move its list once it is there.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { App } from '../../components/App.js';
import { RunsRepo } from '../../src/db/runs.js';
import { createApp } from '../../src/tui.js';
import { drive } from '../helpers/ink.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { addStack } from '../day2/ui/helpers.js';

describe('a view that loads on first use', () => {
  it('gets the keys typed while it loaded', async () => {
    const { db } = tmpDb();
    const stack = addStack(db, tmpDir(), 'web');
    const runs = new RunsRepo(db);
    for (let i = 0; i < 5; i++) {
      const run = runs.create({
        stackId: stack.id,
        kind: 'proposed',
        purpose: 'deploy',
        triggeredBy: 'bob',
        trigger: 'cli',
        autoApply: false,
        owner: { host: hostname(), pid: 999_999, start: null },
      });
      runs.move(run.id, 'fail', { note: 'test' });
    }
    const { store, services } = createApp({
      db: () => db,
      dbPath: db.name,
      readonly: false,
      env: { ...process.env, NO_COLOR: '1' },
    });
    const app = drive(<App store={store} services={services} size={{ columns: 100, rows: 30 }} />);
    await app.settle();
    expect(store.getState().view).toBe('day2');
    await app.type('2jj');
    await app.waitFor('#5 web');
    await app.settle();
    expect(store.getState().view).toBe('day1');
    expect(store.getState().day1.selected).toBe(3);
    app.unmount();
    await services.shutdown();
  });
});
