import { expect, test } from 'vitest';
import { AlertsRepo } from '../../../src/db/alerts.js';
import { OverviewRepo } from '../../../src/db/overview.js';
import { RunsRepo } from '../../../src/db/runs/repo.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack, newRun, OWNER } from './fixtures.js';

describeEngines('OverviewRepo', (e) => {
  test('one row per stack by name: newest run, newest tracked run, alert counts and the alerts source', () => {
    const runs = new RunsRepo(e.db);
    const web = addStack(e.db, 'web', 'prod').id;
    addStack(e.db, 'api', 'dev');
    const tracked = newRun(e.db, web, {}, 100).id;
    runs.tryStart(tracked, OWNER, 101);
    runs.move(tracked, 'plan', { now: 102, patch: { summary: { add: 3, change: 0, destroy: 1 } } });
    runs.move(tracked, 'finish', { now: 110 });
    const proposed = newRun(e.db, web, { kind: 'proposed', purpose: 'drift', trigger: 'schedule' }, 200).id;
    runs.move(proposed, 'fail', { now: 210, patch: { error: 'no credentials' } });
    new AlertsRepo(e.db).replace(
      web,
      [
        {
          fingerprint: 'f',
          alertname: 'Down',
          severity: 'critical',
          severityRank: 0,
          state: 'active',
          amState: 'active',
          silencedBy: [],
          inhibitedBy: [],
          labels: {},
          annotations: {},
          receivers: [],
          startsAt: 1,
          endsAt: null,
          updatedAt: null,
          generatorUrl: null,
        },
      ],
      300,
    );
    new SourcesRepo(e.db).recordFailure('alerts:web', 'refused', 400, { random: () => 0.5, baseMs: 1000 });
    const rows = new OverviewRepo(e.db).rows();
    expect(rows.map((r) => r.name)).toEqual(['api', 'web']);
    expect(rows[0]).toEqual({
      stackId: rows[0].stackId,
      name: 'api',
      environment: 'dev',
      tool: 'terraform',
      dir: '/srv/api',
      lastRun: null,
      lastChange: null,
      alerts: null,
      alertsSource: null,
    });
    expect(rows[1]).toEqual({
      stackId: web,
      name: 'web',
      environment: 'prod',
      tool: 'terraform',
      dir: '/srv/web',
      lastRun: {
        id: proposed,
        state: 'FAILED',
        kind: 'proposed',
        purpose: 'drift',
        trigger: 'schedule',
        triggeredBy: 'alice',
        createdAt: 200,
        startedAt: null,
        finishedAt: 210,
        summary: null,
        error: 'no credentials',
      },
      lastChange: {
        id: tracked,
        state: 'FINISHED',
        kind: 'tracked',
        purpose: 'deploy',
        trigger: 'cli',
        triggeredBy: 'alice',
        createdAt: 100,
        startedAt: 101,
        finishedAt: 110,
        summary: { add: 3, change: 0, destroy: 1 },
        error: null,
      },
      alerts: { critical: 1, warning: 0, info: 0, other: 0, suppressed: 0, total: 1 },
      alertsSource: { attemptedAt: 400, okAt: null, error: 'refused', failures: 1, nextRetryAt: 1400 },
    });
  });

  test('the same repository reads again what changed since', () => {
    const overview = new OverviewRepo(e.db);
    expect(overview.rows()).toEqual([]);
    const s = addStack(e.db).id;
    newRun(e.db, s);
    expect(overview.rows().map((r) => r.lastRun?.state)).toEqual(['QUEUED']);
  });
});
