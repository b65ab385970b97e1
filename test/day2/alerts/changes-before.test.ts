/** "What changed before this fired": the applies of a stack in the hours before an alert started. */
import { describe, expect, it } from 'vitest';
import type { DB } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { changesBefore } from '../../../src/day2/alerts.js';
import type { ApplyResult, PlanResult, ResourceChange } from '../../../src/domain/plan.js';
import { summarize } from '../../../src/domain/plan.js';
import { tmpDb } from '../../helpers/tmp.js';

const H = 3_600_000;
const FIRED = Date.parse('2026-11-26T12:00:00Z');

const change = (address: string, action: ResourceChange['action']): ResourceChange => ({
  address,
  action,
  actions: action === 'replace' ? ['delete', 'create'] : [action],
});

interface RunSpec {
  states: [string, number][]; // the transitions, in order; the last is the run's state
  plan?: ResourceChange[];
  apply?: ResourceChange[];
  error?: string;
  purpose?: string;
  rawPlan?: string;
}

/** Insert a run the way the runner writes it: runs row + run_transitions, plan_json a PlanResult, apply_json an ApplyResult. */
function insertRun(db: DB, stackId: number, spec: RunSpec): number {
  const created = spec.states[0][1];
  const [finalState, finalAt] = spec.states[spec.states.length - 1];
  const terminal = ['FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED'].includes(finalState);
  const plan: PlanResult | undefined = spec.plan && {
    changes: spec.plan,
    drift: [],
    summary: summarize(spec.plan),
    diagnostics: [],
  };
  const apply: ApplyResult | undefined = spec.apply && {
    changes: spec.apply,
    summary: summarize(spec.apply),
    diagnostics: [],
  };
  const r = db
    .prepare(
      `INSERT INTO runs (stack_id, kind, purpose, state, triggered_by, summary_add, summary_change, summary_destroy,
         plan_json, apply_json, error, created_at, updated_at, started_at, finished_at)
       VALUES (?, 'tracked', ?, ?, 'erin', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      stackId,
      spec.purpose ?? 'deploy',
      finalState,
      plan?.summary.add ?? null,
      plan?.summary.change ?? null,
      plan?.summary.destroy ?? null,
      spec.rawPlan ?? (plan ? JSON.stringify(plan) : null),
      apply ? JSON.stringify(apply) : null,
      spec.error ?? null,
      created,
      finalAt,
      created,
      terminal ? finalAt : null,
    );
  const id = Number(r.lastInsertRowid);
  for (const [state, at] of spec.states)
    db.prepare('INSERT INTO run_transitions (run_id, state, at) VALUES (?, ?, ?)').run(id, state, at);
  return id;
}

const planned = (at: number) => [
  ['QUEUED', at] as [string, number],
  ['PLANNING', at + 1_000] as [string, number],
  ['UNCONFIRMED', at + 60_000] as [string, number],
];

describe('changesBefore', () => {
  it('lists the applies of the hours before the alert, newest first, with the resources they changed', () => {
    const { db, dir } = tmpDb();
    const stacks = new StacksRepo(db);
    const payments = stacks.upsert({ name: 'payments', dir, tool: 'opentofu', environment: 'prod' });
    const other = stacks.upsert({ name: 'other', dir, tool: 'opentofu', environment: 'prod' });

    const older = insertRun(db, payments.id, {
      states: [...planned(FIRED - 5 * H), ['APPLYING', FIRED - 5 * H + 120_000], ['FINISHED', FIRED - 5 * H + 300_000]],
      plan: [
        change('aws_db_instance.main', 'update'),
        change('data.aws_ami.x', 'read'),
        change('aws_s3_bucket.logs', 'no-op'),
      ],
      apply: [change('aws_db_instance.main', 'update')],
    });
    const failed = insertRun(db, payments.id, {
      states: [...planned(FIRED - H), ['APPLYING', FIRED - H + 100_000], ['FAILED', FIRED - H + 200_000]],
      plan: [change('aws_security_group.db', 'replace'), change('aws_lb.front', 'delete')],
      error: 'Error: creating security group: InvalidGroup.Duplicate',
      purpose: 'remediation',
    });
    // Still applying when the alert fired: the likeliest culprit.
    const running = insertRun(db, payments.id, {
      states: [...planned(FIRED - 10 * 60_000), ['APPLYING', FIRED - 5 * 60_000]],
      plan: [change('aws_instance.web[0]', 'create')],
    });
    // Not in the answer: too old, after the alert, never applied, another stack, discarded.
    insertRun(db, payments.id, {
      states: [...planned(FIRED - 8 * H), ['APPLYING', FIRED - 8 * H + 60_000], ['FINISHED', FIRED - 8 * H + 120_000]],
      plan: [change('too.old', 'create')],
    });
    insertRun(db, payments.id, {
      states: [...planned(FIRED + 60_000), ['APPLYING', FIRED + 120_000], ['FINISHED', FIRED + 180_000]],
      plan: [change('after.alert', 'create')],
    });
    insertRun(db, payments.id, {
      states: [...planned(FIRED - 2 * H), ['DISCARDED', FIRED - 2 * H + 90_000]],
      plan: [change('never.applied', 'create')],
    });
    insertRun(db, payments.id, { states: [...planned(FIRED - 3 * H), ['FINISHED', FIRED - 3 * H + 90_000]], plan: [] }); // plan with no changes
    insertRun(db, other.id, {
      states: [...planned(FIRED - H), ['APPLYING', FIRED - H + 1], ['FINISHED', FIRED - H + 2]],
      plan: [change('other.stack', 'create')],
    });

    const got = changesBefore(db, payments.id, FIRED);
    expect(got.map((r) => r.runId)).toEqual([running, failed, older]);
    expect(got[0]).toMatchObject({
      state: 'APPLYING',
      appliedAt: FIRED - 5 * 60_000,
      finishedAt: null,
      changes: [{ address: 'aws_instance.web[0]', action: 'create' }],
    });
    expect(got[1]).toEqual({
      runId: failed,
      state: 'FAILED',
      purpose: 'remediation',
      triggeredBy: 'erin',
      appliedAt: FIRED - H + 100_000,
      finishedAt: FIRED - H + 200_000,
      summary: { add: 1, change: 0, destroy: 2 },
      changes: [
        { address: 'aws_security_group.db', action: 'replace' },
        { address: 'aws_lb.front', action: 'delete' },
      ],
      error: 'Error: creating security group: InvalidGroup.Duplicate',
    });
    // What was applied wins over what was planned; reads and no-ops are left out.
    expect(got[2].changes).toEqual([{ address: 'aws_db_instance.main', action: 'update' }]);

    // A narrower window, and a window that catches the old one.
    expect(changesBefore(db, payments.id, FIRED, 2).map((r) => r.runId)).toEqual([running, failed]);
    expect(changesBefore(db, payments.id, FIRED, 9)).toHaveLength(4);
    expect(changesBefore(db, other.id, FIRED).map((r) => r.changes[0].address)).toEqual(['other.stack']);
  });

  it('an apply that started before the window but ended inside it counts; broken plan JSON gives no resources', () => {
    const { db, dir } = tmpDb();
    const s = new StacksRepo(db).upsert({ name: 'long', dir, tool: 'opentofu', environment: 'prod' });
    const long = insertRun(db, s.id, {
      states: [...planned(FIRED - 8 * H), ['APPLYING', FIRED - 7 * H], ['FINISHED', FIRED - 5 * H]],
      rawPlan: '{not json',
    });
    const got = changesBefore(db, s.id, FIRED);
    expect(got.map((r) => [r.runId, r.changes])).toEqual([[long, []]]);
    expect(got[0].summary).toBeNull();
  });
});
