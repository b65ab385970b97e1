/**
 * Every stack's dayops.yaml for the Day-2 background work and the dashboard: parsed again only when the file
 * changed (size, mtime, inode), so reading 1,000 stacks costs 1,000 `stat`s. A broken file is an error string,
 * never a throw: the scheduler and the status report it and go on with the other stacks.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { loadStackConfig, STACK_CONFIG_FILE, type StackConfig } from '../config/stack-config.js';
import { errorMessage } from '../errors.js';

export interface ConfigEntry {
  config: StackConfig | null;
  /** One line: the file, the field, what is wrong. */
  error: string | null;
}

interface Cached extends ConfigEntry {
  key: string;
  /** When the file was last stat'ed (Date.now). */
  checkedAt: number;
}

const cache = new Map<string, Cached>();

/** A file looked at within this long is not stat'ed again: a dashboard redraw of 1,000 stacks costs no syscall. */
export const CONFIG_RECHECK_MS = 1_000;

/**
 * The config of the stack in `dir` (defaults when it has no dayops.yaml), or its one-line error. An edit is seen
 * within `recheckMs` (default 1 s).
 */
export function stackConfigOf(dir: string, recheckMs = CONFIG_RECHECK_MS): ConfigEntry {
  const now = Date.now();
  const fresh = cache.get(dir);
  if (fresh && now - fresh.checkedAt < recheckMs) return fresh;
  const file = join(dir, STACK_CONFIG_FILE);
  let key = 'absent';
  try {
    const st = statSync(file);
    key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    /* no dayops.yaml (or no folder): the defaults */
  }
  const hit = cache.get(dir);
  if (hit && hit.key === key) {
    hit.checkedAt = now;
    return hit;
  }
  let entry: Cached;
  try {
    entry = { key, checkedAt: now, config: loadStackConfig(dir), error: null };
  } catch (err) {
    entry = { key, checkedAt: now, config: null, error: errorMessage(err).split('\n')[0] };
  }
  cache.set(dir, entry);
  return entry;
}

/**
 * Cron expressions of dayops.yaml are read in UTC (the Day-0 wizard says so: "Cron (five fields, UTC)"), so a
 * schedule means the same on every machine.
 */
export const SCHEDULE_TIMEZONE = 'UTC';

const crons = new Map<string, Cron | Error>();

/** A paused croner job for an expression (cached); throws a one-line Error for a bad expression. */
export function cronOf(expr: string): Cron {
  let c = crons.get(expr);
  if (!c) {
    try {
      // utcOffset 0 is UTC without Intl's time-zone machinery (three times faster than timezone: 'UTC').
      c = new Cron(expr, { paused: true, utcOffset: 0 });
    } catch (err) {
      c = new Error(`"${expr}" is not a cron expression (${errorMessage(err).replace(/^CronPattern: /, '')})`);
    }
    crons.set(expr, c);
  }
  if (c instanceof Error) throw c;
  return c;
}

/** The newest slot of `expr` at or before `at`, or null when it has none. */
export function previousSlot(expr: string, at: number): number | null {
  const prev = cronOf(expr).previousRuns(1, new Date(at + 1))[0];
  return prev ? prev.getTime() : null;
}

const nextCache = new Map<string, number | null>();

/** The first slot of `expr` strictly after `at`, or null. Memoized: the dashboard asks the same every redraw. */
export function nextSlot(expr: string, at: number): number | null {
  const key = `${at}\u0000${expr}`;
  const hit = nextCache.get(key);
  if (hit !== undefined) return hit;
  const next = cronOf(expr).nextRun(new Date(at));
  const v = next ? next.getTime() : null;
  if (nextCache.size > 20_000) nextCache.clear();
  nextCache.set(key, v);
  return v;
}
