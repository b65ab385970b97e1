/**
 * Scheduled checks: the Day-2 scheduler runs a stack's `when: [scheduled]` checks on their schedule (real HTTP
 * endpoints on 127.0.0.1), stores each result, and a failed one shows beside the stack's alerts (the dashboard's
 * cell, `dayops status`) and in `latestFailedScheduledChecks`, until it passes again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertsCell } from '../../../src/app/day2/dashboard.js';
import { ChecksRepo } from '../../../src/db/checks.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { RunService } from '../../../src/day1/runs.js';
import { latestFailedScheduledChecks } from '../../../src/day1/validation/stack-checks.js';
import { defaultJobRunner, Scheduler } from '../../../src/day2/scheduler.js';
import { stackStatuses, statusJson } from '../../../src/day2/status.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';

const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('scheduled checks', () => {
  it('run on their schedule, are stored, and a failed one shows beside the alerts until it passes', async () => {
    let healthy = false;
    const s = createServer((_req, res) => (healthy ? res.end('ok') : res.writeHead(503).end('down')));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    closers.push(() => {
      s.closeAllConnections();
      s.close();
    });
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;

    const { db } = tmpDb();
    const dir = join(tmpDir(), 'shop');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'dayops.yaml'),
      `name: shop
tool: custom
custom: { plan: [make, plan] }
checks:
  - name: web-up
    http: { url: "${url}", status: 200 }
    within: 1ms
    when: [scheduled]
    schedule: "0 * * * *"
  - name: after-only
    http: { url: "${url}" }
`,
    );
    // Registered two hours ago: the slot of the last full hour is due.
    const now = Date.now();
    new StacksRepo(db).upsert({ name: 'shop', dir, tool: 'custom', environment: 'dev' }, now - 7_200_000);
    let clock = now;
    const runs = undefined as unknown as RunService; // a check job needs no run service
    const sched = new Scheduler({ db, now: () => clock, timers: false, runJob: defaultJobRunner(runs, db, 'alice') });
    closers.push(() => sched.stop());

    await sched.tick();
    await sched.idle();
    const failed = latestFailedScheduledChecks(db);
    expect(failed.map((c) => [c.stackName, c.name, c.kind, c.status])).toEqual([['shop', 'web-up', 'http', 'failed']]);
    expect(failed[0].message).toBe(`expected HTTP 200 from ${url}, got HTTP 503: "down"`);
    // only the scheduled check ran
    expect(new ChecksRepo(db).latestScheduled().map((c) => c.name)).toEqual(['web-up']);
    expect(sched.status().next).toEqual([expect.objectContaining({ kind: 'check', check: 'web-up', lastOk: false })]);

    const status = stackStatuses(db, Date.now())[0];
    expect(status.failedChecks.map((c) => c.name)).toEqual(['web-up']);
    expect(alertsCell(status)).toEqual({ text: '✗ 1 check failed', tone: 'error' });
    expect((statusJson(status).failedChecks as { name: string }[])[0]).toMatchObject({ name: 'web-up', kind: 'http' });

    // Not again in the same hour; in the next one it runs again, passes, and is no longer reported.
    await sched.tick();
    await sched.idle();
    const count = () => (db.prepare('SELECT count(*) AS n FROM check_results').get() as { n: number }).n;
    expect(count()).toBe(1);
    healthy = true;
    clock = now + 3_600_000;
    await new Promise((r) => setTimeout(r, 5));
    await sched.tick();
    await sched.idle();
    expect(count()).toBe(2);
    expect(latestFailedScheduledChecks(db)).toEqual([]);
    expect(stackStatuses(db, Date.now())[0].failedChecks).toEqual([]);
  });
});
