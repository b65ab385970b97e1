/**
 * The key benchmark's app: the whole dayops app (production React, drawn as the app draws: INK_OPTIONS) on a
 * database with 40 ended runs, and 10 runs of custom stacks whose tool prints log lines as fast as its pipe
 * takes them. Once they stream, 1,000 keys go in as the terminal delivers fast typing: bursts of 20 in one read
 * (`j` x20, then `k` x20, so the cursor stays in the list), one burst every 150 ms. Each key moves the runs
 * list's cursor one row; a key is lost when the cursor does not move for it. Key-to-frame latency: from the
 * read that brought a key to the first frame Ink writes after the key was handled.
 * Prints one JSON line: { keys, lost, p50, p95, max, bursts, frames, linesPerSec }.
 */
import { EventEmitter } from 'node:events';
import { writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { App, INK_OPTIONS, preloadViews } from '../../components/App.js';
import { keysPending } from '../../components/layout/key-feed.js';
import { runService } from '../../components/day1/runtime.js';
import { openDatabase } from '../../src/db/open.js';
import { RunsRepo } from '../../src/db/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { LogsRepo } from '../../src/db/logs.js';
import { createApp } from '../../src/tui.js';

const BURSTS = 50;
const BURST = 20;
const EVERY_MS = 150;
const STREAMING = Number(process.env.BENCH_KEYS_STREAMING ?? 10);
const ENDED = 40;

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit('readable');
  }
  read() {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 120;
  rows = 40;
  frames: number[] = [];
  write = (_s: string) => {
    this.frames.push(performance.now());
    return true;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'dayops-bench-keys-'));
  try {
    const dbPath = join(dir, 'dayops.db');
    const db = openDatabase(dbPath);
    const stacks = new StacksRepo(db);
    const runs = new RunsRepo(db);
    const generator = join(import.meta.dirname, 'generate-lines.js');
    for (let i = 0; i < STREAMING; i++) {
      const name = `stream-${i}`;
      const sdir = join(dir, name);
      mkdirSync(sdir);
      writeFileSync(
        join(sdir, 'dayops.yaml'),
        [
          'apiVersion: dayops/v1',
          'kind: Stack',
          `name: ${name}`,
          'environment: dev',
          'tool: custom',
          `custom: { plan: [${JSON.stringify(process.execPath)}, ${JSON.stringify(generator)}, "100000000"] }`,
          '',
        ].join('\n'),
      );
      stacks.upsert({ name, dir: sdir, tool: 'custom', environment: 'dev' });
    }
    mkdirSync(join(dir, 'old'));
    const old = stacks.upsert({ name: 'old', dir: join(dir, 'old'), tool: 'custom', environment: 'dev' });
    for (let i = 0; i < ENDED; i++) {
      const run = runs.create({
        stackId: old.id,
        kind: 'proposed',
        purpose: 'deploy',
        triggeredBy: 'bench',
        trigger: 'cli',
        autoApply: false,
        owner: { host: hostname(), pid: 999_999, start: null },
      });
      runs.move(run.id, 'fail', { note: 'bench' });
    }

    await preloadViews();
    const { store, services } = createApp({ db: () => db, dbPath, readonly: false, env: process.env });
    const stdin = new FakeStdin();
    const stdout = new FakeStdout();
    const instance = render(<App store={store} services={services} size={{ columns: 120, rows: 40 }} />, {
      ...INK_OPTIONS,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: stdout as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    stdin.write('2');
    await sleep(300);
    const svc = runService(services);
    for (let i = 0; i < STREAMING; i++) await svc.start(`stream-${i}`, { planOnly: true, trigger: 'tui' });
    // Let them stream for a while before the keys come.
    await sleep(1500);
    stdin.write('g');
    await sleep(300);

    // Every change of the cursor is one key handled.
    const handled: number[] = [];
    let last = store.getState().day1.selected;
    const unsub = store.subscribe((s) => {
      if (s.day1.selected !== last) {
        last = s.day1.selected;
        handled.push(performance.now());
      }
    });
    const sent: number[] = [];
    const linesBefore = countLines(db);
    const t0 = performance.now();
    for (let b = 0; b < BURSTS; b++) {
      const at = performance.now();
      for (let k = 0; k < BURST; k++) sent.push(at);
      stdin.write((b % 2 === 0 ? 'j' : 'k').repeat(BURST));
      await sleep(EVERY_MS);
    }
    const deadline = performance.now() + 10_000;
    while ((keysPending() > 0 || handled.length < sent.length) && performance.now() < deadline) await sleep(20);
    await sleep(100);
    const elapsed = (performance.now() - t0) / 1000;
    const linesPerSec = (countLines(db) - linesBefore) / elapsed;
    unsub();

    const latencies: number[] = [];
    const toHandler: number[] = [];
    for (let i = 0; i < handled.length && i < sent.length; i++) {
      const frame = stdout.frames.find((f) => f >= handled[i]);
      latencies.push((frame ?? performance.now()) - sent[i]);
      toHandler.push(handled[i] - sent[i]);
    }
    const result = {
      keys: sent.length,
      lost: sent.length - handled.length,
      p50: pct(latencies, 0.5),
      handlerP50: pct(toHandler, 0.5),
      handlerP95: pct(toHandler, 0.95),
      p95: pct(latencies, 0.95),
      max: Math.max(...latencies),
      bursts: BURSTS,
      frames: stdout.frames.length,
      linesPerSec: Math.round(linesPerSec),
      active: store.getState().activeRuns,
    };
    instance.unmount();
    await services.shutdown();
    db.close();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Log lines the streaming runs have stored so far. */
function countLines(db: ReturnType<typeof openDatabase>): number {
  const logs = new LogsRepo(db);
  return new RunsRepo(db)
    .list()
    .filter((r) => r.state !== 'FAILED')
    .reduce((n, r) => n + logs.count(r.id), 0);
}

await main();
process.exit(0);
