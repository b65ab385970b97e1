import { expect, test } from 'vitest';
import { ChecksRepo } from '../../../src/db/checks.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun } from './fixtures.js';

const passed = { status: 'passed' as const, durationMs: 12.4, attempts: 1, message: 'ok' };
const failed = { status: 'failed' as const, durationMs: 30, attempts: 3, message: 'HTTP 500', output: 'body' };

describeEngines('ChecksRepo', (e) => {
  test('a run checks: started running, ended with their result, listed in order', () => {
    const checks = new ChecksRepo(e.db);
    const s = addStack(e.db).id;
    const run = newRun(e.db, s).id;
    const a = checks.start({ runId: run, stackId: s, source: 'after-apply', name: 'http', kind: 'http' }, 1000);
    const b = checks.start({ runId: run, stackId: s, source: 'after-apply', name: 'tcp', kind: 'tcp' }, 1001);
    expect(checks.ofRun(run, 1500)[0]).toMatchObject({ id: a, status: 'running', durationMs: 500, stackName: 'web' });
    checks.end(a, passed, 1100);
    expect(checks.failRunning(run, 'dayops stopped', 2000)).toBe(1);
    expect(checks.ofRun(run)).toMatchObject([
      { id: a, status: 'passed', durationMs: 12, finishedAt: 1100, message: 'ok', output: null },
      { id: b, status: 'failed', durationMs: 999, finishedAt: 2000, message: 'dayops stopped' },
    ]);
  });

  test('scheduled checks: the newest ended result of each, failures in a window, pruning', () => {
    const checks = new ChecksRepo(e.db);
    const web = addStack(e.db, 'web').id;
    const api = addStack(e.db, 'api').id;
    const sched = (stackId: number, name: string, at: number, end: typeof passed | typeof failed | null) => {
      const id = checks.start({ runId: null, stackId, source: 'scheduled', name, kind: 'http' }, at);
      if (end) checks.end(id, end, at + 5);
      return id;
    };
    sched(web, 'http', 100, failed);
    const webHttp = sched(web, 'http', 200, passed);
    sched(web, 'http', 300, null);
    const webTcp = sched(web, 'tcp', 150, failed);
    const apiHttp = sched(api, 'http', 120, failed);
    expect(checks.latestScheduled(undefined, 1000).map((c) => c.id)).toEqual([apiHttp, webHttp, webTcp]);
    expect(checks.latestScheduled(web).map((c) => [c.name, c.status])).toEqual([
      ['http', 'passed'],
      ['tcp', 'failed'],
    ]);
    expect(checks.failedScheduledBetween(web, 0, 1000).map((c) => c.startedAt)).toEqual([150, 100]);
    expect(checks.failedScheduledBetween(web, 0, 1000, 1)).toHaveLength(1);
    expect(checks.failedScheduledBetween(web, 106, 1000).map((c) => c.startedAt)).toEqual([150]);
    expect(checks.prune(web, 'http', 2)).toBe(1);
    expect(checks.prune(web, 'http', 2)).toBe(0);
    expect(checks.latestScheduled(web).map((c) => c.id)).toContain(webHttp);
  });
});
