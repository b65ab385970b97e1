/**
 * RTO measured: a restore test with the real restic records how long its restore took, and the backup status
 * compares it with the RTO (dayops.yaml `rtoMinutes`, else the Day-0 design's successCriteria.rtoMinutes).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backupStatus,
  formatDuration,
  readSlowRestores,
  restoreRtoText,
  restoreSlowerThanRto,
  runBackup,
  verifyBackup,
} from '../../../src/day2/backups.js';
import { stackStatuses, statusJson } from '../../../src/day2/status.js';
import { activeConditions } from '../../../src/day2/notify/conditions.js';
import { loadStackConfig } from '../../../src/config/stack-config.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { tmpDb } from '../../helpers/tmp.js';
import { runCli } from '../../helpers/cli.js';
import { addStack, describeRestic, resticEnv } from './util.js';

describeRestic('RTO against restore tests (real restic)', () => {
  it('records the restore duration; within a generous RTO, slower than a tiny one; the blueprint RTO when dayops.yaml has none', async () => {
    const { db, dir, path } = tmpDb();
    const env = resticEnv(dir);
    const roomy = addStack(db, dir, { name: 'roomy', rtoMinutes: 240, backups: { repository: '../repo-roomy' } });
    // 0.0001 minutes is 6 ms: no restic restore (a process start, a key derivation) is that fast.
    const tight = addStack(db, dir, { name: 'tight', rtoMinutes: 0.0001, backups: { repository: '../repo-tight' } });
    const design = addStack(db, dir, {
      name: 'design',
      backups: { repository: '../repo-design' },
      blueprint: { successCriteria: { availabilitySlo: 99.9, p95LatencyMs: 300, rpoMinutes: 60, rtoMinutes: 30 } },
    });
    for (const s of [roomy, tight, design]) {
      expect((await runBackup(db, s, { env })).ok).toBe(true);
      expect((await verifyBackup(db, s, { env, tmpDir: join(dir, 'tmp') })).ok).toBe(true);
    }
    const stored = new BackupsRepo(db).lastFinished(roomy.id, 'verify');
    const restoreMs = (stored?.detail as { restoreMs: number }).restoreMs;
    expect(restoreMs).toBeGreaterThan(6);
    expect(restoreMs).toBeLessThan(240 * 60_000);

    expect(backupStatus(db, roomy)).toMatchObject({
      rtoMinutes: 240,
      rtoSource: 'config',
      restoreOverRto: false,
      lastRestoreTest: { ok: true, restoreMs },
    });
    expect(backupStatus(db, tight)).toMatchObject({ rtoMinutes: 0.0001, restoreOverRto: true });
    expect(backupStatus(db, design)).toMatchObject({ rtoMinutes: 30, rtoSource: 'blueprint', restoreOverRto: false });
    expect(restoreRtoText(backupStatus(db, roomy))).toBe(`restore ${formatDuration(restoreMs)} within RTO 4h`);
    expect(restoreRtoText(backupStatus(db, tight))).toMatch(/^restore \S+ SLOWER than RTO 0\.0001m$/);

    // dayops' own alerts raise it: a restore test that passed, slower than the RTO (only `tight`).
    expect(readSlowRestores(db).map((r) => [r.stack, r.rtoMinutes])).toEqual([['tight', 0.0001]]);
    const notifyStacks = new Map(
      [roomy, tight, design].map((s) => [s.id, { stack: s, config: loadStackConfig(s.dir) }] as const),
    );
    const conditions = activeConditions({
      db,
      now: Date.now(),
      stacks: notifyStacks,
      byName: new Map([...notifyStacks.values()].map((n) => [n.stack.name, n])),
    }).filter((c) => c.alertname === 'DayopsRestoreTestFailed');
    expect(conditions.map((c) => c.stack)).toEqual(['tight']);
    expect(conditions[0].summary).toMatch(/^tight: restore test took .*, longer than the RTO of 0\.0001 min$/);

    // `dayops status --json` and `dayops backup status --json` carry it.
    const tightStatus = stackStatuses(db).find((s) => s.name === 'tight')!;
    expect(statusJson(tightStatus).backup).toMatchObject({ rtoMinutes: 0.0001, restoreOverRto: true });
    const cli = await runCli(['--db', path, 'backup', 'status', 'roomy', '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).stacks[0]).toMatchObject({
      rtoMinutes: 240,
      rtoSource: 'config',
      restoreOverRto: false,
      lastRestoreTest: { ok: true, restoreMs },
    });
  });
});

describe('restoreSlowerThanRto', () => {
  it('compares the last restore with the RTO; unknown without either', () => {
    const t = (restoreMs: number | null) => ({ restoreMs });
    expect(restoreSlowerThanRto({ lastRestoreTest: t(30 * 60_000 + 1), rtoMinutes: 30 })).toBe(true);
    expect(restoreSlowerThanRto({ lastRestoreTest: t(30 * 60_000), rtoMinutes: 30 })).toBe(false);
    expect(restoreSlowerThanRto({ lastRestoreTest: t(1000), rtoMinutes: null })).toBeNull();
    expect(restoreSlowerThanRto({ lastRestoreTest: t(null), rtoMinutes: 30 })).toBeNull();
    expect(restoreSlowerThanRto({ lastRestoreTest: null, rtoMinutes: 30 })).toBeNull();
  });
});
