/**
 * Who is alive: a process is the same process only if its pid is alive AND its start time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot) is the one recorded, so a reused pid never counts as the owner.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunOwner } from '../../db/runs.js';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null where there is no /proc. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces or parentheses: count from the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state), so field 22 is rest[19].
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/** The pid exists (it may belong to another user: EPERM still means alive). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Some process of the group (leader pid `pgid`) still exists. */
export function groupAlive(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The same process as recorded: alive, and (where /proc tells) started at the recorded time. */
export function sameProcessAlive(pid: number, start: string | null): boolean {
  if (!pidAlive(pid)) return false;
  if (start === null) return true;
  const now = processStartTime(pid);
  return now === null || now === start;
}

let me: RunOwner | undefined;
/** This process as a run owner. */
export function currentOwner(): RunOwner {
  return (me ??= { host: hostname(), pid: process.pid, start: processStartTime(process.pid) });
}

/**
 * Whether a run's owner is still driving it: `alive`, `gone` (same host, and the pid is dead or was reused), or
 * `unknown` (another host: never touched).
 */
export function ownerState(owner: RunOwner | null, host = hostname()): 'alive' | 'gone' | 'unknown' {
  if (!owner) return 'gone';
  if (owner.host !== host) return 'unknown';
  return sameProcessAlive(owner.pid, owner.start) ? 'alive' : 'gone';
}
