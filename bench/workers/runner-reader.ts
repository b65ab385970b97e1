/**
 * The runner side of the runner benchmark: the generator's lines through dayops' process runner (execInRun:
 * line splitting, redaction, ANSI stripping, batched SQLite writes with backpressure) into a temporary database,
 * and into the pane's in-memory ring of the last lines, stored as the Run service stores them. Prints one JSON line:
 * {lines, stored, ms, cpuMs, maxRssKb, pane}. Usage: node runner-reader.js N
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.js';
import { LogsRepo } from '../../src/db/logs.js';
import { RunsRepo } from '../../src/db/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { RunLog } from '../../src/day1/runner/log.js';
import { execInRun } from '../../src/day1/runner/process.js';
import { currentOwner } from '../../src/day1/runner/procinfo.js';
import { LineRing } from '../../src/day1/runner/ring.js';
import { Redactor } from '../../src/day1/secrets.js';

const total = Number(process.argv[2] ?? 1_000_000);
/**
 * The run's secrets (`DAYOPS_BENCH_SECRETS`, a JSON array, or these): of the shapes real ones have, each looked for
 * in all its encodings. A run usually has a few.
 */
const SECRETS: string[] = process.env.DAYOPS_BENCH_SECRETS
  ? (JSON.parse(process.env.DAYOPS_BENCH_SECRETS) as string[])
  : [
      'not-in-the-output-0123456789',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'p@ss w0rd/42!é',
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
      'it\'s-a "quoted" secret',
    ];
const dir = mkdtempSync(join(tmpdir(), 'dayops-bench-'));
try {
  const db = openDatabase(join(dir, 'dayops.db'));
  const stack = new StacksRepo(db).upsert({ name: 'bench', dir, tool: 'custom', environment: 'dev' });
  const run = new RunsRepo(db).create({
    stackId: stack.id,
    kind: 'proposed',
    purpose: 'deploy',
    triggeredBy: 'bench',
    trigger: 'cli',
    autoApply: false,
    owner: currentOwner(),
  });
  const logs = new LogsRepo(db);
  const pane = new LineRing(2000);
  // Secrets that never appear: redaction runs on every line as it would in a real run.
  const log = new RunLog(logs, run.id, new Redactor(SECRETS), (l) => pane.push(l));
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const res = await execInRun(
    { argv: [process.execPath, join(import.meta.dirname, 'generate-lines.js'), String(total)], phase: 'apply' },
    { cwd: dir, env: process.env, log },
  );
  await log.close();
  const ms = performance.now() - started;
  const maxRssKb = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const stored = logs.count(run.id);
  const last = logs.tail(run.id, 1)[0];
  db.close();
  process.stdout.write(
    `${JSON.stringify({ lines: log.lines, stored, ms, cpuMs, maxRssKb, exit: res.code, pane: pane.length, lastLine: last?.plain ?? last?.text })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
