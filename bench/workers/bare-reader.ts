/**
 * The baseline of the runner benchmark: a bare Node reader of the generator's pipe (readline, counting lines).
 * Prints one JSON line: {lines, ms, maxRssKb}. Usage: node bare-reader.js N
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const total = Number(process.argv[2] ?? 1_000_000);
const cpu0 = process.cpuUsage();
const started = performance.now();
const child = spawn(process.execPath, [join(import.meta.dirname, 'generate-lines.js'), String(total)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let lines = 0;
const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
rl.on('line', () => {
  lines++;
});
child.on('close', () => {
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({ lines, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
});
