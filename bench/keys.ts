/**
 * Keys under load: the whole app with 10 runs streaming log lines at full speed, 1,000 keys sent in bursts of 20
 * in one read (see workers/keys-app.tsx). Figures: keys lost, and key-to-frame latency p50/p95/max.
 * Targets: 0 keys lost, p95 under 50 ms on this 2-core machine.
 *
 * Run: `npm run bench` or `npm run build && node dist/bench/run.js keys`.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchReport } from './run.js';
import { relayStderr } from './timing.js';

interface KeysResult {
  keys: number;
  lost: number;
  p50: number;
  p95: number;
  max: number;
  bursts: number;
  frames: number;
  linesPerSec: number;
  active: number;
  handlerP50: number;
  handlerP95: number;
}

function worker(): Promise<KeysResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'workers', 'keys-app.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // React's production build, as the shipped app runs it.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    relayStderr(child.stderr);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`keys-app exited with code ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as KeysResult);
      } catch (err) {
        reject(new Error(`keys-app printed no result: ${out.slice(0, 200)} (${(err as Error).message})`));
      }
    });
  });
}

export const keysBenchmark: Benchmark = {
  name: 'keys',
  summary: '1,000 keys in bursts of 20 while 10 runs stream at full speed: keys lost, key-to-frame latency',
  async run(): Promise<BenchReport> {
    const r = await worker();
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const ok = r.lost === 0 && r.p95 < 50;
    return {
      name: 'keys',
      ok,
      lines: [
        `${r.keys} keys in ${r.bursts} bursts, ${r.active} runs streaming (${Math.round(r.linesPerSec).toLocaleString('en')} lines/s stored meanwhile)`,
        `keys lost: ${r.lost} (target 0)`,
        `key-to-frame latency: p50 ${ms(r.p50)}, p95 ${ms(r.p95)} (target < 50 ms), max ${ms(r.max)}`,
        `key-to-handler: p50 ${ms(r.handlerP50)}, p95 ${ms(r.handlerP95)}; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
      ],
      figures: { lost: r.lost, p50: r.p50, p95: r.p95, max: r.max, linesPerSec: r.linesPerSec },
    };
  },
};
