/**
 * Runner throughput: a child printing 1,000,000 lines, read (a) by a bare Node readline loop and (b) by dayops'
 * process runner storing every line in SQLite and feeding the pane's ring. Each side runs in its own process so
 * its peak RSS (`process.resourceUsage().maxRSS`) is its own. Targets: the runner keeps at least half the bare
 * reader's lines per second, with every line stored, and stays under 250 MB peak RSS.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchReport } from './run.js';

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
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
    // One after the other, each in its own process: its peak RSS and CPU are its own.
    const bare = await worker('bare-reader.js', [String(lines)]);
    const runner = await worker('runner-reader.js', [String(lines)]);
    const rate = (r: WorkerResult) => r.lines / (r.ms / 1000);
    const perLine = (r: WorkerResult) => ((r.cpuMs * 1000) / r.lines).toFixed(2);
    const bareRate = rate(bare);
    const ratio = rate(runner) / bareRate;
    const rssMb = runner.maxRssKb / 1024;
    const allStored = runner.stored === lines && runner.lines === lines;
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
        `ratio runner/bare: ${ratio.toFixed(2)} (target >= 0.50); runner peak RSS ${rssMb.toFixed(1)} MB (target < 250 MB); every line stored: ${allStored ? 'yes' : 'NO'}`,
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
