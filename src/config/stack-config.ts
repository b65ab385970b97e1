/**
 * `dayops.yaml`: a stack's operating config. The Day-0 wizard writes it, operators edit it, and Day-1 (runs,
 * policies, secrets) and Day-2 (drift, alerts, backups) read it. Field names are a contract: extend, never rename.
 *
 * ```yaml
 * apiVersion: dayops/v1
 * kind: Stack
 * name: payments
 * environment: prod
 * tool: opentofu                  # opentofu | terraform | ansible | custom
 * binary: /opt/bin/tofu           # optional; else found on PATH
 * autoApply: false
 * env: { TF_IN_AUTOMATION: "1" }  # plain variables, given to the tool's process only
 * secrets:                        # values are never stored or shown
 *   - { name: AWS_SECRET_ACCESS_KEY, fromEnv: PAYMENTS_AWS_SECRET }
 *   - { name: DB_PASSWORD, fromFile: ~/.config/payments/db-password }
 * ansible: { playbook: site.yml, inventory: inventory.ini, extraArgs: [] }
 * custom:  { shell: false, init: [make, init], plan: [make, plan], apply: [make, apply] }
 * policies:
 *   - { name: no-big-bang, kind: deny, expr: "size(plan.resource_changes) > 40", message: "Split the change" }
 *   - { name: two-eyes, kind: { require_approvals: 2 }, expr: "stack.environment == 'prod'", message: "..." }
 * policyFiles: [policies/prod.yaml]
 * defaultPolicies: true           # the shipped set; on by default for prod
 * maxChanges: 50                  # used by the default policy set
 * drift: { schedule: "0 *\/6 * * *", autoRemediate: false }
 * alerting: { alertmanagerUrl: http://127.0.0.1:9093, matchers: ['stack="payments"'], quietApplies: false }
 * backups:
 *   repository: ./backups/restic
 *   passwordEnv: PAYMENTS_RESTIC_PASSWORD   # or passwordFile; else RESTIC_PASSWORD(_FILE) from dayops' environment
 *   paths: [terraform.tfstate, dayops.yaml]
 *   schedule: "0 * * * *"
 *   retention: { hourly: 24, daily: 7, weekly: 4 }
 *   restoreTestSchedule: "0 4 * * 0"
 * rpoMinutes: 60
 * notify: { approvalAfter: 30m, webhooks: [{ url: https://..., events: [drift], secret: { fromEnv: HOOK_SECRET } }] }
 * monitoring: { prometheusUrl: http://127.0.0.1:9090 }
 * checks: [{ name: web-up, http: { url: https://shop.example.com/healthz, status: 200 } }]   # checks-config.ts
 * ```
 */
import { join } from 'node:path';
import { z } from 'zod';
import { ENVIRONMENTS, STACK_NAME_RE, TOOLS } from '../domain/stack.js';
import { readYamlFile } from './yaml-file.js';
import { somethingAt } from './safe-read.js';
import { notifySchema } from './notify-config.js';
import { checksIssues, checksSchema, monitoringSchema } from './checks-config.js';

export const STACK_CONFIG_FILE = 'dayops.yaml';

