/**
 * `stackStatuses` for the dashboard and `dayops status`: 1,000 stacks, 100,000 cached alerts (100 per stack) and
 * 20,000 runs (20 per stack; the newest two of each with a 20 KB plan), with drift checks, triage, snapshots and
 * failed sources. Targets (2 shared cores):
 * under 250 ms once the dayops.yaml files are cached (the dashboard redraws from it), the first call (1,000
 * dayops.yaml parsed) under 5 s.
 *
 * `buildStatusFixture` is also used by test/day2/status/scale.test.ts, which checks the RESULT for the same data.
 * Run: `npm run build && node dist/bench/run.js status`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertsRepo, type AlertRecord } from '../src/db/alerts.js';
import { BackupsRepo } from '../src/db/backups.js';
import { DriftRepo } from '../src/db/drift.js';
import { openDatabase, type DB } from '../src/db/open.js';
import { SourcesRepo } from '../src/db/sources.js';
import { StacksRepo } from '../src/db/stacks.js';
import type { RunState } from '../src/day1/runner/state.js';
import { stackStatuses } from '../src/day2/status.js';
import type { Benchmark, BenchReport } from './run.js';
import { medianMs } from './timing.js';

export interface StatusFixtureOptions {
  stacks?: number;
  alertsPerStack?: number;
  runsPerStack?: number;
  /** The time the fixture is built for. */
  now: number;
}

/** What the fixture put in, per stack index, so a test can check the result independently. */
export const fixtureRules = {
  name: (i: number) => `s${String(i).padStart(4, '0')}`,
  broken: (i: number) => i % 97 === 13,
  alerting: (i: number) => i % 2 === 0,
  /** Alerting source failed after a success: counts kept, stale with the error. */
  alertsFailed: (i: number) => i % 2 === 0 && i % 7 === 0,
  backups: (i: number) => i % 3 === 0,
  driftSchedule: (i: number) => i % 5 === 0,
  /** Stacks with a drift check: 3 resources, the first accepted; every 4th such check then failed. */
  driftChecked: (i: number) => i % 5 === 0,
  driftFailedAfter: (i: number) => i % 20 === 0,
  /** The n-th alert of a stack: severity and state. */
  severity: (n: number) => ['critical', 'warning', 'info', 'page'][n % 4],
  silenced: (n: number) => n % 10 === 9,
  /** The state of a stack's last run. */
  lastState: (i: number): RunState => (['FINISHED', 'FAILED', 'UNCONFIRMED', 'POLICY_DENIED'] as const)[i % 4],
};

