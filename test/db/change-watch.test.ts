/**
 * The app's database watch (src/db/change-watch.ts): its views read again when anything else changed the
 * database (this process, another process), not each time its own log thread stores a batch of run log lines
 * (many times a second while runs stream).
 */
import { describe, expect, it } from 'vitest';
import { ChangeWatch } from '../../src/db/change-watch.js';
import { LogWriterThread } from '../../src/db/log-thread.js';
import type { LogLine } from '../../src/db/logs.js';
import { openDatabase } from '../../src/db/open.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { makeRun } from '../day1/runner/helpers.js';

function lines(runId: number, from: number, n: number): LogLine[] {
  return Array.from({ length: n }, (_, i) => ({
    runId,
    seq: from + i,
    at: 1_700_000_000_000 + from + i,
    stream: 'stdout' as const,
    phase: 'plan',
    text: `line ${from + i}`,
    plain: null,
    raw: null,
  }));
}

describe('database watch', () => {
  it("sees this connection's writes and another process's commits", () => {
    const { db, path } = tmpDb();
    const watch = new ChangeWatch(db);
    expect(watch.changed()).toBe(false);
    new StacksRepo(db).upsert({ name: 'mine', dir: tmpDir(), tool: 'custom', environment: 'dev' });
    expect(watch.changed()).toBe(true);
    expect(watch.changed()).toBe(false);
    const other = openDatabase(path);
    try {
      new StacksRepo(other).upsert({ name: 'theirs', dir: tmpDir(), tool: 'custom', environment: 'dev' });
      expect(watch.changed()).toBe(true);
      expect(watch.changed()).toBe(false);
    } finally {
      other.close();
    }
  });

  it("ignores the batches its log thread stores, yet sees another process's commit made meanwhile", async () => {
    const { db, path } = tmpDb();
    const runId = makeRun(db, tmpDir());
    const thread = new LogWriterThread(db.name);
    const other = openDatabase(path);
    try {
      await thread.append(runId, lines(runId, 1, 100));
      const watch = new ChangeWatch(db);
      let seq = 101;
      const batch = () => thread.append(runId, lines(runId, (seq += 100) - 100, 100));
      // Runs streaming: batch after batch, polled while one is in flight and after it is stored.
      for (let i = 0; i < 5; i++) {
        const stored = batch();
        expect(watch.changed()).toBe(false);
        await stored;
        expect(watch.changed()).toBe(false);
      }
      // Another process commits while the lines go on: seen once the thread has stored its next batch.
      new StacksRepo(other).upsert({ name: 'theirs', dir: tmpDir(), tool: 'custom', environment: 'dev' });
      await batch();
      expect(watch.changed()).toBe(true);
      await batch();
      expect(watch.changed()).toBe(false);
      // Its last batch stored, the thread is quiet: what moved meanwhile counts once (it cannot tell whose it was).
      expect(watch.changed()).toBe(true);
      expect(watch.changed()).toBe(false);
      // Another process commits after the thread went quiet: seen at once.
      new StacksRepo(other).upsert({ name: 'later', dir: tmpDir(), tool: 'custom', environment: 'dev' });
      expect(watch.changed()).toBe(true);
    } finally {
      other.close();
      await thread.close();
    }
  });
});
