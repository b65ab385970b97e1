/**
 * Nothing a tool starts outlives it: the REAL terraform (1.11.4) applies a `terraform_data` whose local-exec
 * provisioner runs `sleep` under `sh`; terraform itself is killed, and `ps` (here /proc) must show neither `sh` nor
 * `sleep` left. When dayops too dies before it could end them, the next dayops start ends them (their group was
 * recorded). The shipped executable runs each scenario, as a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onPath } from '../../../src/day1/detect.js';
import { CLI, ROOT, runCli } from '../../helpers/cli.js';
import { requireTool } from '../../helpers/tmux.js';
import { tmpDir } from '../../helpers/tmp.js';

const HAVE = requireTool(onPath('terraform'), 'terraform');
const TF_ENV = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };

/** Processes whose command line holds `mark`, with their process group. */
function processesWith(mark: string): { pid: number; pgid: number; cmd: string }[] {
  const out: { pid: number; pgid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmd.includes(mark) || cmd.includes('vitest')) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      out.push({ pid: Number(name), pgid: Number(rest[2]), cmd });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const leftovers: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const mark of leftovers.splice(0)) for (const p of processesWith(mark)) process.kill(p.pid, 'SIGKILL');
});

/** A registered terraform stack whose apply runs `sh -c '...; sleep <mark>'` (the mark: a unique duration). */
async function sleepyStack(shell: string): Promise<{ db: string; mark: string }> {
  const dir = tmpDir('dayops-pg-');
  const mark = `300.${String(process.pid).padStart(6, '0')}${Math.floor(Math.random() * 1e6)}`;
  leftovers.push(mark);
  writeFileSync(
    join(dir, 'main.tf'),
    `resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "${shell} sleep ${mark}"
  }
}
`,
  );
  const db = join(tmpDir(), 'dayops.db');
  const add = await runCli(['--db', db, 'stack', 'add', dir, '--name', 'slow', '--tool', 'terraform']);
  expect(add.code).toBe(0);
  return { db, mark };
}

function startRun(db: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, '--db', db, 'run', 'slow', '--auto-approve'], {
    cwd: ROOT,
    env: { ...process.env, ...TF_ENV, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  children.push(child);
  return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe.runIf(HAVE)('a tool that dies leaves nothing behind (real terraform)', () => {
  it('terraform killed mid-apply: its provisioner’s sh and sleep are ended with it, and the run fails', async () => {
    const { db, mark } = await sleepyStack('');
    const run = startRun(db, { DAYOPS_CANCEL_GRACE_MS: '1000' });
    const sleeping = await until('the provisioner to sleep', () => {
      const ps = processesWith(mark);
      return ps.some((p) => p.cmd.startsWith('sleep')) && ps.length >= 2 ? ps : undefined;
    });
    // sh and sleep are in terraform's process group; terraform is its leader.
    const pgid = sleeping[0].pgid;
    expect(sleeping.every((p) => p.pgid === pgid)).toBe(true);
    expect(readFileSync(`/proc/${pgid}/cmdline`, 'utf8')).toMatch(/terraform/);
    process.kill(pgid, 'SIGKILL');
    expect(await run.exited).toBe(1);
    await until('sh and sleep to be gone', () => processesWith(mark).length === 0, 15_000);
    const runs = await runCli(['--db', db, 'runs', '--json']);
    expect((JSON.parse(runs.stdout) as { runs: { state: string }[] }).runs[0].state).toBe('FAILED');
  });

  it('dayops killed too before it could end them: the next dayops start ends the recorded leftovers', async () => {
    // The provisioner ignores SIGTERM, so only the SIGKILL a long grace period away would end it.
    const { db, mark } = await sleepyStack("trap '' TERM INT;");
    const run = startRun(db, { DAYOPS_CANCEL_GRACE_MS: '600000' });
    const sleeping = await until('the provisioner to sleep', () => {
      const ps = processesWith(mark);
      return ps.some((p) => p.cmd.startsWith('sleep')) && ps.length >= 2 ? ps : undefined;
    });
    process.kill(sleeping[0].pgid, 'SIGKILL');
    // dayops has seen terraform die and is ending its group (SIGTERM now, SIGKILL in ten minutes): kill it too.
    await new Promise((r) => setTimeout(r, 1500));
    run.child.kill('SIGKILL');
    await run.exited;
    expect(processesWith(mark).length).toBeGreaterThan(0);
    const next = await runCli(['--db', db, 'runs']);
    expect(next.code).toBe(0);
    await until('the leftovers to be ended by recovery', () => processesWith(mark).length === 0, 15_000);
  });
});
