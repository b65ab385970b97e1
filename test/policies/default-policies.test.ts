import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackConfigSchema, type StackConfig } from '../../src/config/stack-config.js';
import type { Environment } from '../../src/domain/stack.js';
import { loadPolicies, policyOutcome, type PolicyResult } from '../../src/domain/policies.js';
import { inputFor, planFromShowJson, readFixture, type TfPlanDoc } from './tf-show.js';

const config = (extra: Record<string, unknown> = {}): StackConfig => stackConfigSchema.parse(extra);

function evaluateDefaults(doc: TfPlanDoc, only?: string[], cfg: StackConfig = config(), env: Environment = 'prod') {
  const set = loadPolicies(cfg, '/nonexistent-stack', env);
  return set.evaluate(inputFor(planFromShowJson(doc, only), env));
}
const byName = (results: PolicyResult[], name: string): PolicyResult => {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};

const OPEN = 'no-ssh-rdp-from-internet';
const DELETES = 'deletes-need-second-approver';
const MAX = 'max-changes';

describe('the default set', () => {
  it('applies to prod, not to dev or staging, unless defaultPolicies says otherwise', () => {
    expect(loadPolicies(config(), '/x', 'prod').policies.map((p) => p.name)).toEqual([DELETES, OPEN, MAX]);
    expect(loadPolicies(config(), '/x', 'dev').policies).toEqual([]);
    expect(loadPolicies(config(), '/x', 'staging').policies).toEqual([]);
    expect(loadPolicies(config({ defaultPolicies: false }), '/x', 'prod').policies).toEqual([]);
    expect(loadPolicies(config({ defaultPolicies: true }), '/x', 'dev').policies.map((p) => p.source)).toEqual([
      'default',
      'default',
      'default',
    ]);
  });
});

