import { expect, test } from 'vitest';
import { DependenciesRepo } from '../../../src/db/dependencies.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

describeEngines('DependenciesRepo', (e) => {
  test('outputs snapshots are upserted per stack and read back', () => {
    const deps = new DependenciesRepo(e.db);
    const s = addStack(e.db).id;
    expect(deps.outputs(s)).toBeUndefined();
    deps.saveOutputs(s, 'salt1', null, { url: { sensitive: false, hash: 'h1' } }, 10);
    const run = newRun(e.db, s).id;
    deps.saveOutputs(s, 'salt2', run, { url: { sensitive: true, hash: 'h2' } }, 20);
    expect(deps.outputs(s)).toEqual({
      salt: 'salt2',
      runId: run,
      outputs: { url: { sensitive: true, hash: 'h2' } },
      readAt: 20,
    });
  });

  test('a cascade queues one unowned run per downstream stack, claimed by one process only', () => {
    const deps = new DependenciesRepo(e.db);
    const runs = new RunsRepo(e.db);
    const net = addStack(e.db, 'net').id;
    const app = addStack(e.db, 'app').id;
    const db = addStack(e.db, 'db').id;
    const root = newRun(e.db, net).id;
    const queued = deps.queue(root, root, 'alice', [
      { stackId: db, kind: 'tracked', autoApply: true, level: 1, reason: 'output vpc_id changed' },
      { stackId: app, kind: 'proposed', autoApply: false, level: 2, reason: 'db changed' },
    ]);
    expect(queued).toHaveLength(2);
    expect(
      deps.queue(root, root, 'alice', [{ stackId: db, kind: 'tracked', autoApply: true, level: 1, reason: 'x' }]),
    ).toEqual([]);
    expect(runs.get(queued[0])).toMatchObject({ state: 'QUEUED', trigger: 'cascade', autoApply: true, owner: null });
    expect(runs.detail(queued[0])!.transitions).toMatchObject([{ state: 'QUEUED', note: `cascade from run ${root}` }]);
    expect(deps.members(root)).toEqual([
      {
        runId: queued[0],
        rootRunId: root,
        upstreamRunId: root,
        stack: 'db',
        kind: 'tracked',
        state: 'QUEUED',
        validationStatus: null,
        pending: true,
        level: 1,
        reason: 'output vpc_id changed',
        skipped: null,
        error: null,
      },
      expect.objectContaining({ runId: queued[1], stack: 'app', level: 2, kind: 'proposed' }),
    ]);
    expect(deps.pendingRoots()).toEqual([root]);
    expect(deps.rootsOf([queued[1], root, 12345])).toEqual(new Map([[queued[1], root]]));
    expect(deps.rootsOf([])).toEqual(new Map());
    expect(deps.claim(queued[0], OWNER, 50)).toBe(true);
    expect(new DependenciesRepo(e.open()).claim(queued[0], { host: 'b', pid: 2, start: null })).toBe(false);
    expect(deps.cascadeOf(queued[0])).toMatchObject({ pending: false });
    deps.markSkipped(queued[1], 'upstream failed');
    expect(deps.cascadeOf(queued[1])?.skipped).toBe('upstream failed');
    expect(deps.claim(queued[1], OWNER)).toBe(true);
    expect(deps.pendingRoots()).toEqual([]);
    expect(deps.cascadeOf(root)).toBeUndefined();
  });
});
