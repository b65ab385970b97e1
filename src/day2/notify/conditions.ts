/**
 * The conditions dayops raises as its own alerts, computed from the database (no network): drift detected, a run
 * failed, a run waiting for approval too long, a backup late against the RPO, a restore test failed (or slower than
 * the RTO), a failed scheduled check. Each is one alert per stack, labelled exactly
 * `{alertname, stack, environment, severity, source="dayops"}` with `summary` and `command` annotations.
 *
 * Other features add their conditions through a source in `CONDITION_SOURCES` (one line), building them with the
 * helpers below: `failedCheckConditions` (scheduled checks) and `slowRestoreConditions` (restore tests slower than
 * the RTO).
 */
import { DEFAULT_APPROVAL_AFTER_MS, type NotifyEvent } from '../../config/notify-config.js';
import type { StackConfig } from '../../config/stack-config.js';
import { ChecksRepo } from '../../db/checks.js';
import { NotifyRepo } from '../../db/notify.js';
import type { DB } from '../../db/open.js';
import type { Environment, Stack } from '../../domain/stack.js';
import { backupStatusAll } from '../backups.js';
import { driftSummaries } from '../drift.js';

export const DAYOPS_ALERTNAMES = [
  'DayopsDrift',
  'DayopsRunFailed',
  'DayopsApprovalWaiting',
  'DayopsBackupLate',
  'DayopsRestoreTestFailed',
  'DayopsCheckFailed',
] as const;
export type DayopsAlertname = (typeof DAYOPS_ALERTNAMES)[number];

/** The webhook event of each alert (`notify.webhooks[].events`). */
export const EVENT_OF: Record<DayopsAlertname, NotifyEvent> = {
  DayopsDrift: 'drift',
  DayopsRunFailed: 'run-failed',
  DayopsApprovalWaiting: 'approval-waiting',
  DayopsBackupLate: 'backup-late',
  DayopsRestoreTestFailed: 'restore-test-failed',
  DayopsCheckFailed: 'check-failed',
};

export type Severity = 'critical' | 'warning' | 'info';

/** What a failure would page for in prod is a warning elsewhere. */
const SEVERITY: Record<DayopsAlertname, Severity> = {
  DayopsDrift: 'warning',
  DayopsRunFailed: 'critical',
  DayopsApprovalWaiting: 'warning',
  DayopsBackupLate: 'critical',
  DayopsRestoreTestFailed: 'critical',
  DayopsCheckFailed: 'critical',
};

export function severityOf(alertname: DayopsAlertname, environment: Environment): Severity {
  const s = SEVERITY[alertname];
  return s === 'critical' && environment !== 'prod' ? 'warning' : s;
}

/** One condition that holds now. */
export interface Condition {
  alertname: DayopsAlertname;
  stackId: number;
  stack: string;
  environment: Environment;
  severity: Severity;
  /** One line: what holds. */
  summary: string;
  /** The command to look (`dayops runs shop-prod`). */
  command: string;
  /** What it is about (the failed run ids): a change is a new event for webhooks. Default ''. */
  subject?: string;
}

/** A stack whose notifications are evaluated (it has a route: `alerting.alertmanagerUrl` or a webhook). */
export interface NotifyStack {
  stack: Stack;
  config: StackConfig;
}

export interface ConditionContext {
  db: DB;
  now: number;
  /** The stacks to evaluate, by id. */
  stacks: ReadonlyMap<number, NotifyStack>;
  /** The same, by name (for sources that know stacks by name). */
  byName: ReadonlyMap<string, NotifyStack>;
}

export type ConditionSource = (ctx: ConditionContext) => Condition[];

/** A condition of one of the evaluated stacks, with its labels' severity; undefined for other stacks. */
export function conditionFor(
  ctx: ConditionContext,
  stack: number | string,
  alertname: DayopsAlertname,
  summary: string,
  command: string,
  extra: { subject?: string; severity?: Severity } = {},
): Condition | undefined {
  const s = typeof stack === 'number' ? ctx.stacks.get(stack) : ctx.byName.get(stack);
  if (!s) return undefined;
  return {
    alertname,
    stackId: s.stack.id,
    stack: s.stack.name,
    environment: s.stack.environment,
    severity: extra.severity ?? severityOf(alertname, s.stack.environment),
    summary,
    command,
    subject: extra.subject,
  };
}

const present = <T>(x: T | undefined): x is T => x !== undefined;

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 6) / 10;
  return h < 48 ? `${h} h` : `${Math.round(h / 2.4) / 10} d`;
}

