/**
 * `notify:` in dayops.yaml: when a waiting approval becomes an alert, and webhooks that receive dayops' own alerts
 * (for teams without Alertmanager). A webhook's signing secret is a reference (an environment variable or a file),
 * never a value in the file.
 *
 * ```yaml
 * notify:
 *   approvalAfter: 30m               # a run waiting for approval longer than this raises DayopsApprovalWaiting
 *   webhooks:
 *     - url: https://hooks.example.com/dayops
 *       events: [run-failed, drift]  # default: every event
 *       secret: { fromEnv: DAYOPS_HOOK_SECRET }   # or { fromFile: ~/.config/dayops/hook-secret }
 * ```
 */
import { z } from 'zod';

/** The events a webhook can subscribe to, one per condition (`dayops notify test` reaches every webhook). */
export const NOTIFY_EVENTS = [
  'drift',
  'run-failed',
  'approval-waiting',
  'backup-late',
  'restore-test-failed',
  'check-failed',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
/** What a webhook event is about: a condition's event, or `test`. */
export type WebhookEventName = NotifyEvent | 'test';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `30m`, `1h30m`, `2d` as milliseconds; undefined when it is not such a duration. */
export function parseDurationMs(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) ms += Number(m[1]) * UNITS[m[2]];
  return ms;
}

const duration = z.string().transform((s, ctx) => {
  const ms = parseDurationMs(s);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30m, 2h or 1d' });
    return z.NEVER;
  }
  return ms;
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const webhookSecretSchema = z
  .object({ fromEnv: envName.optional(), fromFile: z.string().min(1).optional() })
  .strict()
  .refine((s) => (s.fromEnv ? 1 : 0) + (s.fromFile ? 1 : 0) === 1, {
    message: 'a secret needs exactly one of fromEnv or fromFile (never the value itself)',
  });
export type WebhookSecretRef = z.infer<typeof webhookSecretSchema>;

export const webhookSchema = z
  .object({
    url: z
      .string()
      .url('must be an http(s) URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
    /** Events to send (default: every one). */
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1).optional(),
    secret: webhookSecretSchema.optional(),
  })
  .strict();
export type WebhookConfig = z.infer<typeof webhookSchema>;

export const notifySchema = z
  .object({
    /** A run waiting for approval longer than this raises DayopsApprovalWaiting (default 30m), as milliseconds. */
    approvalAfter: duration.optional(),
    webhooks: z.array(webhookSchema).default([]),
  })
  .strict()
  .superRefine((n, ctx) => {
    const seen = new Set<string>();
    n.webhooks.forEach((w, i) => {
      if (seen.has(w.url)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'url'], message: 'is listed twice' });
      seen.add(w.url);
    });
  });
export type NotifyConfig = z.infer<typeof notifySchema>;

/** The default of `notify.approvalAfter`. */
export const DEFAULT_APPROVAL_AFTER_MS = 30 * 60_000;
