/**
 * Starting, approving, discarding and canceling runs from the keyboard, on stacks whose tofu is the fake that
 * replays recorded Terraform outputs. Every action must reach the run service (state moves, audit entries).
 */
import { describe, expect, it } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { LogsRepo } from '../../../src/db/logs.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { osUser } from '../../../src/os-user.js';
import { day1Fixture, openDay1, otherProcess, sleep, until } from './helpers.js';

const WARN_ADDS = `policies:
  - { name: tell-about-adds, kind: warn, expr: "plan.summary.add > 0", message: "This plan adds {{ plan.summary.add }} resources" }`;

const me = osUser();
const footer = (frame: string) => frame.trimEnd().split('\n').at(-1)!.trim();

describe('Day-1: a tracked run from the keyboard', () => {
  it('t starts a tracked run; lines stream into the pane; the plan panel shows changes and the policy; a approves and it finishes', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create', fake: { delayMs: 40 }, yaml: WARN_ADDS }]);
    const app = await openDay1(fx, { columns: 140, rows: 40 });
    const picker = await app.press('t');
    expect(picker).toContain('Start a tracked run (plan, approval, apply) on which stack?');
    expect(picker).toContain('› web (dev, opentofu)');
    await app.press('enter');

    // The first lines are on screen while the tool still runs: the first frame that shows them (polling the latest
    // frame could miss it on a busy machine, and see the run parked already).
    await app.waitFor('Initializing the backend');
    const streaming = app.frames.find((f) => f.includes('Initializing the backend'))!;
    expect(streaming).not.toContain('waiting for approval');
    expect(streaming).toMatch(/#1 web [▶◌] (INIT|PLANNING|QUEUED)/);
    expect(streaming).toContain('following');

    const parked = await app.waitFor('◆ UNCONFIRMED', 15_000);
    expect(parked).toContain('terraform_data.db: Plan to create');
    expect(parked).toContain('waiting for approval (1 required)');
    // The plan panel (side by side at 140 columns)
    expect(parked).toContain('Plan · run #1');
    expect(parked).toContain('Changes (5)');
    expect(parked).toMatch(/\+\s+terraform_data\.cache create/);
    expect(parked).toContain('Approvals 0 of 1');
    expect(parked).toContain('Policies (1, 1 fired)');
    expect(parked).toMatch(/! warn tell-about-adds\s/);
    expect(parked).toMatch(/warn · dayops\.yaml/);
    expect(parked).toContain('This plan adds 5 resources');
    // A run waiting for approval offers approve, discard and cancel.
    await app.settle();
    expect(footer(app.frame())).toMatch(/a approve d discard c cancel/);

    // a: a comment, then the confirm
    const comment = await app.press('a');
    expect(comment).toContain('Approve run #1 of web');
    expect(comment).toContain('Comment (optional):');
    await app.type('looks good');
    const confirm = await app.press('enter');
    expect(confirm).toContain('Approve run #1? y yes · n/Esc no');
    // The footer offers exactly the dialog's keys: y and n/Esc, no Enter (the dialog does not take it).
    expect(footer(confirm)).toBe('y yes n/Esc no');
    expect(fx.db.prepare('SELECT count(*) AS n FROM approvals').get()).toEqual({ n: 0 });
    await app.press('y');

    const done = await app.waitFor('✓ FINISHED', 15_000);
    // A finished run offers nothing to approve, discard or cancel.
    await app.settle();
    expect(footer(app.frame())).not.toMatch(/approve|discard|cancel/);
    expect(done).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
    expect(done).toContain('── apply');
    // g goes to the first line; P jumps from phase to phase.
    expect(await app.press('g')).toMatch(/── init ─[\s\S]*── plan ─/);
    const count = new LogsRepo(fx.db).count(1);
    const phases = new LogsRepo(fx.db).phases(1);
    expect(await app.press('P')).toMatch(new RegExp(`${phases.plan}-\\d+/${count}`));
    expect(await app.press('P')).toMatch(new RegExp(`${phases.apply}-\\d+/${count}`));
    expect(app.frame()).toMatch(/── apply ─/);
    await app.press('G');
    const run = new RunsRepo(fx.db).get(1)!;
    expect(run.state).toBe('FINISHED');
    expect(new AuditRepo(fx.db).forRun(1).map((e) => [e.action, e.user, e.comment])).toEqual([
      ['approve', me, 'looks good'],
    ]);
    expect(app.store.getState().activeRuns).toBe(0);
  });

  it('a prod stack is approved only by typing its name: a wrong name is refused and nothing is approved', async () => {
    const fx = day1Fixture([{ name: 'payments', scenario: 'create', environment: 'prod' }]);
    const app = await openDay1(fx);
    await app.press('t', 'enter');
    await app.waitFor('◆ UNCONFIRMED', 15_000);
    await app.press('a');
    const confirm = await app.press('enter'); // no comment
    expect(confirm).toContain('(PROD)');
    expect(confirm).toContain("Type the stack's name payments to approve:");
    // y does not approve a prod run: it is typed into the field
    await app.type('y');
    const wrong = await app.press('enter');
    expect(wrong).toContain('"y" is not payments: nothing approved');
    await app.type('paymnets');
    await app.press('enter');
    expect(app.frame()).toContain('"paymnets" is not payments');
    expect(new AuditRepo(fx.db).forRun(1)).toEqual([]);
    expect(new RunsRepo(fx.db).get(1)!.state).toBe('UNCONFIRMED');

    await app.type('payments');
    await app.press('enter');
    await app.waitFor('✓ FINISHED', 15_000);
    expect(new AuditRepo(fx.db).forRun(1).map((e) => [e.action, e.user])).toEqual([['approve', me]]);
  });

  it('a plan that needs two approvers: the panel counts approvals and names who gave them', async () => {
    // `mixed` deletes and replaces: the shipped prod policy asks for a second approver.
    const fx = day1Fixture([{ name: 'payments', scenario: 'mixed', environment: 'prod' }]);
    const app = await openDay1(fx, { columns: 140, rows: 40 });
    await app.press('t', 'enter');
    const parked = await app.waitFor('◆ UNCONFIRMED', 15_000);
    expect(parked).toContain('Approvals 0 of 2');
    expect(parked).toMatch(/◆ fired deletes-need-second-approver\s/);
    expect(parked).toMatch(/requires 2 approvals · default/);
    expect(parked).toMatch(/✓ passed max-changes · deny · default/);
    expect(parked).toMatch(/-\/\+ terraform_data\.cache\s/);
    expect(parked).toContain('replace (replace because cannot update)');
    expect(parked).toMatch(/→\s+terraform_data\.modern\s/);
    expect(parked).toContain('move from terraform_data.legacy');
    expect(parked).toMatch(/-\s+terraform_data\.old\s/);
    expect(parked).toMatch(/~\s+terraform_data\.web update/);
    await app.press('a');
    await app.type('first pair of eyes');
    await app.press('enter');
    await app.type('payments');
    await app.press('enter');
    const one = await app.waitFor('Approvals 1 of 2');
    expect(one).toContain(`✓ ${me}`);
    expect(one).toContain('first pair of eyes');
    expect(one).toContain('1 more approval(s) needed from other users');
    // The same user cannot approve twice.
    const again = await app.press('a');
    expect(again).toContain(`already approved run #1 (1 of 2); another user must approve`);
    expect(again).not.toContain('Comment (optional)');

    // A second user approves in another dayops process: that one applies; this screen follows.
    await otherProcess(fx, 'bob').approve(1, 'bob');
    const done = await app.waitFor('✓ FINISHED', 15_000);
    // A finished run offers nothing to approve, discard or cancel.
    await app.settle();
    expect(footer(app.frame())).not.toMatch(/approve|discard|cancel/);
    expect(done).toContain('Approvals 2 of 2');
    expect(done).toContain('✓ bob');
  });

  it('d discards a waiting run after a confirm; Esc or n leave it waiting', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'update' }]);
    const app = await openDay1(fx);
    await app.press('t', 'enter');
    await app.waitFor('◆ UNCONFIRMED', 15_000);
    await app.press('d', 'esc');
    expect(app.frame()).toContain('Nothing discarded: run #1 is as it was');
    await app.press('d', 'enter');
    await app.press('n');
    expect(new RunsRepo(fx.db).get(1)!.state).toBe('UNCONFIRMED');
    await app.press('d');
    await app.type('wrong branch');
    await app.press('enter');
    await app.press('y');
    await app.waitFor('– DISCARDED');
    expect(new RunsRepo(fx.db).get(1)!.state).toBe('DISCARDED');
    expect(new AuditRepo(fx.db).forRun(1).map((e) => [e.action, e.comment])).toEqual([['discard', 'wrong branch']]);
    // Its plan can no longer be approved.
    const refused = await app.press('a');
    expect(refused).toContain('Run #1 is – DISCARDED; only a run waiting for approval (◆ UNCONFIRMED) can be approved');
  });

  it('c cancels a hanging run: the tool is interrupted and the run ends CANCELED with its log kept', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create', fake: { hang: 'plan:2' } }]);
    const app = await openDay1(fx);
    await app.press('t', 'enter');
    await app.waitFor('terraform_data.cache: Plan to create');
    await until(() => new RunsRepo(fx.db).get(1)?.toolPid != null, 'the tool to run');
    const pid = new RunsRepo(fx.db).get(1)!.toolPid!;
    expect(app.store.getState().activeRuns).toBe(1);
    const ask = await app.press('c');
    expect(ask).toContain('Cancel run #1 of web');
    expect(ask).toContain('its tool is interrupted');
    await app.press('y');
    const canceled = await app.waitFor('⊘ CANCELED', 15_000);
    expect(canceled).toContain('terraform_data.cache: Plan to create');
    expect(canceled).toMatch(/canceled by /);
    expect(new RunsRepo(fx.db).get(1)!.state).toBe('CANCELED');
    expect(new AuditRepo(fx.db).forRun(1).map((e) => e.action)).toEqual(['cancel']);
    expect(() => process.kill(pid, 0)).toThrow();
    await until(() => app.store.getState().activeRuns === 0, 'activeRuns to drop');
  });

  it('motion keys never approve, discard or cancel', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'update' }]);
    const app = await openDay1(fx);
    await app.press('t', 'enter');
    await app.waitFor('◆ UNCONFIRMED', 15_000);
    await app.press('j', 'k', 'down', 'up', 'g', 'G', 'ctrlD', 'ctrlU', 'pgdown', 'pgup', 'home', 'end');
    await app.press('esc', 'j', 'k', 'ctrlD', 'ctrlU', 'g', 'G', 'enter');
    await sleep(100);
    expect(new RunsRepo(fx.db).get(1)!.state).toBe('UNCONFIRMED');
    expect(new AuditRepo(fx.db).forRun(1)).toEqual([]);
    expect(app.frame()).not.toContain('Approve run');
  });
});

