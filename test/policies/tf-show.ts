/**
 * Test helper: policy tests start from `terraform show -json` documents and turn them into a PlanResult with the
 * Terraform adapter's own parser (src/day1/adapters/terraform-show.ts), so they see exactly what a run sees:
 * values Terraform does not know yet as "(known after apply)", sensitive ones as "(sensitive)".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planFromShow, type ShowPlanDocument } from '../../src/day1/adapters/terraform-show.js';
import type { PlanResult } from '../../src/domain/plan.js';
import type { PolicyInput } from '../../src/domain/policies.js';

export interface TfResourceChange {
  address: string;
  previous_address?: string;
  module_address?: string;
  mode?: string;
  type?: string;
  name?: string;
  index?: unknown;
  provider_name?: string;
  action_reason?: string;
  change: {
    actions: string[];
    before?: unknown;
    after?: unknown;
    after_unknown?: unknown;
    before_sensitive?: unknown;
    after_sensitive?: unknown;
  };
}

/** The parts of a `show -json` document these tests read and change. */
export interface TfPlanDoc extends ShowPlanDocument {
  resource_changes?: TfResourceChange[];
  resource_drift?: TfResourceChange[];
}

/** The plan of a document, optionally of some of its resources only. */
export function planFromShowJson(doc: TfPlanDoc, only?: readonly string[]): PlanResult {
  if (!only) return planFromShow(doc);
  const rcs = doc.resource_changes ?? [];
  for (const a of only) if (!rcs.some((r) => r.address === a)) throw new Error(`fixture has no ${a}`);
  return planFromShow({ ...doc, resource_changes: rcs.filter((r) => only.includes(r.address)) });
}

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'policies');

export function readFixture(name: string): TfPlanDoc {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as TfPlanDoc;
}

export function inputFor(plan: PlanResult, environment: PolicyInput['stack']['environment'] = 'prod'): PolicyInput {
  return {
    plan,
    stack: { name: 'payments', environment, tool: 'opentofu' },
    run: { id: 7, kind: 'tracked', purpose: 'deploy', triggeredBy: 'alice' },
  };
}
