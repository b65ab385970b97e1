/**
 * `npm run bench`: every benchmark of dayops, one after the other; exit 1 when one misses its target.
 * `node dist/bench/run.js NAME...` runs only those.
 *
 * To add one: write `bench/<name>.ts` exporting a `Benchmark`, then import it here and add it to BENCHMARKS.
 */
import { runnerLogBenchmark } from './runner-log.js';
import { backupsBenchmark } from './backups.js';
import { statusBenchmark } from './status.js';
import { day0Benchmark } from './day0.js';
import { dashboardBenchmark } from './dashboard.js';
import { alertsBenchmark } from './alerts.js';
import { keysBenchmark } from './keys.js';
import { teamBenchmark } from './team.js';

export interface BenchReport {
  name: string;
  /** Every target met. */
  ok: boolean;
  /** What to print, one line each (figures and their targets). */
  lines: string[];
  /** The raw figures, for machines. */
  figures?: Record<string, number>;
}

export interface Benchmark {
  name: string;
  summary: string;
  run(): Promise<BenchReport>;
}

export const BENCHMARKS: Benchmark[] = [
  runnerLogBenchmark,
  day0Benchmark,
  alertsBenchmark,
  backupsBenchmark,
  statusBenchmark,
  dashboardBenchmark,
  keysBenchmark,
  teamBenchmark,
];

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length) {
    process.stderr.write(
      `unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`,
    );
    return 2;
  }
  const chosen = argv.length ? BENCHMARKS.filter((b) => argv.includes(b.name)) : BENCHMARKS;
  let failed = 0;
  for (const b of chosen) {
    process.stdout.write(`== ${b.name}: ${b.summary}\n`);
    try {
      const r = await b.run();
      for (const l of r.lines) process.stdout.write(`   ${l}\n`);
      process.stdout.write(`   ${r.ok ? 'OK' : 'MISSED TARGET'}\n`);
      if (!r.ok) failed++;
    } catch (err) {
      process.stdout.write(`   ERROR: ${(err as Error).message}\n`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