// ---------------------------------------------------------------------------------------------------------------
// The built-in sources

export const driftConditions: ConditionSource = (ctx) =>
  [...driftSummaries(ctx.db, ctx.now).values()]
    .filter((d) => d.status === 'drifted')
    .map((d) => {
      const name = ctx.stacks.get(d.stackId)?.stack.name ?? '';
      return conditionFor(
        ctx,
        d.stackId,
        'DayopsDrift',
        `${name}: ${d.drifted} resource${d.drifted === 1 ? '' : 's'} drifted from the code (open, of ${d.total} that differ)`,
        `dayops drift ${name}`,
      );
    })
    .filter(present);

export const failedRunConditions: ConditionSource = (ctx) => {
  const byStack = new Map<number, { runId: number; purpose: string; error: string | null }[]>();
  for (const r of new NotifyRepo(ctx.db).failedRunsNow()) {
    if (!ctx.stacks.has(r.stackId)) continue;
    const list = byStack.get(r.stackId) ?? [];
    list.push(r);
    byStack.set(r.stackId, list);
  }
  return [...byStack.entries()]
    .map(([stackId, runs]) => {
      const name = ctx.stacks.get(stackId)!.stack.name;
      const what = runs
        .map(
          (r) =>
            `run ${r.runId}${r.purpose === 'drift' ? ' (drift check)' : ''} failed${r.error ? `: ${r.error}` : ''}`,
        )
        .join('; ');
      return conditionFor(ctx, stackId, 'DayopsRunFailed', `${name}: ${what}`, `dayops runs ${name}`, {
        subject: runs.map((r) => r.runId).join(','),
      });
    })
    .filter(present);
};

export const approvalWaitingConditions: ConditionSource = (ctx) => {
  const byStack = new Map<number, { runId: number; since: number }[]>();
  for (const r of new NotifyRepo(ctx.db).waitingRunsNow()) {
    const s = ctx.stacks.get(r.stackId);
    if (!s) continue;
    const after = s.config.notify?.approvalAfter ?? DEFAULT_APPROVAL_AFTER_MS;
    if (ctx.now - r.since < after) continue;
    byStack.set(r.stackId, [...(byStack.get(r.stackId) ?? []), r]);
  }
  return [...byStack.entries()]
    .map(([stackId, runs]) => {
      const name = ctx.stacks.get(stackId)!.stack.name;
      const what = runs.map((r) => `run ${r.runId} for ${minutes(ctx.now - r.since)}`).join(', ');
      return conditionFor(
        ctx,
        stackId,
        'DayopsApprovalWaiting',
        `${name}: waiting for approval: ${what} (dayops approve ${runs[0].runId})`,
        `dayops runs ${name}`,
        { subject: runs.map((r) => r.runId).join(',') },
      );
    })
    .filter(present);
};

