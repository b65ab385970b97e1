/** The small repositories: wizard drafts, tool process groups, governance's reads. */
import { expect, test } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { DraftsRepo } from '../../../src/db/drafts.js';
import { GovernanceRepo } from '../../../src/db/governance.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { ToolGroupsRepo } from '../../../src/db/tool-groups.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

describeEngines('DraftsRepo, ToolGroupsRepo, GovernanceRepo', (e) => {
  test('drafts: the most recently saved unfinished one is resumed; completed ones are not', () => {
    const drafts = new DraftsRepo(e.db);
    expect(drafts.open()).toBeUndefined();
    const a = drafts.create({ name: 'web', tags: ['x'] }, 'name', {}, 100);
    const b = drafts.create({ name: 'api' }, 'tool', { cursor: 2 }, 200);
    expect(b).toBeGreaterThan(a);
    expect(drafts.open()).toEqual({
      id: b,
      blueprint: { name: 'api' },
      step: 'tool',
      state: { cursor: 2 },
      createdAt: 200,
      updatedAt: 200,
    });
    drafts.update(a, { name: 'web2' }, 'review', { ok: true }, 300);
    expect(drafts.unfinished().map((d) => d.id)).toEqual([a, b]);
    expect(drafts.open()?.blueprint).toEqual({ name: 'web2' });
    drafts.markCompleted(a, 400);
    expect(drafts.unfinished().map((d) => d.id)).toEqual([b]);
  });

  test('tool groups: added (again: updated), listed oldest first, removed', () => {
    const groups = new ToolGroupsRepo(e.db);
    const s = addStack(e.db).id;
    const r1 = newRun(e.db, s).id;
    const r2 = newRun(e.db, s).id;
    groups.add(r2, 300, 'l3', OWNER, 30);
    groups.add(r1, 100, null, OWNER, 10);
    groups.add(r1, 100, 'l1', { host: 'h2', pid: 2, start: null }, 20);
    expect(groups.all()).toEqual([
      { runId: r1, pgid: 100, leaderStart: 'l1', owner: { host: 'h2', pid: 2, start: null }, startedAt: 20 },
      { runId: r2, pgid: 300, leaderStart: 'l3', owner: OWNER, startedAt: 30 },
    ]);
    groups.remove(r1, 100);
    expect(groups.all().map((g) => g.runId)).toEqual([r2]);
  });

  test('governance: the policies of the last run before this one that reached APPLYING; audit details', () => {
    const gov = new GovernanceRepo(e.db);
    const runs = new RunsRepo(e.db);
    const s = addStack(e.db).id;
    const make = (policies: unknown[], apply: boolean) => {
      const r = newRun(e.db, s);
      runs.tryStart(r.id, OWNER);
      runs.move(r.id, 'plan', { patch: { policies: policies as never } });
      runs.move(r.id, apply ? 'apply' : 'deny');
      if (apply) runs.move(r.id, 'finish');
      return r.id;
    };
    const first = make([{ name: 'p1' }], true);
    make([{ name: 'denied' }], false);
    const now = newRun(e.db, s).id;
    expect(gov.lastAppliedPolicies(s, now)).toEqual({ runId: first, policies: [{ name: 'p1' }] });
    expect(gov.lastAppliedPolicies(s, first)).toBeUndefined();
    const audit = new AuditRepo(e.db);
    audit.append({ user: 'a', action: 'policy', stackId: s, detail: { v: 1 } });
    audit.append({ user: 'a', action: 'policy', stackId: s });
    audit.append({ user: 'a', action: 'policy', stackId: s, detail: { v: 2 } });
    audit.append({ user: 'a', action: 'other', stackId: s, detail: { v: 3 } });
    expect(gov.auditDetails(s, 'policy')).toEqual([{ v: 2 }, { v: 1 }]);
  });
});
