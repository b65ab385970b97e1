import { expect, test } from 'vitest';
import { SourcesRepo } from '../../../src/db/sources.js';
import { describeEngines } from '../../helpers/engines.js';

describeEngines('SourcesRepo', (e) => {
  test('a failure counts up with backoff and keeps the last success; an ok clears it', () => {
    const sources = new SourcesRepo(e.db);
    const fixed = { baseMs: 1000, random: () => 0.5 };
    expect(sources.status('alerts:web', 0)).toMatchObject({ stale: true, failures: 0, okAt: null });
    expect(sources.isDue('alerts:web', 0)).toBe(true);
    sources.recordOk('alerts:web', 100);
    const f1 = sources.recordFailure('alerts:web', 'connection refused', 200, fixed);
    expect(f1).toEqual({
      key: 'alerts:web',
      attemptedAt: 200,
      okAt: 100,
      error: 'connection refused',
      failures: 1,
      nextRetryAt: 1200,
    });
    expect(sources.recordFailure('alerts:web', 'again', 300, fixed)).toMatchObject({ failures: 2, nextRetryAt: 2300 });
    expect(sources.isDue('alerts:web', 2299)).toBe(false);
    expect(sources.isDue('alerts:web', 2300)).toBe(true);
    sources.recordOk('alerts:web', 400);
    expect(sources.status('alerts:web', 500, 1000)).toMatchObject({
      error: null,
      failures: 0,
      nextRetryAt: null,
      okAt: 400,
      stale: false,
    });
    expect(sources.status('alerts:web', 5000, 1000).stale).toBe(true);
  });

  test('list by prefix, ordered by key; remove forgets one', () => {
    const sources = new SourcesRepo(e.db);
    for (const k of ['backups:web', 'alerts:web', 'alerts:api', 'alertsx', 'drift:web']) sources.recordOk(k, 1);
    expect(sources.list('alerts:').map((s) => s.key)).toEqual(['alerts:api', 'alerts:web']);
    expect(sources.list().map((s) => s.key)).toEqual([
      'alerts:api',
      'alerts:web',
      'alertsx',
      'backups:web',
      'drift:web',
    ]);
    sources.remove('alerts:api');
    expect(sources.get('alerts:api')).toBeUndefined();
    expect(sources.list('alerts:')).toHaveLength(1);
  });
});
