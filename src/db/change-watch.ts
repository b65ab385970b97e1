/**
 * Has anything the views show changed in the database? The app's shell asks every few hundred milliseconds and
 * has its views read again when so. Any commit counts (this process's, another dayops's, a command's) except the
 * run logs this process's own log thread stores (./log-thread.ts): while runs stream, that thread commits
 * batches of lines many times a second, which the views follow through the run service's live lines anyway; a
 * reload of every view (and a frame) for each would take the screen's time from keys.
 *
 * SQLite's `data_version` moves for a connection whenever ANY other connection commits, so it cannot tell the
 * log thread's commits from others'. The thread's own connection can: its `data_version` moves for every commit
 * but its own. The thread reads it after each batch it stores and it is kept here (`LogWrites.others`). While
 * the log thread has batches in flight, a move of the main connection's `data_version` is left undecided: a
 * commit of someone else shows in what the thread reads after its next batch, and once the thread is quiet the
 * move itself counts.
 */
import { dataVersion, isTeamDb, type DB } from './engine.js';

/** The log writer threads of this process on one database file, as the watch sees them. */
export interface LogWrites {
  /** Moves whenever a batch is sent to a thread or a thread answers. */
  activity: number;
  /** Batches sent and not answered yet (they may have been committed already). */
  pending: number;
  /** The thread connection's `data_version` after its last batch: moves for others' commits only. */
  others?: number;
}

const logWrites = new Map<string, LogWrites>();

/** The record the log threads of database file `path` keep up to date (made on first ask). */
export function logWritesOf(path: string): LogWrites {
  let w = logWrites.get(path);
  if (!w) logWrites.set(path, (w = { activity: 0, pending: 0 }));
  return w;
}

/** Looks for changes: `changed()` says whether there were any since it last said so (or since it was made). */
export class ChangeWatch {
  private readonly ownChanges: () => number;
  private readonly log: LogWrites;
  private version: string;
  private own: number;
  private activity: number;
  private others: number | undefined;

  constructor(private readonly db: DB) {
    // This connection's own writes (`data_version` does not move for them; PostgreSQL's token moves for all).
    if (isTeamDb(db)) this.ownChanges = () => 0;
    else {
      const stmt = db.prepare<[], { c: number }>('SELECT total_changes() AS c');
      this.ownChanges = () => stmt.get()!.c;
    }
    this.log = logWritesOf(db.name);
    this.version = dataVersion(db);
    this.own = this.ownChanges();
    this.activity = this.log.activity;
    this.others = this.log.others;
  }

  changed(): boolean {
    const version = dataVersion(this.db);
    const own = this.ownChanges();
    const { activity, pending, others } = this.log;
    const logQuiet = pending === 0 && activity === this.activity;
    const changed = own !== this.own || others !== this.others || (version !== this.version && logQuiet);
    this.own = own;
    this.activity = activity;
    this.others = others;
    // A move while the log thread wrote is kept undecided: the last version seen stays until it is quiet.
    if (changed || logQuiet) this.version = version;
    return changed;
  }
}
