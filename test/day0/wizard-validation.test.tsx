import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBlueprint } from '../../src/day0/blueprint.js';
import { AuditRepo } from '../../src/db/audit.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { rowsOf } from '../../store/wizard.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { focusRow, gotoStep, openWizard, setText, wiz } from './wizard-driver.js';

/** The line of the screen that shows a field. */
const lineOf = (frame: string, label: string) => frame.split('\n').find((l) => l.includes(label)) ?? '';

describe('validation as the operator types', () => {
  it('shows why a CIDR is wrong beside the field while it is typed, refuses it, and takes the fix', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 80, rows: 24 });
    await gotoStep(app, 'network');
    await focusRow(app, 'vpcCidr');
    await app.press('enter');
    expect(app.store.getState().textInput).toBe(true);
    await app.press('ctrlU');
    let f = await app.type('10.0.0/16');
    expect(lineOf(f, 'VPC CIDR')).toContain('10.0.0/16');
    expect(lineOf(f, 'VPC CIDR')).toMatch(/✗ 10\.0\.0\/16 is not a CIDR/);
    // Enter refuses it: still typing, nothing committed.
    f = await app.press('enter');
    expect(wiz(app).mode).toBe('edit');
    expect(wiz(app).bp.network.vpcCidr).toBe('10.0.0.0/16');
    expect(f).toContain('Not saved');
    // Fix it in place: three left, type ".0" before "/16".
    await app.press('left', 'left', 'left');
    f = await app.type('.0');
    expect(lineOf(f, 'VPC CIDR')).toContain('10.0.0.0/16');
    expect(lineOf(f, 'VPC CIDR')).toContain('✓');
    expect(lineOf(f, 'VPC CIDR')).not.toContain('✗');
    // Host bits are caught too.
    await app.press('ctrlU');
    f = await app.type('10.1.2.3/16');
    expect(lineOf(f, 'VPC CIDR')).toContain('has host bits set');
    await app.press('ctrlU');
    await app.type('10.20.0.0/16');
    await app.press('enter');
    expect(wiz(app).bp.network.vpcCidr).toBe('10.20.0.0/16');
    expect(app.store.getState().textInput).toBe(false);
    app.unmount();
  });

  it('checks names, numbers, cron schedules and URLs as typed; Esc leaves a field unchanged', async () => {
    const { db } = tmpDb();
    const app = await openWizard(db, { columns: 120, rows: 30 });
    await focusRow(app, 'name');
    await app.press('enter');
    await app.press('ctrlU');
    let f = await app.type('Payments');
    expect(lineOf(f, 'Stack name')).toContain('✗ lowercase only');
    // q and 2 are typed into the field: they neither quit nor switch days.
    f = await app.type('q2');
    expect(app.store.getState().quitting).toBe(false);
    expect(app.store.getState().view).toBe('day0');
    expect(lineOf(f, 'Stack name')).toContain('Paymentsq2');
    await app.press('esc');
    expect(wiz(app).bp.metadata.name).toBe('my-stack');
    expect(app.store.getState().textInput).toBe(false);

    await gotoStep(app, 'success');
    await focusRow(app, 'p95LatencyMs');
    await app.press('enter');
    await app.press('ctrlU');
    f = await app.type('fast');
    expect(lineOf(f, 'p95 latency')).toContain('✗ fast is not a number');
    await app.press('ctrlU');
    f = await app.type('12.5');
    expect(lineOf(f, 'p95 latency')).toContain('✗ a whole number is needed');
    await app.press('esc');

    await gotoStep(app, 'day2');
    await focusRow(app, 'driftSchedule');
    await app.press('enter');
    await app.press('ctrlU');
    f = await app.type('0 */6 * *');
    expect(lineOf(f, 'Drift schedule')).toContain('✗ not a cron schedule');
    await app.press('ctrlU');
    f = await app.type('15 */4 * * *');
    expect(lineOf(f, 'Drift schedule')).toContain('✓');
    await app.press('enter');
    expect(wiz(app).bp.day2.drift.schedule).toBe('15 */4 * * *');
    await focusRow(app, 'alertmanagerUrl');
    await app.press('enter');
    await app.press('ctrlU');
    f = await app.type('alertmanager:9093');
    expect(lineOf(f, 'Alertmanager URL')).toContain('✗');
    await app.press('esc');
    app.unmount();
  });
});

