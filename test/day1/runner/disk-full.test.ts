/**
 * A full disk during a run, for real: the database lives on a small tmpfs (CI runs as root, so it can mount one),
 * and the tool prints without end (`yes`, ignoring SIGINT so the escalation has to reach SIGTERM). The runner
 * retries for a bounded time, stops storing, interrupts the tool, says so in one line and exits 1; nothing of the
 * tool is left, and once there is room again the run is FAILED. SIGTERM ends dayops whatever it is waiting on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

const mounts: string[] = [];
const marks: string[] = [];
afterEach(() => {
  for (const mark of marks.splice(0)) for (const pid of pidsWith(mark)) process.kill(pid, 'SIGKILL');
  for (const m of mounts.splice(0)) spawnSync('umount', ['-l', m]);
});

function pidsWith(mark: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(mark) && !cmd.includes('vitest') && state !== 'Z') out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function until(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A database on a 3 MiB tmpfs (with 256 KiB of ballast to free later) and a stack whose plan prints forever. */
async function fullDiskSetup(): Promise<{ db: string; ballast: string; mark: string }> {
  const base = tmpDir('dayops-full-');
  const disk = join(base, 'disk');
  mkdirSync(disk);
  expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', disk]).status).toBe(0);
  mounts.push(disk);
  const ballast = join(disk, 'ballast');
  writeFileSync(ballast, Buffer.alloc(256 * 1024, 1));
  const stack = join(base, 'stack');
  mkdirSync(stack);
  const mark = `dayops-full-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  marks.push(mark);
  writeFileSync(
    join(stack, 'dayops.yaml'),
    `tool: custom\ncustom:\n  plan: [sh, -c, "trap '' INT; exec yes '${mark} some output of a tool that never stops'"]\n`,
  );
  const db = join(disk, 'dayops.db');
  const add = await runCli(['--db', db, 'stack', 'add', stack, '--name', 'loud']);
  expect(add.code).toBe(0);
  return { db, ballast, mark };
}

describe('a full disk during a run', () => {
  it('stops storing after a bounded retry, interrupts the tool, says so in one line and exits 1', async () => {
    const { db, ballast, mark } = await fullDiskSetup();
    const r = await runCli(['--db', db, 'run', 'loud', '--plan-only', '--json'], {
      env: { DAYOPS_STORE_RETRY_MS: '1000', DAYOPS_CANCEL_GRACE_MS: '500' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^dayops: run 1 stopped: disk full: dayops could not store the run in ${db}`));
    // The tool, which ignored SIGINT, is gone.
    await until('the tool to be gone', () => pidsWith(mark).length === 0, 5000);
    // With room again, the run is FAILED, whether the full disk let its end be stored or the next start marks it.
    rmSync(ballast);
    const runs = await runCli(['--db', db, 'runs', '--json']);
    expect(runs.code).toBe(0);
    const [run] = (JSON.parse(runs.stdout) as { runs: { state: string; error: string }[] }).runs;
    expect(run.state).toBe('FAILED');
    expect(run.error).toMatch(/disk full|interrupted/);
  });

  it('SIGTERM ends dayops while it retries a full disk, and the tool with it', async () => {
    const { db, mark } = await fullDiskSetup();
    const child = spawn(process.execPath, [CLI, '--db', db, 'run', 'loud', '--plan-only'], {
      cwd: ROOT,
      env: { ...process.env, DAYOPS_STORE_RETRY_MS: '600000', DAYOPS_CANCEL_GRACE_MS: '500' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until('the tool to run', () => pidsWith(mark).length > 0);
    // Let the disk fill up and the retries begin.
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGTERM');
    expect(await exited).not.toBeNull();
    expect(stderr).not.toMatch(/\n\s+at |internal error/);
    await until('the tool to be gone', () => pidsWith(mark).length === 0, 5000);
  });
});
