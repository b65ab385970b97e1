/**
 * The evaluator: the conditions that hold now (conditions.ts), diffed against what dayops last sent
 * (`notify_conditions`), and the deliveries that follow enqueued in the outbox in the SAME transaction:
 *
 * - a condition that starts to hold (or whose subject changes: another failed run) fires: an Alertmanager post with
 *   `endsAt` in the future (ALERT_TTL_MS) and a `firing` event to each webhook subscribed to it;
 * - one that still holds is re-posted to Alertmanager every RENEW_EVERY_MS (or at once when its summary changed),
 *   so it never ends while it holds;
 * - one that no longer holds is resolved: posted with `endsAt` = now, and a `resolved` event to the webhooks.
 *
 * Only stacks with a route (`alerting.alertmanagerUrl`, `notify.webhooks`) are evaluated; without one nothing is
 * enqueued. A stack whose dayops.yaml cannot be read keeps its conditions as they were until it can.
 */
import type { StackConfig } from '../../config/stack-config.js';
import { NotifyRepo, type NewOutboxRow, type NotifyConditionRecord } from '../../db/notify.js';
import type { DB } from '../../db/open.js';
import { StacksRepo } from '../../db/stacks.js';
import type { PostableAlert } from '../alertmanager.js';
import { stackConfigOf } from '../configs.js';
import {
  activeConditions,
  conditionKey,
  CONDITION_SOURCES,
  EVENT_OF,
  type Condition,
  type ConditionSource,
  type DayopsAlertname,
  type NotifyStack,
} from './conditions.js';

/** A firing alert is re-posted this often while it holds. */
export const RENEW_EVERY_MS = 5 * 60_000;
/** A firing post's `endsAt` is this far ahead: the alert ends by itself if no dayops renews it for an hour. */
export const ALERT_TTL_MS = 60 * 60_000;

export const ALERTMANAGER_ROUTE = 'alertmanager';
export const webhookRoute = (url: string): string => `webhook:${url}`;

/** Whether a stack has somewhere to send its notifications. */
export function hasRoutes(config: StackConfig | null | undefined): boolean {
  return Boolean(config?.alerting?.alertmanagerUrl) || (config?.notify?.webhooks.length ?? 0) > 0;
}

/** The body a webhook receives (JSON; `text` is what Slack shows). */
export interface WebhookEvent {
  id: string;
  event: string;
  status: 'firing' | 'resolved' | 'test';
  alertname: string;
  stack: string;
  environment: string;
  severity: string;
  summary: string;
  command: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  text: string;
}

export function labelsOf(c: Condition): Record<string, string> {
  return { alertname: c.alertname, stack: c.stack, environment: c.environment, severity: c.severity, source: 'dayops' };
}

export function annotationsOf(c: Pick<Condition, 'summary' | 'command'>): Record<string, string> {
  return { summary: c.summary, command: c.command };
}

const iso = (t: number) => new Date(t).toISOString();

export function webhookEvent(
  id: string,
  status: WebhookEvent['status'],
  event: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  startsAt: number,
  endsAt: number | null,
): WebhookEvent {
  const head = status === 'firing' ? '[FIRING]' : status === 'resolved' ? '[RESOLVED]' : '[TEST]';
  const text = `${head} ${labels.alertname} ${labels.stack} (${labels.environment}, ${labels.severity}): ${annotations.summary ?? ''} | look: ${annotations.command ?? ''}`;
  return {
    id,
    event,
    status,
    alertname: labels.alertname,
    stack: labels.stack,
    environment: labels.environment,
    severity: labels.severity,
    summary: annotations.summary ?? '',
    command: annotations.command ?? '',
    labels,
    annotations,
    startsAt: iso(startsAt),
    endsAt: endsAt === null ? null : iso(endsAt),
    text,
  };
}

export interface EvaluateOptions {
  now?: number;
  /** Default CONDITION_SOURCES. */
  sources?: ConditionSource[];
}

export interface EvaluateResult {
  /** Condition keys (`DayopsRunFailed:shop-prod`) that started to hold, renewed, resolved. */
  fired: string[];
  renewed: string[];
  resolved: string[];
  /** Deliveries written to the outbox. */
  enqueued: number;
}

const EMPTY: EvaluateResult = { fired: [], renewed: [], resolved: [], enqueued: 0 };

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function changesNeeded(
  last: NotifyConditionRecord[],
  active: Condition[],
  unreadable: ReadonlySet<number>,
  now: number,
): boolean {
  const byKey = new Map(last.map((c) => [c.key, c]));
  const holding = new Set<string>();
  for (const c of active) {
    const key = conditionKey(c);
    holding.add(key);
    const prev = byKey.get(key);
    if (!prev || prev.resolvedAt !== null || prev.subject !== (c.subject ?? '')) return true;
    if (!sameRecord(prev.labels, labelsOf(c)) || !sameRecord(prev.annotations, annotationsOf(c))) return true;
    if (now - prev.renewedAt >= RENEW_EVERY_MS) return true;
  }
  return last.some((p) => p.resolvedAt === null && !holding.has(p.key) && !unreadable.has(p.stackId));
}

