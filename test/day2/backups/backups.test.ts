/** The backup use cases against the real restic, in temporary folders. */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readdirSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  backupStatus,
  listSnapshots,
  pruneBackups,
  resticForStack,
  runBackup,
  SNAPSHOT_HOST,
  stackBackupsConfig,
  stackTags,
  verifyBackup,
  type BackupProgress,
} from '../../../src/day2/backups.js';
import { ResticError } from '../../../src/day2/restic.js';
import { AuditRepo } from '../../../src/db/audit.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, describeRestic, packFiles, PASSWORD, resticEnv } from './util.js';

describeRestic('backups with the real restic', () => {
  it('creates the repository, backs up the state and config, lists the snapshot and passes a restore test', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, {
      files: { 'terraform.tfstate': '{"version":4,"serial":1}\n', 'notes.txt': 'not backed up\n' },
    });
    const env = resticEnv(dir);

    const r = await runBackup(db, stack, { env, user: 'erin' });
    expect(r.ok).toBe(true);
    expect(r.initialized).toBe(true);
    expect(r.paths).toEqual(['dayops.yaml', 'terraform.tfstate']);
    expect(r.snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(r.summary.files_new).toBe(2);

    const list = await listSnapshots(db, stack, { env, refresh: true });
    expect(list.error).toBeNull();
    expect(list.stale).toBe(false);
    expect(list.snapshots).toHaveLength(1);
    expect(list.snapshots[0]).toMatchObject({ id: r.snapshotId, hostname: SNAPSHOT_HOST, tags: stackTags('payments') });
    expect(list.snapshots[0].paths.sort()).toEqual([
      join(stack.dir, 'dayops.yaml'),
      join(stack.dir, 'terraform.tfstate'),
    ]);

    const v = await verifyBackup(db, stack, { env, user: 'erin', tmpDir: join(dir, 'verify-tmp') });
    expect(v.error).toBeNull();
    expect(readdirSync(join(dir, 'verify-tmp'))).toEqual([]); // the restored copy is gone
    expect(v.ok).toBe(true);
    expect(v.snapshotId).toBe(r.snapshotId);
    expect(v.detail).toMatchObject({ files: 2, comparedWithSource: 2, problems: [] });
    expect(v.detail.check?.ok).toBe(true);
    expect(v.detail.restore).toMatchObject({ ok: true, verifiedFiles: 2 });

    const repo = new BackupsRepo(db);
    expect(repo.lastFinished(stack.id, 'backup')).toMatchObject({ ok: true, snapshotId: r.snapshotId, user: 'erin' });
    expect(repo.lastFinished(stack.id, 'verify')).toMatchObject({ ok: true, snapshotId: r.snapshotId, error: null });
    expect(new AuditRepo(db).forStack(stack.id).map((e) => e.action)).toEqual(['backup-verify', 'backup']);
    const status = backupStatus(db, stack, Date.now());
    expect(status).toMatchObject({ status: 'on-time', configured: true, snapshotCount: 1, stale: false, error: null });
    expect(status.lastRestoreTest).toMatchObject({ ok: true, error: null });
  });

  it('a second backup adds a snapshot with the first as parent, without creating the repository again', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, {
      files: { 'terraform.tfstate': '{"serial":1}\n', 'terraform.tfstate.d/prod/terraform.tfstate': '{}\n' },
    });
    const env = resticEnv(dir);
    const first = await runBackup(db, stack, { env });
    expect(first.paths).toEqual(['dayops.yaml', 'terraform.tfstate', 'terraform.tfstate.d']);
    writeFileSync(join(stack.dir, 'terraform.tfstate'), '{"serial":2}\n');
    const second = await runBackup(db, stack, { env });
    expect(second.initialized).toBe(false);
    expect(second.summary).toMatchObject({ files_new: 0, files_changed: 1, files_unmodified: 2 });
    const cached = (await listSnapshots(db, stack, { env, refresh: false })).snapshots;
    expect(cached.map((s) => s.id)).toEqual([second.snapshotId, first.snapshotId]);
    expect(cached[0].parent).toBe(first.snapshotId);
  });

  it('prune keeps what the retention says, per day, and leaves other stacks in a shared repository alone', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { backups: { repository: '../repo', retention: { daily: 3 } } });
    const other = addStack(db, dir, { name: 'billing' });
    const env = resticEnv(dir);
    const otherRun = await runBackup(db, other, { env });
    const restic = resticForStack(stack, stackBackupsConfig(stack).backups, { env });
    const day = (d: number, h: number) => new Date(2026, 0, d, h, 0, 0);
    // Two snapshots on Jan 10, one each on Jan 11, 12 and 13, two on Jan 14.
    const times = [day(10, 9), day(10, 18), day(11, 12), day(12, 12), day(13, 9), day(14, 8), day(14, 20)];
    const ids: string[] = [];
    for (const t of times) {
      const b = await restic.backup(['dayops.yaml'], {
        tags: stackTags('payments'),
        host: SNAPSHOT_HOST,
        time: t,
        cwd: stack.dir,
      });
      ids.push(b.summary.snapshot_id!);
    }
    const r = await pruneBackups(db, stack, { env });
    expect(r.policy).toEqual(['--keep-daily', '3']);
    // The newest of each of the last three days that have snapshots: Jan 14 20:00, Jan 13, Jan 12.
    expect(r.kept.map((s) => s.shortId).sort()).toEqual([ids[6], ids[4], ids[3]].sort());
    expect(r.removed.map((s) => s.shortId).sort()).toEqual([ids[0], ids[1], ids[2], ids[5]].sort());
    const cached = (await listSnapshots(db, stack, { env, refresh: false })).snapshots;
    expect(cached.map((s) => s.shortId).sort()).toEqual([ids[6], ids[4], ids[3]].sort());
    const others = await listSnapshots(db, other, { env, refresh: true });
    expect(others.snapshots.map((s) => s.id)).toEqual([otherRun.snapshotId]);
    const ev = new BackupsRepo(db).lastFinished(stack.id, 'prune');
    expect(ev?.ok).toBe(true);
    expect((ev?.detail as { removed: string[] }).removed).toHaveLength(4);
  });

  it('refuses to prune without a retention policy', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir);
    await expect(pruneBackups(db, stack, { env: resticEnv(dir) })).rejects.toThrow(
      'stack payments has no backups.retention in dayops.yaml (e.g. { daily: 7, weekly: 4 }); nothing to prune',
    );
    expect(new BackupsRepo(db).events(stack.id)).toEqual([]);
  });

  it('a wrong password is a clean one-line failure that keeps the cache and stores nothing wrong', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir);
    const good = await runBackup(db, stack, { env: resticEnv(dir) });
    const bad = resticEnv(dir, { RESTIC_PASSWORD: 'not-the-password' });

    const err = await runBackup(db, stack, { env: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResticError);
    expect((err as ResticError).kind).toBe('wrong-password');
    const repoPath = join(dir, 'repo');
    expect((err as Error).message).toBe(
      `wrong password for the restic repository ${repoPath} (restic: wrong password or no key found)`,
    );
    expect((err as Error).message).not.toContain('not-the-password');

    const list = await listSnapshots(db, stack, { env: bad, refresh: true });
    expect(list.snapshots.map((s) => s.id)).toEqual([good.snapshotId]);
    expect(list.error).toMatch(/^wrong password/);
    expect(list.stale).toBe(true);
    expect(new SourcesRepo(db).get('backups:payments')).toMatchObject({ failures: 1 });

    const last = new BackupsRepo(db).lastFinished(stack.id, 'backup');
    expect(last).toMatchObject({ ok: false, snapshotId: null, error: (err as Error).message });
    // The repository itself is untouched: the right password still lists the one snapshot.
    const again = await listSnapshots(db, stack, { env: resticEnv(dir), refresh: true });
    expect(again).toMatchObject({ error: null, stale: false });
    expect(again.snapshots).toHaveLength(1);
    // Nothing in the database holds the password.
    const dump =
      JSON.stringify(db.prepare('SELECT * FROM backup_events').all()) +
      JSON.stringify(db.prepare('SELECT * FROM audit_log').all());
    expect(dump).not.toContain('not-the-password');
    expect(dump).not.toContain(PASSWORD);
  });

  it('a pack overwritten in place passes `restic check` but is found by the restore test', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { files: { 'terraform.tfstate': randomBytes(300_000).toString('base64') } });
    const env = resticEnv(dir);
    await runBackup(db, stack, { env });
    const [pack] = packFiles(join(dir, 'repo'));
    expect(pack.size).toBeGreaterThan(200_000);
    chmodSync(pack.path, 0o600);
    const fd = openSync(pack.path, 'r+');
    writeSync(fd, Buffer.alloc(64, 0x58), 0, 64, 4096);
    closeSync(fd);

    const v = await verifyBackup(db, stack, { env, tmpDir: join(dir, 'verify-tmp') });
    expect(readdirSync(join(dir, 'verify-tmp'))).toEqual([]);
    expect(v.ok).toBe(false);
    expect(v.detail.check?.ok).toBe(true);
    expect(v.detail.restore?.ok).toBe(false);
    expect(v.error).toMatch(/^restic restore: ignoring error for \/terraform.tfstate: ciphertext verification failed/);
    expect(new BackupsRepo(db).lastFinished(stack.id, 'verify')).toMatchObject({ ok: false, error: v.error });
    expect(backupStatus(db, stack).lastRestoreTest).toMatchObject({ ok: false, error: v.error });
    // Reading the data back in `restic check` finds it too, before any restore.
    const read = await verifyBackup(db, stack, { env, readDataSubset: '100%' });
    expect(read.ok).toBe(false);
    expect(read.detail.check).toMatchObject({ ok: false, readDataSubset: '100%' });
    expect(read.error).toMatch(/^restic check: Pack ID does not match/);
    expect(read.detail.restore).toBeNull();
  });

  it('a truncated pack is found by the check, and the restore is skipped', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { files: { 'terraform.tfstate': randomBytes(300_000).toString('base64') } });
    const env = resticEnv(dir);
    await runBackup(db, stack, { env });
    const [pack] = packFiles(join(dir, 'repo'));
    chmodSync(pack.path, 0o600);
    truncateSync(pack.path, 1000);

    const v = await verifyBackup(db, stack, { env });
    expect(v.ok).toBe(false);
    expect(v.error).toMatch(/^restic check: pack [0-9a-f]{64}: unexpected file size: got 1000, expected \d+$/);
    expect(v.detail.restore).toBeNull();
    expect(v.detail.problems).toContain('restore skipped: the repository has errors');
    expect(backupStatus(db, stack).lastRestoreTest?.ok).toBe(false);
  });

  it('reports progress while a larger backup runs', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, {
      backups: { repository: '../repo', paths: ['big.bin', 'dayops.yaml'] },
      files: { 'big.bin': randomBytes(24 * 1024 * 1024) },
    });
    const seen: BackupProgress[] = [];
    const r = await runBackup(db, stack, { env: resticEnv(dir), onProgress: (p) => seen.push(p) });
    expect(r.summary.total_bytes_processed).toBeGreaterThan(24 * 1024 * 1024);
    expect(seen.length).toBeGreaterThan(2);
    const midway = seen.filter((p) => p.percentDone > 0 && p.percentDone < 1);
    expect(midway.length).toBeGreaterThan(0);
    expect(midway[0].totalBytes).toBeGreaterThan(24 * 1024 * 1024);
    expect(midway[0].bytesDone).toBeGreaterThan(0);
    expect(seen.at(-1)!.percentDone).toBe(1);
  });

  it('skips configured paths that do not exist and says so', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, {
      backups: { repository: '../repo', paths: ['terraform.tfstate', 'gone.tfstate'] },
    });
    const notices: string[] = [];
    const r = await runBackup(db, stack, { env: resticEnv(dir), onNotice: (m) => notices.push(m) });
    expect(r.paths).toEqual(['terraform.tfstate']);
    expect(r.missingPaths).toEqual(['gone.tfstate']);
    expect(notices).toContain(`backups.paths: gone.tfstate does not exist in ${stack.dir}; skipped`);
  });

  it('a verify with no snapshot yet fails and says why', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir);
    const v = await verifyBackup(db, stack, { env: resticEnv(dir) });
    expect(v).toMatchObject({ ok: false, error: `there is no restic repository at ${join(dir, 'repo')}` });
  });
});

