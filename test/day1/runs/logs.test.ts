import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LogsRepo, type LogLine } from '../../../src/db/logs.js';
import { RunLog } from '../../../src/day1/runner/log.js';
import { LineRing } from '../../../src/day1/runner/ring.js';
import { RunsRepo } from '../../../src/db/runs.js';
import type { DB } from '../../../src/db/engine.js';
import { describeEngines } from '../../helpers/engines.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { makeRun } from '../runner/helpers.js';

// The run engine's log writer (RunLog) and the log queries, on both engines.
describeEngines('run log queries', (e) => {
  function filled(n: number) {
    const db: DB = e.db;
    const runId = makeRun(db, tmpDir());
    const logs = new LogsRepo(db);
    const log = new RunLog(logs, runId, undefined, undefined, { maxLines: 1000 });
    for (let i = 1; i <= n; i++) {
      const phase = i <= 10 ? 'init' : i <= n - 100 ? 'plan' : 'apply';
      log.add(
        i % 7 === 0 ? 'stderr' : 'stdout',
        phase,
        i % 1000 === 0 ? `\u001b[31mERROR\u001b[0m at line ${i}` : `line ${i}`,
      );
    }
    log.close();
    return { db, runId, logs };
  }

  it('counts, pages and tails without loading the whole log', () => {
    const { runId, logs, db } = filled(5000);
    expect(logs.count(runId)).toBe(5000);
    expect(new RunsRepo(db).get(runId)!.logLines).toBe(5000);
    expect(logs.page(runId, 2500, 3).map((l) => l.text)).toEqual(['line 2500', 'line 2501', 'line 2502']);
    expect(logs.tail(runId, 2).map((l) => l.seq)).toEqual([4999, 5000]);
    expect(logs.page(runId, 4999, 10)).toHaveLength(2);
  });

  it('searches forward and backward over the text without colour codes, case-insensitively', () => {
    const { runId, logs } = filled(5000);
    expect(logs.search(runId, 'error at', 1, 'forward')).toBe(1000);
    expect(logs.search(runId, 'error at', 1001, 'forward')).toBe(2000);
    expect(logs.search(runId, 'ERROR AT', 4999, 'backward')).toBe(4000);
    expect(logs.search(runId, 'error at', 1000, 'backward')).toBe(1000);
    expect(logs.search(runId, 'ERROR at', 1, 'forward', { caseSensitive: true })).toBe(1000);
    expect(logs.search(runId, 'error at', 1, 'forward', { caseSensitive: true })).toBeUndefined();
    expect(logs.search(runId, 'no such text', 1, 'forward')).toBeUndefined();
    // the colour codes themselves are not searchable text
    expect(logs.search(runId, '[31m', 1, 'forward')).toBeUndefined();
  });

  it('knows where each phase starts', () => {
    const { runId, logs } = filled(5000);
    expect(logs.phases(runId)).toEqual({ init: 1, plan: 11, apply: 4901 });
  });

  it('keeps every field of every line across batches and chunk boundaries', async () => {
    const db = e.db;
    const runId = makeRun(db, tmpDir());
    const logs = new LogsRepo(db);
    const log = new RunLog(logs, runId, undefined, undefined, { maxLines: 2500 });
    const want: Omit<LogLine, 'runId' | 'at'>[] = [];
    for (let i = 1; i <= 5000; i++) {
      const stream = i % 3 === 0 ? 'stderr' : i % 11 === 0 ? 'system' : 'stdout';
      const phase = i < 100 ? 'init' : i < 4000 ? 'plan' : 'apply';
      const text = i % 10 === 0 ? `\u001b[1mbold ${i}\u001b[0m "quoted" \\ é` : `line ${i}`;
      const raw = i % 7 === 0 ? `{"@message":"line ${i}"}` : null;
      const line = log.add(stream, phase, text, raw);
      want.push({ seq: line.seq, stream, phase, text, plain: line.plain, raw: line.raw });
    }
    await log.close();
    const got = logs.page(runId, 1, 6000).map(({ runId: _r, at: _a, ...rest }) => rest);
    expect(got).toEqual(want);
    expect(got.find((l) => l.seq === 10)!.plain).toBe('bold 10 "quoted" \\ é');
    expect(logs.search(runId, '"quoted" \\ é', 1)).toBe(10);
    expect(logs.page(runId, 999, 3).map((l) => l.seq)).toEqual([999, 1000, 1001]);
    expect(logs.phases(runId)).toEqual({ init: 1, plan: 100, apply: 4000 });
    expect(new RunsRepo(db).get(runId)!.logLines).toBe(5000);
  });
});

describe('run log storage (SQLite)', () => {
  it('a batch that meets a busy database is kept and stored once it is free: nothing is lost', async () => {
    const { db, path } = tmpDb();
    const runId = makeRun(db, tmpDir());
    const logs = new LogsRepo(db);
    db.pragma('busy_timeout = 0');
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const errors: unknown[] = [];
    const log = new RunLog(logs, runId, undefined, undefined, { flushMs: 5, onError: (e) => errors.push(e) });
    for (let i = 1; i <= 10; i++) log.add('stdout', 'plan', `line ${i}`);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.length).toBeGreaterThan(0);
    expect(logs.count(runId)).toBe(0);
    other.exec('COMMIT');
    other.close();
    await log.close();
    expect(logs.page(runId, 1, 20).map((l) => l.text)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
  });

  it('the pane ring keeps only the last lines, oldest first', () => {
    const ring = new LineRing(3);
    const line = (seq: number): LogLine => ({
      runId: 1,
      seq,
      at: 0,
      stream: 'stdout',
      phase: null,
      text: `l${seq}`,
      plain: null,
      raw: null,
    });
    for (let i = 1; i <= 10; i++) ring.push(line(i));
    expect(ring.last().map((l) => l.seq)).toEqual([8, 9, 10]);
    expect(ring.last(2).map((l) => l.seq)).toEqual([9, 10]);
    expect(ring.total).toBe(10);
    expect(ring.length).toBe(3);
  });
});
