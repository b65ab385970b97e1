import { describe, expect, it } from 'vitest';
import { audit } from '../../src/day0/audit.js';
import { blueprintSchema, type Blueprint } from '../../src/day0/blueprint.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import {
  STEPS,
  findingTarget,
  getIn,
  parseText,
  setIn,
  stepRows,
  summaryLines,
  type Field,
  type TextField,
} from '../../src/day0/wizard-steps.js';
import { newWizard, rowsOf } from '../../store/wizard.js';

/** A design with something wrong in every step the audit looks at. */
function broken(): Blueprint {
  const bp = defaultBlueprint('gcp', 'broken', 'prod');
  bp.provider.kubernetes = 'eks';
  bp.provider.secondaryRegions = ['us-central1'];
  bp.security.compliance = ['gdpr', 'hipaa'];
  bp.security.auditLogging = false;
  bp.cluster.nodePools.push({ name: 'batch', instanceType: 'm6i.large', min: 5, desired: 1, max: 2, spot: true });
  bp.network.subnets.push({ name: 'wrong', cidr: '192.168.0.0/24', zone: 'us-east1-b', public: false });
  bp.network.ingress.allowedCidrs = ['0.0.0.0/0', '300.1.1.1/8'];
  bp.network.firewall.push({ name: 'ssh', direction: 'ingress', protocol: 'tcp', ports: [22], sources: ['0.0.0.0/0'] });
  bp.storage.classes[0].backup = false;
  bp.storage.databases.push({
    name: 'orders',
    engine: 'mariadb',
    version: '10',
    sizeGb: 10,
    encrypted: false,
    backup: false,
  });
  bp.day2.drift.schedule = '';
  bp.day2.backups.schedule = '0 0 * * *';
  bp.day2.alerting.alertmanagerUrl = 'not a url';
  bp.day2.alerting.receivers = [];
  return blueprintSchema.parse(bp);
}

describe('the wizard model', () => {
  it('every field of every step points at a place the blueprint has', () => {
    const bp = defaultBlueprint();
    const check = (f: Field, base: readonly (string | number)[]) => {
      const v = getIn(bp, [...base, ...f.path]);
      // Optional values (retention counts, rbac namespaces) may be absent.
      if (f.kind !== 'number' && !(f.kind === 'csv' && f.omitEmpty))
        expect(v, `${f.id} at ${[...base, ...f.path].join('.')}`).not.toBeUndefined();
    };
    for (const step of STEPS) {
      for (const f of step.fields) {
        check(f, []);
        if (f.kind === 'list') {
          const items = getIn(bp, f.path) as unknown[];
          if (items.length) for (const itemField of f.fields) check(itemField, [...f.path, 0]);
          // A new item has every field the schema asks for.
          const made = f.make(bp, items);
          expect(() => blueprintSchema.parse(setIn(bp, f.path, [...items, made]))).not.toThrow();
        }
      }
    }
  });

  it('takes a finding to the step, row and list item field that fix it', () => {
    const bp = broken();
    const findings = audit(bp);
    expect(findings.length).toBeGreaterThan(15);
    for (const f of findings) {
      const t = findingTarget(f);
      expect(t, f.path).toBeDefined();
      const w = { ...newWizard(bp, '/tmp'), step: t!.step, focus: t!.focus, editor: t!.editor ?? null };
      const stepKeys = stepRows(STEPS[t!.step], bp).map((r) => r.key);
      expect(stepKeys, `${f.code} ${f.path}`).toContain(t!.focus);
      if (t!.editor)
        expect(
          rowsOf(w).map((r) => r.key),
          `${f.code} ${f.path}`,
        ).toContain(t!.editor.focus);
    }
    const cidr = findings.find((f) => f.code === 'subnet-outside-vpc')!;
    expect(findingTarget(cidr)).toEqual({
      step: 3,
      focus: 'subnets[3]',
      editor: { list: 'subnets', index: 3, focus: 'cidr' },
    });
  });

  it('suggests a free subnet inside the VPC for a new one', () => {
    const subnets = STEPS[3].fields.find((f) => f.id === 'subnets');
    if (subnets?.kind !== 'list') throw new Error('no subnets list');
    const bp = defaultBlueprint();
    // 10.0.0.0/20 and 10.0.16.0/20 and 10.0.32.0/24 are taken: the first free /24 is 10.0.33.0/24.
    expect(subnets.make(bp, bp.network.subnets)).toMatchObject({
      name: 'subnet',
      cidr: '10.0.33.0/24',
      zone: 'eu-west-1a',
    });
    const added = setIn(bp, ['network', 'subnets'], [...bp.network.subnets, subnets.make(bp, bp.network.subnets)]);
    expect(audit(added)).toEqual([]);
  });

  it('parses typed values: numbers, lists of CIDRs and ports, optional fields', () => {
    const field = (id: string) => STEPS.flatMap((s) => s.fields).find((f) => f.id === id) as TextField;
    const ctx = { bp: defaultBlueprint() };
    expect(parseText(field('natGateways') as never, ' 3 ', ctx)).toEqual({ ok: true, value: 3 });
    expect(parseText(field('natGateways') as never, '-1', ctx)).toEqual({ ok: false, error: 'at least 0' });
    expect(parseText(field('availabilitySlo') as never, '99.95', ctx)).toEqual({ ok: true, value: 99.95 });
    expect(parseText(field('availabilitySlo') as never, '0', ctx)).toEqual({ ok: false, error: 'must be above 0' });
    expect(parseText(field('retentionMonthly') as never, '', ctx)).toEqual({ ok: true, value: undefined });
    expect(parseText(field('allowedCidrs') as never, '10.0.0.0/8, 192.168.1.0/24', ctx)).toEqual({
      ok: true,
      value: ['10.0.0.0/8', '192.168.1.0/24'],
    });
    expect(parseText(field('allowedCidrs') as never, '10.0.0.0/8, 10.0.0/8', ctx)).toMatchObject({ ok: false });
    const firewall = STEPS[3].fields.find((f) => f.id === 'firewall');
    const ports = firewall?.kind === 'list' ? firewall.fields.find((f) => f.id === 'ports')! : undefined;
    expect(parseText(ports as never, '80, 443', ctx)).toEqual({ ok: true, value: [80, 443] });
    expect(parseText(ports as never, '80, 70000', ctx)).toEqual({ ok: false, error: '70000 is above 65535' });
    expect(parseText(field('name'), 'Bad_Name', ctx)).toMatchObject({ ok: false });
  });

  it('summarises every step of the design for the review', () => {
    const lines = summaryLines(defaultBlueprint());
    expect(lines.filter((l) => l.heading).map((l) => l.label)).toEqual(
      STEPS.slice(0, -1).map((s, i) => `${i + 1}. ${s.title}`),
    );
    expect(lines.find((l) => l.label === 'Region')?.value).toBe('eu-west-1 · Europe (Ireland) · EU');
    expect(lines.find((l) => l.label === 'Node pools')?.value).toBe(
      'system · m6i.large · min 2 / desired 3 / max 5 · on-demand',
    );
  });
});