it('a stack without backups, or without a password, is a one-line error before anything runs', async () => {
  const { db, dir } = tmpDb();
  const none = addStack(db, dir, { backups: null });
  await expect(runBackup(db, none, { env: resticEnv(dir) })).rejects.toThrow(
    /^stack payments has no backups.repository in dayops.yaml$/,
  );
  const stack = addStack(db, dir, {
    name: 'billing',
    backups: { repository: '../repo', passwordEnv: 'BILLING_RESTIC_PASSWORD' },
  });
  await expect(runBackup(db, stack, { env: resticEnv(dir) })).rejects.toThrow(
    'stack billing: no restic password: backups.passwordEnv names $BILLING_RESTIC_PASSWORD, which is not set',
  );
  // The attempt is on record as a failed backup, with the reason.
  expect(new BackupsRepo(db).lastFinished(stack.id, 'backup')).toMatchObject({
    ok: false,
    error: expect.stringMatching(/BILLING_RESTIC_PASSWORD/),
  });
});

it('a missing restic is a one-line error naming what to do', async () => {
  const { db, dir } = tmpDb();
  const stack = addStack(db, dir);
  const err = await runBackup(db, stack, { env: resticEnv(dir, { DAYOPS_RESTIC: join(dir, 'no-such-restic') }) }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ResticError);
  expect((err as ResticError).kind).toBe('not-installed');
  expect((err as Error).message).toBe(
    `restic is not installed: ${join(dir, 'no-such-restic')} cannot be run (ENOENT); install restic or set DAYOPS_RESTIC to its path`,
  );
});