describe('the review step', () => {
  it('an audit error blocks writing; going to it and fixing it unblocks', async () => {
    const { db } = tmpDb();
    const out = join(tmpDir(), 'out');
    const app = await openWizard(db, { columns: 100, rows: 30 });
    // A subnet outside the VPC: valid syntax, so the field takes it; the audit does not.
    await gotoStep(app, 'network');
    await focusRow(app, 'subnets[0]');
    await app.press('enter');
    await focusRow(app, 'cidr');
    await setText(app, '192.168.0.0/24');
    expect(wiz(app).bp.network.subnets[0].cidr).toBe('192.168.0.0/24');
    await app.press('esc');
    let f = app.frame();
    // Beside the item (cut to the width), and in full under the form.
    expect(lineOf(f, 'private-a ·')).toMatch(/192\.168\.0\.0\/24 · eu-west-1a · private\s+✗ Subnet/);
    expect(f.replace(/\s*\n\s*│?\s*/g, ' ')).toContain(
      '✗ subnet-outside-vpc: Subnet private-a (192.168.0.0/24) is outside the VPC: move it into 10.0.0.0/16',
    );
    // The step list marks the step.
    expect(lineOf(f, '4 Network')).toContain('✗');

    await gotoStep(app, 'review');
    await focusRow(app, 'outDir');
    await setText(app, out);
    f = app.frame();
    expect(f).toContain('blocked: 1 audit error');
    expect(f).toMatch(/✗ error\s+subnet-outside-vpc\s+network\.subnets\[0\]\.cidr/);
    // w and Enter on the button both refuse: nothing is written.
    f = await app.press('w');
    expect(f).toContain('1 audit error block writing');
    await focusRow(app, 'write');
    await app.press('enter');
    expect(existsSync(out)).toBe(false);

    // Enter on the finding opens the subnet at its CIDR.
    const finding = rowsOf(wiz(app)).find((r) => r.type === 'finding')!;
    await focusRow(app, finding.key);
    await app.press('enter');
    expect(wiz(app).step).toBe(3);
    expect(wiz(app).editor).toEqual({ list: 'subnets', index: 0, focus: 'cidr' });
    await setText(app, '10.0.48.0/24');
    await gotoStep(app, 'review');
    f = app.frame();
    expect(f).toMatch(/Audit\s+✓ no findings/);
    expect(f).toContain('✓ ready');
    await focusRow(app, 'write');
    await app.press('enter');
    await app.waitFor('written:');
    expect(readBlueprint(join(out, 'blueprint.yaml')).network.subnets[0].cidr).toBe('10.0.48.0/24');
    app.unmount();
  });

  it('never moves a stack registered at another folder without asking; n writes nothing, y moves it', async () => {
    const { db } = tmpDb();
    const old = join(tmpDir(), 'old-payments');
    const out = join(tmpDir(), 'payments');
    new StacksRepo(db).upsert({ name: 'payments', dir: old, tool: 'terraform', environment: 'prod' });
    const app = await openWizard(db, { columns: 200, rows: 30 });
    await focusRow(app, 'name');
    await setText(app, 'payments');
    await gotoStep(app, 'review');
    await focusRow(app, 'outDir');
    await setText(app, out);
    const joined = (f: string) => f.replace(/\s*\n\s*/g, ' ');
    expect(app.frame()).toContain(`! payments is registered at ${old}`);
    expect(app.frame()).toContain('A stack named payments is registered at');
    // w asks, naming both folders; the footer shows exactly the question's keys.
    let f = await app.press('w');
    expect(wiz(app).mode).toBe('move');
    const words = (t: string) => t.replace(/\s+/g, ' ');
    expect(words(f)).toContain(`registered at ${old}`);
    expect(words(f)).toContain(`writing to ${out}`);
    expect(f).toContain('Move payments here? y move · n/Esc write nothing');
    const footer = f.trimEnd().split('\n').at(-1)!;
    expect(footer).toMatch(/^y move n\/Esc write nothing$/);
    // n: nothing written, the stack stays where it is.
    f = await app.press('n');
    expect(wiz(app).mode).toBe('nav');
    expect(f).toContain(`Nothing was written; payments stays registered at ${old}`);
    expect(existsSync(out)).toBe(false);
    expect(new StacksRepo(db).get('payments')?.dir).toBe(old);
    // y: written here, and the stack (with its history) moved here, as the audit log says.
    await app.press('w');
    await app.press('y');
    f = await app.waitFor('written:');
    expect(joined(f)).toContain(`moved here from ${old}`);
    const stack = new StacksRepo(db).get('payments')!;
    expect(stack.dir).toBe(out);
    expect(new AuditRepo(db).forStack(stack.id)[0].detail).toMatchObject({ dir: out, movedFrom: old });
    app.unmount();
  });

  it('asks before overwriting a file the team edited: Esc keeps it, typing yes overwrites it', async () => {
    const { db } = tmpDb();
    const out = join(tmpDir(), 'payments');
    const app = await openWizard(db, { columns: 80, rows: 24 });
    await focusRow(app, 'name');
    await setText(app, 'payments');
    await gotoStep(app, 'review');
    await focusRow(app, 'outDir');
    await setText(app, out);
    await app.press('w');
    await app.waitFor('written:');
    expect(new StacksRepo(db).get('payments')?.dir).toBe(out);

    // Someone edits DESIGN.md; then the design changes, so DESIGN.md would be written again.
    appendFileSync(join(out, 'DESIGN.md'), '\nOur notes: keep this.\n');
    await gotoStep(app, 'basics');
    await focusRow(app, 'owner');
    await setText(app, 'payments-team');
    await gotoStep(app, 'review');
    expect(app.frame()).toContain('· updates the registered stack payments');
    let f = await app.press('w');
    expect(wiz(app).mode).toBe('overwrite');
    expect(f).toContain('edited since dayops wrote it');
    expect(f).toContain('✗ DESIGN.md');
    expect(f).toContain('Overwrite? (type yes, Enter)');
    expect(f.trimEnd().split('\n').at(-1)).toMatch(/^Enter overwrite \(type yes\) Esc cancel$/);
    // Nothing was written meanwhile.
    expect(readFileSync(join(out, 'DESIGN.md'), 'utf8')).toContain('Our notes: keep this.');
    expect(readBlueprint(join(out, 'blueprint.yaml')).metadata.owner).toBe('platform-team');
    f = await app.press('esc');
    expect(f).toContain('Nothing was written; the edited files are kept');
    expect(readFileSync(join(out, 'DESIGN.md'), 'utf8')).toContain('Our notes: keep this.');

    // Again, and this time answer: anything but yes is not an answer.
    await app.press('w');
    await app.type('no');
    f = await app.press('enter');
    expect(wiz(app).mode).toBe('overwrite');
    expect(f).toContain('Type yes and press Enter');
    await app.press('ctrlU');
    await app.type('yes');
    await app.press('enter');
    await app.waitFor('written:');
    expect(readFileSync(join(out, 'DESIGN.md'), 'utf8')).not.toContain('Our notes: keep this.');
    expect(readBlueprint(join(out, 'blueprint.yaml')).metadata.owner).toBe('payments-team');
    app.unmount();
  });
});
