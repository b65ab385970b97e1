/** The `slo:` and `monitoring:` blocks of dayops.yaml: defaults, and one clear line for each mistake. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../../src/config/stack-config.js';
import { windowSeconds } from '../../../src/config/slo-config.js';
import { tmpDir } from '../../helpers/tmp.js';

function load(yaml: string) {
  const dir = tmpDir();
  writeFileSync(join(dir, 'dayops.yaml'), yaml);
  return () => loadStackConfig(dir);
}

const GOOD = `good: 'http_requests_total{code!~"5.."}'\n    total: http_requests_total`;

describe('slo config', () => {
  it('reads the issue example, with the 30d window by default', () => {
    const cfg = load(`monitoring: { prometheusUrl: http://127.0.0.1:9090 }
rtoMinutes: 240
slo:
  - name: availability
    objective: 99.9
    window: 30d
    ${GOOD}
  - name: latency
    objective: 95
    good: 'http_request_duration_seconds_bucket{le="0.3"}'
    total: 'http_request_duration_seconds_count'
`)();
    expect(cfg.monitoring).toEqual({ prometheusUrl: 'http://127.0.0.1:9090' });
    expect(cfg.rtoMinutes).toBe(240);
    expect(cfg.slo?.map((s) => [s.name, s.objective, s.window])).toEqual([
      ['availability', 99.9, '30d'],
      ['latency', 95, '30d'],
    ]);
    expect(windowSeconds('4w')).toBe(28 * 86_400);
  });

  it.each([
    ['objective: 100', /slo\[0\]\.objective: .*below 100 \(an objective of 100% leaves no error budget\)/],
    ['objective: 0', /slo\[0\]\.objective: must be a percent above 0/],
    ['objective: 99.9\n    window: 30 days', /slo\[0\]\.window: must be a duration such as 30d, 4w or 12h/],
    ['objective: 99.9\n    window: 5m', /slo\[0\]\.window: must be at least 1h/],
    ['objective: 99.9\n    godo: x', /slo\[0\]\.godo: unknown key/],
  ])('%s is one line naming the field', (extra, message) => {
    const read = load(`slo:\n  - name: a\n    ${extra}\n    ${GOOD}\n`);
    expect(read).toThrow(message);
    try {
      read();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses two SLOs of one name and a Prometheus URL that is not a URL', () => {
    expect(
      load(`slo:\n  - name: a\n    objective: 99\n    ${GOOD}\n  - name: a\n    objective: 98\n    ${GOOD}\n`),
    ).toThrow(/slo\[1\]\.name: "a" is already the name of another SLO/);
    expect(load('monitoring: { prometheusUrl: "not a url" }\n')).toThrow(
      /monitoring\.prometheusUrl: must be a URL such as http:\/\/127\.0\.0\.1:9090/,
    );
  });
});
