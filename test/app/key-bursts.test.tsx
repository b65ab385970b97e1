/**
 * Every key reaches its handler once and in order, however the terminal chunked it: a burst of 20 keys in one
 * read and key repeat at 30 keys/s move every list exactly that far; `2q` in one read switches day, then quits.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RunsRepo } from '../../src/db/runs.js';
import type { DB } from '../../src/db/open.js';
import { PASTE_END, PASTE_START } from '../../components/layout/key-feed.js';
import { driveApp, KEYS, type DrivenApp } from '../helpers/ink.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { addDrift, addStack } from '../day2/ui/helpers.js';
import { LogsRepo } from '../../src/db/logs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Key repeat: one key per read, 33 ms apart. */
async function repeat(app: DrivenApp, key: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    app.stdinWrite(key);
    await sleep(33);
  }
  await app.settle();
}

function stacks(db: DB, n: number): string[] {
  const root = tmpDir();
  const names = Array.from({ length: n }, (_, i) => `s${String(i).padStart(2, '0')}`);
  for (const name of names) addStack(db, root, name);
  return names;
}

/** `n` ended runs of one stack, made as another process would have. */
function runs(db: DB, n: number): void {
  const root = tmpDir();
  const stack = addStack(db, root, 'web');
  const repo = new RunsRepo(db);
  for (let i = 0; i < n; i++) {
    const run = repo.create({
      stackId: stack.id,
      kind: 'proposed',
      purpose: 'deploy',
      triggeredBy: 'bob',
      trigger: 'cli',
      autoApply: false,
      owner: { host: hostname(), pid: 999_999, start: null },
    });
    repo.move(run.id, 'fail', { note: 'test' });
  }
}

describe('keys in bursts', () => {
  it('Day-2 dashboard: 20 j in one read move 20 rows, 10 j at 30 keys/s move 10 more, 5 k in one read go back 5', async () => {
    const { db } = tmpDb();
    const names = stacks(db, 40);
    const app = await driveApp(db, { rows: 60 });
    await app.press('g');
    expect(app.store.getState().day2.selected).toBe(names[0]);
    await app.type('j'.repeat(20));
    expect(app.store.getState().day2.selected).toBe(names[20]);
    await repeat(app, 'j', 10);
    expect(app.store.getState().day2.selected).toBe(names[30]);
    await app.type('kkkkk');
    expect(app.store.getState().day2.selected).toBe(names[25]);
    // Arrows and j mixed in one read.
    await app.type(`${KEYS.down}jj${KEYS.down}${KEYS.up}j`);
    expect(app.store.getState().day2.selected).toBe(names[29]);
    app.unmount();
  });

  it('Day-1 runs list: 20 j in one read move 20 rows, and key repeat moves exactly as far', async () => {
    const { db } = tmpDb();
    runs(db, 40);
    const app = await driveApp(db, { rows: 60 });
    await app.press('2');
    await app.waitFor('#40 ');
    expect(app.store.getState().day1.selected ?? 40).toBe(40);
    await app.type('j'.repeat(20));
    expect(app.store.getState().day1.selected).toBe(20);
    await repeat(app, 'j', 10);
    expect(app.store.getState().day1.selected).toBe(10);
    app.unmount();
  });

  it('Day-2 detail: 20 j in one read move the drift list 20 rows', async () => {
    const { db } = tmpDb();
    const stack = addStack(db, tmpDir(), 'web');
    addDrift(
      db,
      stack,
      Array.from({ length: 30 }, (_, i) => `aws_instance.web${String(i).padStart(2, '0')}`),
    );
    const app = await driveApp(db, { rows: 40 });
    await app.press('enter');
    expect(app.store.getState().day2.screen).toBe('detail');
    await app.type('j'.repeat(20));
    expect(app.store.getState().day2.cursors.drift).toBe(20);
    await app.type('kkkkk');
    expect(app.store.getState().day2.cursors.drift).toBe(15);
    app.unmount();
  });

  it('Day-1 log pane: 20 j in one read scroll the log 20 lines', async () => {
    const { db } = tmpDb();
    runs(db, 1);
    new LogsRepo(db).append(
      1,
      Array.from({ length: 200 }, (_, i) => ({
        runId: 1,
        seq: i + 1,
        at: Date.now(),
        stream: 'stdout' as const,
        phase: 'plan' as const,
        text: `line ${i + 1}`,
        plain: null,
        raw: null,
      })),
    );
    const app = await driveApp(db, { rows: 30 });
    await app.press('2');
    await app.waitFor('#1 web');
    await app.press('enter');
    await app.press('g');
    const top = app.store.getState().day1.panes[0].top;
    await app.type('j'.repeat(20));
    expect(app.store.getState().day1.panes[0].top).toBe(top + 20);
    await repeat(app, 'k', 5);
    expect(app.store.getState().day1.panes[0].top).toBe(top + 15);
    app.unmount();
  });

  it('2q in one read shows Day-1, then quits', async () => {
    const { db } = tmpDb();
    stacks(db, 1);
    const app = await driveApp(db);
    const seen: string[] = [];
    const unsub = app.store.subscribe((s) => seen.push(s.view));
    await app.type('2q');
    unsub();
    expect(seen).toContain('day1');
    expect(app.store.getState().quitting).toBe(true);
    app.unmount();
  });

  it('help scrolls by every key of a burst', async () => {
    const { db } = tmpDb();
    stacks(db, 1);
    const app = await driveApp(db, { columns: 70, rows: 18 });
    const top = await app.press('?');
    const after5 = await app.type('jjjjj');
    const one = await (async () => {
      await app.press('esc');
      await app.press('?');
      for (let i = 0; i < 5; i++) await app.press('j');
      return app.frame();
    })();
    expect(after5).not.toBe(top);
    expect(after5).toBe(one);
    app.unmount();
  });

  it('Day-0 wizard: a burst of j moves the focus as far as single keys, and Enter inside a chunk is a key', async () => {
    const { db } = tmpDb();
    const a = await driveApp(db);
    for (let i = 0; i < 4; i++) await a.press('j');
    const single = a.store.getState().wizard;
    a.unmount();

    const { db: db2 } = tmpDb();
    const b = await driveApp(db2);
    await b.type('jjjj');
    expect(b.store.getState().wizard?.focus).toBe(single?.focus);
    // Back to the step's first field; Enter inside a chunk opens it, and the text after it is typed into it.
    await b.type('gj');
    expect(b.store.getState().wizard!.focus).toBe('name');
    await b.type('\rxyz');
    const w = b.store.getState().wizard!;
    expect(w.mode).toBe('edit');
    expect(w.editText.endsWith('xyz')).toBe(true);
    b.unmount();
  });

  it('a paste into a text field stays one paste; the same text outside a field would be keys', async () => {
    const { db } = tmpDb();
    stacks(db, 3);
    const app = await driveApp(db);
    await app.press('/');
    expect(app.store.getState().day2.filterEditing).toBe(true);
    const before = app.frames.length;
    await app.type(`${PASTE_START}s01 q${PASTE_END}`);
    expect(app.store.getState().day2.filter).toBe('s01 q');
    expect(app.store.getState().quitting).toBe(false);
    // One paste, one change of the field (not one frame per character).
    expect(app.frames.length - before).toBeLessThan(4);
    await app.press('enter');
    app.unmount();
  });
});
