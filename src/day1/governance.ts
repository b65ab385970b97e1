/**
 * Governance that one person cannot bypass (issue 7):
 *  - a stack runs under the environment it is registered with, and that must be the one its dayops.yaml says
 *    (changing it goes through `dayops stack add`, which writes the change to the audit log);
 *  - on a prod stack, turning the shipped policies off (`defaultPolicies: false`) or removing or weakening a
 *    policy shows on every run, is written to the audit log, and needs a second approver the first time it takes
 *    effect (the first run with the weaker set that applies).
 *
 * The checks come out as policy results of source `dayops`, so they show where every policy shows (the run's log,
 * the plan panel, `--json`) and a second approver is asked for the way any require_approvals policy asks.
 */
import { join } from 'node:path';
import { STACK_CONFIG_FILE, type StackConfig } from '../config/stack-config.js';
import { AuditRepo } from '../db/audit.js';
import { GovernanceRepo } from '../db/governance.js';
import type { DB } from '../db/open.js';
import { DEFAULT_POLICIES } from '../domain/default-policies.js';
import type { PolicyInfo, PolicyKindName, PolicyResult, PolicySet } from '../domain/policies.js';
import type { Stack } from '../domain/stack.js';
import { UserError } from '../errors.js';

/** The source of the results below; never the source of a policy someone wrote. */
export const GOVERNANCE_SOURCE = 'dayops';
/** Fires (require_approvals 2) on the first run of a weaker policy set, until one such run has applied. */
export const POLICIES_WEAKENED = 'policy-set-weakened';
/** Warns on every run of a prod stack whose policies are weaker than what it had (or the shipped set). */
export const POLICIES_OFF = 'policies-off';

/** A run under another environment than dayops.yaml says would run under the other environment's policies. */
export function refuseEnvironmentMismatch(stack: Stack, config: StackConfig): void {
  if (config.environment === undefined || config.environment === stack.environment) return;
  throw new UserError(
    `${join(stack.dir, STACK_CONFIG_FILE)}: environment is ${config.environment} but stack ${stack.name} is registered as ${stack.environment}; run dayops stack add ${stack.dir} to change it (audited)`,
    2,
  );
}

interface Strength {
  name: string;
  kind: PolicyKindName;
  approvals?: number;
}

/** How strongly a policy guards: deny > require_approvals N (by N) > warn. */
function rank(p: Strength): number {
  if (p.kind === 'deny') return 1000;
  if (p.kind === 'require_approvals') return 10 + (p.approvals ?? 1);
  return 1;
}

function describe(p: Strength): string {
  return p.kind === 'require_approvals' ? `require_approvals: ${p.approvals ?? 1}` : p.kind;
}

/** What the shipped set would put in force on this stack (the baseline of a prod stack never applied). */
function shippedSet(environment: Stack['environment']): Strength[] {
  return DEFAULT_POLICIES.filter((p) => !p.environments?.length || p.environments.includes(environment)).map((p) =>
    p.kind === 'deny' || p.kind === 'warn'
      ? { name: p.name, kind: p.kind }
      : { name: p.name, kind: 'require_approvals', approvals: p.kind.require_approvals },
  );
}

interface WeakenedDetail {
  runId: number;
  sinceRun: number | null;
  removed: string[];
  weakened: string[];
  defaultPolicies: boolean | null;
}

/**
 * The governance results for run `runId` of a prod stack (none for other environments). Writes the audit entry
 * `policy-weakened` the first time a given weakening is seen.
 */
export function governancePolicies(
  db: DB,
  stack: Stack,
  config: StackConfig,
  policies: PolicySet,
  runId: number,
  user: string,
): PolicyResult[] {
  if (stack.environment !== 'prod') return [];
  const repo = new GovernanceRepo(db);
  const current = new Map<string, PolicyInfo>(policies.policies.map((p) => [p.name, p]));
  const applied = repo.lastAppliedPolicies(stack.id, runId);
  const baseline: Strength[] = applied
    ? applied.policies.filter((p) => p.source !== GOVERNANCE_SOURCE)
    : [...policies.policies, ...shippedSet(stack.environment).filter((p) => !current.has(p.name))];

  const removed: string[] = [];
  const weakened: string[] = [];
  for (const b of baseline) {
    const now = current.get(b.name);
    if (!now) removed.push(b.name);
    else if (rank(now) < rank(b)) weakened.push(`${b.name} (${describe(b)} -> ${describe(now)})`);
  }

  const results: PolicyResult[] = [];
  const defaultsOff = config.defaultPolicies === false;
  const shippedNames = new Set(DEFAULT_POLICIES.map((p) => p.name));
  // Every run: what is off compared with what this stack had (audited earlier) or the shipped set.
  const everRemoved = new Set(
    repo.auditDetails<WeakenedDetail>(stack.id, 'policy-weakened').flatMap((d) => d.removed ?? []),
  );
  const stillOff = [...everRemoved].filter((n) => !current.has(n) && !(defaultsOff && shippedNames.has(n)));
  if (defaultsOff || stillOff.length > 0) {
    const parts = [
      ...(defaultsOff ? ['the shipped policy set is off (defaultPolicies: false in dayops.yaml)'] : []),
      ...(stillOff.length ? [`removed policies still off: ${stillOff.sort().join(', ')}`] : []),
    ];
    results.push({
      name: POLICIES_OFF,
      kind: 'warn',
      fired: true,
      message: `prod stack ${stack.name}: ${parts.join('; ')}`,
      source: GOVERNANCE_SOURCE,
    });
  }

  if (removed.length > 0 || weakened.length > 0) {
    const what = [
      ...(removed.length ? [`removed ${removed.join(', ')}`] : []),
      ...(weakened.length ? [`weakened ${weakened.join(', ')}`] : []),
    ].join('; ');
    const since = applied ? `since run ${applied.runId}` : 'compared with the shipped set';
    results.push({
      name: POLICIES_WEAKENED,
      kind: 'require_approvals',
      approvals: 2,
      fired: true,
      message: `policies ${what} (${since}); the first apply with this policy set needs a second approver`,
      source: GOVERNANCE_SOURCE,
    });
    const detail: WeakenedDetail = {
      runId,
      sinceRun: applied?.runId ?? null,
      removed: [...removed].sort(),
      weakened: [...weakened].sort(),
      defaultPolicies: config.defaultPolicies ?? null,
    };
    const last = repo.auditDetails<WeakenedDetail>(stack.id, 'policy-weakened')[0];
    const same =
      last &&
      last.sinceRun === detail.sinceRun &&
      JSON.stringify([last.removed, last.weakened]) === JSON.stringify([detail.removed, detail.weakened]);
    if (!same) {
      new AuditRepo(db).append({
        user,
        action: 'policy-weakened',
        stackId: stack.id,
        runId,
        comment: `policies ${what} (${since})`,
        detail,
      });
    }
  }
  return results;
}
