/**
 * One refresher at a time per Day-2 source in team mode: every open dayops (TUI or worker) shares the caches in the
 * team database, so only the holder of a source's lock polls it (Alertmanager, Prometheus, restic); the others read
 * what it stored. The lock is PostgreSQL's session-level advisory lock: held while this process's connection lives,
 * released by the server when the process exits or dies, so a new leader takes over at its next round.
 * The embedded SQLite database is one person's: every process leads, as before.
 */
import { isTeamDb, type DB } from '../db/engine.js';
import { can } from '../app/permissions.js';

/** The first half of the lock's two-part key: dayops Day-2 sources ("d2"). */
const LOCK_CLASS = 0x6432;

/** `schedule`: the scheduled jobs (drift checks, backups, restore tests, checks) of every stack. */
export type LeadKind = 'alerts' | 'slos' | 'snapshots' | 'schedule';

export class Leadership {
  private readonly held = new Set<LeadKind>();

  constructor(private readonly db: DB) {}

  /** True when this process polls `kind`: it holds the lock, or took it now. Never waits. */
  leads(kind: LeadKind): boolean {
    if (!isTeamDb(this.db)) return true;
    if (this.held.has(kind)) return true;
    // A login that may not write the caches (a viewer) never leads: it reads what a leader stored.
    if (!can(this.db, 'refresh').ok) return false;
    try {
      const row = this.db
        .prepare<[number, string], { ok: boolean }>(
          'SELECT pg_try_advisory_lock(CAST(? AS INTEGER), hashtext(?)) AS ok',
        )
        .get(LOCK_CLASS, kind);
      if (row?.ok) this.held.add(kind);
    } catch {
      return false; // the connection is gone: someone else leads, or nobody can
    }
    return this.held.has(kind);
  }

  /** What this process leads now. */
  leading(): LeadKind[] {
    return [...this.held];
  }
}
