/**
 * The Day-2 dashboard at scale: 1,000 stacks, 100,000 cached alerts and 20,000 runs in the database.
 *
 * - First frame: the real `dayops --db FILE` (the shipped bundle dist/dayops.mjs, the app's whole start-up: modules, database, status
 *   of every stack, first render) in a real pseudo-terminal of 160x48 (util-linux `script`), timed from spawn to
 *   the moment the dashboard's table is on screen with the first row's figures from SQLite; then until that row
 *   also shows its backup against the RPO (which needs its dayops.yaml, read after the first frame); against a bare
 *   Ink hello world (same React build) measured the same way in the same run. Each side runs in its own process,
 *   alternately, several times; the medians and the ratio are reported. Target: first frame under 1.5x.
 * - Background refresh: one `stackStatuses` of the 1,000 stacks from SQLite (what the dashboard does on every
 *   database change): the first call (dayops.yaml files parsed) and the median of warm calls. Target: warm under
 *   150 ms on this 2-core machine.
 *
 * Run: `npm run bench` or `npm run build && node dist/bench/run.js dashboard`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stripAnsi from 'strip-ansi';
import { AlertsRepo, type AlertRecord } from '../src/db/alerts.js';
import { BackupsRepo } from '../src/db/backups.js';
import { DriftRepo } from '../src/db/drift.js';
import { openDatabase, type DB } from '../src/db/open.js';
import { RunsRepo } from '../src/db/runs.js';
import { SourcesRepo } from '../src/db/sources.js';
import { StacksRepo } from '../src/db/stacks.js';
import { alertsSourceKey, severityRank } from '../src/day2/alerts.js';
import { backupSourceKey } from '../src/day2/backups.js';
import { stackStatuses } from '../src/day2/status.js';
import type { Benchmark, BenchReport } from './run.js';
import { median } from './timing.js';

const STACKS = 1_000;
const ALERTS_PER_STACK = 100;
const RUNS_PER_STACK = 20;
const REPS = 7;
const COLUMNS = 160;
const ROWS = 48;
const TIMEOUT_MS = 60_000;

/** React's production build, as the app loads it (src/main.ts), so both sides render with the same React. */
const PRODUCTION = { NODE_ENV: 'production' };

