/** The policies' public shapes: a policy's result, what it is evaluated against, a loaded set, the outcome. */
import { type PlanResult } from '../plan.js';
import type { Environment, Tool } from '../stack.js';

export type PolicyKindName = 'deny' | 'warn' | 'require_approvals';

export interface PolicyResult {
  name: string;
  kind: PolicyKindName;
  /** For require_approvals: how many approvals it asks for. */
  approvals?: number;
  /** Whether the policy fired (true on an evaluation error: fail closed). */
  fired: boolean;
  /** The message with its `{{ }}` parts filled in when fired; with each `{{ }}` shown as `…` otherwise. */
  message: string;
  /** 'dayops.yaml' | 'policies/x.yaml' (as written in policyFiles) | 'default' */
  source: string;
  /** Why the expression could not be evaluated (a missing field, a non-bool result). Set only with fired. */
  error?: string;
}

export interface PolicyInput {
  plan: PlanResult;
  stack: { name: string; environment: Environment; tool: Tool };
  run: { id: number; kind: 'tracked' | 'proposed'; purpose: 'deploy' | 'drift' | 'remediation'; triggeredBy: string };
}

export interface PolicyInfo {
  name: string;
  kind: PolicyKindName;
  approvals?: number;
  /** The message template as written. */
  message: string;
  source: string;
  expr: string;
}

export interface PolicySet {
  /** The policies that apply to this stack's environment, in evaluation order. */
  readonly policies: ReadonlyArray<PolicyInfo>;
  evaluate(input: PolicyInput): PolicyResult[];
}

export interface PolicyOutcome {
  /** A deny policy fired (or failed to evaluate): the plan must not be applied. */
  denied: boolean;
  denials: PolicyResult[];
  warnings: PolicyResult[];
  /** max(1, N of every fired require_approvals). */
  requiredApprovals: number;
  /** The fired require_approvals results behind `requiredApprovals` (empty when it is the default 1). */
  approvalRules: PolicyResult[];
}

/** The names a policy expression can read. */
export const POLICY_VARIABLES = ['plan', 'stack', 'run', 'limits'] as const;

export interface PolicyLimits {
  maxChanges: number;
}