/** Fill a fresh database (and stack folders under `root`) with the fixture. */
export function buildStatusFixture(db: DB, root: string, opts: StatusFixtureOptions): void {
  const n = opts.stacks ?? 1000;
  const perStack = opts.alertsPerStack ?? 100;
  const runsPer = opts.runsPerStack ?? 20;
  const now = opts.now;
  const stacks = new StacksRepo(db);
  const alerts = new AlertsRepo(db);
  const sources = new SourcesRepo(db);
  const drift = new DriftRepo(db);
  const backups = new BackupsRepo(db);
  const insertRun = db.prepare(
    `INSERT INTO runs (stack_id, kind, purpose, state, triggered_by, trigger, summary_add, summary_change, summary_destroy, error,
       created_at, updated_at, started_at, finished_at)
     VALUES (@stackId, @kind, @purpose, @state, 'ops', 'cli', @add, 1, 0, @error, @created, @created, @started, @finished)`,
  );
  // The newest runs carry a plan of a realistic size (the overview must not read it).
  const setPlan = db.prepare<[string, number]>('UPDATE runs SET plan_json = ? WHERE id = ?');
  const plan = JSON.stringify({
    changes: Array.from({ length: 40 }, (_, k) => ({
      address: `aws_instance.web[${k}]`,
      action: 'update',
      before: { tags: 'x'.repeat(200) },
      after: { tags: 'y'.repeat(200) },
    })),
    drift: [],
    summary: { add: 0, change: 40, destroy: 0 },
    diagnostics: [],
  });
  const R = fixtureRules;
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const name = R.name(i);
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      const yaml = [`name: ${name}`, 'tool: custom', 'custom: { plan: [make, plan] }'];
      if (R.alerting(i)) yaml.push('alerting: { alertmanagerUrl: "http://127.0.0.1:9" }');
      if (R.backups(i)) yaml.push('backups: { repository: ../repo, schedule: "0 * * * *" }', 'rpoMinutes: 120');
      if (R.driftSchedule(i)) yaml.push('drift: { schedule: "0 */6 * * *" }');
      writeFileSync(join(dir, 'dayops.yaml'), R.broken(i) ? 'name: [broken\n' : yaml.join('\n') + '\n');
      const s = stacks.upsert(
        { name, dir, tool: 'custom', environment: i % 3 === 0 ? 'prod' : 'dev' },
        now - 30 * 86_400_000,
      );

      // alerts
      const records: AlertRecord[] = [];
      for (let k = 0; k < perStack; k++) {
        const severity = R.severity(k);
        records.push({
          fingerprint: `${i.toString(16)}-${k.toString(16).padStart(4, '0')}`,
          alertname: `Alert${k % 13}`,
          severity,
          severityRank: { critical: 0, warning: 1, info: 2 }[severity] ?? 3,
          state: R.silenced(k) ? 'silenced' : 'active',
          amState: R.silenced(k) ? 'suppressed' : 'active',
          silencedBy: R.silenced(k) ? ['s1'] : [],
          inhibitedBy: [],
          labels: { alertname: `Alert${k % 13}`, stack: name, severity, instance: `host-${k}` },
          annotations: { summary: `alert ${k} of ${name}` },
          receivers: ['null'],
          startsAt: now - k * 60_000,
          endsAt: null,
          updatedAt: now - k * 60_000,
          generatorUrl: null,
        });
      }
      alerts.replace(s.id, records, now - 60_000);
      if (R.alerting(i)) {
        sources.recordOk(`alerts:${name}`, now - 60_000);
        if (R.alertsFailed(i))
          sources.recordFailure(`alerts:${name}`, 'connect ECONNREFUSED 127.0.0.1:9', now - 30_000);
      }

      // runs: the oldest are drift runs, then deploys; the newest gets the stack's last state. Written with one
      // INSERT each (the run engine's moves would take a minute for 20,000 runs); the columns are the engine's.
      for (let k = 0; k < runsPer; k++) {
        const last = k === runsPer - 1;
        const tracked = k % 2 === 1 || last;
        const t = now - (runsPer - k) * 600_000;
        const state = last ? R.lastState(i) : 'FINISHED';
        const info = insertRun.run({
          stackId: s.id,
          kind: tracked ? 'tracked' : 'proposed',
          purpose: tracked ? 'deploy' : 'drift',
          state,
          add: k % 3,
          error: state === 'FAILED' ? 'plan failed: boom' : state === 'POLICY_DENIED' ? 'denied by policy' : null,
          created: t,
          started: t + 1000,
          finished: state === 'UNCONFIRMED' ? null : t + 2000,
        });
        if (k >= runsPer - 2) setPlan.run(plan, Number(info.lastInsertRowid));
      }

      // drift
      if (R.driftChecked(i)) {
        const c = drift.startCheck({
          stackId: s.id,
          trigger: 'schedule',
          triggeredBy: 'ops',
          now: now - 3 * 3_600_000,
        });
        const resources = ['a', 'b', 'c'].map((x) => ({
          address: `null_resource.${x}`,
          action: 'update',
          source: 'drift' as const,
          detail: { drift: { action: 'update', actions: ['update'], before: { v: 1 }, after: { v: 2 } } },
          fingerprint: `${name}-${x}`,
        }));
        drift.finish(c, { status: 'drifted', resources, now: now - 3 * 3_600_000 + 5000 });
        drift.addTriage(
          {
            stackId: s.id,
            address: 'null_resource.a',
            fingerprint: `${name}-a`,
            kind: 'accepted',
            note: 'fine',
            until: null,
            user: 'ops',
            at: now - 3_600_000,
          },
          { action: 'drift-accept' },
        );
        if (R.driftFailedAfter(i)) {
          const f = drift.startCheck({ stackId: s.id, trigger: 'schedule', triggeredBy: 'ops', now: now - 600_000 });
          drift.finish(f, { status: 'failed', error: 'plan failed: provider timeout', now: now - 590_000 });
        }
      }

      // snapshots
      if (R.backups(i)) {
        const snaps = [0, 1, 2].map((k) => ({
          id: (i * 10 + k).toString(16).padStart(64, '0'),
          shortId: (i * 10 + k).toString(16).padStart(8, '0'),
          time: now - (k + 1 + (i % 4)) * 3_600_000,
          hostname: 'dayops',
          username: 'ops',
          paths: [join(dir, 'dayops.yaml')],
          tags: ['dayops', `stack:${name}`],
          parent: null,
          tree: 'f'.repeat(64),
          programVersion: null,
          summary: null,
        }));
        backups.replaceSnapshots(s.id, snaps, now - 60_000, () => sources.recordOk(`backups:${name}`, now - 60_000));
      }
    }
  })();
}

export const statusBenchmark: Benchmark = {
  name: 'status',
  summary: 'stackStatuses of 1,000 stacks, 100,000 cached alerts, 20,000 runs (dashboard and `dayops status`)',
  async run(): Promise<BenchReport> {
    const root = mkdtempSync(join(tmpdir(), 'dayops-bench-status-'));
    const db = openDatabase(join(root, 'dayops.db'));
    try {
      const now = Date.now();
      let t = performance.now();
      buildStatusFixture(db, root, { now });
      const buildMs = performance.now() - t;
      t = performance.now();
      const first = stackStatuses(db, now);
      const coldMs = performance.now() - t;
      const warmMs = medianMs(() => stackStatuses(db, now), 9);
      const drifted = first.filter((s) => s.drift.status === 'drifted').length;
      const ok = first.length === 1000 && coldMs < 5000 && warmMs < 250;
      return {
        name: this.name,
        ok,
        lines: [
          `fixture built in ${(buildMs / 1000).toFixed(1)} s`,
          `first call (parses 1,000 dayops.yaml): ${coldMs.toFixed(0)} ms (target < 5000 ms); ${first.length} stacks, ${drifted} drifted`,
          `stackStatuses, configs cached: ${warmMs.toFixed(1)} ms (target < 250 ms)`,
        ],
        figures: { buildMs, coldMs, warmMs },
      };
    } finally {
      db.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
};
