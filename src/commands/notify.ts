/**
 * `dayops notify test [STACK] [--json]`: a test notification through every configured route of the stack (or of
 * every stack that has one): its Alertmanager (`alerting.alertmanagerUrl`, an alert `DayopsTest` with severity
 * `info` that ends by itself after 5 minutes) and each of `notify.webhooks` (a signed `test` event). One line per
 * route with its result; exit 0 when every route took it, 1 when one did not (or there is no route).
 */
import { hostname } from 'node:os';
import { StacksRepo } from '../db/stacks.js';
import { stackConfigOf } from '../day2/configs.js';
import {
  hasRoutes,
  resolveWebhookSecret,
  sendAlerts,
  sendWebhook,
  shownUrl,
  webhookEvent,
  type SendResult,
} from '../day2/notify/index.js';
import type { Stack } from '../domain/stack.js';
import { errorMessage, UserError } from '../errors.js';
import { currentUser } from '../identity.js';
import { sanitize } from '../terminal/sanitize.js';
import { type Command, line, parseFlags, writeJson } from './context.js';
import { notifyAfter } from '../day2/notify/index.js';

/**
 * The same command, followed by an evaluation of dayops' own alerts and a bounded delivery (for commands that
 * change conditions without their own call, such as a backup or a restore test run from cron).
 */
export function notifying(command: Command): Command {
  return { ...command, run: async (args, ctx) => notifyAfter(ctx, await command.run(args, ctx)) };
}

const TEST_TTL_MS = 5 * 60_000;

export interface RouteResult {
  stack: string;
  route: 'alertmanager' | 'webhook' | 'config';
  /** Where it went (a webhook's path is left out: it may be its secret). */
  url: string | null;
  ok: boolean;
  status: number | null;
  error: string | null;
  eventId: string | null;
}

async function testStack(stack: Stack, env: NodeJS.ProcessEnv, who: string): Promise<RouteResult[]> {
  const { config, error } = stackConfigOf(stack.dir);
  if (!config)
    return [
      {
        stack: stack.name,
        route: 'config',
        url: null,
        ok: false,
        status: null,
        error: error ?? 'unreadable',
        eventId: null,
      },
    ];
  const now = Date.now();
  const eventId = `DayopsTest:${stack.name}:${now}:test`;
  const labels = {
    alertname: 'DayopsTest',
    stack: stack.name,
    environment: stack.environment,
    severity: 'info',
    source: 'dayops',
  };
  const annotations = {
    summary: `${stack.name}: a test notification from dayops (${who}), nothing to do`,
    command: `dayops notify test ${stack.name}`,
  };
  const out: RouteResult[] = [];
  const url = config.alerting?.alertmanagerUrl;
  if (url) {
    const r = await sendAlerts(url, [
      {
        labels,
        annotations,
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + TEST_TTL_MS).toISOString(),
      },
    ]);
    out.push({ stack: stack.name, route: 'alertmanager', url: shownUrl(url), eventId, ...r });
  }
  for (const hook of config.notify?.webhooks ?? []) {
    const body = JSON.stringify(webhookEvent(eventId, 'test', 'test', labels, annotations, now, null));
    let r: SendResult;
    try {
      const secret = hook.secret ? resolveWebhookSecret(hook.secret, hook.url, stack.dir, env) : null;
      r = await sendWebhook(hook.url, body, eventId, secret);
    } catch (err) {
      r = { ok: false, status: null, error: errorMessage(err).split('\n')[0] };
    }
    out.push({ stack: stack.name, route: 'webhook', url: shownUrl(hook.url), eventId, ...r });
  }
  return out;
}

export const notifyTestCommand: Command = {
  name: 'notify test',
  usage: 'dayops notify test [STACK] [--json]',
  summary: 'send a test notification through every route (Alertmanager, webhooks); exit 1 when one failed',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('notify test', args, { json: { type: 'boolean' } });
    if (positionals.length > 1) throw new UserError('dayops notify test: give at most one stack name', 2);
    const repo = new StacksRepo(ctx.db());
    let stacks: Stack[];
    if (positionals.length === 1) {
      const s = repo.get(positionals[0]);
      if (!s) throw new UserError(`no stack named "${positionals[0]}"; see \`dayops stack list\``);
      if (stackConfigOf(s.dir).config && !hasRoutes(stackConfigOf(s.dir).config))
        throw new UserError(
          `${s.name}: no notification route (set alerting.alertmanagerUrl or notify.webhooks in ${s.dir}/dayops.yaml)`,
        );
      stacks = [s];
    } else {
      stacks = repo.list().filter((s) => {
        const { config } = stackConfigOf(s.dir);
        return !config || hasRoutes(config);
      });
      if (stacks.length === 0)
        throw new UserError('no stack has a notification route (alerting.alertmanagerUrl or notify.webhooks)');
    }
    const who = `${currentUser(ctx.db())}@${hostname()}`;
    const results: RouteResult[] = [];
    for (const s of stacks) results.push(...(await testStack(s, ctx.env, who)));
    if (values.json) writeJson(ctx, { routes: results });
    else {
      const w = (k: (r: RouteResult) => string) => Math.max(...results.map((r) => k(r).length));
      const ws = w((r) => r.stack);
      const wr = w((r) => r.route);
      const wu = w((r) => r.url ?? '-');
      for (const r of results) {
        const what = r.ok ? `delivered (HTTP ${r.status})` : `FAILED: ${r.error}`;
        line(
          ctx,
          sanitize(`${r.stack.padEnd(ws)}  ${r.route.padEnd(wr)}  ${(r.url ?? '-').padEnd(wu)}  ${what}`, {
            colour: false,
          }),
        );
      }
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