/** Fill a database as 1,000 stacks would after months of use. */
export function buildFleet(dir: string): string {
  const path = join(dir, 'dayops.db');
  const db = openDatabase(path);
  try {
    const stacks = new StacksRepo(db);
    const alerts = new AlertsRepo(db);
    const sources = new SourcesRepo(db);
    const runs = new RunsRepo(db);
    const drift = new DriftRepo(db);
    const backups = new BackupsRepo(db);
    const now = Date.now();
    const owner = { host: 'bench', pid: 1, start: null };
    const envs = ['dev', 'staging', 'prod'] as const;
    const severities = ['critical', 'warning', 'warning', 'info', 'info', 'none'];
    db.transaction(() => {
      for (let i = 0; i < STACKS; i++) {
        const name = `svc-${String(i).padStart(4, '0')}`;
        const sdir = join(dir, 'stacks', name);
        mkdirSync(sdir, { recursive: true });
        writeFileSync(
          join(sdir, 'dayops.yaml'),
          [
            'apiVersion: dayops/v1',
            'kind: Stack',
            `name: ${name}`,
            `environment: ${envs[i % 3]}`,
            'tool: opentofu',
            'drift: { schedule: "0 */6 * * *" }',
            'alerting: { alertmanagerUrl: "http://127.0.0.1:9" }',
            'backups: { repository: ./backups/restic, passwordEnv: NO_PASSWORD, schedule: "0 * * * *" }',
            'rpoMinutes: 60',
            '',
          ].join('\n'),
        );
        const stack = stacks.upsert(
          { name, dir: sdir, tool: 'opentofu', environment: envs[i % 3] },
          now - 90 * 86_400_000,
        );
        const records: AlertRecord[] = [];
        for (let a = 0; a < ALERTS_PER_STACK; a++) {
          const severity = severities[(i + a) % severities.length];
          const labels = { alertname: `Alert${a % 17}`, severity, stack: name, instance: `10.${i % 250}.${a}.1:9100` };
          records.push({
            fingerprint: `${i.toString(16).padStart(4, '0')}${a.toString(16).padStart(12, '0')}`,
            alertname: labels.alertname,
            severity,
            severityRank: severityRank(severity),
            state: a % 7 === 0 ? 'silenced' : 'active',
            amState: a % 7 === 0 ? 'suppressed' : 'active',
            silencedBy: [],
            inhibitedBy: [],
            labels,
            annotations: { summary: `Alert ${a} of ${name}` },
            receivers: ['default'],
            startsAt: now - a * 60_000,
            endsAt: null,
            updatedAt: null,
            generatorUrl: null,
          });
        }
        alerts.replace(stack.id, records, now - 60_000);
        sources.recordOk(alertsSourceKey(name), now - 60_000);
        for (let r = 0; r < RUNS_PER_STACK; r++) {
          const t = now - (RUNS_PER_STACK - r) * 3_600_000;
          const drifting = r % 2 === 0;
          const run = runs.create(
            {
              stackId: stack.id,
              kind: drifting ? 'proposed' : 'tracked',
              purpose: drifting ? 'drift' : 'deploy',
              triggeredBy: 'bench',
              trigger: 'schedule',
              autoApply: true,
              owner,
            },
            t,
          );
          runs.move(run.id, 'start', { now: t + 1000 });
          runs.move(run.id, 'plan', { now: t + 2000 });
          if (drifting) {
            runs.move(run.id, 'finish', { now: t + 3000, patch: { summary: { add: 0, change: r % 3, destroy: 0 } } });
            const check = drift.startCheck({
              stackId: stack.id,
              runId: run.id,
              trigger: 'schedule',
              triggeredBy: 'bench',
              now: t,
            });
            const found =
              i % 4 === 0
                ? [
                    {
                      address: `aws_instance.web${r}`,
                      action: 'update',
                      source: 'drift' as const,
                      detail: {},
                      fingerprint: `fp${r}`,
                    },
                  ]
                : [];
            drift.finish(check, { status: found.length ? 'drifted' : 'in_sync', resources: found, now: t + 3000 });
          } else {
            runs.move(run.id, 'apply', { now: t + 3000 });
            runs.move(run.id, r % 5 === 1 ? 'fail' : 'finish', {
              now: t + 60_000,
              patch: { summary: { add: 1, change: 2, destroy: 0 } },
            });
          }
        }
        // The scheduler ran every job just now (steady state): opening the app starts no job.
        for (const job of ['drift', 'backup', 'restore-test'] as const)
          drift.recordScheduleRun({ stackId: stack.id, job, lastRunAt: now, finishedAt: now, ok: true, error: null });
        const snaps = Array.from({ length: 5 }, (_, k) => {
          const id = `${i.toString(16).padStart(8, '0')}${k}`.padEnd(64, 'a');
          return {
            id,
            shortId: id.slice(0, 8),
            time: now - (k * 60 + (i % 90)) * 60_000,
            hostname: 'dayops',
            username: 'bench',
            paths: ['dayops.yaml'],
            tags: ['dayops', `stack:${name}`],
            parent: null,
            tree: id,
            programVersion: null,
            summary: null,
          };
        });
        backups.replaceSnapshots(stack.id, snaps, now - 120_000, () =>
          sources.recordOk(backupSourceKey(name), now - 120_000),
        );
      }
    })();
  } finally {
    db.close();
  }
  return path;
}

function ptyAvailable(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Milliseconds from spawning `argv` in a pseudo-terminal of COLUMNSxROWS until each marker holds for the screen
 * output so far (in order); the program is then stopped (its terminal hangs up).
 */
export function timeToScreen(
  argv: string[],
  markers: ((screen: string) => boolean)[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extraEnv };
    delete env.CI; // Ink draws only the last frame when it believes it runs in CI
    const cmd = `stty cols ${COLUMNS} rows ${ROWS}; exec ${argv.map(q).join(' ')}`;
    const started = performance.now();
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const times: number[] = [];
    const timer = setTimeout(
      () =>
        finish(
          new Error(`${argv.join(' ')} drew nothing recognisable in ${TIMEOUT_MS} ms: ${stripAnsi(out).slice(-400)}`),
        ),
      TIMEOUT_MS,
    );
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.once('close', () => (err ? reject(err) : resolve(times)));
      child.kill('SIGTERM');
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const screen = stripAnsi(out);
      while (times.length < markers.length && markers[times.length](screen)) times.push(performance.now() - started);
      if (times.length === markers.length) finish();
    });
    child.stderr.resume();
    child.on('error', (e) => finish(e));
  });
}

