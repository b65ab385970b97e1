/** The plan panel shows a run's checks under it, live: running ones with their time so far, then each result. */
import { describe, expect, it } from 'vitest';
import { checkRows } from '../../../components/day1/PlanPanel.js';
import type { CheckRecord } from '../../../src/db/checks.js';

const text = (rows: { text: string }[][]) => rows.map((r) => r.map((s) => s.text).join(''));

function check(c: Partial<CheckRecord>): CheckRecord {
  return {
    id: 1,
    runId: 7,
    stackId: 1,
    stackName: 'shop',
    source: 'after-apply',
    name: 'web-up',
    kind: 'http',
    status: 'running',
    startedAt: 1_000,
    finishedAt: null,
    durationMs: 0,
    attempts: 1,
    message: null,
    output: null,
    ...c,
  };
}

describe('the checks under a run', () => {
  it('show each check live while the run validates, then the verdict with each message', () => {
    expect(text(checkRows({ state: 'VALIDATING', validation: null }, 60, 5_000))).toEqual([
      '',
      'Validating (0 of 0 checks passed so far)',
      '  starting the checks',
    ]);
    const live = checkRows(
      {
        state: 'VALIDATING',
        validation: {
          status: null,
          checks: [
            check({
              name: 'smoke',
              kind: 'command',
              status: 'passed',
              durationMs: 2_000,
              message: './smoke.sh exited 0',
            }),
            check({ startedAt: 1_000 }),
          ],
        },
      },
      60,
      5_000,
    );
    expect(text(live)).toEqual([
      '',
      'Validating (1 of 2 checks passed so far)',
      '  ✓ passed smoke · command · 2s',
      '      ./smoke.sh exited 0',
      '  ▶ running web-up · http · 4s',
    ]);
    const done = checkRows(
      {
        state: 'FINISHED',
        validation: {
          status: 'failed',
          checks: [
            check({
              status: 'failed',
              durationMs: 120_000,
              message: 'expected HTTP 200 from https://shop.example.com/healthz, got HTTP 503',
            }),
          ],
        },
      },
      60,
      500_000,
    );
    expect(text(done)).toEqual([
      '',
      'Validation failed (0 of 1 checks passed)',
      '  ✗ failed web-up · http · 2m00s',
      '      expected HTTP 200 from',
      '      https://shop.example.com/healthz, got HTTP 503',
    ]);
    expect(checkRows({ state: 'FINISHED', validation: null }, 60, 0)).toEqual([]);
  });
});
