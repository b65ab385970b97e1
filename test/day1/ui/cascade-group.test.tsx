/**
 * Day-1 shows a cascade (issue 12) as one group: the runs a change of outputs queued are listed under the run that
 * started it, marked as a tree, and the cursor walks the list as it is shown.
 */
import { describe, expect, it } from 'vitest';
import { groupCascades } from '../../../src/app/day1/cascade.js';
import { DependenciesRepo, type CascadeMember } from '../../../src/db/dependencies.js';
import { nextStep } from '../../../src/day1/dependencies/cascade.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { day1Fixture, openDay1, otherProcess } from './helpers.js';

const rowOf = (frame: string, id: number) => frame.split('\n').find((l) => new RegExp(`#${id} `).test(l)) ?? '';

describe('Day-1: a cascade is one group', () => {
  it('groups a cascade under its first run, in the order it ran; other runs keep their place', () => {
    const runs = [{ id: 6 }, { id: 5 }, { id: 4 }, { id: 3 }, { id: 2 }, { id: 1 }];
    // 2 started a cascade of 3 and 5; 6's cascade started at 1... whose runs are all shown; 4 is alone.
    const roots = new Map([
      [3, 2],
      [5, 2],
      [6, 1],
    ]);
    const g = groupCascades(runs, roots);
    expect(g.runs.map((r) => r.id)).toEqual([4, 2, 3, 5, 1, 6]);
    expect([...g.marks]).toEqual([
      [3, '├ '],
      [5, '└ '],
      [6, '└ '],
    ]);
    // A cascade whose first run is not listed (a filter, a page): its runs stay where they are.
    expect(groupCascades([{ id: 3 }], roots)).toEqual({ runs: [{ id: 3 }], marks: new Map() });
  });

  it('lists the cascade runs under the upstream run, marked, and j walks them in that order', async () => {
    const fx = day1Fixture([{ name: 'network' }, { name: 'cluster' }, { name: 'apps' }, { name: 'web' }]);
    const other = otherProcess(fx, 'bob');
    await other.wait(await other.start('network', { planOnly: true, trigger: 'cli' }));
    const stacks = new StacksRepo(fx.db);
    const [cluster, apps] = new DependenciesRepo(fx.db).queue(1, 1, 'bob', [
      { stackId: stacks.get('cluster')!.id, kind: 'tracked', autoApply: true, level: 1, reason: 'outputs changed' },
      { stackId: stacks.get('apps')!.id, kind: 'proposed', autoApply: false, level: 2, reason: 'outputs changed' },
    ]);
    // Ended, so that no process picks them up while the test looks.
    await other.cancel(cluster, 'bob');
    await other.cancel(apps, 'bob');
    await other.wait(await other.start('web', { planOnly: true, trigger: 'cli' }));

    const app = await openDay1(fx, { columns: 140 });
    const f = app.frame();
    const order = [4, 1, 2, 3].map((id) => f.indexOf(`#${id} `));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(rowOf(f, 2)).toMatch(/#2 ├ cluster\s+⊘ CANCELED\s+tracked\s+bob \(cascade\)/);
    expect(rowOf(f, 3)).toMatch(/#3 └ apps\s+⊘ CANCELED\s+proposed/);
    expect(rowOf(f, 1)).toMatch(/#1 network /);
    await app.press('j');
    expect(app.store.getState().day1.selected).toBe(1);
    await app.press('j');
    expect(app.store.getState().day1.selected).toBe(2);
    await app.press('j');
    expect(app.store.getState().day1.selected).toBe(3);
  }, 60_000);
});

describe('the next step of a cascade', () => {
  const m = (runId: number, state: string, extra: Partial<CascadeMember> = {}): CascadeMember => ({
    runId,
    rootRunId: 1,
    upstreamRunId: 1,
    stack: `s${runId}`,
    kind: 'tracked',
    state: state as CascadeMember['state'],
    pending: state === 'QUEUED' && !extra.skipped,
    level: runId,
    reason: 'r',
    skipped: null,
    error: null,
    ...extra,
  });
  it('starts the first queued run, waits for one being driven, stops after one that did not finish', () => {
    expect(nextStep([m(2, 'FINISHED'), m(3, 'QUEUED'), m(4, 'QUEUED')])).toEqual({
      step: 'start',
      member: m(3, 'QUEUED'),
    });
    expect(nextStep([m(2, 'APPLYING'), m(3, 'QUEUED')])).toEqual({ step: 'wait', member: m(2, 'APPLYING') });
    // Its dayops died before skipping the rest: whoever looks next stops the cascade.
    expect(nextStep([m(2, 'FAILED'), m(3, 'QUEUED')])).toEqual({ step: 'stop', member: m(2, 'FAILED') });
    expect(nextStep([m(2, 'UNCONFIRMED'), m(3, 'QUEUED')]).step).toBe('stop');
    expect(nextStep([m(2, 'FAILED'), m(3, 'CANCELED', { skipped: 'skipped: ...' })])).toEqual({ step: 'done' });
  });
});
