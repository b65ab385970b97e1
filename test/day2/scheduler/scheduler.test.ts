/**
 * The Day-2 scheduler with a fake clock and a job runner the test controls: due jobs, the concurrency limit,
 * one job per stack, stacks busy with a run, catching up once after a long gap, broken configs, stop, and one
 * real drift check through the default runner.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DB } from '../../../src/db/open.js';
import { DriftRepo } from '../../../src/db/drift.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import {
  defaultJobRunner,
  Scheduler,
  type JobEnd,
  type JobKind,
  type JobRef,
  type SchedulerOptions,
} from '../../../src/day2/scheduler.js';
import { driftSummaries } from '../../../src/day2/drift.js';
import type { Stack } from '../../../src/domain/stack.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { runService, tfStack } from '../drift/helpers.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T00:30:00Z');

const schedulers: Scheduler[] = [];
afterEach(async () => {
  while (schedulers.length) await schedulers.pop()!.stop();
});

class Clock {
  constructor(public t: number) {}
  now = () => this.t;
  set(iso: string) {
    this.t = Date.parse(iso);
  }
}

/** A job runner whose jobs end when the test says so. */
class Jobs {
  started: (JobRef & { signal: AbortSignal })[] = [];
  private pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  maxAtOnce = 0;
  private atOnce = 0;
  constructor(private readonly autoFinish = false) {}
  runner = (job: JobRef, signal: AbortSignal) => {
    this.started.push({ stackId: job.stackId, stack: job.stack, kind: job.kind, signal });
    this.atOnce++;
    this.maxAtOnce = Math.max(this.maxAtOnce, this.atOnce);
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.atOnce--;
        resolve();
      };
      if (this.autoFinish) return done();
      this.pending.set(`${job.stack}:${job.kind}`, { resolve: done, reject: (e) => (this.atOnce--, reject(e)) });
      signal.addEventListener('abort', () => {
        this.atOnce--;
        reject(new Error('aborted'));
      });
    });
  };
  finish(stack: string, kind: JobKind, error?: string): void {
    const p = this.pending.get(`${stack}:${kind}`);
    if (!p) throw new Error(`${stack}:${kind} is not running`);
    this.pending.delete(`${stack}:${kind}`);
    if (error) p.reject(new Error(error));
    else p.resolve();
  }
  names(): string[] {
    return this.started.map((j) => `${j.stack}:${j.kind}`);
  }
}

function addStack(db: DB, root: string, name: string, yaml: string, createdAt = T0): Stack {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'dayops.yaml'),
    `apiVersion: dayops/v1\nkind: Stack\nname: ${name}\ntool: custom\ncustom: { plan: [make, plan] }\n${yaml}`,
  );
  return new StacksRepo(db).upsert({ name, dir, tool: 'custom', environment: 'dev' }, createdAt);
}

