/**
 * The health of every external source dayops caches (Alertmanager per stack, drift checks, restic repositories),
 * by key (`alerts:<stack>`, `backups:<stack>`, ...): when it was last tried, when it last worked, why it failed,
 * and when to try again. Failures back off exponentially (5 s, 10 s, 20 s, ... capped at 5 min, jittered) so a
 * source that is down is not hammered; a screen shows the last known data as stale with the error.
 *
 * Columns (003-drift.sql): `fetched_at` = the last attempt, `ok_at` = the last success, `error` = the last
 * attempt's error (NULL when it worked), `failures` = failures in a row, `next_retry_at` = not before (failed only).
 */
import type { DB } from './open.js';

interface Row {
  key: string;
  fetched_at: number | null;
  ok_at: number | null;
  error: string | null;
  failures: number;
  next_retry_at: number | null;
}

export interface SourceRecord {
  key: string;
  /** The last attempt, whether it worked or not. */
  attemptedAt: number | null;
  /** The last success: the age of the cached data. */
  okAt: number | null;
  /** Why the last attempt failed; null when it worked. */
  error: string | null;
  /** Failed attempts in a row. */
  failures: number;
  /** After a failure: do not try again before this (unless forced). */
  nextRetryAt: number | null;
}

export interface SourceStatus extends SourceRecord {
  /** Never fetched, the last attempt failed, or the last success is older than `staleAfterMs`. */
  stale: boolean;
}

/** Data older than this is shown as stale even if the last attempt worked. */
export const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

export interface BackoffOptions {
  /** First delay (default 5 s), doubled for each further failure. */
  baseMs?: number;
  /** Longest delay (default 5 min). */
  maxMs?: number;
  /** Jitter source in [0, 1) (default Math.random): the delay is spread over 80%..120% of its nominal value. */
  random?: () => number;
}

/** How long to wait after the Nth failure in a row (N >= 1): base * 2^(N-1), capped, jittered +-20%. */
export function backoffDelay(failures: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 5_000;
  const max = opts.maxMs ?? 5 * 60_000;
  const nominal = Math.min(max, base * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  const jitter = 0.8 + 0.4 * (opts.random ?? Math.random)();
  return Math.round(Math.min(max, nominal * jitter));
}

export function isStale(s: SourceRecord | undefined, now: number, staleAfterMs = DEFAULT_STALE_AFTER_MS): boolean {
  if (!s || s.okAt === null) return true;
  if (s.error !== null) return true;
  return now - s.okAt > staleAfterMs;
}

const toRecord = (r: Row): SourceRecord => ({
  key: r.key,
  attemptedAt: r.fetched_at,
  okAt: r.ok_at,
  error: r.error,
  failures: r.failures,
  nextRetryAt: r.next_retry_at,
});

export class SourcesRepo {
  private readonly one;
  private readonly all;
  private readonly byPrefix;
  private readonly ok;
  private readonly fail;
  private readonly del;

  constructor(private readonly db: DB) {
    this.one = db.prepare<[string], Row>('SELECT * FROM sources WHERE key = ?');
    this.all = db.prepare<[], Row>('SELECT * FROM sources ORDER BY key');
    // `key >= prefix AND key < prefix || x'ff'`-style range so the primary key is used (LIKE would need escaping).
    this.byPrefix = db.prepare<[string, string], Row>('SELECT * FROM sources WHERE key >= ? AND key < ? ORDER BY key');
    this.ok = db.prepare<[{ key: string; now: number }]>(
      `INSERT INTO sources (key, fetched_at, ok_at, error, failures, next_retry_at) VALUES (@key, @now, @now, NULL, 0, NULL)
       ON CONFLICT (key) DO UPDATE SET fetched_at = @now, ok_at = @now, error = NULL, failures = 0, next_retry_at = NULL`,
    );
    this.fail = db.prepare<[{ key: string; now: number; error: string; failures: number; retry: number }]>(
      `INSERT INTO sources (key, fetched_at, ok_at, error, failures, next_retry_at) VALUES (@key, @now, NULL, @error, @failures, @retry)
       ON CONFLICT (key) DO UPDATE SET fetched_at = @now, error = @error, failures = @failures, next_retry_at = @retry`,
    );
    this.del = db.prepare<[string]>('DELETE FROM sources WHERE key = ?');
  }

  get(key: string): SourceRecord | undefined {
    const r = this.one.get(key);
    return r ? toRecord(r) : undefined;
  }

  /** Every source, or those whose key starts with `prefix` (e.g. `alerts:`). */
  list(prefix?: string): SourceRecord[] {
    const rows = prefix ? this.byPrefix.all(prefix, prefix + '\u{10FFFF}') : this.all.all();
    return rows.map(toRecord);
  }

  /** The source with its staleness; an unknown key is a source never fetched (stale, no error). */
  status(key: string, now = Date.now(), staleAfterMs = DEFAULT_STALE_AFTER_MS): SourceStatus {
    const r = this.get(key) ?? { key, attemptedAt: null, okAt: null, error: null, failures: 0, nextRetryAt: null };
    return { ...r, stale: isStale(r, now, staleAfterMs) };
  }

  /** False while a failed source waits for its retry time. */
  isDue(key: string, now = Date.now()): boolean {
    const r = this.get(key);
    return !r || r.error === null || r.nextRetryAt === null || now >= r.nextRetryAt;
  }

  /** The source answered: clear the error and the backoff. Call it in the transaction that stores the data. */
  recordOk(key: string, now = Date.now()): void {
    this.ok.run({ key, now });
  }

  /** The source failed: keep its last success and data, count the failure and set the next retry time. */
  recordFailure(key: string, error: string, now = Date.now(), backoff: BackoffOptions = {}): SourceRecord {
    return this.db.transaction(() => {
      const failures = (this.get(key)?.failures ?? 0) + 1;
      this.fail.run({ key, now, error, failures, retry: now + backoffDelay(failures, backoff) });
      return this.get(key)!;
    })();
  }

  /** Forget a source (its stack was removed or no longer has it configured). */
  remove(key: string): void {
    this.del.run(key);
  }
}
