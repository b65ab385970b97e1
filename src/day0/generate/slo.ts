/**
 * The design's success criteria as dayops.yaml `slo:` entries, with the metric names most HTTP services export
 * (Prometheus client libraries, ingress-nginx and most meshes can be relabelled to them); the team edits them to
 * their own. The availability SLO counts non-5xx requests; the latency SLO counts requests faster than the p95
 * target in the request-duration histogram (its `le` must be one of the histogram's buckets).
 */
import type { Blueprint } from '../blueprint.js';

export const AVAILABILITY_GOOD = 'http_requests_total{code!~"5.."}';
export const AVAILABILITY_TOTAL = 'http_requests_total';
export const LATENCY_TOTAL = 'http_request_duration_seconds_count';

/** `le` as client libraries write it: 300 ms -> "0.3", 1000 ms -> "1". */
export function leOf(ms: number): string {
  return String(ms / 1000);
}

/** The `slo:` list of a design: availability at its availabilitySlo, p95 latency at 95% under p95LatencyMs. */
export function slosOf(bp: Blueprint): Record<string, unknown>[] {
  const c = bp.successCriteria;
  return [
    {
      name: 'availability',
      objective: c.availabilitySlo,
      window: '30d',
      good: AVAILABILITY_GOOD,
      total: AVAILABILITY_TOTAL,
    },
    {
      name: 'latency-p95',
      objective: 95,
      window: '30d',
      good: `http_request_duration_seconds_bucket{le="${leOf(c.p95LatencyMs)}"}`,
      total: LATENCY_TOTAL,
    },
  ];
}
