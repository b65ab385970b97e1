import { userInfo } from 'node:os';
import { UserError } from './errors.js';

/**
 * The name dayops records for a uid that has no passwd entry. A passwd name can never hold `:` (it is the file's
 * field separator), so this can never be mistaken for, or collide with, a real user.
 */
const UNKNOWN_PREFIX = 'uid:';

/**
 * The OS user who is acting, for `triggered_by`, approvals and the audit log: the passwd name of this process's
 * uid. A uid with no passwd entry is recorded as `uid:N` (see isEstablishedUser); never taken from `USER` or
 * `LOGNAME`, which anyone can set to anyone.
 */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `${UNKNOWN_PREFIX}${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Whether the system could tell who `user` is (false for the `uid:N` of a uid with no passwd entry). */
export function isEstablishedUser(user: string): boolean {
  return user.length > 0 && !user.startsWith(UNKNOWN_PREFIX);
}

/** Refuse an action that needs a known identity (an approval) for a user the system could not establish. */
export function requireEstablishedUser(user: string, action: string): void {
  if (isEstablishedUser(user)) return;
  const uid = user.slice(UNKNOWN_PREFIX.length);
  throw new UserError(
    `${action}: cannot tell who you are (uid ${uid} has no passwd entry, and USER or LOGNAME prove nothing); run dayops as a user the system knows`,
    2,
  );
}
