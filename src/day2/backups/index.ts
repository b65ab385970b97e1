/**
 * Day-2 backups: what the dashboard and the headless `dayops backup ...` commands call. Each stack's
 * `backups:` block in dayops.yaml names a restic repository; dayops backs up the stack's state and config,
 * lists its snapshots (cached in SQLite, so the dashboard opens without restic), tests restores, prunes with
 * the retention policy, says whether the last snapshot is within the RPO, and backs up dayops' own database.
 *
 * Snapshots of a stack carry the tags `dayops` and `stack:<name>` and the host `dayops`, whatever machine made
 * them, so they form one history per stack even in a shared repository (listing and pruning select by tag).
 *
 * Split: common.ts (tags, config, restic for a stack, paths), snapshots.ts, backup.ts, verify.ts (restore test),
 * prune.ts, status.ts (on time, late, missing), self.ts (dayops' own database).
 */
export type { BackupProgress, Snapshot } from '../restic.js';
export {
  SNAPSHOT_HOST,
  stackTags,
  backupSourceKey,
  BACKUP_STALE_AFTER_MS,
  SCHEDULE_GRACE_MS,
  type BackupDeps,
  stackBackupsConfig,
  resticForStack,
  defaultBackupPaths,
  resolveBackupPaths,
  findStack,
} from './common.js';
export { type SnapshotList, listSnapshots } from './snapshots.js';
export { type BackupRunResult, runBackup } from './backup.js';
export { type VerifyDetail, type VerifyResult, verifyBackup } from './verify.js';
export { type PruneResult, pruneBackups } from './prune.js';
export {
  type BackupState,
  type BackupStatus,
  type StatusOptions,
  backupStatus,
  backupStatusAll,
  restoreSlowerThanRto,
  readSlowRestores,
  type SlowRestoreTest,
  restoreRtoText,
  formatDuration,
} from './status.js';
export { type SelfBackupResult, backupSelf } from './self.js';
