/**
 * Team mode's runs across machines on a real PostgreSQL (started here as the tests do, test/helpers/postgres.ts)
 * with the built dayops as separate processes:
 *
 * - claim-to-start latency: a run queued with `remote = 1` until an idle `dayops worker` has started it
 *   (`started_at - created_at`), 20 runs one after the other on different stacks. Target p50 under 500 ms, p95
 *   under 1 s (the worker looks every 200 ms).
 * - live-tail latency: a line printed by a tool on a worker until `dayops logs RUN_ID --follow` in another process
 *   prints it. Target p95 under 1 s (the "within a second").
 *
 * Run: `npm run bench` or `npm run build && node dist/bench/run.js team-workers`. Needs PostgreSQL (initdb, pg_ctl).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open.js';
import { initTeamDatabase } from '../src/db/pg/open.js';
import { RunsRepo } from '../src/db/runs.js';
import { StacksRepo } from '../src/db/stacks.js';
import { isTerminal } from '../src/day1/runner/state.js';
import { packageRoot } from '../src/paths.js';
import { POSTGRES_BIN, startPostgres } from '../test/helpers/postgres.js';
import type { Benchmark, BenchReport } from './run.js';

const CLI = join(packageRoot(), 'dist', 'dayops.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function shStack(root: string, name: string, plan: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'dayops.yaml'),
    `apiVersion: dayops/v1\nkind: Stack\nname: ${name}\ntool: custom\nenvironment: dev\ncustom:\n  plan: ["/bin/sh", "-c", ${JSON.stringify(plan)}]\n`,
  );
  return dir;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

export async function benchTeamWorkers(): Promise<BenchReport> {
  if (!POSTGRES_BIN) {
    return {
      name: 'team-workers',
      ok: false,
      lines: ['PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql'],
    };
  }
  const server = await startPostgres();
  const children: ChildProcess[] = [];
  const root = mkdtempSync(join(tmpdir(), 'dayops-bench-team-'));
  try {
    await server.createDatabase('team');
    const url = server.url('postgres', new URL(server.superuserUrl).password, 'team');
    initTeamDatabase(url, { localDir: join(root, 'init') });
    await server.createLoginRole('bench_worker', 'pw', ['dayops_worker']);
    const db = openDatabase(url);
    const stacks = new StacksRepo(db);
    const runs = new RunsRepo(db);
    const env = { ...process.env, NO_COLOR: '1', XDG_DATA_HOME: join(root, 'data') };
    const worker = spawn(process.execPath, [CLI, 'worker', '--name', 'bench', '--concurrency', '2', '--json'], {
      env: { ...env, DAYOPS_DB: server.url('bench_worker', 'pw', 'team') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(worker);
    let registered = false;
    worker.stdout!.setEncoding('utf8').on('data', (d: string) => (registered ||= d.includes('"registered"')));
    await until(() => registered, 30_000);

    // Claim to start: one run at a time, the worker idle in between.
    const claim: number[] = [];
    for (let i = 0; i < 20; i++) {
      const st = stacks.upsert({
        name: `claim-${i}`,
        dir: shStack(root, `claim-${i}`, 'true'),
        tool: 'custom',
        environment: 'dev',
      });
      const run = runs.create({
        stackId: st.id,
        kind: 'proposed',
        purpose: 'deploy',
        triggeredBy: 'bench',
        trigger: 'cli',
        autoApply: false,
        owner: null,
        remote: true,
      });
      await until(() => isTerminal(runs.get(run.id)!.state), 30_000);
      const done = runs.get(run.id)!;
      claim.push(done.startedAt! - done.createdAt);
      await sleep(50 + ((i * 37) % 200)); // land anywhere in the worker's polling period
    }

    // Live tail: a tool prints a timestamped line every 50 ms; `dayops logs --follow` prints it.
    const tick = stacks.upsert({
      name: 'ticker',
      dir: shStack(
        root,
        'ticker',
        'i=0; while [ $i -lt 60 ]; do echo "tick $(date +%s%3N)"; i=$((i+1)); sleep 0.05; done',
      ),
      tool: 'custom',
      environment: 'dev',
    });
    const run = runs.create({
      stackId: tick.id,
      kind: 'proposed',
      purpose: 'deploy',
      triggeredBy: 'bench',
      trigger: 'cli',
      autoApply: false,
      owner: null,
      remote: true,
    });
    const follower = spawn(process.execPath, [CLI, 'logs', String(run.id), '--follow'], {
      env: { ...env, DAYOPS_DB: url },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(follower);
    const tail: number[] = [];
    let partial = '';
    follower.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const at = Date.now();
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      for (const l of parts) {
        const m = /^tick (\d+)$/.exec(l);
        if (m) tail.push(at - Number(m[1]));
      }
    });
    await new Promise((r) => follower.on('close', r));
    worker.kill('SIGTERM');
    await new Promise((r) => worker.on('close', r));
    db.close();
    // The first lines may have been printed before the follower started: only those it saw live count.
    const live = tail.slice(10);
    const figures = {
      claimP50Ms: pct(claim, 0.5),
      claimP95Ms: pct(claim, 0.95),
      tailP50Ms: pct(live, 0.5),
      tailP95Ms: pct(live, 0.95),
    };
    const ok = figures.claimP50Ms < 500 && figures.claimP95Ms < 1000 && figures.tailP95Ms < 1000;
    return {
      name: 'team-workers',
      ok,
      figures,
      lines: [
        `claim-to-start (queued remote run until an idle worker started it, 20 runs): p50 ${figures.claimP50Ms} ms (target < 500), p95 ${figures.claimP95Ms} ms (target < 1000)`,
        `live tail (tool line on a worker until dayops logs --follow printed it, ${live.length} lines): p50 ${figures.tailP50Ms} ms, p95 ${figures.tailP95Ms} ms (target < 1000)`,
      ],
    };
  } finally {
    for (const c of children) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
    await server.stop();
  }
}

export const teamWorkersBenchmark: Benchmark = {
  name: 'team-workers',
  summary: 'team mode: claim-to-start latency of a worker, live-tail latency of dayops logs --follow (PostgreSQL)',
  run: benchTeamWorkers,
};