export const backupConditions: ConditionSource = (ctx) => {
  const configs = new Map([...ctx.stacks.values()].map((s) => [s.stack.name, s.config] as const));
  const out: Condition[] = [];
  for (const b of backupStatusAll(ctx.db, ctx.now, { configs })) {
    const s = ctx.stacks.get(b.stackId);
    if (!s || !b.configured) continue;
    const name = s.stack.name;
    const rpo = b.rpoMinutes;
    const late =
      b.status === 'late' ||
      // Never backed up, for longer than the RPO since the stack was registered.
      (b.status === 'missing' && rpo !== null && ctx.now - s.stack.createdAt > rpo * 60_000);
    if (late) {
      const age =
        b.lastSnapshotAt === null ? 'no snapshot yet' : `last snapshot ${minutes(ctx.now - b.lastSnapshotAt)} ago`;
      const c = conditionFor(
        ctx,
        b.stackId,
        'DayopsBackupLate',
        `${name}: backup late: ${age}${rpo !== null ? `, RPO ${rpo} min` : `, schedule ${b.schedule ?? ''}`}`,
        `dayops backup status ${name}`,
      );
      if (c) out.push(c);
    }
    const t = b.lastRestoreTest;
    if (t && !t.ok) {
      const c = conditionFor(
        ctx,
        b.stackId,
        'DayopsRestoreTestFailed',
        `${name}: restore test failed${t.error ? `: ${t.error}` : ''}`,
        `dayops backup status ${name}`,
        { subject: String(t.at) },
      );
      if (c) out.push(c);
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------------------------
// Hooks for other features

/** A scheduled check that failed (from the scheduled checks feature). */
export interface FailedCheck {
  /** The stack's name. */
  stack: string;
  /** The check's name. */
  check: string;
  /** One line: why it failed. */
  error?: string | null;
  /** When it failed (epoch ms). Failing again while it holds is not a new event; another check failing is. */
  at?: number;
  severity?: Severity;
  /** The command to look (default `dayops status`). */
  command?: string;
}

/**
 * DayopsCheckFailed conditions from the failed scheduled checks: one alert per stack naming every failed check.
 * The scheduled checks feature adds a source to CONDITION_SOURCES:
 * `(ctx) => failedCheckConditions(ctx, readFailedChecks(ctx.db))`.
 */
export function failedCheckConditions(ctx: ConditionContext, checks: readonly FailedCheck[]): Condition[] {
  const byStack = new Map<string, FailedCheck[]>();
  for (const c of checks) byStack.set(c.stack, [...(byStack.get(c.stack) ?? []), c]);
  return [...byStack.entries()]
    .map(([stack, list]) => {
      const what = list.map((c) => `${c.check} failed${c.error ? `: ${c.error}` : ''}`).join('; ');
      const worst = list.some((c) => c.severity === 'critical') ? 'critical' : list[0].severity;
      return conditionFor(ctx, stack, 'DayopsCheckFailed', `${stack}: ${what}`, list[0].command ?? `dayops status`, {
        subject: list.map((c) => c.check).join(','),
        severity: worst,
      });
    })
    .filter(present);
}

/** A restore test that passed but took longer than the stack's RTO (from the RTO measurement feature). */
export interface SlowRestore {
  stack: string;
  durationMs: number;
  rtoMinutes: number;
  /** When the restore test ran (epoch ms). */
  at?: number;
}

/**
 * DayopsRestoreTestFailed conditions for restore tests slower than the RTO (merged with a failed restore test of the
 * same stack into one alert). The RTO feature adds a source to CONDITION_SOURCES:
 * `(ctx) => slowRestoreConditions(ctx, readSlowRestores(ctx.db))`.
 */
export function slowRestoreConditions(ctx: ConditionContext, list: readonly SlowRestore[]): Condition[] {
  return list
    .map((r) =>
      conditionFor(
        ctx,
        r.stack,
        'DayopsRestoreTestFailed',
        `${r.stack}: restore test took ${minutes(r.durationMs)}, longer than the RTO of ${r.rtoMinutes} min`,
        `dayops backup status ${r.stack}`,
        { subject: `rto@${r.at ?? ''}` },
      ),
    )
    .filter(present);
}

/** The scheduled checks (check_results, 008) whose newest result failed, of checks still in dayops.yaml. */
export const scheduledCheckConditions: ConditionSource = (ctx) =>
  failedCheckConditions(
    ctx,
    new ChecksRepo(ctx.db)
      .latestScheduled(undefined, ctx.now)
      .filter((c) => c.status === 'failed')
      .filter((c) => ctx.stacks.get(c.stackId)?.config.checks.some((k) => k.name === c.name))
      .map((c) => ({
        stack: c.stackName,
        check: c.name,
        error: c.message,
        at: c.finishedAt ?? c.startedAt,
        command: `dayops check ${c.stackName}`,
      })),
  );

/**
 * Every source of conditions. Another feature adds ONE line here (its own source, built with the hooks above).
 */
export const CONDITION_SOURCES: ConditionSource[] = [
  driftConditions,
  failedRunConditions,
  approvalWaitingConditions,
  backupConditions,
  scheduledCheckConditions,
];

/** Every condition that holds now, one per alertname and stack (two of one key are merged into one). */
export function activeConditions(ctx: ConditionContext, sources = CONDITION_SOURCES): Condition[] {
  const byKey = new Map<string, Condition>();
  for (const source of sources) {
    for (const c of source(ctx)) {
      const key = conditionKey(c);
      const had = byKey.get(key);
      if (!had) {
        byKey.set(key, c);
        continue;
      }
      const rank = (s: Severity) => ['critical', 'warning', 'info'].indexOf(s);
      byKey.set(key, {
        ...had,
        severity: rank(c.severity) < rank(had.severity) ? c.severity : had.severity,
        summary: `${had.summary}; ${c.summary.replace(`${c.stack}: `, '')}`,
        subject: [had.subject, c.subject].filter(Boolean).join('+'),
      });
    }
  }
  return [...byKey.values()];
}

export function conditionKey(c: Pick<Condition, 'alertname' | 'stack'>): string {
  return `${c.alertname}:${c.stack}`;
}
