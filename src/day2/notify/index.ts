/**
 * dayops' own alerts and notifications: the evaluator (what holds, diffed against what was sent, enqueued in the
 * outbox), the delivery from the outbox, and where they run:
 *
 * - in the app, `Notifier` (service NOTIFIER, started with the Day-2 scheduler): it evaluates every EVALUATE_EVERY_MS,
 *   after each scheduled job and each run state change, and delivers as rows come due;
 * - in a headless command that changes conditions (`dayops run` ending FAILED or waiting), `notifyBeforeExit`:
 *   one evaluation, then delivery of what is due for at most DAYOPS_NOTIFY_FLUSH_MS (default 3 s); the rest stays in
 *   the outbox for the next dayops process.
 */
import type { DB } from '../../db/open.js';
import { errorMessage } from '../../errors.js';
import { serviceKey } from '../../services.js';
import { NotifyDelivery, type DeliveryOptions, type DeliveryPass } from './deliver.js';
import { evaluateNotifications, type EvaluateResult } from './evaluate.js';

export * from './conditions.js';
export * from './evaluate.js';
export * from './deliver.js';

export const EVALUATE_EVERY_MS = 30_000;

export interface NotifierOptions extends DeliveryOptions {
  /** Evaluate this often (default 30 s). */
  evaluateEveryMs?: number;
}

/** The app's evaluator and delivery loop. */
export class Notifier {
  readonly delivery: NotifyDelivery;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;
  private readonly evaluateEveryMs: number;

  constructor(
    private readonly db: DB,
    private readonly opts: NotifierOptions = {},
  ) {
    this.delivery = new NotifyDelivery(db, opts);
    this.evaluateEveryMs = opts.evaluateEveryMs ?? EVALUATE_EVERY_MS;
  }

  /** Evaluate now; errors (a busy database) wait for the next round. */
  evaluate(): EvaluateResult | undefined {
    if (this.stopped) return undefined;
    try {
      const r = evaluateNotifications(this.db, { now: this.opts.now?.() });
      if (r.enqueued > 0) this.delivery.wake();
      return r;
    } catch {
      return undefined;
    }
  }

  /** Evaluate shortly (coalesces a burst of run state changes into one evaluation). */
  poke(delayMs = 300): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.evaluate();
    }, delayMs);
    this.soon.unref();
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.delivery.start();
    const loop = () => {
      this.evaluate();
      if (!this.stopped) (this.timer = setTimeout(loop, this.evaluateEveryMs)).unref();
    };
    (this.timer = setTimeout(loop, 500)).unref();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.delivery.stop();
  }
}

/** The app's notifier (read-write mode only: a read-only dayops sends nothing). */
export const NOTIFIER = serviceKey('day2.notifier', (s) => new Notifier(s.db, { now: s.now, env: s.env }));

/** How long a headless command delivers before it exits (DAYOPS_NOTIFY_FLUSH_MS, default 3 s). */
export function flushMs(env: NodeJS.ProcessEnv): number {
  const v = Number(env.DAYOPS_NOTIFY_FLUSH_MS);
  return Number.isFinite(v) && v >= 0 ? v : 3_000;
}

/**
 * For a headless command that changed conditions: evaluate, then deliver what is due (waiting for retries that come
 * due within the bound), for at most `flushMs`. Never throws: a notification problem never changes a command's
 * outcome; it is one line on `stderr` when something could not be delivered yet.
 */
export async function notifyBeforeExit(
  db: DB,
  env: NodeJS.ProcessEnv,
  stderr?: NodeJS.WritableStream,
): Promise<DeliveryPass | undefined> {
  try {
    if (db.readonly || !db.open) return undefined;
    evaluateNotifications(db);
    const delivery = new NotifyDelivery(db, { env });
    const pass = await delivery.pass(Date.now() + flushMs(env), true);
    if (pass.pending > 0 && pass.failed > 0) {
      stderr?.write(
        `dayops: ${pass.pending} notification${pass.pending === 1 ? '' : 's'} not delivered yet (kept for the next dayops)\n`,
      );
    }
    return pass;
  } catch (err) {
    stderr?.write(`dayops: notifications: ${errorMessage(err).split('\n')[0]}\n`);
    return undefined;
  }
}

/** `return notifyAfter(ctx, code)`: a headless command's exit code, after `notifyBeforeExit`. */
export async function notifyAfter<T>(
  ctx: { db(): DB; env: NodeJS.ProcessEnv; stderr: NodeJS.WritableStream; readonly?: boolean },
  value: T,
): Promise<T> {
  // `--readonly` sends nothing, as the read-only app.
  if (!ctx.readonly) await notifyBeforeExit(ctx.db(), ctx.env, ctx.stderr);
  return value;
}
