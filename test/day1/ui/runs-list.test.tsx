/**
 * The runs table: order, columns, live updates from other dayops processes, the stack filter; the start-up
 * recovery flash; quitting while runs are active.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LogsRepo } from '../../../src/db/logs.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { driveApp } from '../../helpers/ink.js';
import { day1Fixture, openDay1, otherProcess, until } from './helpers.js';

/** Three ended or parked runs made by another dayops: web plan-only, api waiting, bad failed. */
async function threeRuns() {
  const fx = day1Fixture([
    { name: 'web', scenario: 'create' },
    { name: 'api', scenario: 'update' },
    { name: 'bad', scenario: 'error', environment: 'prod' },
  ]);
  const other = otherProcess(fx, 'bob');
  await other.wait(await other.start('web', { planOnly: true, trigger: 'cli' }));
  await other.wait(await other.start('api', { trigger: 'cli' }));
  await other.wait(await other.start('bad', { trigger: 'cli' }));
  return { fx, other };
}

const rowOf = (frame: string, id: number) => frame.split('\n').find((l) => new RegExp(`#${id} `).test(l)) ?? '';

describe('Day-1 runs list', () => {
  it('lists runs newest first with state, kind, who, duration and plan; ←/→ filter by stack', async () => {
    const { fx } = await threeRuns();
    const app = await openDay1(fx);
    const f = app.frame();
    expect(f).toMatch(/RUN STACK\s+STATE\s+KIND\s+BY\s+TIME\s+CHANGES\s+STARTED/);
    expect(f.indexOf('#3 ')).toBeLessThan(f.indexOf('#2 '));
    expect(f.indexOf('#2 ')).toBeLessThan(f.indexOf('#1 '));
    expect(rowOf(f, 3)).toMatch(/›\s+#3 bad\s+✗ FAILED\s+apply\s+bob \(cli\)\s+\d+s/);
    expect(rowOf(f, 2)).toMatch(/#2 api\s+◆ UNCONFIRMED\s+apply\s+bob \(cli\)\s+\d+s\s+\+0 ~1 -0 planned/);
    expect(rowOf(f, 1)).toMatch(/#1 web\s+✓ FINISHED\s+plan\s+bob \(cli\)\s+\d+s\s+\+5 ~0 -0 planned/);
    expect(f).toContain('3 runs');

    // → walks the stacks (sorted by name): api first.
    let g = await app.press('right');
    expect(g).toContain('1 run of api');
    expect(rowOf(g, 2)).toContain('api');
    expect(rowOf(g, 1)).toBe('');
    expect(g).toMatch(/stack api \(dev\)/);
    g = await app.press('l');
    expect(g).toContain('1 run of bad');
    expect(g).toMatch(/stack bad \(prod\)/);
    g = await app.press('esc');
    expect(g).toContain('3 runs');

    // Moving and opening
    await app.press('j');
    expect(app.store.getState().day1.selected).toBe(2);
    const opened = await app.press('enter');
    expect(opened).toContain('#2 api ◆ UNCONFIRMED');
    expect(opened).toContain('terraform_data.web: Plan to update');
    await app.press('esc');
    expect(app.store.getState().day1.screen).toBe('list');
  });

  it('the changes column says what a FAILED or CANCELED apply really applied, and that it is applied', async () => {
    const fx = day1Fixture([
      { name: 'boot', scenario: 'provisioner-error' },
      // stops after the first of five creates completed (version, 5 planned, two started, old done)
      { name: 'five', scenario: 'create', fake: { hang: 'apply:9', interruptDelayMs: 50 } },
    ]);
    const other = otherProcess(fx, 'bob');
    const failed = await other.start('boot', { autoApprove: true, trigger: 'cli' });
    expect((await other.wait(failed)).state).toBe('FAILED');
    const canceled = await other.start('five', { autoApprove: true, trigger: 'cli' });
    await until(
      () => other.logs.tail(canceled, 5).some((l) => /old: Creation complete/.test(l.text)),
      'the first create to complete',
    );
    await other.cancel(canceled, 'bob');
    expect((await other.wait(canceled)).state).toBe('CANCELED');
    const app = await openDay1(fx);
    const f = app.frame();
    // planned +2 and +5; applied +1 each
    expect(rowOf(f, failed)).toMatch(/✗ FAILED\s+apply\s+bob \(cli\)\s+\d+s\s+\+1 ~0 -0 applied/);
    expect(rowOf(f, canceled)).toMatch(/⊘ CANCELED\s+apply\s+bob \(cli\)\s+\d+s\s+\+1 ~0 -0 applied/);
  });

  it('fits 80x24: fewer columns, still every state readable; the run view stacks its parts', async () => {
    const { fx } = await threeRuns();
    const app = await openDay1(fx, { columns: 80, rows: 24 });
    const f = app.frame();
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(f).not.toContain('STARTED');
    expect(rowOf(f, 2)).toMatch(/#2 api\s+◆ UNCONFIRMED\s+apply/);
    expect(rowOf(f, 2)).toContain('+0 ~1 -0');
    // The run under the cursor (#3) failed: nothing to approve; the waiting #2 offers it.
    expect(f).not.toContain('a approve');
    await app.press('j');
    await app.settle();
    expect(app.frame()).toContain('a approve');
    await app.press('enter');
    let r = app.frame();
    expect(r).toContain('#2 api');
    expect(r).not.toContain('Plan · run #2');
    r = await app.press('v');
    expect(r).toContain('Plan · run #2');
    expect(r).toMatch(/~\s+terraform_data\.web update/);
    expect(r).toContain('Approvals 0 of 1');
    r = await app.press('v');
    expect(r).toContain('terraform_data.web: Plan to update');
  });

  it('a run started by another dayops process on the same database shows up within a second', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create' }]);
    const app = await openDay1(fx);
    expect(app.frame()).toContain('No runs yet');
    const other = otherProcess(fx, 'carol');
    const id = await other.start('web', { planOnly: true, trigger: 'cli' });
    await app.waitFor(`#${id} web`, 1000);
    const row = rowOf(await app.waitFor(/#1 web\s+✓ FINISHED/, 10_000), 1);
    expect(row).toContain('carol (cli)');
  });

  it('? lists the Day-1 keys with their descriptions', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create' }]);
    const app = await openDay1(fx, { columns: 160, rows: 50 });
    const help = await app.press('?');
    expect(help).toContain('Runs list');
    expect(help).toContain('Start a tracked run (plan, approval, apply)');
    expect(help).toContain('Approve a waiting run (comment, confirm; prod: type its name)');
  });
});

describe('Day-1 at start-up and quit', () => {
  it('names the runs a crashed dayops left behind, marked interrupted', async () => {
    const fx = day1Fixture([
      { name: 'payments', scenario: 'create' },
      { name: 'web', scenario: 'create' },
    ]);
    // Runs owned by a process that is gone (a child that already exited).
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const runs = new RunsRepo(fx.db);
    const stacks = new StacksRepo(fx.db);
    for (const name of ['payments', 'web']) {
      const r = runs.create({
        stackId: stacks.get(name)!.id,
        kind: 'tracked',
        purpose: 'deploy',
        triggeredBy: 'dan',
        trigger: 'tui',
        autoApply: false,
        owner: { host: hostname(), pid: dead, start: null },
      });
      runs.tryStart(r.id, { host: hostname(), pid: dead, start: null });
    }
    const app = await driveApp(fx.db, { dbPath: fx.path, env: fx.env });
    expect(app.frame()).toContain('2 runs were interrupted when dayops stopped: #1 payments, #2 web');
    expect(runs.get(1)!.state).toBe('FAILED');
    expect(runs.get(1)!.error).toBe('interrupted: dayops stopped while this run was INITIALIZING');
    expect(
      new LogsRepo(fx.db)
        .page(1, 1, 10)
        .map((l) => l.text)
        .join('\n'),
    ).toContain('marked FAILED');
    app.unmount();
    // unmount() shut the app's services down, its run service with them.
  });

  it('q asks first while a run is active; quitting interrupts it', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create', fake: { hang: 'plan:2' } }]);
    const app = await openDay1(fx);
    await app.press('t', 'enter');
    await until(() => new RunsRepo(fx.db).get(1)?.toolPid != null, 'the tool to run');
    const pid = new RunsRepo(fx.db).get(1)!.toolPid!;
    await until(() => app.store.getState().activeRuns === 1, 'activeRuns to count the run');
    const asked = await app.press('q');
    expect(asked).toContain('1 run is active. Quit and interrupt it? y / n');
    await app.press('n');
    expect(app.store.getState().quitting).toBe(false);
    await app.press('q', 'y');
    expect(app.store.getState().quitting).toBe(true);
    // What the app does on its way out (src/tui.tsx): shut the services down.
    await app.services.shutdown();
    const run = new RunsRepo(fx.db).get(1)!;
    expect(run.state).toBe('CANCELED');
    expect(run.error).toContain('dayops is quitting');
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
