import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../src/config/stack-config.js';
import type { PlanResult } from '../../src/domain/plan.js';
import { loadPolicies, policyOutcome, type PolicyResult } from '../../src/domain/policies.js';
import type { Environment } from '../../src/domain/stack.js';
import { ConfigError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';
import { planFromShow } from '../../src/day1/adapters/terraform-show.js';
import { inputFor, planFromShowJson, readFixture, type TfPlanDoc } from './tf-show.js';

/** A stack folder with this dayops.yaml and these extra files. */
function stack(yaml: string, files: Record<string, string> = {}): string {
  const dir = tmpDir();
  writeFileSync(join(dir, 'dayops.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
function load(dir: string, env: Environment = 'dev') {
  return loadPolicies(loadStackConfig(dir), dir, env);
}
function loadError(dir: string, env: Environment = 'dev'): ConfigError {
  try {
    load(dir, env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const deletePlan = () => planFromShowJson(readFixture('replace-and-delete.plan.json'));
const emptyPlan = (): PlanResult => ({
  changes: [],
  drift: [],
  summary: { add: 0, change: 0, destroy: 0 },
  diagnostics: [],
});
const fired = (results: PolicyResult[]) => results.filter((r) => r.fired).map((r) => r.name);

describe('custom policies', () => {
  it('evaluates policies from dayops.yaml, with the STACK.md example, kinds and sources', () => {
    const dir = stack(`
policies:
  - { name: no-deletes, kind: deny, expr: "plan.resource_changes.exists(r, 'delete' in r.change.actions)", message: "Do not delete" }
  - { name: big, kind: warn, expr: "plan.summary.add + plan.summary.destroy > 1", message: "Large plan" }
  - { name: prod-eyes, kind: { require_approvals: 3 }, expr: "stack.environment == 'dev' && run.purpose == 'deploy'", message: "Three people" }
  - { name: drifted, kind: warn, expr: "size(plan.resource_drift) > 0", message: "Drift: {{ plan.resource_drift.map(r, r.address) }}" }
  - { name: never, kind: deny, expr: "false", message: "x" }
`);
    const set = load(dir);
    expect(set.policies.map((p) => [p.name, p.kind, p.approvals, p.source])).toEqual([
      ['no-deletes', 'deny', undefined, 'dayops.yaml'],
      ['big', 'warn', undefined, 'dayops.yaml'],
      ['prod-eyes', 'require_approvals', 3, 'dayops.yaml'],
      ['drifted', 'warn', undefined, 'dayops.yaml'],
      ['never', 'deny', undefined, 'dayops.yaml'],
    ]);
    const results = set.evaluate(inputFor(deletePlan(), 'dev'));
    expect(fired(results)).toEqual(['no-deletes', 'big', 'prod-eyes', 'drifted']);
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect(results.find((r) => r.name === 'drifted')!.message).toBe('Drift: aws_instance.web[0]');
    const outcome = policyOutcome(results);
    expect(outcome.denied).toBe(true);
    expect(outcome.denials.map((r) => r.name)).toEqual(['no-deletes']);
    expect(outcome.warnings.map((r) => r.name)).toEqual(['big', 'drifted']);
    expect(outcome.requiredApprovals).toBe(3);

    expect(fired(set.evaluate(inputFor(emptyPlan(), 'dev')))).toEqual(['prod-eyes']);
  });

  it('sees imports and forgets: their own actions, `importing`, and their counts in the summary', () => {
    // recorded from Terraform 1.11.4: an import, an import with an update, a `removed` block with destroy = false
    const doc = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'terraform', 'import-forget', 'show.json'), 'utf8'),
    ) as TfPlanDoc;
    const dir = stack(`
policies:
  - { name: imports, kind: warn, expr: "plan.resource_changes.exists(r, r.importing)", message: "imports {{ plan.resource_changes.filter(r, r.importing).map(r, r.address) }}" }
  - { name: pure-imports, kind: warn, expr: "plan.resource_changes.exists(r, r.action == 'import')", message: "{{ plan.resource_changes.filter(r, r.action == 'import').map(r, r.address) }}" }
  - { name: forgets, kind: { require_approvals: 2 }, expr: "plan.resource_changes.exists(r, r.action == 'forget' && 'forget' in r.change.actions)", message: "{{ plan.summary.forget }} left unmanaged" }
  - { name: counted, kind: warn, expr: "plan.summary.import == 2 && plan.summary.change == 1", message: m }
  - { name: not-a-delete, kind: deny, expr: "plan.resource_changes.exists(r, 'delete' in r.change.actions)", message: m }
`);
    const results = load(dir).evaluate(inputFor(planFromShow(doc), 'dev'));
    expect(results.map((r) => [r.name, r.fired, r.message, r.error])).toEqual([
      ['imports', true, 'imports terraform_data.legacy, terraform_data.web', undefined],
      ['pure-imports', true, 'terraform_data.legacy', undefined],
      ['forgets', true, '1 left unmanaged', undefined],
      ['counted', true, 'm', undefined],
      // a forget destroys nothing: a policy on deletes does not fire
      ['not-a-delete', false, 'm', undefined],
    ]);
  });

  it('loads policy files relative to the stack folder, named by their path', () => {
    const dir = stack(
      'policyFiles: [policies/prod.yaml]\npolicies:\n  - { name: a, kind: warn, expr: "true", message: m }\n',
      {
        'policies/prod.yaml': `policies:
  - name: no-db-deletes
    kind: "require_approvals: 2"
    expr: >-
      plan.resource_changes.exists(r, r.type == 'aws_db_instance' && r.action == 'delete')
    message: "DBA sign-off for {{ plan.resource_changes.filter(r, r.type == 'aws_db_instance').map(r, r.address) }}"
`,
      },
    );
    const set = load(dir);
    expect(set.policies.map((p) => [p.name, p.source])).toEqual([
      ['a', 'dayops.yaml'],
      ['no-db-deletes', 'policies/prod.yaml'],
    ]);
    const r = set.evaluate(inputFor(deletePlan(), 'dev'))[1];
    expect(r).toMatchObject({
      fired: true,
      kind: 'require_approvals',
      approvals: 2,
      message: 'DBA sign-off for aws_db_instance.orders',
    });
  });

  it('sees Ansible tasks with derived actions, host and task', () => {
    const dir = stack(`policies:
  - { name: web-restarts, kind: warn, expr: "plan.resource_changes.exists(r, r.host.startsWith('web') && r.task == 'restart nginx' && 'update' in r.change.actions && r.change.before == null)", message: m }
`);
    const plan: PlanResult = {
      changes: [
        {
          address: 'web1: restart nginx',
          action: 'update',
          actions: [],
          task: 'restart nginx',
          host: 'web1',
          status: 'changed',
        },
      ],
      drift: [],
      summary: { add: 0, change: 1, destroy: 0 },
      diagnostics: [],
    };
    expect(load(dir).evaluate(inputFor(plan, 'dev'))[0]).toMatchObject({ fired: true });
  });

  it('limits a policy to its environments, and still checks it elsewhere', () => {
    const dir = stack(`policies:
  - { name: prod-only, kind: deny, expr: "true", message: m, environments: [prod, staging] }
  - { name: everywhere, kind: warn, expr: "true", message: m }
`);
    expect(load(dir, 'dev').policies.map((p) => p.name)).toEqual(['everywhere']);
    expect(load(dir, 'staging').policies.map((p) => p.name)).toEqual(['prod-only', 'everywhere']);
    const broken = stack(
      `policies:\n  - { name: prod-only, kind: deny, expr: "plan.(", message: m, environments: [prod] }\n`,
    );
    expect(loadError(broken, 'dev').message).toContain("policy 'prod-only'");
  });

  it('adds user policies to the default set in prod', () => {
    const dir = stack('policies:\n  - { name: mine, kind: warn, expr: "true", message: m }\n');
    expect(load(dir, 'prod').policies.map((p) => p.source)).toEqual(['dayops.yaml', 'default', 'default', 'default']);
  });
});

describe('what an expression sees', () => {
  it('a Terraform-show-like view: null before/after, whole numbers as int, stack, run and limits', () => {
    const checks = [
      "plan.resource_changes.exists(r, r.address == 'aws_db_instance.orders' && r.change.after == null && r.change.before.allocated_storage + 1 == 101)",
      "plan.resource_changes.exists(r, r.action == 'replace' && r.change.actions == ['create', 'delete'] && r.action_reason == 'replace_because_cannot_update')",
      "plan.resource_changes.filter(r, r.address != 'x.y').all(r, r.module_address == '' && r.provider_name == 'registry.terraform.io/hashicorp/aws' && r.host == '')",
      "plan.resource_changes.exists(r, r.address == 'x.y' && r.type == '' && r.provider_name == '' && r.change.before == null && r.change.actions == ['create'])",
      "plan.resource_changes.exists(r, r.mode == 'data' && r.action == 'read')",
      'plan.summary.add == 1 && plan.summary.change == 1 && plan.summary.destroy == 2',
      "plan.resource_drift[0].change.after.tags.Owner == 'someone-in-the-console'",
      "stack.name == 'payments' && stack.environment == 'dev' && stack.tool == 'opentofu'",
      "run.id == 7 && run.kind == 'tracked' && run.purpose == 'deploy' && run.triggeredBy == 'alice'",
      'limits.maxChanges == 50',
      "'payments-prod'.split('-')[1].upperAscii() == 'PROD'",
      "plan.resource_changes.exists(r, r.change.after != null && r.change.after['__proto__'] == 'data')",
    ];
    const dir = stack(
      `policies:\n${checks.map((c, i) => `  - { name: c${i}, kind: deny, expr: ${JSON.stringify(c)}, message: m }`).join('\n')}\n`,
    );
    const plan = deletePlan();
    plan.changes.push({
      address: 'x.y',
      action: 'create',
      actions: ['create'],
      after: JSON.parse('{"__proto__": "data"}'),
    });
    const results = load(dir).evaluate(inputFor(plan, 'dev'));
    for (const r of results)
      expect({ expr: checks[Number(r.name.slice(1))], fired: r.fired, error: r.error }).toEqual({
        expr: checks[Number(r.name.slice(1))],
        fired: true,
        error: undefined,
      });
  });
});

describe('errors at load', () => {
  it('an expression that does not parse names the file, its line and column where the parser stopped, and the policy', () => {
    const dir = stack(`name: payments
policies:
  - name: ok
    kind: warn
    expr: "true"
    message: m
  - name: broken
    kind: deny
    expr: "plan.resource_changes.exists(r, r.action == 'delete'"
    message: m
`);
    const err = loadError(dir);
    expect(err.file).toBe(join(dir, 'dayops.yaml'));
    // the parser stops at the 22nd character of the expression (`.exists`), which is column 33 of line 9
    expect([err.line, err.column]).toEqual([9, 33]);
    expect(err.message).toBe(
      `${join(dir, 'dayops.yaml')}:9:33: policies[1].expr: policy 'broken': expression does not parse: found . but expecting end of input`,
    );
  });

  it('the column of a syntax error counts in the file, whatever the YAML style of the expression', () => {
    // each stops at the first `&` (or `=`) the parser complains about
    const cases: [string, number, number][] = [
      // plain, double- and single-quoted (an escaped quote is two characters in the file, one in the expression)
      ['    expr: plan.summary.add > > 3\n', 4, 28],
      ['    expr: "stack.name == \\"a\\" && > 3"\n', 4, 32],
      ["    expr: 'stack.name == ''a'' && > 3'\n", 4, 32],
      // a block: the expression starts on the next line, indented
      ['    expr: |\n      plan.summary.add > 0 &&\n        stack.name == > 3\n', 6, 20],
      ['    expr: >-\n      plan.summary.add > 0 &&\n        stack.name == > 3\n', 6, 20],
    ];
    for (const [expr, line, column] of cases) {
      const dir = stack(`policies:\n  - name: p\n    kind: deny\n${expr}    message: m\n`);
      const err = loadError(dir);
      expect(err.message, expr).toContain('does not parse');
      expect([err.line, err.column], expr).toEqual([line, column]);
    }
  });

  it('an error in a policy file names that file and line', () => {
    const dir = stack('policyFiles: [policies/team.yaml]\n', {
      'policies/team.yaml':
        'policies:\n  - name: first\n    kind: warn\n    expr: "true"\n    message: m\n  - name: typo\n    kind: deny\n    expr: "plna.summary.add > 0"\n    message: m\n',
    });
    const err = loadError(dir);
    expect(err.file).toBe(join(dir, 'policies/team.yaml'));
    expect([err.line, err.column]).toEqual([8, 12]);
    expect(err.message).toBe(
      `${join(dir, 'policies/team.yaml')}:8:12: policies[1].expr: policy 'typo': expression uses an unknown variable 'plna' (the variables are plan, stack, run, limits)`,
    );
  });

  it('an unknown function is caught at load, not at the first plan', () => {
    const dir = stack(
      'policies:\n  - { name: f, kind: deny, expr: "plan.resource_changes.exists(r, r.address.startswith(\'x\'))", message: m }\n',
    );
    // `.startswith` starts at the 42nd character of the expression: column 76 in the flow map of line 2
    expect(loadError(dir).message).toMatch(
      /dayops\.yaml:2:76: .*expression calls an unknown function 'startswith\(\)'$/,
    );
  });

  it('an expression that gives a number, a string or a list is refused', () => {
    for (const [expr, what] of [
      ['size(plan.resource_changes)', 'gives int, not a bool'],
      ["'deny'", 'gives string, not a bool'],
      ['plan.resource_changes.map(r, r.address)', 'gives a list, not a bool'],
      ['plan.summary.add', 'gives int (0) for an empty plan, not a bool'],
      ["stack.environment == 'prod' ? 'x' : true", 'gives string, not a bool'],
    ]) {
      const dir = stack(`policies:\n  - { name: nb, kind: deny, expr: "${expr}", message: m }\n`);
      expect(loadError(dir).message, expr).toContain(what);
    }
  });

  it('a broken {{ }} in a message is refused', () => {
    const dir = stack(
      'policies:\n  - { name: msg, kind: warn, expr: "true", message: "found {{ plan.resource_changes.map(r, }}" }\n',
    );
    const err = loadError(dir);
    expect(err.message).toContain(
      "policies[0].message: policy 'msg': message: {{ plan.resource_changes.map(r, }} does not parse",
    );
    expect(err.line).toBe(2);
  });

  it('a missing policy file names dayops.yaml, the entry and where it looked', () => {
    const dir = stack('policyFiles:\n  - policies/missing.yaml\n');
    const err = loadError(dir);
    expect(err.file).toBe(join(dir, 'dayops.yaml'));
    expect(err.line).toBe(2);
    expect(err.message).toContain(
      `policyFiles[0]: policies/missing.yaml does not exist (looked for ${join(dir, 'policies/missing.yaml')})`,
    );
  });

  it('an invalid policy file is a ConfigError with its line', () => {
    const dir = stack('policyFiles: [p.yaml]\n', {
      'p.yaml': 'policies:\n  - name: x\n    kind: block\n    expr: "true"\n    message: m\n',
    });
    const err = loadError(dir);
    expect(err.file).toBe(join(dir, 'p.yaml'));
    expect(err.line).toBe(3);
    expect(err.message).toContain('policies[0].kind');
  });

  it('a name used twice is refused, across files too', () => {
    const dir = stack('policyFiles: [p.yaml]\npolicies:\n  - { name: dup, kind: warn, expr: "true", message: m }\n', {
      'p.yaml':
        'policies:\n  - { name: other, kind: warn, expr: "true", message: m }\n  - { name: dup, kind: deny, expr: "true", message: m }\n',
    });
    const err = loadError(dir);
    expect(err.file).toBe(join(dir, 'p.yaml'));
    expect(err.line).toBe(3);
    expect(err.message).toContain("policy name 'dup' is already used by a policy from dayops.yaml");
  });

  it('a name of a default policy is refused when the default set applies', () => {
    const dir = stack('policies:\n  - { name: max-changes, kind: warn, expr: "true", message: m }\n');
    expect(load(dir, 'dev').policies.map((p) => p.name)).toEqual(['max-changes']);
    const err = loadError(dir, 'prod');
    expect(err.file).toBe(join(dir, 'dayops.yaml'));
    expect(err.line).toBe(2);
    expect(err.message).toContain("policies[0].name: policy name 'max-changes' is also the name of a default policy");
  });
});

describe('evaluation errors fail closed', () => {
  it('a missing field makes a deny fire with the error, and blocks', () => {
    const dir = stack(`policies:
  - { name: big-instances, kind: deny, expr: "plan.resource_changes.exists(r, r.change.after.instance_type == 'x1.32xlarge')", message: "No x1" }
  - { name: count-approvals, kind: { require_approvals: 2 }, expr: "plan.resource_changes.exists(r, r.change.after.nope == 1)", message: "m" }
  - { name: just-a-warning, kind: warn, expr: "plan.resource_changes.exists(r, r.change.after.nope == 1)", message: "m" }
`);
    // aws_db_instance.orders is deleted: its after is null, so .instance_type fails; no resource has instance_type x1.
    const results = load(dir).evaluate(inputFor(deletePlan(), 'dev'));
    for (const r of results) {
      expect(r.fired, r.name).toBe(true);
      expect(r.error, r.name).toMatch(/^expression failed: /);
    }
    const outcome = policyOutcome(results);
    expect(outcome.denied).toBe(true);
    expect(outcome.requiredApprovals).toBe(2);
    // On a plan where the field exists everywhere, the same policies evaluate normally.
    expect(fired(load(dir).evaluate(inputFor(emptyPlan(), 'dev')))).toEqual([]);
  });

  it('a non-bool result at evaluation is an error result', () => {
    const dir = stack(
      `policies:\n  - { name: odd, kind: deny, expr: "size(plan.resource_changes) > 0 ? plan.resource_changes[0].address : false", message: m }\n`,
    );
    const set = load(dir);
    expect(set.evaluate(inputFor(emptyPlan(), 'dev'))[0]).toMatchObject({ fired: false });
    expect(set.evaluate(inputFor(deletePlan(), 'dev'))[0]).toMatchObject({
      fired: true,
      error: 'expression gave string, not a bool',
    });
  });

  it('message parts show lists, numbers and addresses with quotes as they are', () => {
    const template =
      `{{ ['aws_instance.web["blue"]', 'b'] }} / {{ size(plan.resource_changes) }} / {{ [1, 2.5, true] }} / {{ [] }} / ` +
      `{{ [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }}`;
    const dir = stack(
      `policies:\n  - name: t\n    kind: warn\n    expr: "true"\n    message: ${JSON.stringify(template)}\n`,
    );
    expect(load(dir).evaluate(inputFor(deletePlan(), 'dev'))[0].message).toBe(
      'aws_instance.web["blue"], b / 4 / 1, 2.5, true / (none) / 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more',
    );
  });

  it('a message part that fails shows (?) and does not change the verdict', () => {
    const dir = stack(
      'policies:\n  - { name: w, kind: warn, expr: "true", message: "first: {{ plan.resource_changes[0].address }}" }\n',
    );
    const r = load(dir).evaluate(inputFor(emptyPlan(), 'dev'))[0];
    expect(r).toMatchObject({ fired: true, message: 'first: (?)' });
    expect(r.error).toBeUndefined();
  });
});

describe('policyOutcome', () => {
  const res = (kind: PolicyResult['kind'], isFired: boolean, approvals?: number): PolicyResult => ({
    name: `${kind}-${approvals ?? ''}-${isFired}`,
    kind,
    approvals,
    fired: isFired,
    message: '',
    source: 'dayops.yaml',
  });

  it('asks for the largest number of approvals among the fired rules, and at least 1', () => {
    expect(policyOutcome([]).requiredApprovals).toBe(1);
    expect(policyOutcome([res('require_approvals', false, 4)]).requiredApprovals).toBe(1);
    const o = policyOutcome([
      res('require_approvals', true, 2),
      res('require_approvals', true, 3),
      res('require_approvals', false, 5),
      res('warn', true),
    ]);
    expect(o.requiredApprovals).toBe(3);
    expect(o.approvalRules.map((r) => r.approvals)).toEqual([2, 3]);
    expect(o.denied).toBe(false);
    expect(o.warnings).toHaveLength(1);
  });

  it('is denied when any deny fired', () => {
    expect(policyOutcome([res('deny', false), res('warn', true)]).denied).toBe(false);
    expect(policyOutcome([res('deny', false), res('deny', true)]).denials).toHaveLength(1);
  });
});
