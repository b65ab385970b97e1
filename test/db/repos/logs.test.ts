import { expect, test } from 'vitest';
import { LogsRepo, type LogLine } from '../../../src/db/logs.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun } from './fixtures.js';

function lines(runId: number, from: number, n: number, at = 1000): LogLine[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i;
    const phase = seq <= 3 ? 'init' : 'plan';
    return {
      runId,
      seq,
      at: at + seq,
      stream: seq % 7 === 0 ? 'stderr' : 'stdout',
      phase,
      text: seq % 5 === 0 ? `\u001b[31mline ${seq} Error\u001b[0m` : `line ${seq} ünïcode`,
      plain: seq % 5 === 0 ? `line ${seq} Error` : null,
      raw: seq === 2 ? '{"@level":"info"}' : null,
    } as LogLine;
  });
}

describeEngines('LogsRepo', (e) => {
  test('lines are stored in compressed chunks and read back exactly, with the run line count', () => {
    const logs = new LogsRepo(e.db);
    const run = newRun(e.db, addStack(e.db).id);
    const all = lines(run.id, 1, 4500);
    logs.append(run.id, all.slice(0, 10), { init: 1, plan: 4 }, 5000);
    logs.append(run.id, all.slice(10), undefined, 6000);
    expect(logs.count(run.id)).toBe(4500);
    expect(new RunsRepo(e.db).get(run.id)).toMatchObject({ logLines: 4500, updatedAt: 6000 });
    expect(logs.page(run.id, 1, 5000)).toEqual(all);
    expect(logs.page(run.id, 1999, 3)).toEqual(all.slice(1998, 2001));
    expect(logs.tail(run.id, 2)).toEqual(all.slice(4498));
    expect(logs.page(run.id, 4501, 10)).toEqual([]);
    expect(logs.phases(run.id)).toEqual({ init: 1, plan: 4 });
  });

  test('the line count never goes back; phases already known are kept', () => {
    const logs = new LogsRepo(e.db);
    const run = newRun(e.db, addStack(e.db).id);
    logs.append(run.id, lines(run.id, 1, 5), { init: 1 });
    logs.append(run.id, lines(run.id, 6, 5), { init: 6, apply: 8 });
    expect(logs.phases(run.id)).toEqual({ init: 1, apply: 8 });
    expect(new RunsRepo(e.db).get(run.id)?.logLines).toBe(10);
  });

  test('search and matches find lines by their plain text, both ways, across chunks', () => {
    const logs = new LogsRepo(e.db);
    const run = newRun(e.db, addStack(e.db).id);
    logs.append(run.id, lines(run.id, 1, 4100));
    expect(logs.search(run.id, 'error', 1)).toBe(5);
    expect(logs.search(run.id, 'line 4095 error', 1)).toBe(4095);
    expect(logs.search(run.id, 'line 5 error', 4000, 'backward')).toBe(5);
    expect(logs.search(run.id, 'error', 1, 'forward', { caseSensitive: true })).toBeUndefined();
    expect(logs.search(run.id, 'nowhere', 1)).toBeUndefined();
    expect(logs.matches(run.id, 'ERROR')).toHaveLength(820);
    expect(logs.matches(run.id, 'line 2005 ')).toEqual([2005]);
  });

  test('runs keep their own logs apart; another connection reads what was appended', () => {
    const logs = new LogsRepo(e.db);
    const s = addStack(e.db).id;
    const a = newRun(e.db, s);
    const b = newRun(e.db, s);
    logs.append(a.id, lines(a.id, 1, 3));
    logs.append(b.id, lines(b.id, 1, 7));
    const other = new LogsRepo(e.open());
    expect(other.count(a.id)).toBe(3);
    expect(other.page(b.id, 1, 100).map((l) => l.runId)).toEqual(Array(7).fill(b.id));
  });
});