/**
 * Compute, diff, enqueue. Never throws for one stack's broken config; a read-only database sends nothing.
 */
export function evaluateNotifications(db: DB, opts: EvaluateOptions = {}): EvaluateResult {
  if (db.readonly) return EMPTY;
  const now = opts.now ?? Date.now();
  const stacks = new Map<number, NotifyStack>();
  const unreadable = new Set<number>();
  for (const stack of new StacksRepo(db).list()) {
    const { config } = stackConfigOf(stack.dir);
    if (!config) unreadable.add(stack.id);
    else if (hasRoutes(config)) stacks.set(stack.id, { stack, config });
  }
  const byName = new Map([...stacks.values()].map((s) => [s.stack.name, s] as const));
  const active = stacks.size ? activeConditions({ db, now, stacks, byName }, opts.sources ?? CONDITION_SOURCES) : [];
  const repo = new NotifyRepo(db);
  // Most evaluations change nothing: they take no write lock (another dayops writing is never waited for).
  if (!changesNeeded(repo.conditions(), active, unreadable, now)) return EMPTY;
  return repo.tx(() => {
    const result: EvaluateResult = { fired: [], renewed: [], resolved: [], enqueued: 0 };
    const last = new Map(repo.conditions().map((c) => [c.key, c]));
    const enqueue = (row: NewOutboxRow) => {
      if (repo.enqueue(row, now)) result.enqueued++;
    };
    const send = (
      s: NotifyStack,
      key: string,
      alertname: DayopsAlertname,
      kind: 'firing' | 'renew' | 'resolved',
      eventId: string,
      labels: Record<string, string>,
      annotations: Record<string, string>,
      firedAt: number,
    ) => {
      const url = s.config.alerting?.alertmanagerUrl;
      const endsAt = kind === 'resolved' ? now : now + ALERT_TTL_MS;
      if (url) {
        const alert: PostableAlert = { labels, annotations, startsAt: iso(firedAt), endsAt: iso(endsAt) };
        enqueue({
          eventId,
          route: ALERTMANAGER_ROUTE,
          stackId: s.stack.id,
          condKey: key,
          kind,
          target: url,
          payload: JSON.stringify([alert]),
        });
      }
      if (kind === 'renew') return;
      const event = EVENT_OF[alertname];
      for (const hook of s.config.notify?.webhooks ?? []) {
        if (hook.events && !hook.events.includes(event)) continue;
        const body = webhookEvent(eventId, kind, event, labels, annotations, firedAt, kind === 'resolved' ? now : null);
        enqueue({
          eventId,
          route: webhookRoute(hook.url),
          stackId: s.stack.id,
          condKey: key,
          kind,
          target: hook.url,
          payload: JSON.stringify(body),
        });
      }
    };

    const holding = new Set<string>();
    for (const c of active) {
      const key = conditionKey(c);
      holding.add(key);
      const s = stacks.get(c.stackId)!;
      const labels = labelsOf(c);
      const annotations = annotationsOf(c);
      const subject = c.subject ?? '';
      const prev = last.get(key);
      if (!prev || prev.resolvedAt !== null || prev.subject !== subject || !sameRecord(prev.labels, labels)) {
        // A new generation: a later firedAt than any before, so its event ids are new.
        const firedAt = prev ? Math.max(now, prev.firedAt + 1) : now;
        repo.putCondition({
          key,
          stackId: c.stackId,
          alertname: c.alertname,
          subject,
          labels,
          annotations,
          firedAt,
          renewedAt: now,
        });
        send(s, key, c.alertname, 'firing', `${key}:${firedAt}:firing`, labels, annotations, firedAt);
        result.fired.push(key);
      } else if (!sameRecord(prev.annotations, annotations) || now - prev.renewedAt >= RENEW_EVERY_MS) {
        repo.putCondition({ ...prev, annotations, renewedAt: now });
        send(s, key, c.alertname, 'renew', `${key}:${prev.firedAt}:renew:${now}`, labels, annotations, prev.firedAt);
        result.renewed.push(key);
      }
    }
    for (const prev of last.values()) {
      if (prev.resolvedAt !== null || holding.has(prev.key) || unreadable.has(prev.stackId)) continue;
      resolveOne(prev);
    }

    function resolveOne(prev: NotifyConditionRecord) {
      repo.resolve(prev.key, now);
      result.resolved.push(prev.key);
      // A stack that lost every route (or was removed) has nowhere to send the resolution.
      const s = stacks.get(prev.stackId);
      if (!s) return;
      send(
        s,
        prev.key,
        prev.alertname as DayopsAlertname,
        'resolved',
        `${prev.key}:${prev.firedAt}:resolved`,
        prev.labels,
        prev.annotations,
        prev.firedAt,
      );
    }
    return result;
  });
}
