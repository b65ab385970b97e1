import { expect, test } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { RevisionsRepo } from '../../../src/db/revisions.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

describeEngines('RevisionsRepo', (e) => {
  /** A tracked run of `stackId` at `revision` that finished (validation as given) or failed. */
  const finished = (
    stackId: number,
    revision: string | null,
    validation: 'passed' | 'failed' | null,
    ok = true,
  ): number => {
    const runs = new RunsRepo(e.db);
    const rev = new RevisionsRepo(e.db);
    const id = newRun(e.db, stackId).id;
    rev.set(id, revision === null ? null : { revision, kind: 'git', dirty: false });
    runs.tryStart(id, OWNER);
    runs.move(id, 'plan');
    runs.move(id, ok ? 'finish' : 'fail', { patch: validation ? { validationStatus: validation } : {} });
    return id;
  };

  test('a run revision is set and read back; links are audited', () => {
    const rev = new RevisionsRepo(e.db);
    const s = addStack(e.db).id;
    const from = newRun(e.db, s).id;
    const id = newRun(e.db, s).id;
    expect(rev.get(id)).toEqual({
      runId: id,
      revision: null,
      kind: null,
      dirty: false,
      promotedFromRunId: null,
      rollbackOfRunId: null,
    });
    rev.set(id, { revision: 'abc123', kind: 'content', dirty: true });
    rev.link(
      id,
      { promotedFromRunId: from, rollbackOfRunId: from },
      { user: 'alice', action: 'rollback', stackId: s, detail: { to: 'abc' } },
      77,
    );
    expect(rev.get(id)).toEqual({
      runId: id,
      revision: 'abc123',
      kind: 'content',
      dirty: true,
      promotedFromRunId: from,
      rollbackOfRunId: from,
    });
    expect(new AuditRepo(e.db).forRun(id)).toMatchObject([
      { user: 'alice', action: 'rollback', at: 77, detail: { to: 'abc' } },
    ]);
    expect(rev.get(99999)).toBeUndefined();
  });

  test('last succeeded, previous good (skipping failed validations), validation carried over no-op runs', () => {
    const rev = new RevisionsRepo(e.db);
    const s = addStack(e.db).id;
    expect(rev.hasValidation).toBe(true);
    const good = finished(s, 'r1', 'passed');
    const bad = finished(s, 'r2', 'failed');
    const noop = finished(s, 'r2', null);
    finished(s, 'r3', null, false);
    expect(rev.lastSucceeded(s)).toMatchObject({ runId: noop, revision: 'r2', stackName: 'web', state: 'FINISHED' });
    expect(rev.validation(bad)).toBe('failed');
    expect(rev.validation(noop)).toBe('failed');
    expect(rev.previousGood(s, noop + 100)).toMatchObject({ runId: good, validation: 'passed' });
    const unvalidated = finished(s, 'r4', null);
    expect(rev.validation(unvalidated)).toBeNull();
    expect(rev.previousGood(s, unvalidated + 1)).toMatchObject({ runId: unvalidated, validation: null });
    expect(rev.lastSucceeded(addStack(e.db, 'other').id)).toBeUndefined();
  });
});