/** A command as an argv array, or (only when `shell: true`) a string for the shell. */
const command = z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const secretRefSchema = z
  .object({
    name: envName,
    fromEnv: envName.optional(),
    fromFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => (s.fromEnv ? 1 : 0) + (s.fromFile ? 1 : 0) === 1, {
    message: 'a secret needs exactly one of fromEnv or fromFile (never the value itself)',
  });
export type SecretRef = z.infer<typeof secretRefSchema>;

/** The most approvals a policy can ask for, in every way `require_approvals` can be written. */
export const MAX_APPROVALS = 10;
const approvalsCount = z
  .number()
  .min(1, 'must ask for at least 1 approval')
  .max(MAX_APPROVALS, `must ask for at most ${MAX_APPROVALS} approvals`)
  .int('must be a whole number of approvals');

const requireApprovals = z.object({ require_approvals: approvalsCount }).strict();

/** `kind: "require_approvals: 2"` written as one string reads as the mapping, so it has the same limit and errors. */
function approvalsString(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*require_approvals\s*:\s*(\S*)\s*$/.exec(v);
  if (!m) return v;
  return { require_approvals: /^\d+$/.test(m[1]) ? Number(m[1]) : m[1] };
}

export const policyKindSchema = z.preprocess(
  approvalsString,
  z.union([z.enum(['deny', 'warn']), requireApprovals], {
    error: 'must be deny, warn or require_approvals: N',
  }),
);
export type PolicyKind = 'deny' | 'warn' | { require_approvals: number };

export const policySchema = z
  .object({
    name: z.string().min(1),
    kind: policyKindSchema,
    /** A CEL expression over `plan`, `stack` and `run`; true means the policy fires. */
    expr: z.string().min(1),
    message: z.string().min(1),
    /** Limit a policy to some environments (default: all). */
    environments: z.array(z.enum(ENVIRONMENTS)).optional(),
  })
  .strict();
export type PolicyConfig = z.infer<typeof policySchema>;

export const policyFileSchema = z.object({ policies: z.array(policySchema) }).strict();

export const retentionSchema = z
  .object({
    last: z.number().int().min(0).optional(),
    hourly: z.number().int().min(0).optional(),
    daily: z.number().int().min(0).optional(),
    weekly: z.number().int().min(0).optional(),
    monthly: z.number().int().min(0).optional(),
    yearly: z.number().int().min(0).optional(),
  })
  .strict();

export const stackConfigSchema = z
  .object({
    apiVersion: z.literal('dayops/v1').default('dayops/v1'),
    kind: z.literal('Stack').default('Stack'),
    name: z.string().regex(STACK_NAME_RE, 'must be lowercase letters, digits and dashes').optional(),
    environment: z.enum(ENVIRONMENTS).optional(),
    tool: z.enum(TOOLS).optional(),
    /** The tool's executable, when it is not the default name on PATH. */
    binary: z.string().min(1).optional(),
    autoApply: z.boolean().default(false),
    env: z.record(envName, z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    secrets: z.array(secretRefSchema).default([]),
    ansible: z
      .object({
        playbook: z.string().min(1).optional(),
        inventory: z.string().min(1).optional(),
        extraArgs: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    custom: z
      .object({
        shell: z.boolean().default(false),
        init: command.optional(),
        plan: command,
        apply: command.optional(),
      })
      .strict()
      .optional(),
    policies: z.array(policySchema).default([]),
    policyFiles: z.array(z.string().min(1)).default([]),
    defaultPolicies: z.boolean().optional(),
    maxChanges: z.number().int().min(1).default(50),
    drift: z
      .object({
        schedule: z.string().min(1).optional(),
        autoRemediate: z.boolean().default(false),
      })
      .strict()
      .optional(),
    alerting: z
      .object({
        alertmanagerUrl: z.string().url('must be a URL such as http://127.0.0.1:9093'),
        /** Alertmanager matchers; default `stack="<name>"`. */
        matchers: z.array(z.string().min(1)).optional(),
        receivers: z.array(z.string()).default([]),
        /** Silence the stack's alerts while an approved apply runs. */
        quietApplies: z.boolean().default(false),
      })
      .strict()
      .optional(),
    backups: z
      .object({
        repository: z.string().min(1),
        passwordEnv: envName.optional(),
        passwordFile: z.string().min(1).optional(),
        paths: z.array(z.string().min(1)).default([]),
        schedule: z.string().min(1).optional(),
        retention: retentionSchema.default({}),
        restoreTestSchedule: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    rpoMinutes: z.number().positive().optional(),
    notify: notifySchema.optional(),
    /** Post-deploy validation (src/config/checks-config.ts). */
    monitoring: monitoringSchema,
    checks: checksSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const issue of checksIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    if (c.tool === 'custom' && !c.custom) {
      ctx.addIssue({
        code: 'custom',
        path: ['custom'],
        message: 'a custom stack needs custom.plan (and custom.apply to apply)',
      });
    }
    if (c.custom && !c.custom.shell) {
      for (const phase of ['init', 'plan', 'apply'] as const) {
        if (typeof c.custom[phase] === 'string') {
          ctx.addIssue({
            code: 'custom',
            path: ['custom', phase],
            message: 'must be an argument array such as [make, plan], or set custom.shell: true to run a shell string',
          });
        }
      }
    }
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** The config of a stack with no dayops.yaml: every default. */
export function defaultStackConfig(): StackConfig {
  return stackConfigSchema.parse({});
}

/** Read `DIR/dayops.yaml`; a folder without one gets the defaults. Throws ConfigError on bad content. */
export function loadStackConfig(dir: string): StackConfig {
  const file = join(dir, STACK_CONFIG_FILE);
  // A link to nothing, or a loop of links, is not "no dayops.yaml": reading it says what is wrong.
  if (!somethingAt(file)) return defaultStackConfig();
  return readYamlFile(file, stackConfigSchema);
}
