/**
 * What the acting user may do, asked before trying so a refusal is one line that says why ("alice is a
 * dayops_viewer: approving a run needs dayops_operator") and the app can hide the keys it would refuse.
 *
 * Team mode: the session user's dayops group role (migrations/postgres/002-roles.sql); PostgreSQL enforces the same
 * rules itself (grants, row-level security), so this is the courtesy, not the lock. SQLite: one person owns the
 * file, so everything is allowed ('admin'); `--readonly` is the other refusal and stays separate (src/app/day1,
 * src/app/day2 `readonlyRefusal`).
 */
import type { DB } from '../db/engine.js';
import { isTeamDb } from '../db/engine.js';
import { UserError } from '../errors.js';
import { currentUser } from '../identity.js';

export type TeamRole = 'admin' | 'operator' | 'worker' | 'viewer' | 'none';

/** The group roles `dayops team init` creates, strongest first. */
export const TEAM_ROLES = ['dayops_admin', 'dayops_operator', 'dayops_worker', 'dayops_viewer'] as const;

export type Action =
  | 'start-run'
  | 'run-job'
  | 'approve'
  | 'discard'
  | 'cancel'
  | 'remediate'
  | 'ack'
  | 'silence'
  | 'triage'
  | 'refresh'
  | 'backup'
  | 'check-drift'
  | 'restore-test'
  | 'change-stack'
  | 'design';

interface Rule {
  /** What the action is, in a sentence: "approving a run". */
  what: string;
  /** The least role that may: its name in the refusal. */
  needs: 'operator' | 'admin';
  /** Roles besides the ranks at or above `needs` that may (a worker refreshes caches and runs Day-2 jobs). */
  also?: TeamRole[];
}

const RULES: Record<Action, Rule> = {
  'start-run': { what: 'starting a run', needs: 'operator' },
  'run-job': { what: 'a scheduled or cascaded run', needs: 'operator', also: ['worker'] },
  approve: { what: 'approving a run', needs: 'operator' },
  discard: { what: 'discarding a run', needs: 'operator' },
  cancel: { what: 'canceling a run', needs: 'operator' },
  remediate: { what: 'remediating drift', needs: 'operator' },
  ack: { what: 'acknowledging an alert', needs: 'operator' },
  silence: { what: 'silencing an alert', needs: 'operator' },
  triage: { what: 'triaging drift', needs: 'operator' },
  refresh: { what: 'refreshing', needs: 'operator', also: ['worker'] },
  backup: { what: 'backing up', needs: 'operator', also: ['worker'] },
  'check-drift': { what: 'checking drift', needs: 'operator', also: ['worker'] },
  'restore-test': { what: 'a restore test', needs: 'operator', also: ['worker'] },
  'change-stack': { what: 'changing a stack', needs: 'admin' },
  design: { what: 'writing a design', needs: 'admin' },
};

export const ACTIONS = Object.keys(RULES) as Action[];

const RANK: Record<TeamRole, number> = { none: 0, viewer: 1, worker: 1, operator: 2, admin: 3 };

/** How long a role read from the server is trusted (a GRANT made meanwhile shows within this). */
const ROLE_TTL_MS = 30_000;
const roles = new WeakMap<DB, { role: TeamRole; at: number }>();

/**
 * The acting user's dayops role. Team mode: the strongest dayops group role the session user has the privileges of
 * (a superuser, or the owner of dayops' tables, is 'admin'); 'none' when it has none. SQLite: 'admin'.
 */
export function teamRole(db: DB, now = Date.now()): TeamRole {
  if (!isTeamDb(db)) return 'admin';
  const cached = roles.get(db);
  if (cached && now - cached.at < ROLE_TTL_MS) return cached.role;
  const row = db
    .prepare<[], { roles: string | null; owner: boolean | null }>(
      `SELECT (SELECT string_agg(rolname, ',') FROM pg_roles
                WHERE rolname IN ('dayops_admin', 'dayops_operator', 'dayops_worker', 'dayops_viewer')
                  AND pg_has_role(session_user, oid, 'USAGE')) AS roles,
              coalesce(pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = to_regclass('runs')), 'USAGE'),
                       false)
                OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS owner`,
    )
    .get();
  const held = new Set((row?.roles ?? '').split(',').filter(Boolean));
  const role: TeamRole =
    row?.owner || held.has('dayops_admin')
      ? 'admin'
      : held.has('dayops_operator')
        ? 'operator'
        : held.has('dayops_worker')
          ? 'worker'
          : held.has('dayops_viewer')
            ? 'viewer'
            : 'none';
  roles.set(db, { role, at: now });
  return role;
}

/** `dayops_operator` for 'operator'; 'none' has no group role. */
export function roleName(role: TeamRole): string {
  return role === 'none' ? 'no dayops role' : `dayops_${role}`;
}

export type Permission = { ok: true } | { ok: false; reason: string };

/** Whether the acting user may take this action, with the one line saying why not. */
export function can(db: DB, action: Action): Permission {
  if (!isTeamDb(db)) return { ok: true };
  const role = teamRole(db);
  const rule = RULES[action];
  if (RANK[role] >= RANK[rule.needs]) return { ok: true };
  if (rule.also?.includes(role)) return { ok: true };
  const user = currentUser(db);
  const who = describeRole(db);
  const hint = role === 'none' ? ` (an admin grants it: GRANT dayops_${rule.needs} TO ${user};)` : '';
  return { ok: false, reason: `${who}: ${rule.what} needs dayops_${rule.needs}${hint}` };
}

/** The refusal line, or null when allowed. */
export function roleRefusal(db: DB, action: Action): string | null {
  const p = can(db, action);
  return p.ok ? null : p.reason;
}

/** Throw the one-line refusal (a UserError, exit 1 as other refusals) when the action is not allowed. */
export function requirePermission(db: DB, action: Action): void {
  const p = can(db, action);
  if (!p.ok) throw new UserError(p.reason);
}

/** `db` when the action is allowed, for use in an expression; else the one-line refusal is thrown. */
export function permitted(db: DB, action: Action): DB {
  requirePermission(db, action);
  return db;
}

/** The actions the acting user may not take: what the app hides. Empty in SQLite mode. */
export function deniedActions(db: DB): Set<Action> {
  if (!isTeamDb(db)) return new Set();
  return new Set(ACTIONS.filter((a) => !can(db, a).ok));
}

/** Team mode: who the acting user is, as a role, on which database (its URL without password); undefined in SQLite. */
export function teamIdentity(db: DB): { user: string; role: TeamRole; url: string } | undefined {
  if (!isTeamDb(db)) return undefined;
  return { user: currentUser(db), role: teamRole(db), url: db.url };
}

/**
 * Who was refused, before a database could be opened (a login without any dayops role may not read the schema's
 * version): the login the URL or PGUSER names, when it names one.
 */
export function loginWithoutRole(target: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let login = '';
  try {
    login = decodeURIComponent(new URL(target).username);
  } catch {
    /* not a URL */
  }
  login ||= env.PGUSER ?? '';
  return login ? `${login} has no dayops role` : undefined;
}

/** "alice is a dayops_viewer", "alice has no dayops role": who was refused, for messages. Never throws. */
export function describeRole(db: DB): string {
  const user = currentUser(db);
  let role: TeamRole;
  try {
    role = teamRole(db);
  } catch {
    return user;
  }
  return role === 'none' ? `${user} has no dayops role` : `${user} is a ${roleName(role)}`;
}