export const dashboardBenchmark: Benchmark = {
  name: 'dashboard',
  summary:
    'Day-2 dashboard with 1,000 stacks, 100,000 cached alerts, 20,000 runs: first frame vs a bare Ink hello world, and one refresh',
  async run(): Promise<BenchReport> {
    const dir = mkdtempSync(join(tmpdir(), 'dayops-bench-dashboard-'));
    try {
      const t0 = performance.now();
      const dbPath = buildFleet(dir);
      const buildMs = performance.now() - t0;

      // Background refresh from SQLite: cold (dayops.yaml files parsed) and warm.
      const db: DB = openDatabase(dbPath);
      let cold: number;
      const warm: number[] = [];
      try {
        const c0 = performance.now();
        const first = stackStatuses(db, Date.now());
        cold = performance.now() - c0;
        if (first.length !== STACKS) throw new Error(`stackStatuses returned ${first.length} stacks, not ${STACKS}`);
        for (let i = 0; i < 15; i++) {
          const w0 = performance.now();
          stackStatuses(db, Date.now());
          warm.push(performance.now() - w0);
        }
      } finally {
        db.close();
      }
      const refreshMs = median(warm);

      const lines = [
        `fleet: ${STACKS} stacks, ${STACKS * ALERTS_PER_STACK} cached alerts, ${STACKS * RUNS_PER_STACK} runs (built in ${(buildMs / 1000).toFixed(1)} s)`,
        `background refresh (stackStatuses of ${STACKS} stacks): ${refreshMs.toFixed(1)} ms median warm (target 150 ms), first call ${cold.toFixed(1)} ms`,
      ];
      const figures: Record<string, number> = { refreshMs, refreshColdMs: cold };
      let ok = refreshMs <= 150;

      if (!ptyAvailable()) {
        lines.push('first frame: not measured: `script` (util-linux) is needed for a pseudo-terminal');
        return { name: 'dashboard', ok: false, lines, figures };
      }
      // The shipped executable (the bundle of the app), as `dayops` runs.
      const cli = join(import.meta.dirname, '..', 'dayops.mjs');
      const hello = join(import.meta.dirname, 'workers', 'hello-ink.js');
      const dashboard = [process.execPath, cli, '--db', dbPath];
      // First frame: the table, its first row with its figures from SQLite (drift, alerts, last run).
      const firstFrame = (s: string) =>
        s.includes('STACK') &&
        s.includes(`Stacks ${STACKS}`) &&
        /svc-0000\s+dev\s.*(drifted|in sync|checking|failed)/.test(s);
      // Complete: also its backup against the RPO, which needs the stack's dayops.yaml (read after the first frame).
      const complete = (s: string) => /svc-0000\s+dev\s.*(drifted|in sync|checking|failed).*\d+m\/1h/.test(s);
      const isHello = (s: string) => s.includes('Hello, world');
      // One of each first, to warm the file cache; then alternately.
      await timeToScreen([process.execPath, hello], [isHello], PRODUCTION);
      await timeToScreen(dashboard, [firstFrame, complete]);
      const h: number[] = [];
      const d: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < REPS; i++) {
        h.push((await timeToScreen([process.execPath, hello], [isHello], PRODUCTION))[0]);
        const [f, all] = await timeToScreen(dashboard, [firstFrame, complete]);
        d.push(f);
        c.push(all);
      }
      const hm = median(h);
      const dm = median(d);
      const cm = median(c);
      const ratio = dm / hm;
      figures.helloFirstFrameMs = hm;
      figures.dashboardFirstFrameMs = dm;
      figures.dashboardCompleteMs = cm;
      figures.firstFrameRatio = ratio;
      ok = ok && ratio < 1.5;
      lines.push(
        `first frame in a ${COLUMNS}x${ROWS} pseudo-terminal, spawn to screen, median of ${REPS}: dashboard ${dm.toFixed(0)} ms, bare Ink hello world ${hm.toFixed(0)} ms`,
        `ratio ${ratio.toFixed(2)}x (target under 1.5x); every figure of the rows on screen (backups need dayops.yaml): ${cm.toFixed(0)} ms (${(cm / hm).toFixed(2)}x)`,
        `runs: dashboard ${d.map((x) => x.toFixed(0)).join(' ')} ms; complete ${c.map((x) => x.toFixed(0)).join(' ')} ms; hello ${h.map((x) => x.toFixed(0)).join(' ')} ms`,
      );
      return { name: 'dashboard', ok, lines, figures };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
