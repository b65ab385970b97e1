/**
 * Backup status for the dashboard: 1,000 stacks, each with 50 cached snapshots, 20 backup events and a 3 KB
 * Day-0 design. Targets (2 shared cores; idle it is a few ms each): `backupStatusAll` under 150 ms once the
 * stacks' dayops.yaml files are cached (they are parsed again only when they change), under 100 ms with the
 * configs given by the caller, its one SQL query under 100 ms. The first call, parsing 1,000 dayops.yaml files,
 * is reported with a loose target (5 s).
 *
 * Run: `npm run build && node dist/bench/run.js backups`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackConfig, type StackConfig } from '../src/config/stack-config.js';
import { backupStatusAll } from '../src/day2/backups.js';
import { BackupsRepo } from '../src/db/backups.js';
import { openDatabase } from '../src/db/open.js';
import { SourcesRepo } from '../src/db/sources.js';
import { StacksRepo } from '../src/db/stacks.js';
import type { Benchmark, BenchReport } from './run.js';
import { medianMs } from './timing.js';

export const backupsBenchmark: Benchmark = {
  name: 'backups',
  summary: 'backup status of 1,000 stacks (50 snapshots, 20 events each) for the dashboard',
  async run(): Promise<BenchReport> {
    const root = mkdtempSync(join(tmpdir(), 'dayops-bench-backups-'));
    const db = openDatabase(join(root, 'dayops.db'));
    try {
      const stacks = new StacksRepo(db);
      const repo = new BackupsRepo(db);
      const sources = new SourcesRepo(db);
      const now = Date.now();
      const configs = new Map<string, StackConfig>();
      db.transaction(() => {
        for (let i = 0; i < 1000; i++) {
          const dir = join(root, `s${i}`);
          mkdirSync(dir);
          writeFileSync(
            join(dir, 'dayops.yaml'),
            `name: s${i}\nbackups: { repository: ../repo, schedule: "0 * * * *" }\nrpoMinutes: ${30 + (i % 90)}\n`,
          );
          const s = stacks.upsert({
            name: `s${i}`,
            dir,
            tool: 'opentofu',
            environment: 'prod',
            blueprint: { successCriteria: { rpoMinutes: 60 }, notes: 'x'.repeat(3000) },
          });
          const snaps = Array.from({ length: 50 }, (_, k) => ({
            id: (i * 100 + k).toString(16).padStart(64, '0'),
            shortId: (i * 100 + k).toString(16).padStart(8, '0'),
            time: now - (k + (i % 3)) * 3_600_000,
            hostname: 'dayops',
            username: 'ops',
            paths: [join(dir, 'dayops.yaml')],
            tags: ['dayops', `stack:s${i}`],
            parent: null,
            tree: 'f'.repeat(64),
            programVersion: null,
            summary: null,
          }));
          repo.replaceSnapshots(s.id, snaps, now, () => sources.recordOk(`backups:s${i}`, now));
          for (let k = 0; k < 20; k++) {
            const e = repo.startEvent({
              stackId: s.id,
              kind: k % 2 ? 'verify' : 'backup',
              user: 'ops',
              now: now - k * 60_000,
            });
            repo.finish(e, { ok: k % 7 !== 0, error: k % 7 ? null : 'failed' }, now - k * 60_000 + 1000);
          }
          configs.set(`s${i}`, loadStackConfig(dir));
        }
      })();
      const t = performance.now();
      const first = backupStatusAll(db, now);
      const coldMs = performance.now() - t;
      const late = first.filter((s) => s.status === 'late').length;
      const warmMs = medianMs(() => backupStatusAll(db, now), 9);
      const givenMs = medianMs(() => backupStatusAll(db, now, { configs }), 9);
      const sqlMs = medianMs(() => repo.statusRows(), 9);
      const ok = first.length === 1000 && coldMs < 5000 && warmMs < 150 && givenMs < 100 && sqlMs < 100;
      return {
        name: this.name,
        ok,
        lines: [
          `first call (parses 1,000 dayops.yaml): ${coldMs.toFixed(0)} ms (target < 5000 ms); ${first.length} stacks, ${late} late`,
          `backupStatusAll, configs cached: ${warmMs.toFixed(1)} ms (target < 150 ms)`,
          `backupStatusAll, configs given: ${givenMs.toFixed(1)} ms (target < 100 ms)`,
          `the status query alone: ${sqlMs.toFixed(1)} ms (target < 100 ms)`,
        ],
        figures: { coldMs, warmMs, givenMs, sqlMs },
      };
    } finally {
      db.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
};