describe('no-ssh-rdp-from-internet', () => {
  const aws = readFixture('aws-security-groups.plan.json');
  const gcp = readFixture('gcp-firewalls.plan.json');
  const azure = readFixture('azure-nsg.plan.json');
  const fires = (doc: TfPlanDoc, address: string) => {
    const r = byName(evaluateDefaults(doc, [address]), OPEN);
    expect(r.error).toBeUndefined();
    return r.fired;
  };

  it.each([
    ['aws_security_group with an ingress block 22 from 0.0.0.0/0', 'aws_security_group.bastion'],
    ['an update that adds 0-65535 from 0.0.0.0/0 (a range covering 22)', 'module.db.aws_security_group.db'],
    ['aws_security_group_rule ingress 3389 from ::/0', 'aws_security_group_rule.rdp_v6'],
    ['aws_security_group_rule with protocol -1 (every port)', 'aws_security_group_rule.all_traffic'],
    ['aws_vpc_security_group_ingress_rule 3389 cidr_ipv4 0.0.0.0/0', 'aws_vpc_security_group_ingress_rule.rdp'],
    [
      'aws_vpc_security_group_ingress_rule ip_protocol -1 from ::/0 (no ports at all)',
      'aws_vpc_security_group_ingress_rule.any_v6',
    ],
  ])('fires for %s', (_what, address) => {
    expect(fires(aws, address)).toBe(true);
  });

  it.each([
    ['443 from the world, 22 only from private ranges, ICMP from the world', 'aws_security_group.web'],
    ['deleting a group that was open (only after values count)', 'aws_security_group.legacy'],
    ['an egress rule on 22', 'aws_security_group_rule.egress_ssh'],
    ['a 443 rule from ::/0', 'aws_vpc_security_group_ingress_rule.https'],
  ])('does not fire for %s', (_what, address) => {
    expect(fires(aws, address)).toBe(false);
  });

  it('fires on GCP allow ranges covering 22, and on all ports of TCP from ::/0', () => {
    expect(fires(gcp, 'google_compute_firewall.ssh_range')).toBe(true);
    expect(fires(gcp, 'google_compute_firewall.all_tcp_v6')).toBe(true);
  });

  it('does not fire on GCP HTTPS, SSH from the IAP range, or EGRESS', () => {
    expect(fires(gcp, 'google_compute_firewall.https')).toBe(false);
    expect(fires(gcp, 'google_compute_firewall.iap_ssh')).toBe(false);
    expect(fires(gcp, 'google_compute_firewall.egress_ssh')).toBe(false);
  });

  it('fires on Azure rules from * or 0.0.0.0/0, including port ranges inside a security group', () => {
    expect(fires(azure, 'azurerm_network_security_rule.ssh')).toBe(true);
    expect(fires(azure, 'azurerm_network_security_group.app')).toBe(true);
  });

  it('does not fire on Azure rules from private prefixes, Deny rules, or Outbound rules', () => {
    expect(fires(azure, 'azurerm_network_security_rule.ssh_corp')).toBe(false);
    expect(fires(azure, 'azurerm_network_security_rule.deny_rdp')).toBe(false);
    expect(fires(azure, 'azurerm_network_security_group.web')).toBe(false);
  });

  it('names every offending resource in its message, and denies the plan', () => {
    const results = evaluateDefaults(aws);
    const r = byName(results, OPEN);
    expect(r.fired).toBe(true);
    expect(r.message).toBe(
      'Close SSH/RDP to the internet: port 22 or 3389 is open to 0.0.0.0/0 or ::/0 in aws_security_group.bastion, ' +
        'module.db.aws_security_group.db, aws_security_group_rule.rdp_v6, aws_security_group_rule.all_traffic, ' +
        'aws_vpc_security_group_ingress_rule.rdp, aws_vpc_security_group_ingress_rule.any_v6; allow only your VPN or ' +
        'bastion ranges (or use SSM, IAP or Azure Bastion)',
    );
    expect(policyOutcome(results).denied).toBe(true);
  });

  it('treats values known only after apply as not set: unknown sources never match, unknown AWS ports are all ports', () => {
    const doc = readFixture('aws-security-groups.plan.json');
    const bastion = doc.resource_changes!.find((r) => r.address === 'aws_security_group.bastion')!;
    const after = bastion.change.after as { ingress: Record<string, unknown>[] };
    const unknown = bastion.change.after_unknown as { ingress: Record<string, unknown>[] };
    // The ports come from another resource: unknown, with 0.0.0.0/0 known.
    delete after.ingress[0].from_port;
    delete after.ingress[0].to_port;
    unknown.ingress[0] = { ...unknown.ingress[0], from_port: true, to_port: true };
    expect(planFromShowJson(doc, ['aws_security_group.bastion']).changes[0].after).toMatchObject({
      ingress: [{ from_port: '(known after apply)' }],
    });
    expect(fires(doc, 'aws_security_group.bastion')).toBe(true);
    // The source ranges come from another resource (a VPC's CIDR): unknown, so not the internet.
    after.ingress[0].from_port = 22;
    after.ingress[0].to_port = 22;
    delete after.ingress[0].cidr_blocks;
    unknown.ingress[0] = { cidr_blocks: true };
    expect(fires(doc, 'aws_security_group.bastion')).toBe(false);
  });

  it('fires on a replace whose new version is open', () => {
    const doc = readFixture('aws-security-groups.plan.json');
    const bastion = doc.resource_changes!.find((r) => r.address === 'aws_security_group.bastion')!;
    bastion.change.actions = ['delete', 'create'];
    bastion.change.before = { ...(bastion.change.after as object), ingress: [] };
    expect(fires(doc, 'aws_security_group.bastion')).toBe(true);
  });
});

describe('deletes-need-second-approver', () => {
  const doc = readFixture('replace-and-delete.plan.json');

  it('asks for 2 approvals when the plan deletes or replaces, naming what', () => {
    const results = evaluateDefaults(doc);
    const r = byName(results, DELETES);
    expect(r).toMatchObject({ fired: true, kind: 'require_approvals', approvals: 2, source: 'default' });
    expect(r.message).toBe(
      'Get a second approver: this plan deletes or replaces aws_instance.web[0], aws_db_instance.orders',
    );
    expect(policyOutcome(results)).toMatchObject({ denied: false, requiredApprovals: 2 });
  });

  it('fires for a replace alone', () => {
    expect(byName(evaluateDefaults(doc, ['aws_instance.web[0]']), DELETES).fired).toBe(true);
  });

  it('does not fire for reads, no-ops and updates', () => {
    const results = evaluateDefaults(doc, [
      'data.aws_ami.ubuntu',
      'aws_s3_bucket.assets',
      'aws_s3_bucket_versioning.assets',
    ]);
    const r = byName(results, DELETES);
    expect(r.fired).toBe(false);
    expect(r.message).toBe('Get a second approver: this plan deletes or replaces …');
    expect(policyOutcome(results).requiredApprovals).toBe(1);
  });

  it('ignores deletions that only drifted (resource_drift)', () => {
    const drift = structuredClone(doc);
    drift.resource_drift![0].change.actions = ['delete'];
    expect(byName(evaluateDefaults(drift, ['aws_s3_bucket_versioning.assets']), DELETES).fired).toBe(false);
  });
});

