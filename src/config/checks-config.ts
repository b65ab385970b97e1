/**
 * The `monitoring:` and `checks:` sections of `dayops.yaml` (issue 11, "Ready means measured"): how dayops knows a
 * deploy is ready. Each check has a `name` and exactly one kind:
 *
 * ```yaml
 * monitoring: { prometheusUrl: http://127.0.0.1:9090 }
 * checks:
 *   - name: web-up
 *     http: { url: https://shop.example.com/healthz, status: 200, bodyMatches: "ok", timeout: 5s }
 *     within: 2m                 # retry with backoff until it passes or the window ends (default 2m)
 *     when: [after-apply]        # and/or scheduled, with schedule: "*\/5 * * * *"
 *   - name: few-errors
 *     prometheus: { query: 'sum(rate(http_requests_total{code=~"5.."}[5m]))', below: 0.5 }   # or above / equals
 *   - name: smoke
 *     command: [./smoke.sh, --quick]   # argv in the stack folder, no shell; passes on exit 0; output kept
 *   - name: db-port
 *     tcp: { host: db.internal, port: 5432 }   # a TCP connection is accepted
 *   - name: terraform-checks
 *     terraform: {}              # the configuration's own `check` blocks, as the apply reported them
 * ```
 */
import { Cron } from 'croner';
import { z } from 'zod';

/** `5s`, `2m`, `1h`, `500ms`, or a number of seconds: the time as milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

/** A duration field: `5s`, `2m`, `1h`, `500ms` (a bare number is seconds), read as milliseconds. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as 5s, 2m or 1h (got "${String(v)}")` });
    return z.NEVER;
  }
  return ms;
});

export const CHECK_KINDS = ['http', 'prometheus', 'command', 'tcp', 'terraform'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export const CHECK_WHEN = ['after-apply', 'scheduled'] as const;
export type CheckWhen = (typeof CHECK_WHEN)[number];

export const DEFAULT_WITHIN_MS = 120_000;
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
export const DEFAULT_TCP_TIMEOUT_MS = 5_000;

const httpCheck = z
  .object({
    url: z.string().url('must be a URL such as https://shop.example.com/healthz'),
    /** The status the answer must have (default: any 2xx). */
    status: z.number().int().min(100).max(599).optional(),
    /** A regular expression the body must match. */
    bodyMatches: z
      .string()
      .min(1)
      .refine(
        (s) => {
          try {
            new RegExp(s);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be a regular expression' },
      )
      .optional(),
    timeout: duration.optional(),
  })
  .strict();

const prometheusCheck = z
  .object({
    query: z.string().min(1),
    below: z.number().optional(),
    above: z.number().optional(),
    equals: z.number().optional(),
    timeout: duration.optional(),
  })
  .strict()
  .refine((p) => [p.below, p.above, p.equals].filter((x) => x !== undefined).length >= 1, {
    message: 'needs one of below, above or equals',
  });

const commandCheck = z.array(z.string().min(1)).min(1, 'must be an argument array such as [./smoke.sh, --quick]');

const tcpCheck = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    timeout: duration.optional(),
  })
  .strict();

const terraformCheck = z.object({}).strict();

function cronProblem(expr: string): string | undefined {
  try {
    const next = new Cron(expr, { paused: true, utcOffset: 0 }).nextRun(new Date());
    return next ? undefined : `"${expr}" never fires (no such date)`;
  } catch (err) {
    return `"${expr}" is not a cron expression (${(err as Error).message.replace(/^CronPattern: /, '')})`;
  }
}

export const checkSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, dots, dashes or underscores'),
    http: httpCheck.optional(),
    prometheus: prometheusCheck.optional(),
    command: commandCheck.optional(),
    tcp: tcpCheck.optional(),
    terraform: terraformCheck.optional(),
    /** Keep retrying with backoff until the check passes or this window ends (default 2m). */
    within: duration.optional(),
    /** A command check is killed after this long (default 60s). */
    timeout: duration.optional(),
    when: z.array(z.enum(CHECK_WHEN)).min(1).default(['after-apply']),
    /** Cron (five fields, UTC), for `when: [scheduled]`. */
    schedule: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `needs one kind: ${CHECK_KINDS.join(', ')}`
            : `has ${kinds.join(' and ')}; a check has exactly one kind`,
      });
    }
    if (c.when.includes('scheduled') && !c.schedule) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'a scheduled check needs schedule: "*/5 * * * *"' });
    }
    if (c.schedule) {
      const why = cronProblem(c.schedule);
      if (why) ctx.addIssue({ code: 'custom', path: ['schedule'], message: why });
      else if (!c.when.includes('scheduled'))
        ctx.addIssue({ code: 'custom', path: ['when'], message: 'a check with a schedule needs scheduled in when' });
    }
  });

export type CheckConfig = z.infer<typeof checkSchema>;

export const checksSchema = z
  .array(checkSchema)
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${c.name}" is the name of another check` });
      seen.add(c.name);
    });
  });

export const monitoringSchema = z
  .object({
    prometheusUrl: z.string().url('must be a URL such as http://127.0.0.1:9090'),
  })
  .strict()
  .optional();

/** The one kind of a valid check. */
export function checkKind(c: CheckConfig): CheckKind {
  return CHECK_KINDS.find((k) => c[k] !== undefined) ?? 'command';
}

/**
 * Cross-field rule of the whole file: a prometheus check needs `monitoring.prometheusUrl`. Called by the stack
 * config's own refinement, so the error names the field.
 */
export function checksIssues(config: {
  monitoring?: { prometheusUrl: string };
  checks: CheckConfig[];
}): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  config.checks.forEach((c, i) => {
    if (c.prometheus && !config.monitoring?.prometheusUrl) {
      out.push({ path: ['checks', i, 'prometheus'], message: 'a prometheus check needs monitoring.prometheusUrl' });
    }
  });
  return out;
}