describe('Day-1 in --readonly', () => {
  it('refuses tracked runs, approvals, discards and cancels with a reason; plan-only runs still start', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'update' }]);
    // A run waiting for approval, made by a normal dayops.
    const other = otherProcess(fx, 'alice');
    const id = await other.start('web');
    expect((await other.wait(id)).state).toBe('UNCONFIRMED');

    const app = await openDay1(fx, { readonly: true });
    expect(app.frame()).toContain('[read-only]');
    const t = await app.press('t');
    expect(t).toContain('readonly mode (--readonly): only proposed runs can start; p starts one');
    expect(t).not.toContain('on which stack?');
    expect(await app.press('a')).toContain('readonly mode (--readonly): approving a run is not allowed');
    expect(await app.press('d')).toContain('readonly mode (--readonly): discarding a run is not allowed');
    expect(await app.press('c')).toContain('readonly mode (--readonly): canceling a run is not allowed');
    expect(new RunsRepo(fx.db).get(id)!.state).toBe('UNCONFIRMED');

    await app.press('p', 'enter');
    const done = await app.waitFor(/#2 web ✓ FINISHED/, 15_000);
    expect(done).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(new RunsRepo(fx.db).get(2)!.kind).toBe('proposed');
    expect(fx.tf.web.invocations().filter((i) => i.argv[1] === 'apply')).toEqual([]);
  });
});