describe('max-changes', () => {
  /** A plan of N creates, like `count = N` on one resource. */
  function planOfCreates(n: number): TfPlanDoc {
    const doc = readFixture('replace-and-delete.plan.json');
    const template = doc.resource_changes!.find((r) => r.address === 'aws_s3_bucket_versioning.assets')!;
    const read = doc.resource_changes!.find((r) => r.mode === 'data')!;
    const noop = doc.resource_changes!.find((r) => r.change.actions[0] === 'no-op')!;
    const creates = Array.from({ length: n }, (_, i) => ({
      ...structuredClone(template),
      address: `aws_s3_bucket_versioning.assets[${i}]`,
      change: { ...structuredClone(template.change), actions: ['create'], before: null },
    }));
    return { resource_changes: [read, noop, ...creates] };
  }

  it('does not fire at the limit (reads and no-ops do not count)', () => {
    expect(byName(evaluateDefaults(planOfCreates(50)), MAX).fired).toBe(false);
  });

  it('fires above the default limit of 50, saying how many', () => {
    const r = byName(evaluateDefaults(planOfCreates(51)), MAX);
    expect(r.fired).toBe(true);
    expect(r.message).toMatch(/^Split this plan: it makes 51 changes, more than the limit of 50;/);
  });

  it('reads the limit from maxChanges in dayops.yaml', () => {
    const cfg = config({ maxChanges: 3 });
    expect(byName(evaluateDefaults(planOfCreates(3), undefined, cfg), MAX).fired).toBe(false);
    const r = byName(evaluateDefaults(planOfCreates(4), undefined, cfg), MAX);
    expect(r.fired).toBe(true);
    expect(r.message).toContain('it makes 4 changes, more than the limit of 3');
  });
});

const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'terraform-show-json');
if (!existsSync(SHARED)) console.warn(`skipping the recorded terraform show fixtures: ${SHARED} is absent`);

describe.skipIf(!existsSync(SHARED))('the default set on recorded terraform show -json plans (../shared)', () => {
  const read = (name: string) => JSON.parse(readFileSync(join(SHARED, name), 'utf8')) as TfPlanDoc;

  it('asks for a second approver on the recorded delete, and on nothing else', () => {
    const del = evaluateDefaults(read('tf-show-json-basic-delete.json'));
    expect(byName(del, DELETES)).toMatchObject({
      fired: true,
      message: 'Get a second approver: this plan deletes or replaces test_instance.test-delete',
    });
    expect(del.filter((r) => r.fired).map((r) => r.name)).toEqual([DELETES]);
  });

  it('counts the 7 creates of the basic plan (not the data read) against maxChanges', () => {
    const doc = read('tfjson-basic-plan.json');
    expect(byName(evaluateDefaults(doc, undefined, config({ maxChanges: 7 })), MAX).fired).toBe(false);
    expect(byName(evaluateDefaults(doc, undefined, config({ maxChanges: 6 })), MAX).fired).toBe(true);
  });

  it('evaluates every recorded plan without an error', () => {
    for (const name of [
      'tfjson-basic-plan.json',
      'tfjson-110_sensitive_values-plan.json',
      'tf-show-json-basic-delete.json',
      'tf-equivalence-drift_relevant_attributes-plan.json',
    ]) {
      for (const r of evaluateDefaults(read(name))) expect(r.error, `${name} ${r.name}`).toBeUndefined();
    }
  });
});
