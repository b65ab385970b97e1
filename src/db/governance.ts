/**
 * What the governance checks read: the policy set in force at a stack's last applied run, and the audit entries of
 * one action for a stack. Read-only: the audit entries are written through AuditRepo.
 */
import type { PolicyResult } from '../domain/policies.js';
import type { DB } from './open.js';

export interface AppliedPolicies {
  runId: number;
  policies: PolicyResult[];
}

export class GovernanceRepo {
  private readonly lastApplied;
  private readonly auditOf;

  constructor(db: DB) {
    // A run that reached APPLYING: its policy set took effect (whatever became of the apply).
    this.lastApplied = db.prepare<[number, number], { id: number; policy_json: string }>(
      `SELECT r.id, r.policy_json FROM runs r
        WHERE r.stack_id = ? AND r.id < ? AND r.policy_json IS NOT NULL
          AND EXISTS (SELECT 1 FROM run_transitions t WHERE t.run_id = r.id AND t.state = 'APPLYING')
        ORDER BY r.id DESC LIMIT 1`,
    );
    this.auditOf = db.prepare<[number, string], { id: number; detail: string | null }>(
      'SELECT id, detail FROM audit_log WHERE stack_id = ? AND action = ? ORDER BY id DESC LIMIT 200',
    );
  }

  /** The policy results of the stack's newest run before `beforeRunId` that went on to apply. */
  lastAppliedPolicies(stackId: number, beforeRunId: number): AppliedPolicies | undefined {
    const r = this.lastApplied.get(stackId, beforeRunId);
    if (!r) return undefined;
    try {
      return { runId: r.id, policies: JSON.parse(r.policy_json) as PolicyResult[] };
    } catch {
      return undefined;
    }
  }

  /** The details of a stack's audit entries of one action, newest first. */
  auditDetails<T>(stackId: number, action: string): T[] {
    return this.auditOf.all(stackId, action).flatMap((r) => {
      if (r.detail === null) return [];
      try {
        return [JSON.parse(r.detail) as T];
      } catch {
        return [];
      }
    });
  }
}
