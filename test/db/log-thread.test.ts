/**
 * Run logs stored from a thread of their own (the app's run service does, so the screen's main thread never waits
 * on Brotli and SQLite): what is acknowledged is committed and reads back exactly, in order; a batch that cannot
 * be stored is refused with SQLite's code and its lines are kept and stored again; redaction runs first.
 */
import { describe, expect, it } from 'vitest';
import { LogWriterThread } from '../../src/db/log-thread.js';
import { LogsRepo, type LogLine } from '../../src/db/logs.js';
import { openDatabase } from '../../src/db/open.js';
import { RunsRepo } from '../../src/db/runs.js';
import { RunLog } from '../../src/day1/runner/log.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { makeRun } from '../day1/runner/helpers.js';

function lines(runId: number, from: number, n: number): LogLine[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    const coloured = seq % 10 === 0;
    return {
      runId,
      seq,
      at: 1_700_000_000_000 + seq,
      stream: seq % 7 === 0 ? 'stderr' : 'stdout',
      phase: seq < 5 ? 'init' : 'plan',
      text: coloured ? `\u001b[32mline ${seq} ✓ 漢字\u001b[0m` : `line ${seq}`,
      plain: coloured ? `line ${seq} ✓ 漢字` : null,
      raw: seq === 3 ? '{"raw":3}' : null,
    } satisfies LogLine;
  });
}

describe('log writer thread', () => {
  it('stores batches in order on its own connection; an acknowledged batch reads back exactly', async () => {
    const { db, path } = tmpDb();
    const runId = makeRun(db, tmpDir());
    const thread = new LogWriterThread(path);
    try {
      const sent = [lines(runId, 1, 1500), lines(runId, 1501, 3000), lines(runId, 4501, 10)];
      // Sent back to back without waiting: stored in the order sent.
      await Promise.all(sent.map((b, i) => thread.append(runId, b, i === 0 ? { init: 1, plan: 5 } : {})));
      const logs = new LogsRepo(db);
      expect(logs.count(runId)).toBe(4510);
      expect(new RunsRepo(db).get(runId)!.logLines).toBe(4510);
      expect(logs.page(runId, 1, 5000)).toEqual(sent.flat());
      expect(logs.phases(runId)).toEqual({ init: 1, plan: 5 });
    } finally {
      await thread.close();
    }
  });

  it('refuses a batch it cannot store with SQLite code, and goes on with the next', async () => {
    const { db, path } = tmpDb();
    const runId = makeRun(db, tmpDir());
    const thread = new LogWriterThread(path);
    try {
      await thread.append(runId, lines(runId, 1, 10));
      // The same lines again: their chunk is stored already.
      await expect(thread.append(runId, lines(runId, 1, 10))).rejects.toMatchObject({
        code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
      });
      await thread.append(runId, lines(runId, 11, 5));
      expect(new LogsRepo(db).count(runId)).toBe(15);
    } finally {
      await thread.close();
    }
  });

  it('a run log through the thread: redacted first, a refused batch kept and stored again, settle waits for the commit', async () => {
    const { db, path } = tmpDb();
    const runId = makeRun(db, tmpDir());
    const thread = new LogWriterThread(path);
    const seen: string[] = [];
    let refuse = 1;
    const errors: unknown[] = [];
    const log = new RunLog(new LogsRepo(db), runId, new Redactor(['s3cr3t-v4lue-123']), undefined, {
      maxLines: 100,
      flushMs: 5,
      onError: (err) => errors.push(err),
      store: (id, batch, phases) => {
        seen.push(...batch.map((l) => l.text));
        if (refuse-- > 0)
          return Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
        return thread.append(id, batch, phases);
      },
    });
    try {
      for (let i = 1; i <= 1000; i++) log.add('stdout', 'plan', i === 500 ? 'token=s3cr3t-v4lue-123' : `line ${i}`);
      await log.settle();
      // Acknowledged: every line is committed, as the main connection reads it.
      const stored = new LogsRepo(db).page(runId, 1, 2000);
      expect(stored.map((l) => l.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(stored[499].text).not.toContain('s3cr3t');
      expect(stored[0].text).toBe('line 1');
      expect(seen.join('\n')).not.toContain('s3cr3t-v4lue');
      expect(errors).toHaveLength(1);
      await log.close();
    } finally {
      await thread.close();
    }
  });

  it('a crash loses nothing acknowledged: another connection reads every committed line', async () => {
    const { db, path } = tmpDb();
    const runId = makeRun(db, tmpDir());
    const thread = new LogWriterThread(path);
    await thread.append(runId, lines(runId, 1, 2000));
    // The thread is ended without its closing message, as in a crash; what was acknowledged is in the file.
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const other = openDatabase(path);
    try {
      expect(new LogsRepo(other).count(runId)).toBe(2000);
      expect(new LogsRepo(other).tail(runId, 1)[0].plain).toBe('line 2000 ✓ 漢字');
    } finally {
      other.close();
    }
    await thread.close();
  });
});
