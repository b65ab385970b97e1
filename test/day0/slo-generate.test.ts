/**
 * Day-0's success criteria reach Day-2: the generated dayops.yaml has `rtoMinutes` and an `slo:` list (availability
 * at the design's availabilitySlo, p95 latency under p95LatencyMs) with the usual metric names, which the stack
 * config schema reads back.
 */
import { parse as parseYamlText } from 'yaml';
import { describe, expect, it } from 'vitest';
import { stackConfigSchema } from '../../src/config/stack-config.js';
import { generate } from '../../src/day0/generate/index.js';
import { richDesign } from './designs.js';

describe('generated dayops.yaml: success criteria as SLOs', () => {
  it('writes rtoMinutes and the two SLOs from successCriteria, editable, valid', () => {
    const bp = richDesign('aws');
    bp.successCriteria = { availabilitySlo: 99.95, p95LatencyMs: 250, rpoMinutes: 30, rtoMinutes: 120 };
    const text = generate(bp, []).find((f) => f.path === 'dayops.yaml')!.content;
    const cfg = stackConfigSchema.parse(parseYamlText(text));
    expect(cfg.rpoMinutes).toBe(30);
    expect(cfg.rtoMinutes).toBe(120);
    expect(cfg.slo).toEqual([
      {
        name: 'availability',
        objective: 99.95,
        window: '30d',
        good: 'http_requests_total{code!~"5.."}',
        total: 'http_requests_total',
      },
      {
        name: 'latency-p95',
        objective: 95,
        window: '30d',
        good: 'http_request_duration_seconds_bucket{le="0.25"}',
        total: 'http_request_duration_seconds_count',
      },
    ]);
    // Nothing is measured until the team names its Prometheus: the file says so where the SLOs are.
    expect(cfg.monitoring).toBeUndefined();
    expect(text).toMatch(/# The success criteria as SLOs, measured from Prometheus once monitoring: \{ prometheusUrl/);
    expect(text).toContain('rtoMinutes: 120 # restore tests slower than this are flagged');
  });
});
