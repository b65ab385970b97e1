/**
 * Delivery from the outbox (`notify_outbox`): every due row is claimed by one process (a lease; a dead owner's
 * claim is taken over at once), sent (an Alertmanager post, or a signed webhook POST), and marked delivered by ONE
 * statement right after the 2xx; a failure is retried with exponential backoff (DAYOPS_NOTIFY_RETRY_MS, default
 * 5 s, doubled per failure, at most 10 min, +-20%). A crash loses nothing: the row stays pending. The one window
 * where an event can reach a receiver twice is between its 2xx and that statement; receivers dedupe on
 * `X-Dayops-Event-Id`.
 *
 * Webhook requests: `POST` JSON, `Content-Type: application/json`, `X-Dayops-Event-Id: <id>`,
 * `X-Dayops-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>` (when a secret is configured).
 */
import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import type { WebhookSecretRef } from '../../config/notify-config.js';
import type { StackConfig } from '../../config/stack-config.js';
import { NotifyRepo, type OutboxRow } from '../../db/notify.js';
import type { DB } from '../../db/open.js';
import { backoffDelay } from '../../db/sources.js';
import { StacksRepo } from '../../db/stacks.js';
import { resolveStackEnv } from '../../day1/secrets.js';
import { errorMessage } from '../../errors.js';
import { postAlerts, type PostableAlert } from '../alertmanager.js';
import { isAlive } from '../backups/common.js';
import { stackConfigOf } from '../configs.js';
import { ALERTMANAGER_ROUTE } from './evaluate.js';

export const SIGNATURE_HEADER = 'X-Dayops-Signature';
export const EVENT_ID_HEADER = 'X-Dayops-Event-Id';
const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 10 * 60_000;

