import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { DB } from '../../../src/db/open.js';
import { LogsRepo } from '../../../src/db/logs.js';
import { RunsRepo, type RunOwner } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { recoverRuns } from '../../../src/day1/runner/recover.js';
import { pidAlive, processStartTime } from '../../../src/day1/runner/procinfo.js';
import type { RunState } from '../../../src/day1/runner/state.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { until } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

function sleeper(): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
  children.push(c);
  return c;
}

async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

/** A run in `state` owned by `owner`, with two log lines. */
function runIn(db: DB, state: RunState, owner: RunOwner, toolPid: number | null = null): number {
  const stacks = new StacksRepo(db);
  const stack = stacks.get('app') ?? stacks.upsert({ name: 'app', dir: tmpDir(), tool: 'custom', environment: 'dev' });
  const runs = new RunsRepo(db);
  const id = runs.create({
    stackId: stack.id,
    kind: 'tracked',
    purpose: 'deploy',
    triggeredBy: 'alice',
    trigger: 'cli',
    autoApply: false,
    owner,
  }).id;
  type Step = 'start' | 'plan' | 'park' | 'apply';
  const path: Partial<Record<RunState, Step[]>> = {
    QUEUED: [],
    INITIALIZING: ['start'],
    PLANNING: ['start', 'plan'],
    UNCONFIRMED: ['start', 'plan', 'park'],
    APPLYING: ['start', 'plan', 'park', 'apply'],
  };
  for (const e of path[state] ?? []) runs.move(id, e, { patch: e === 'apply' ? { owner } : {} });
  new LogsRepo(db).append(id, [
    { runId: id, seq: 1, at: Date.now(), stream: 'stdout', phase: 'plan', text: 'line one', plain: null, raw: null },
    { runId: id, seq: 2, at: Date.now(), stream: 'stderr', phase: 'plan', text: 'line two', plain: null, raw: null },
  ]);
  if (toolPid) runs.setTool(id, toolPid, processStartTime(toolPid));
  return id;
}

describe('recoverRuns', () => {
  it('marks runs of a dead dayops FAILED "interrupted", keeps their lines and says so in the log', async () => {
    const { db } = tmpDb();
    const owner = { host: hostname(), pid: await deadPid(), start: '12345' };
    const ids = (['QUEUED', 'INITIALIZING', 'PLANNING', 'APPLYING'] as const).map((s) => runIn(db, s, owner));
    const marked = recoverRuns(db);
    expect(marked.map((m) => [m.id, m.state])).toEqual([
      [ids[0], 'QUEUED'],
      [ids[1], 'INITIALIZING'],
      [ids[2], 'PLANNING'],
      [ids[3], 'APPLYING'],
    ]);
    const runs = new RunsRepo(db);
    const logs = new LogsRepo(db);
    const r = runs.get(ids[2])!;
    expect(r.state).toBe('FAILED');
    expect(r.error).toBe('interrupted: dayops stopped while this run was PLANNING');
    expect(r.owner).toBeNull();
    expect(logs.page(ids[2], 1, 10).map((l) => `${l.stream}:${l.text}`)).toEqual([
      'stdout:line one',
      'stderr:line two',
      'system:dayops: interrupted: dayops stopped while this run was PLANNING; marked FAILED',
    ]);
    // a second start-up finds nothing more to do
    expect(recoverRuns(db)).toEqual([]);
  });

  it('never touches a run driven by another live dayops process, on another host, or parked for approval', async () => {
    const { db } = tmpDb();
    const live = sleeper();
    await until(() => processStartTime(live.pid!) !== null);
    const alive = runIn(db, 'PLANNING', { host: hostname(), pid: live.pid!, start: processStartTime(live.pid!) });
    const remote = runIn(db, 'APPLYING', { host: 'some-other-host', pid: await deadPid(), start: '1' });
    const parked = runIn(db, 'UNCONFIRMED', { host: hostname(), pid: await deadPid(), start: '1' });
    expect(recoverRuns(db)).toEqual([]);
    const runs = new RunsRepo(db);
    expect([runs.get(alive)!.state, runs.get(remote)!.state, runs.get(parked)!.state]).toEqual([
      'PLANNING',
      'APPLYING',
      'UNCONFIRMED',
    ]);
  });

  it('a reused pid (alive, but started at another time) does not count as the owner', async () => {
    const { db } = tmpDb();
    const other = sleeper();
    await until(() => processStartTime(other.pid!) !== null);
    const id = runIn(db, 'PLANNING', {
      host: hostname(),
      pid: other.pid!,
      start: String(Number(processStartTime(other.pid!)) - 1000),
    });
    expect(recoverRuns(db).map((m) => m.id)).toEqual([id]);
  });

  it('stops the orphaned tool process group of an interrupted run', async () => {
    const { db } = tmpDb();
    const tool = sleeper();
    await until(() => processStartTime(tool.pid!) !== null);
    const id = runIn(db, 'APPLYING', { host: hostname(), pid: await deadPid(), start: '1' }, tool.pid!);
    const marked = recoverRuns(db, { graceMs: 300 });
    expect(marked).toEqual([expect.objectContaining({ id, toolPid: tool.pid })]);
    await until(() => !pidAlive(tool.pid!), 5000);
  });
});

describe('audit log', () => {
  it('is append-only: UPDATE and DELETE are refused by the database', () => {
    const { db } = tmpDb();
    db.prepare(
      "INSERT INTO audit_log (at, user, action, run_id, comment) VALUES (1, 'alice', 'approve', 1, 'ok')",
    ).run();
    expect(() => db.prepare("UPDATE audit_log SET user = 'mallory'").run()).toThrow('audit_log is append-only');
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow('audit_log is append-only');
    expect(db.prepare('SELECT user, action, comment FROM audit_log').all()).toEqual([
      { user: 'alice', action: 'approve', comment: 'ok' },
    ]);
  });
});
