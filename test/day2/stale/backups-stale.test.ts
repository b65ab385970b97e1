/**
 * The dashboard never hides what is known (issue 9), backups: when restic cannot open the repository, the last
 * snapshot list and the last real restore test are kept, marked stale with the error, in the status, the
 * `--json` documents and the dashboard. With the real restic (in CI a missing one fails).
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { backupStatus, runBackup, verifyBackup } from '../../../src/day2/backups.js';
import { stackStatuses, statusJson } from '../../../src/day2/status.js';
import { toRow } from '../../../src/app/day2/dashboard.js';
import { sectionHeader } from '../../../components/day2/sections.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, describeRestic, resticEnv } from '../backups/util.js';

const text = (lines: { spans: { text: string }[] }[]) =>
  lines.map((l) => l.spans.map((s) => s.text).join('')).join('\n');

describeRestic('restic failing keeps the last snapshots and restore test (real restic)', () => {
  it('an unreadable repository: snapshots and the passed restore test stay, stale, with the error', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir);
    const env = resticEnv(dir);
    expect((await runBackup(db, stack, { env })).ok).toBe(true);
    const passed = await verifyBackup(db, stack, { env, tmpDir: join(dir, 'verify-tmp') });
    expect(passed.ok).toBe(true);
    const before = backupStatus(db, stack);
    expect(before).toMatchObject({ snapshotCount: 1, stale: false, error: null });
    expect(before.lastRestoreTest).toMatchObject({ ok: true });

    // restic can no longer open the repository (its keys are gone)
    const repo = join(dir, 'repo');
    renameSync(join(repo, 'keys'), join(dir, 'keys-away'));
    const failed = await verifyBackup(db, stack, { env, tmpDir: join(dir, 'verify-tmp') });
    expect(failed.ok).toBe(false);
    expect(failed.snapshotId).toBeNull();

    const after = backupStatus(db, stack);
    expect(after.snapshotCount).toBe(1);
    expect(after.lastSnapshotAt).toBe(before.lastSnapshotAt);
    expect(after.stale).toBe(true);
    expect(after.error).toContain('wrong password');
    // the restore test that passed is kept, stale; the attempt that could not run is beside it
    expect(after.lastRestoreTest).toMatchObject({ at: before.lastRestoreTest!.at, ok: true, stale: true });
    expect(after.lastRestoreAttempt).toMatchObject({ ok: false });
    expect(after.lastRestoreAttempt!.error).toContain('wrong password');

    const now = Date.now();
    const st = stackStatuses(db, now).find((s) => s.name === 'payments')!;
    const json = statusJson(st) as { backup: Record<string, unknown> };
    expect(json.backup).toMatchObject({ snapshotCount: 1, stale: true, lastRestoreTest: { ok: true, stale: true } });
    expect(String(json.backup.error)).toContain('wrong password');
    expect(json.backup.lastRestoreAttempt).toMatchObject({ ok: false });

    const row = toRow(st, now);
    expect(row.cells.restore.text).toMatch(/^✓ .* ago ⚠$/);
    expect(row.cells.backup.text.endsWith('⚠')).toBe(true);
    const head = text(sectionHeader('snapshots', st, null, now));
    expect(head).toContain('1 snapshots');
    expect(head).toContain('restore test');
    expect(head).toContain('stale');
    expect(head).toContain('wrong password');

    // a restore test that really ran and failed is shown as failed, not hidden behind the older pass
    renameSync(join(dir, 'keys-away'), join(repo, 'keys'));
    expect((await verifyBackup(db, stack, { env, snapshotId: 'ffffffff' })).ok).toBe(false);
    const again = backupStatus(db, stack);
    expect(again.lastRestoreTest?.ok).toBe(false);
    expect(again.lastRestoreAttempt).toBeUndefined();
  });
});
