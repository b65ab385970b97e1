/**
 * Backups (005-backups.sql): the cached snapshot list of each stack, and the backup events (backup, verify,
 * prune, self) with their outcome. Plus the one query the dashboard needs for 1,000 stacks at once.
 */
import { hostname } from 'node:os';
import { dialect, type Dialect } from './engine.js';
import type { DB } from './open.js';
import type { Snapshot } from '../day2/restic.js';

export type BackupEventKind = 'backup' | 'verify' | 'prune' | 'self';

export interface BackupEvent {
  id: number;
  stackId: number | null;
  kind: BackupEventKind;
  /** null while running. */
  ok: boolean | null;
  snapshotId: string | null;
  error: string | null;
  detail: unknown;
  user: string;
  trigger: string;
  startedAt: number;
  finishedAt: number | null;
}

interface EventRow {
  id: number;
  stack_id: number | null;
  kind: BackupEventKind;
  ok: number | null;
  snapshot_id: string | null;
  error: string | null;
  detail: string | null;
  user: string;
  trigger: string;
  owner_host: string | null;
  owner_pid: number | null;
  started_at: number;
  finished_at: number | null;
}

const toEvent = (r: EventRow): BackupEvent => ({
  id: r.id,
  stackId: r.stack_id,
  kind: r.kind,
  ok: r.ok === null ? null : r.ok === 1,
  snapshotId: r.snapshot_id,
  error: r.error,
  detail: r.detail === null ? null : JSON.parse(r.detail),
  user: r.user,
  trigger: r.trigger,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

interface SnapshotRow {
  stack_id: number;
  id: string;
  short_id: string;
  time: number;
  hostname: string;
  username: string;
  paths: string;
  tags: string;
  parent: string | null;
  tree: string;
  program_version: string | null;
  summary: string | null;
  fetched_at: number;
}

const toSnapshot = (r: SnapshotRow): Snapshot => ({
  id: r.id,
  shortId: r.short_id,
  time: r.time,
  hostname: r.hostname,
  username: r.username,
  paths: JSON.parse(r.paths) as string[],
  tags: JSON.parse(r.tags) as string[],
  parent: r.parent,
  tree: r.tree,
  programVersion: r.program_version,
  summary: r.summary === null ? null : (JSON.parse(r.summary) as Snapshot['summary']),
});

/** One row per stack: what `backupStatusAll` needs, from one query. */
export interface BackupStatusRow {
  stackId: number;
  name: string;
  dir: string;
  /** `successCriteria.rpoMinutes` of the stack's stored Day-0 design, if any. */
  blueprintRpoMinutes: number | null;
  /** `successCriteria.rtoMinutes` of the stack's stored Day-0 design, if any. */
  blueprintRtoMinutes: number | null;
  lastSnapshotAt: number | null;
  snapshotCount: number;
  /** The newest finished restore test. */
  verifyAt: number | null;
  verifyOk: boolean | null;
  verifyError: string | null;
  /** The newest finished restore test could not open the repository (restic failed): it tested nothing. */
  verifyUnreachable: boolean;
  /** The newest finished restore test that could open the repository (what is known of restorability). */
  testedAt: number | null;
  testedOk: boolean | null;
  testedError: string | null;
  /** How long that restore test's restore took (ms); null when it did not restore (or predates the measure). */
  testedRestoreMs: number | null;
  /** The newest finished backup (a failed one says why the snapshots stopped). */
  backupAt: number | null;
  backupOk: boolean | null;
  backupError: string | null;
  /** The `backups:<stack>` source. */
  sourceAttemptedAt: number | null;
  sourceOkAt: number | null;
  sourceError: string | null;
}

interface StatusRow {
  stack_id: number;
  name: string;
  dir: string;
  bp_rpo: number | null;
  bp_rto: number | null;
  last_snapshot_at: number | null;
  snapshot_count: number;
  v_at: number | null;
  v_ok: number | null;
  v_error: string | null;
  v_unreachable: number | null;
  t_at: number | null;
  t_ok: number | null;
  t_error: string | null;
  t_restore_ms: number | null;
  b_at: number | null;
  b_ok: number | null;
  b_error: string | null;
  src_fetched_at: number | null;
  src_ok_at: number | null;
  src_error: string | null;
}

const toStatusRow = (r: StatusRow): BackupStatusRow => ({
  stackId: r.stack_id,
  name: r.name,
  dir: r.dir,
  blueprintRpoMinutes: typeof r.bp_rpo === 'number' && r.bp_rpo > 0 ? r.bp_rpo : null,
  blueprintRtoMinutes: typeof r.bp_rto === 'number' && r.bp_rto > 0 ? r.bp_rto : null,
  lastSnapshotAt: r.last_snapshot_at,
  snapshotCount: r.snapshot_count,
  verifyAt: r.v_at,
  verifyOk: r.v_ok === null ? null : r.v_ok === 1,
  verifyError: r.v_error,
  verifyUnreachable: r.v_unreachable === 1,
  testedAt: r.t_at,
  testedOk: r.t_ok === null ? null : r.t_ok === 1,
  testedError: r.t_error,
  testedRestoreMs: typeof r.t_restore_ms === 'number' && r.t_restore_ms >= 0 ? r.t_restore_ms : null,
  backupAt: r.b_at,
  backupOk: r.b_ok === null ? null : r.b_ok === 1,
  backupError: r.b_error,
  sourceAttemptedAt: r.src_fetched_at,
  sourceOkAt: r.src_ok_at,
  sourceError: r.src_error,
});

// Every stack with its newest snapshot, newest finished verify and backup, and its source row. The correlated
// subqueries each walk one index (snapshots_by_time, backup_events_by_stack) a few steps.
const statusSql = (d: Dialect): string => `
SELECT s.id AS stack_id, s.name, s.dir,
  ${d.jsonNumber('s.blueprint', ['successCriteria', 'rpoMinutes'])} AS bp_rpo,
  ${d.jsonNumber('s.blueprint', ['successCriteria', 'rtoMinutes'])} AS bp_rto,
  (SELECT MAX(time) FROM snapshots WHERE stack_id = s.id) AS last_snapshot_at,
  (SELECT COUNT(*) FROM snapshots WHERE stack_id = s.id) AS snapshot_count,
  v.finished_at AS v_at, v.ok AS v_ok, v.error AS v_error, ${d.jsonNumber('v.detail', ['unreachable'])} AS v_unreachable,
  t.finished_at AS t_at, t.ok AS t_ok, t.error AS t_error,
  ${d.jsonNumber('t.detail', ['restoreMs'])} AS t_restore_ms,
  b.finished_at AS b_at, b.ok AS b_ok, b.error AS b_error,
  src.fetched_at AS src_fetched_at, src.ok_at AS src_ok_at, src.error AS src_error
FROM stacks s
LEFT JOIN backup_events v ON v.id = (
  SELECT id FROM backup_events WHERE stack_id = s.id AND kind = 'verify' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1)
LEFT JOIN backup_events t ON t.id = (
  SELECT id FROM backup_events WHERE stack_id = s.id AND kind = 'verify' AND finished_at IS NOT NULL
    AND coalesce(${d.jsonNumber('detail', ['unreachable'])}, 0) = 0
  ORDER BY id DESC LIMIT 1)
LEFT JOIN backup_events b ON b.id = (
  SELECT id FROM backup_events WHERE stack_id = s.id AND kind = 'backup' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1)
LEFT JOIN sources src ON src.key = 'backups:' || s.name`;

export interface FinishEvent {
  ok: boolean;
  snapshotId?: string | null;
  error?: string | null;
  detail?: unknown;
}

export class BackupsRepo {
  private readonly insertSnapshot;
  private readonly clearSnapshots;
  private readonly snapshotsOf;
  private readonly insertEvent;
  private readonly finishEvent;
  private readonly eventById;
  private readonly lastOf;
  private readonly lastFinishedOf;
  private readonly lastSelf;
  private readonly recentOf;
  private readonly running;
  private readonly interrupt;
  private readonly statusAll;
  private readonly statusOne;

  constructor(private readonly db: DB) {
    this.insertSnapshot = db.prepare(
      `INSERT INTO snapshots (stack_id, id, short_id, time, hostname, username, paths, tags, parent, tree, program_version, summary, fetched_at)
       VALUES (@stackId, @id, @shortId, @time, @hostname, @username, @paths, @tags, @parent, @tree, @programVersion, @summary, @fetchedAt)`,
    );
    this.clearSnapshots = db.prepare<[number]>('DELETE FROM snapshots WHERE stack_id = ?');
    this.snapshotsOf = db.prepare<[number], SnapshotRow>(
      'SELECT * FROM snapshots WHERE stack_id = ? ORDER BY time DESC, id',
    );
    this.insertEvent = db.prepare(
      `INSERT INTO backup_events (stack_id, kind, "user", trigger, owner_host, owner_pid, started_at)
       VALUES (@stackId, @kind, @user, @trigger, @host, @pid, @now) RETURNING id`,
    );
    this.finishEvent = db.prepare(
      `UPDATE backup_events SET ok = @ok, snapshot_id = COALESCE(@snapshotId, snapshot_id), error = @error, detail = @detail,
         finished_at = @now WHERE id = @id AND finished_at IS NULL`,
    );
    this.eventById = db.prepare<[number], EventRow>('SELECT * FROM backup_events WHERE id = ?');
    this.lastOf = db.prepare<[number, string], EventRow>(
      'SELECT * FROM backup_events WHERE stack_id = ? AND kind = ? ORDER BY id DESC LIMIT 1',
    );
    this.lastFinishedOf = db.prepare<[number, string], EventRow>(
      'SELECT * FROM backup_events WHERE stack_id = ? AND kind = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1',
    );
    this.lastSelf = db.prepare<[], EventRow>(
      "SELECT * FROM backup_events WHERE stack_id IS NULL AND kind = 'self' ORDER BY id DESC LIMIT 1",
    );
    this.recentOf = db.prepare<[number, number], EventRow>(
      'SELECT * FROM backup_events WHERE stack_id = ? ORDER BY id DESC LIMIT ?',
    );
    this.running = db.prepare<[], EventRow>('SELECT * FROM backup_events WHERE finished_at IS NULL');
    this.interrupt = db.prepare(
      `UPDATE backup_events SET ok = 0, error = @error, finished_at = @now WHERE id = @id AND finished_at IS NULL`,
    );
    const status = statusSql(dialect(db));
    this.statusAll = db.prepare<[], StatusRow>(`${status} ORDER BY s.name`);
    this.statusOne = db.prepare<[number], StatusRow>(`${status} WHERE s.id = ?`);
  }

  /** The cached snapshots of a stack, newest first. */
  snapshots(stackId: number): Snapshot[] {
    return this.snapshotsOf.all(stackId).map(toSnapshot);
  }

  /**
   * Replace a stack's cached snapshots with a fresh listing. `within` runs in the same transaction (record the
   * source as ok there), so a crash leaves either the old list or the new one.
   */
  replaceSnapshots(stackId: number, snapshots: Snapshot[], fetchedAt: number, within?: () => void): void {
    this.db
      .transaction(() => {
        this.clearSnapshots.run(stackId);
        for (const s of snapshots) {
          this.insertSnapshot.run({
            stackId,
            id: s.id,
            shortId: s.shortId,
            time: s.time,
            hostname: s.hostname,
            username: s.username,
            paths: JSON.stringify(s.paths),
            tags: JSON.stringify(s.tags),
            parent: s.parent,
            tree: s.tree,
            programVersion: s.programVersion,
            summary: s.summary === null ? null : JSON.stringify(s.summary),
            fetchedAt,
          });
        }
        within?.();
      })
      .immediate();
  }

  /** Start an event (ok NULL until finished); returns its id. */
  startEvent(e: {
    stackId: number | null;
    kind: BackupEventKind;
    user: string;
    trigger?: string;
    now?: number;
  }): number {
    const info = this.insertEvent.run({
      stackId: e.stackId,
      kind: e.kind,
      user: e.user,
      trigger: e.trigger ?? 'cli',
      host: hostname(),
      pid: process.pid,
      now: e.now ?? Date.now(),
    });
    return Number(info.lastInsertRowid);
  }

  /** Finish an event once; a second call changes nothing. `within` runs in the same transaction (the audit entry). */
  finish(id: number, f: FinishEvent, now = Date.now(), within?: () => void): void {
    this.db
      .transaction(() => {
        this.finishEvent.run({
          id,
          ok: f.ok ? 1 : 0,
          snapshotId: f.snapshotId ?? null,
          error: f.ok ? null : (f.error ?? 'failed'),
          detail: f.detail === undefined ? null : JSON.stringify(f.detail),
          now,
        });
        within?.();
      })
      .immediate();
  }

  event(id: number): BackupEvent | undefined {
    const r = this.eventById.get(id);
    return r ? toEvent(r) : undefined;
  }

  /** The newest event of a kind for a stack (running or not). */
  last(stackId: number, kind: BackupEventKind): BackupEvent | undefined {
    const r = this.lastOf.get(stackId, kind);
    return r ? toEvent(r) : undefined;
  }

  /** The newest finished event of a kind for a stack. */
  lastFinished(stackId: number, kind: BackupEventKind): BackupEvent | undefined {
    const r = this.lastFinishedOf.get(stackId, kind);
    return r ? toEvent(r) : undefined;
  }

  /** The newest `backup self`. */
  lastSelfBackup(): BackupEvent | undefined {
    const r = this.lastSelf.get();
    return r ? toEvent(r) : undefined;
  }

  /** A stack's events, newest first. */
  events(stackId: number, limit = 50): BackupEvent[] {
    return this.recentOf.all(stackId, limit).map(toEvent);
  }

  /**
   * Events left running by a process that is gone (dayops was killed mid-backup) become failed "interrupted".
   * Only events of this host are judged (a pid means nothing elsewhere). Returns how many were marked.
   */
  markInterrupted(isAlive: (pid: number) => boolean, now = Date.now()): number {
    const here = hostname();
    let n = 0;
    this.db
      .transaction(() => {
        for (const r of this.running.all()) {
          if (r.owner_host !== here || r.owner_pid === null) continue;
          if (r.owner_pid === process.pid || isAlive(r.owner_pid)) continue;
          n += this.interrupt.run({
            id: r.id,
            now,
            error: `interrupted: dayops (pid ${r.owner_pid}) stopped before the ${r.kind} finished`,
          }).changes;
        }
      })
      .immediate();
    return n;
  }

  /** Every stack's backup status inputs, by name, in one query. */
  statusRows(): BackupStatusRow[] {
    return this.statusAll.all().map(toStatusRow);
  }

  statusRow(stackId: number): BackupStatusRow | undefined {
    const r = this.statusOne.get(stackId);
    return r ? toStatusRow(r) : undefined;
  }
}
