/**
 * The `slo:` and `monitoring:` blocks of dayops.yaml: a stack's success criteria as SLOs, measured from
 * Prometheus (src/day2/slo.ts).
 *
 * ```yaml
 * monitoring: { prometheusUrl: http://127.0.0.1:9090 }
 * slo:
 *   - name: availability
 *     objective: 99.9            # percent, above 0 and below 100
 *     window: 30d                # the attainment window (default 30d): a Prometheus duration such as 7d, 4w, 12h
 *     good: 'http_requests_total{code!~"5.."}'   # counter selectors; dayops sums their increase per window
 *     total: 'http_requests_total'
 * ```
 */
import { z } from 'zod';

/** `30d`, `4w`, `12h`, `90m`: one number and one unit, as Prometheus writes range durations. */
export const SLO_WINDOW_RE = /^([1-9][0-9]*)(s|m|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** The seconds of a window such as `30d` (the format SLO_WINDOW_RE accepts). */
export function windowSeconds(window: string): number {
  const m = SLO_WINDOW_RE.exec(window);
  if (!m) throw new Error(`"${window}" is not a duration such as 30d, 4w or 12h`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

export const DEFAULT_SLO_WINDOW = '30d';

export const sloSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
        'must be letters, digits, dots, dashes or underscores (e.g. availability)',
      ),
    /** Percent of good events; 100 would leave no error budget at all. */
    objective: z
      .number()
      .gt(0, 'must be a percent above 0, such as 99.9')
      .lt(100, 'must be below 100 (an objective of 100% leaves no error budget)'),
    window: z
      .string()
      .regex(SLO_WINDOW_RE, 'must be a duration such as 30d, 4w or 12h')
      .refine((w) => !SLO_WINDOW_RE.test(w) || windowSeconds(w) >= 3600, 'must be at least 1h')
      .default(DEFAULT_SLO_WINDOW),
    /** A counter selector (or any expression of counters) of the good events. */
    good: z.string().trim().min(1, 'must be a counter selector such as http_requests_total{code!~"5.."}'),
    /** A counter selector of all events. */
    total: z.string().trim().min(1, 'must be a counter selector such as http_requests_total'),
  })
  .strict();
export type SloConfig = z.infer<typeof sloSchema>;

export const sloListSchema = z.array(sloSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${s.name}" is already the name of another SLO` });
    seen.add(s.name);
  });
});
