import { expect, test } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun } from './fixtures.js';

describeEngines('AuditRepo', (e) => {
  test('append returns the id; entries read back newest first, by run and by stack, with JSON detail', () => {
    const audit = new AuditRepo(e.db);
    const web = addStack(e.db, 'web');
    const api = addStack(e.db, 'api');
    const run = newRun(e.db, web.id);
    const a = audit.append({ user: 'alice', action: 'approve', runId: run.id, stackId: web.id, at: 100 });
    const b = audit.append({
      user: 'bob',
      action: 'silence',
      stackId: api.id,
      comment: 'maintenance',
      detail: { matchers: [{ name: 'alertname', value: 'X' }], n: 2 },
      at: 200,
    });
    const c = audit.append({ user: 'carol', action: 'discard', runId: run.id, stackId: web.id, at: 300 });
    expect(b).toBeGreaterThan(a);
    expect(audit.forRun(run.id).map((x) => x.user)).toEqual(['alice', 'carol']);
    expect(audit.forStack(api.id)).toEqual([
      {
        id: b,
        at: 200,
        user: 'bob',
        action: 'silence',
        stackId: api.id,
        runId: null,
        comment: 'maintenance',
        detail: { matchers: [{ name: 'alertname', value: 'X' }], n: 2 },
      },
    ]);
    expect(audit.list().map((x) => x.id)).toEqual([c, b, a]);
    expect(audit.list(2)).toHaveLength(2);
    expect(audit.forStack(web.id, 1).map((x) => x.id)).toEqual([c]);
  });
});
