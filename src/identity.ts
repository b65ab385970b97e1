/**
 * Who is acting: the one answer every place that records a user asks (runs' `triggered_by`, approvals, drift
 * triage, alert acknowledgements, silences' `createdBy`, backups, audit entries).
 *
 * - Team mode (PostgreSQL): the database session user, whom PostgreSQL authenticated. Never `USER`, `LOGNAME` or an
 *   option: `USER=bob dayops approve ...` as alice is alice's approval, and the two-person rule compares logins.
 * - SQLite: the OS user of this process (src/os-user.ts), as it always was.
 */
import type { DB } from './db/engine.js';
import { isTeamDb } from './db/engine.js';
import { osUser } from './os-user.js';

export function currentUser(db: DB): string {
  return isTeamDb(db) ? db.sessionUser : osUser();
}

/**
 * The user to record when a caller may name one (tests, the demo's history): in team mode always the session user
 * (PostgreSQL's row-level security accepts no other), else `given`, else the OS user.
 */
export function actingUser(db: DB, given?: string): string {
  return isTeamDb(db) ? db.sessionUser : (given ?? osUser());
}
