/**
 * `dayops worker` and `dayops run --remote` on the embedded SQLite file (the same code path as team mode): the
 * BUILT dayops as separate processes. Two workers share the queue (each run executed once, one at a time per
 * stack), `logs` prints a run's log, and a parked run is applied by the worker holding its plan when approved
 * from another process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { isTerminal } from '../../../src/day1/runner/state.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { until } from '../runs/helpers.js';

const spawned: ChildProcess[] = [];
afterEach(() => {
  for (const c of spawned.splice(0)) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

function background(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').resume();
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, out: () => stdout };
}

/** A custom stack in `<dir>/stack` whose plan appends the run id to `<dir>/ran.txt`. */
function stack(name: string, yaml = '', apply = 'true'): { dir: string; sub: string } {
  const dir = tmpDir('dayops-sqlite-worker-');
  const sub = join(dir, 'stack');
  mkdirSync(sub);
  writeFileSync(
    join(sub, 'dayops.yaml'),
    [
      'apiVersion: dayops/v1',
      'kind: Stack',
      `name: ${name}`,
      'tool: custom',
      'environment: dev',
      'custom:',
      `  plan: ["/bin/sh", "-c", "echo $DAYOPS_RUN_ID >> ../ran.txt; echo 'dayops:change create thing.${name}'"]`,
      `  apply: ["/bin/sh", "-c", ${JSON.stringify(apply)}]`,
      yaml,
    ].join('\n') + '\n',
  );
  return { dir, sub };
}

describe('dayops worker on a SQLite file', () => {
  it('two workers take 12 queued runs of 2 stacks: each executed once; logs prints a run', async () => {
    const home = tmpDir();
    const dbPath = join(home, 'dayops.db');
    const db = openDatabase(dbPath);
    const stacks = new StacksRepo(db);
    const runs = new RunsRepo(db);
    const made = ['a', 'b'].map((n) => ({ ...stack(n), rec: undefined as unknown as { id: number } }));
    for (const [i, m] of made.entries())
      m.rec = stacks.upsert({ name: ['a', 'b'][i], dir: m.sub, tool: 'custom', environment: 'dev' });
    const ids = Array.from(
      { length: 12 },
      (_, i) =>
        runs.create({
          stackId: made[i % 2].rec.id,
          kind: 'proposed',
          purpose: 'deploy',
          triggeredBy: 'me',
          trigger: 'cli',
          autoApply: false,
          owner: null,
          remote: true,
        }).id,
    );
    const env = { DAYOPS_DB: dbPath };
    const ws = ['one', 'two'].map((n) => background(['worker', '--name', n, '--concurrency', '2'], env));
    await until(() => ids.every((id) => isTerminal(runs.get(id)!.state)), 60_000, 100);
    for (const w of ws) w.child.kill('SIGTERM');
    for (const w of ws) expect(await w.exited).toBe(0);
    expect(ids.map((id) => runs.get(id)!.state)).toEqual(Array(12).fill('FINISHED'));
    const ran = made.flatMap((m) => readFileSync(join(m.dir, 'ran.txt'), 'utf8').trim().split('\n').map(Number));
    expect(ran.sort((x, y) => x - y)).toEqual(ids);
    expect(ws.map((w) => w.out()).join('')).toMatch(/dayops worker: claimed run \d+ of a \(proposed\)/);
    const log = await runCli(['logs', String(ids[0])], { env });
    expect(log.code).toBe(0);
    expect(log.stdout).toContain(`dayops: run ${ids[0]} claimed by worker`);
    expect(log.stdout).toContain('dayops: plan: +1 ~0 -0');
    const missing = await runCli(['logs', '999'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('run 999 does not exist');
    db.close();
  }, 90_000);

  it('run --remote parks for approval at the worker; approve from another process: the worker applies, approve follows it', async () => {
    const home = tmpDir();
    const dbPath = join(home, 'dayops.db');
    const { dir, sub } = stack('c', '', 'echo applied-by-$PPID >> ../applied.txt; echo "dayops:change create thing.c"');
    const env = { DAYOPS_DB: dbPath };
    expect((await runCli(['stack', 'add', sub], { env })).code).toBe(0);
    const w = background(['worker', '--name', 'solo'], env);
    const queued = await runCli(['run', 'c', '--remote', '--json'], { env });
    expect(queued.code).toBe(4);
    const id = JSON.parse(queued.stdout).id as number;
    expect(JSON.parse(queued.stdout)).toMatchObject({ state: 'UNCONFIRMED' });
    const approved = await runCli(['approve', String(id), '--json'], { env });
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id, state: 'FINISHED' });
    expect(readFileSync(join(dir, 'applied.txt'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(w.out()).toContain(`run ${id} of c approved: applying its plan`);
    expect(w.out()).toContain(`run ${id} of c FINISHED`);
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  }, 60_000);
});