/** `sha256=<hex>`: the HMAC-SHA256 of the raw body with the secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Where a URL points, without its path or query (a Slack webhook's path is its secret). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && !u.search ? u.origin : `${u.origin}/…`;
  } catch {
    return '(not a URL)';
  }
}

/** A webhook secret's value, read from dayops' environment or a file (relative to the stack folder). */
export function resolveWebhookSecret(
  ref: WebhookSecretRef,
  url: string,
  stackDir: string,
  env: NodeJS.ProcessEnv,
): string {
  // The same resolution as the tool's secrets (a missing or empty one is a one-line error naming where it looked).
  const name = `of webhook ${shownUrl(url)}`;
  const config = { env: {}, secrets: [{ name, ...ref }] } as unknown as StackConfig;
  return resolveStackEnv(config, stackDir, env).env[name];
}

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** One signed webhook POST of `body` (the exact bytes signed). */
export async function sendWebhook(
  url: string,
  body: string,
  eventId: string,
  secret: string | null,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  attempt = 1,
  signal?: AbortSignal,
): Promise<SendResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'dayops',
    [EVENT_ID_HEADER]: eventId,
    'X-Dayops-Delivery-Attempt': String(attempt),
  };
  if (secret !== null) headers[SIGNATURE_HEADER] = signature(secret, body);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, timeoutMs))])
        : AbortSignal.timeout(Math.max(1, timeoutMs)),
      redirect: 'error',
    });
    if (res.status >= 200 && res.status < 300) {
      // Marked delivered right away (the at-least-once window stays as short as it can be); the body is not needed.
      void res.body?.cancel().catch(() => undefined);
      return { ok: true, status: res.status, error: null };
    }
    const text = await res.text().catch(() => '');
    const why = text.replace(/\s+/g, ' ').trim().slice(0, 120);
    return { ok: false, status: res.status, error: `HTTP ${res.status}${why ? `: ${why}` : ''}` };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (signal?.aborted) return { ok: false, status: null, error: 'interrupted (dayops stopped)' };
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, status: null, error: `no answer within ${timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, status: null, error: `unreachable: ${cause?.code ?? cause?.message ?? errorMessage(err)}` };
  }
}

/** One Alertmanager post. */
export async function sendAlerts(
  url: string,
  alerts: PostableAlert[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<SendResult> {
  try {
    await postAlerts(url, alerts, { timeoutMs: Math.max(1, timeoutMs) });
    return { ok: true, status: 200, error: null };
  } catch (err) {
    return {
      ok: false,
      status: (err as { status?: number }).status ?? null,
      error: errorMessage(err).split('\n')[0],
    };
  }
}

export interface DeliveryOptions {
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** First retry delay (default DAYOPS_NOTIFY_RETRY_MS, else 5 s). */
  retryBaseMs?: number;
  /** This process, as written in claims (default `host:pid`). */
  owner?: string;
}

export interface DeliveryPass {
  delivered: number;
  failed: number;
  dropped: number;
  /** Still pending when the pass ended. */
  pending: number;
}

function retryBase(env: NodeJS.ProcessEnv): number {
  const v = Number(env.DAYOPS_NOTIFY_RETRY_MS);
  return Number.isFinite(v) && v > 0 ? v : 5_000;
}

/** Sends what is due in the outbox; `pass()` once, or `start()` a loop (the app). */
export class NotifyDelivery {
  private readonly repo: NotifyRepo;
  private readonly stacks: StacksRepo;
  private readonly now: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;
  private readonly retryBaseMs: number;
  readonly owner: string;
  private readonly host = hostname();
  private running: Promise<DeliveryPass> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private prunedAt = 0;

  constructor(db: DB, opts: DeliveryOptions = {}) {
    this.repo = new NotifyRepo(db);
    this.stacks = new StacksRepo(db);
    this.now = opts.now ?? Date.now;
    this.env = opts.env ?? process.env;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryBaseMs = opts.retryBaseMs ?? retryBase(this.env);
    this.owner = opts.owner ?? `${this.host}:${process.pid}`;
  }

  /** Whether another process holds this row's claim (a live owner within its lease). */
  private heldElsewhere(row: OutboxRow, now: number): boolean {
    if (!row.claimedBy || row.claimedBy === this.owner) return false;
    if (row.claimedUntil !== null && row.claimedUntil <= now) return false;
    const i = row.claimedBy.lastIndexOf(':');
    const host = row.claimedBy.slice(0, i);
    const pid = Number(row.claimedBy.slice(i + 1));
    // A claim of a process of this machine that is gone (killed mid-delivery) is taken over at once.
    return !(host === this.host && Number.isSafeInteger(pid) && !isAlive(pid));
  }

  /**
   * Send every due row once (in order per route and condition), until none is due or `deadline` (epoch ms) comes.
   * With `waitUntilDeadline`, rows that become due before the deadline (a retry) are waited for.
   */
  pass(deadline = Infinity, waitUntilDeadline = false): Promise<DeliveryPass> {
    this.running ??= this.passNow(deadline, waitUntilDeadline).finally(() => (this.running = undefined));
    return this.running;
  }

  private async passNow(deadline: number, waitUntilDeadline: boolean): Promise<DeliveryPass> {
    const out: DeliveryPass = { delivered: 0, failed: 0, dropped: 0, pending: 0 };
    const tried = new Set<number>();
    for (;;) {
      if (this.stopped) break;
      const now = this.now();
      if (now >= deadline) break;
      const rows = this.repo.due(now).filter((r) => !tried.has(r.id) && !this.heldElsewhere(r, now));
      if (rows.length === 0) {
        if (!waitUntilDeadline) break;
        const next = this.repo.nextAttemptAt();
        if (next === null || next >= deadline) break;
        tried.clear();
        await new Promise((r) => setTimeout(r, Math.max(20, Math.min(next - this.now(), deadline - this.now()))));
        continue;
      }
      for (const row of rows) {
        const at = this.now();
        if (at >= deadline || this.stopped) break;
        tried.add(row.id);
        const timeout = Math.min(this.timeoutMs, deadline - at);
        if (!this.repo.claim(row, this.owner, at + timeout + 10_000)) continue;
        const outcome = await this.deliverOne(row, timeout);
        if (outcome === 'delivered') out.delivered++;
        else if (outcome === 'dropped') out.dropped++;
        else out.failed++;
      }
    }
    try {
      out.pending = this.repo.pending();
    } catch {
      /* database closed */
    }
    return out;
  }

  private async deliverOne(row: OutboxRow, timeoutMs: number): Promise<'delivered' | 'failed' | 'dropped'> {
    const stack = row.stackId === null ? undefined : this.stacks.getById(row.stackId);
    const { config, error } = stack ? stackConfigOf(stack.dir) : { config: null, error: 'the stack is gone' };
    let result: SendResult;
    if (!config) {
      // An unreadable dayops.yaml: keep it, the team fixes the file.
      result = { ok: false, status: null, error: error ?? 'no config' };
    } else if (row.route === ALERTMANAGER_ROUTE) {
      const url = config.alerting?.alertmanagerUrl;
      if (!url) {
        this.repo.drop(row.id, 'the stack has no alerting.alertmanagerUrl any more', this.now());
        return 'dropped';
      }
      result = await sendAlerts(url, JSON.parse(row.payload) as PostableAlert[], timeoutMs);
    } else {
      const hook = config.notify?.webhooks.find((w) => `webhook:${w.url}` === row.route);
      if (!hook) {
        this.repo.drop(row.id, 'the webhook is no longer in notify.webhooks', this.now());
        return 'dropped';
      }
      try {
        const secret = hook.secret ? resolveWebhookSecret(hook.secret, hook.url, stack!.dir, this.env) : null;
        result = await sendWebhook(
          hook.url,
          row.payload,
          row.eventId,
          secret,
          timeoutMs,
          row.attempts + 1,
          this.abort.signal,
        );
      } catch (err) {
        result = { ok: false, status: null, error: errorMessage(err).split('\n')[0] };
      }
    }
    const now = this.now();
    if (result.ok) {
      this.repo.delivered(row.id, result.status ?? 200, now);
      return 'delivered';
    }
    const next = now + backoffDelay(row.attempts + 1, { baseMs: this.retryBaseMs, maxMs: MAX_BACKOFF_MS });
    this.repo.failed(row.id, result.error ?? 'failed', result.status, next);
    return 'failed';
  }

  /** The app's loop: a pass now, then whenever a row is due (at least every `everyMs`). */
  start(everyMs = 5_000): void {
    if (this.timer || this.stopped) return;
    const loop = async () => {
      this.timer = undefined;
      try {
        await this.pass();
        // Delivered rows are kept a week (to look at); pruned once an hour, not on every pass (it is a write).
        if (this.now() - this.prunedAt > 3_600_000) {
          this.prunedAt = this.now();
          this.repo.prune(this.prunedAt - 7 * 86_400_000);
        }
      } catch {
        /* the database is busy or closed: the next round tries again */
      }
      if (this.stopped) return;
      let wait = everyMs;
      try {
        const next = this.repo.nextAttemptAt();
        if (next !== null) wait = Math.min(everyMs, Math.max(50, next - this.now()));
      } catch {
        /* closed */
      }
      (this.timer = setTimeout(() => void loop(), wait)).unref();
    };
    (this.timer = setTimeout(() => void loop(), 0)).unref();
  }

  /** Deliver soon (a condition changed). */
  wake(): void {
    if (this.stopped || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }
}
