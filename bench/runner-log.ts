/**
 * Runner throughput: a child printing 1,000,000 lines, read (a) by a bare Node readline loop and (b) by dayops'
 * process runner storing every line in SQLite and feeding the pane's ring. Each side runs in its own process so
 * its peak RSS (`process.resourceUsage().maxRSS`) is its own. Targets: the runner keeps at least half the bare
 * reader's lines per second, with every line stored, and stays under 250 MB peak RSS.
 *
 * What makes it fast: lines are stored in chunks of consecutive lines, one row per chunk, compressed (writing is
 * what costs); batches of a few thousand lines per transaction; the run's secrets (five here, each in every form
 * tools print a value in) looked for once per chunk of output, all at once, rather than once per line. See
 * src/db/logs.ts, src/day1/runner/ and src/secrets/.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchReport } from './run.js';
import { relayStderr } from './timing.js';

interface WorkerResult {
  lines: number;
  ms: number;
  cpuMs: number;
  maxRssKb: number;
  stored?: number;
  pane?: number;
  lastLine?: string;
}

function worker(script: string, args: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'workers', script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    relayStderr(child.stderr);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
      } catch (err) {
        reject(new Error(`${script} printed no result: ${out.slice(0, 200)} (${(err as Error).message})`));
      }
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => (kb / 1024).toFixed(1);

export const runnerLogBenchmark: Benchmark = {
  name: 'runner-log',
  summary: '1,000,000 lines through the process runner into SQLite and the pane, against a bare readline reader',
  async run(): Promise<BenchReport> {
    const lines = Number(process.env.DAYOPS_BENCH_LINES ?? 1_000_000);
    // One after the other, each in its own process (its peak RSS and CPU are its own), alternating, three times
    // each: the median run of each side is compared, so one noisy run on a shared machine decides nothing.
    const rounds = Number(process.env.DAYOPS_BENCH_ROUNDS ?? 3);
    const bares: WorkerResult[] = [];
    const runners: WorkerResult[] = [];
    for (let i = 0; i < rounds; i++) {
      bares.push(await worker('bare-reader.js', [String(lines)]));
      runners.push(await worker('runner-reader.js', [String(lines)]));
    }
    const median = (rs: WorkerResult[]) => [...rs].sort((a, b) => a.ms - b.ms)[Math.floor(rs.length / 2)];
    const bare = median(bares);
    const runner = median(runners);
    const rate = (r: WorkerResult) => r.lines / (r.ms / 1000);
    const perLine = (r: WorkerResult) => ((r.cpuMs * 1000) / r.lines).toFixed(2);
    const bareRate = rate(bare);
    const ratio = rate(runner) / bareRate;
    const rssMb = Math.max(...runners.map((r) => r.maxRssKb)) / 1024;
    const allStored = runners.every((r) => r.stored === lines && r.lines === lines);
    const ok = ratio >= 0.5 && rssMb < 250 && allStored;
    const describe = (label: string, r: WorkerResult) =>
      `${label} ${fmt(r.lines)} lines in ${(r.ms / 1000).toFixed(2)} s = ${fmt(rate(r))} lines/s (${(rate(r) / bareRate).toFixed(2)} of bare), ` +
      `CPU ${perLine(r)} µs/line, peak RSS ${mb(r.maxRssKb)} MB${r.stored !== undefined ? `, stored ${fmt(r.stored)}, pane ring ${fmt(r.pane ?? 0)}` : ''}`;
    return {
      name: this.name,
      ok,
      lines: [
        describe('bare readline reader:', bare),
        describe('dayops runner:       ', runner),
        `ratio runner/bare: ${ratio.toFixed(2)} (target >= 0.50), medians of ${rounds} alternating runs each (runner ${runners
          .map((r) => (r.ms / 1000).toFixed(2))
          .join(' ')} s, bare ${bares.map((r) => (r.ms / 1000).toFixed(2)).join(' ')} s)`,
        `runner peak RSS ${rssMb.toFixed(1)} MB, the highest of its runs (target < 250 MB); every line stored: ${allStored ? 'yes' : 'NO'}`,
        `(CPU is the reading process's own; the generator's is not counted. Machine load now: ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} CPUs)`,
      ],
      figures: {
        bareLinesPerSec: bareRate,
        runnerLinesPerSec: rate(runner),
        ratio,
        bareMaxRssMb: bare.maxRssKb / 1024,
        runnerMaxRssMb: rssMb,
      },
    };
  },
};