function scheduler(db: DB, clock: Clock, jobs: Jobs, opts: Partial<SchedulerOptions> = {}): Scheduler {
  const s = new Scheduler({ db, now: clock.now, runJob: jobs.runner, timers: false, ...opts });
  schedulers.push(s);
  return s;
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('scheduler: due jobs', () => {
  it('runs a job when a slot of its schedule passes, records its last run, and not again until the next slot', async () => {
    const { db } = tmpDb();
    const root = tmpDir();
    const stack = addStack(db, root, 'app', 'drift: { schedule: "0 */6 * * *" }\n');
    const clock = new Clock(Date.parse('2026-03-01T05:59:00Z'));
    const jobs = new Jobs(true);
    const s = scheduler(db, clock, jobs);
    const ends: JobEnd[] = [];
    s.on('job-end', (e) => ends.push(e));
    await s.tick();
    expect(jobs.started).toHaveLength(0); // registered at 00:30, no slot since
    expect(s.status().next[0]).toMatchObject({
      stack: 'app',
      kind: 'drift',
      at: Date.parse('2026-03-01T06:00:00Z'),
      lastRunAt: null,
    });

    clock.set('2026-03-01T06:00:10Z');
    await s.tick();
    await s.idle();
    expect(jobs.names()).toEqual(['app:drift']);
    expect(ends[0]).toMatchObject({
      stack: 'app',
      kind: 'drift',
      ok: true,
      slot: Date.parse('2026-03-01T06:00:00Z'),
      aborted: false,
    });
    expect(new DriftRepo(db).scheduleState()).toEqual([
      {
        stackId: stack.id,
        job: 'drift',
        lastRunAt: Date.parse('2026-03-01T06:00:10Z'),
        finishedAt: Date.parse('2026-03-01T06:00:10Z'),
        ok: true,
        error: null,
      },
    ]);

    clock.set('2026-03-01T11:59:59Z');
    await s.tick();
    await s.idle();
    expect(jobs.started).toHaveLength(1);
    clock.set('2026-03-01T12:00:00Z');
    await s.tick();
    await s.idle();
    expect(jobs.started).toHaveLength(2);
    expect(s.status().next[0]).toMatchObject({ at: Date.parse('2026-03-01T18:00:00Z'), lastOk: true });
  });

  it('a failed job is recorded with its error and waits for the next slot (no retry loop)', async () => {
    const { db } = tmpDb();
    addStack(db, tmpDir(), 'app', 'drift: { schedule: "0 * * * *" }\n');
    const clock = new Clock(T0 + H);
    const jobs = new Jobs();
    const s = scheduler(db, clock, jobs);
    await s.tick();
    jobs.finish('app', 'drift', 'plan failed: boom');
    await s.idle();
    expect(new DriftRepo(db).scheduleState()[0]).toMatchObject({ ok: false, error: 'plan failed: boom' });
    await s.tick();
    expect(jobs.started).toHaveLength(1);
    expect(s.status().next[0]).toMatchObject({ lastOk: false, lastError: 'plan failed: boom' });
  });

  it('drift, backup and restore-test schedules of the same stack are three jobs; read-only mode runs drift only', async () => {
    const { db } = tmpDb();
    addStack(
      db,
      tmpDir(),
      'app',
      'drift: { schedule: "0 * * * *" }\nbackups: { repository: ./repo, schedule: "0 * * * *", restoreTestSchedule: "0 * * * *" }\n',
    );
    const clock = new Clock(T0 + H);
    const jobs = new Jobs(true);
    const all = scheduler(db, clock, jobs);
    expect(
      (all.reload(),
      all
        .status()
        .next.map((n) => n.kind)
        .sort()),
    ).toEqual(['backup', 'drift', 'restore-test']);
    const ro = scheduler(db, clock, new Jobs(true), { kinds: ['drift'] });
    ro.reload();
    expect(ro.status().next.map((n) => n.kind)).toEqual(['drift']);
    expect(ro.status().disabled).toEqual(['backup', 'restore-test', 'check']);
  });
});

describe('scheduler: limits', () => {
  it('never more than `concurrency` jobs at once (default 2); the rest wait in the queue', async () => {
    const { db } = tmpDb();
    const root = tmpDir();
    for (const n of ['a', 'b', 'c', 'd', 'e']) addStack(db, root, n, 'drift: { schedule: "0 * * * *" }\n');
    const clock = new Clock(T0 + H);
    const jobs = new Jobs();
    const s = scheduler(db, clock, jobs);
    await s.tick();
    expect(jobs.started).toHaveLength(2);
    const st = s.status();
    expect(st.running.map((r) => r.stack).sort()).toEqual(['a', 'b']);
    expect(st.queued.map((q) => [q.stack, q.waiting])).toEqual([
      ['c', 'concurrency'],
      ['d', 'concurrency'],
      ['e', 'concurrency'],
    ]);
    jobs.finish('a', 'drift');
    await settle();
    expect(jobs.names()).toEqual(['a:drift', 'b:drift', 'c:drift']);
    for (const n of ['b', 'c']) jobs.finish(n, 'drift');
    await settle();
    for (const n of ['d', 'e']) jobs.finish(n, 'drift');
    await s.idle();
    expect(jobs.started).toHaveLength(5);
    expect(jobs.maxAtOnce).toBe(2);
    expect(s.status().queued).toEqual([]);
  });

  it('never two jobs of the same stack at once', async () => {
    const { db } = tmpDb();
    addStack(
      db,
      tmpDir(),
      'app',
      'drift: { schedule: "0 * * * *" }\nbackups: { repository: ./repo, schedule: "0 * * * *" }\n',
    );
    const clock = new Clock(T0 + H);
    const jobs = new Jobs();
    const s = scheduler(db, clock, jobs, { concurrency: 4 });
    await s.tick();
    expect(jobs.started).toHaveLength(1);
    expect(s.status().queued).toEqual([expect.objectContaining({ stack: 'app', waiting: 'stack' })]);
    const first = jobs.started[0].kind;
    jobs.finish('app', first);
    await settle();
    expect(jobs.started).toHaveLength(2);
    expect(jobs.started[1].kind).not.toBe(first);
    expect(jobs.maxAtOnce).toBe(1);
  });

  it('waits while a tool works in the stack folder (a run PLANNING), then runs', async () => {
    const { db } = tmpDb();
    const stack = addStack(db, tmpDir(), 'app', 'drift: { schedule: "0 * * * *" }\n');
    const runs = new RunsRepo(db);
    const run = runs.create({
      stackId: stack.id,
      kind: 'tracked',
      purpose: 'deploy',
      triggeredBy: 'bob',
      trigger: 'tui',
      autoApply: false,
      owner: { host: 'h', pid: process.pid, start: null },
    });
    runs.tryStart(run.id, { host: 'h', pid: process.pid, start: null });
    runs.move(run.id, 'plan');
    const clock = new Clock(T0 + H);
    const jobs = new Jobs(true);
    const s = scheduler(db, clock, jobs); // the default busy test: the stack's runs in the database
    await s.tick();
    expect(jobs.started).toHaveLength(0);
    expect(s.status().queued).toEqual([
      expect.objectContaining({ stack: 'app', kind: 'drift', waiting: 'stack-busy' }),
    ]);
    runs.move(run.id, 'park'); // waiting for approval: the folder is free
    await s.tick();
    await s.idle();
    expect(jobs.names()).toEqual(['app:drift']);
  });
});

describe('scheduler: catching up after dayops was closed', () => {
  it('runs a job ONCE after a gap of many missed slots, not once per slot', async () => {
    const { db } = tmpDb();
    const stack = addStack(db, tmpDir(), 'app', 'drift: { schedule: "0 */6 * * *" }\n');
    new DriftRepo(db).recordScheduleRun({
      stackId: stack.id,
      job: 'drift',
      lastRunAt: Date.parse('2026-03-01T06:00:05Z'),
      finishedAt: null,
      ok: true,
      error: null,
    });
    // closed for three days: twelve slots missed
    const clock = new Clock(Date.parse('2026-03-04T07:30:00Z'));
    const jobs = new Jobs(true);
    const s = scheduler(db, clock, jobs);
    const ends: JobEnd[] = [];
    s.on('job-end', (e) => ends.push(e));
    s.start();
    await settle();
    await s.idle();
    await s.tick();
    await s.idle();
    expect(jobs.names()).toEqual(['app:drift']);
    expect(ends[0].slot).toBe(Date.parse('2026-03-04T06:00:00Z'));
    // and a second scheduler (dayops opened again) does not run it again
    const again = scheduler(db, clock, jobs);
    await again.tick();
    await again.idle();
    expect(jobs.started).toHaveLength(1);
  });

  it('stop() aborts running jobs, drops the queue, and does not record them: the next start catches up', async () => {
    const { db } = tmpDb();
    const root = tmpDir();
    for (const n of ['a', 'b', 'c']) addStack(db, root, n, 'drift: { schedule: "0 * * * *" }\n');
    const clock = new Clock(T0 + 2 * H);
    const jobs = new Jobs();
    const s = scheduler(db, clock, jobs);
    const ends: JobEnd[] = [];
    s.on('job-end', (e) => ends.push(e));
    await s.tick();
    expect(jobs.started).toHaveLength(2);
    await s.stop();
    expect(jobs.started.every((j) => j.signal.aborted)).toBe(true);
    expect(ends.map((e) => e.aborted)).toEqual([true, true]);
    expect(s.status()).toMatchObject({ started: false, running: [], queued: [] });
    expect(new DriftRepo(db).scheduleState()).toEqual([]);
    expect(s.runNow(new StacksRepo(db).get('a')!, 'drift')).toBe(false);

    const next = new Jobs(true);
    const s2 = scheduler(db, clock, next, { concurrency: 3 });
    await s2.tick();
    await s2.idle();
    expect(next.names().sort()).toEqual(['a:drift', 'b:drift', 'c:drift']);
  });
});

describe('scheduler: problems', () => {
  it('a stack with a broken dayops.yaml or a bad cron is reported (once) and skipped; the others run', async () => {
    const { db } = tmpDb();
    const root = tmpDir();
    addStack(db, root, 'good', 'drift: { schedule: "0 * * * *" }\n');
    const broken = addStack(db, root, 'broken', '');
    writeFileSync(join(broken.dir, 'dayops.yaml'), 'drift: { schedule: "0 * * * *"\n  nope: [\n');
    addStack(
      db,
      root,
      'badcron',
      'drift: { schedule: "every hour" }\nbackups: { repository: ./r, schedule: "0 * * * *" }\n',
    );
    const clock = new Clock(T0 + H);
    const jobs = new Jobs(true);
    const s = scheduler(db, clock, jobs);
    const problems: string[] = [];
    s.on('problem', (p) => problems.push(`${p.stack}:${p.kind ?? '*'}`));
    await s.tick();
    await s.idle();
    expect(jobs.names().sort()).toEqual(['badcron:backup', 'good:drift']);
    const st = s.status();
    expect(st.problems.map((p) => [p.stack, p.kind])).toEqual(
      expect.arrayContaining([
        ['broken', null],
        ['badcron', 'drift'],
      ]),
    );
    expect(st.problems.find((p) => p.stack === 'broken')!.error).toContain(join(broken.dir, 'dayops.yaml'));
    expect(st.problems.find((p) => p.stack === 'badcron')!.error).toMatch(
      /drift\.schedule: "every hour" is not a cron expression/,
    );
    await s.tick();
    expect(problems.sort()).toEqual(['badcron:drift', 'broken:*']); // reported once, not at every tick
  });

  it('a job runner that throws is a failed job, not a crash', async () => {
    const { db } = tmpDb();
    addStack(db, tmpDir(), 'app', 'drift: { schedule: "0 * * * *" }\n');
    const s = scheduler(db, new Clock(T0 + H), new Jobs(), {
      runJob: async () => {
        throw new Error('restic: wrong password\nsecond line');
      },
    });
    const ends: JobEnd[] = [];
    s.on('job-end', (e) => ends.push(e));
    await s.tick();
    await s.idle();
    expect(ends[0]).toMatchObject({ ok: false, error: 'restic: wrong password' });
  });
});

describe('scheduler: the real jobs', () => {
  it('a scheduled drift check is a proposed drift run (trigger schedule) through the run service', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift', { yaml: 'drift: { schedule: "0 */6 * * *" }' });
    const runs = runService(db, path, tf.env);
    const clock = new Clock(stack.createdAt + 7 * H);
    const s = new Scheduler({
      db,
      now: clock.now,
      timers: false,
      runJob: defaultJobRunner(runs, db, 'scheduler-user'),
    });
    schedulers.push(s);
    const ends: JobEnd[] = [];
    s.on('job-end', (e) => ends.push(e));
    await s.tick();
    await s.idle();
    expect(ends[0]).toMatchObject({ stack: 'tf', kind: 'drift', ok: true, summary: 'drifted: 2 open of 2' });
    const sum = driftSummaries(db).get(stack.id)!;
    expect(sum).toMatchObject({ status: 'drifted', drifted: 2 });
    expect(runs.get(sum.runId!)).toMatchObject({
      purpose: 'drift',
      kind: 'proposed',
      trigger: 'schedule',
      triggeredBy: 'scheduler-user',
    });
  });
});
