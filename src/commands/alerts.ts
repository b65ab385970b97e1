/**
 * `dayops alerts sync`: fetch every stack's alerts from its Alertmanager into the cache.
 * `dayops alerts [STACK]`: the cached alerts (no network), with each source's age, staleness and last error.
 */
import { StacksRepo } from '../db/stacks.js';
import { cachedAlerts, refreshAlertsNow } from '../app/day2/operations.js';
import type { AlertView } from '../day2/alerts.js';
import { UserError } from '../errors.js';
import { formatTable } from '../text-table.js';
import { type Command, line, parseFlags, writeJson } from './context.js';
import { requirePermission } from '../app/permissions.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

/** `3m ago`, `2h ago`, for the table. */
function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export const alertsSync: Command = {
  name: 'alerts sync',
  usage: 'dayops alerts sync [--json] [--timeout SECONDS]',
  summary: "fetch every stack's alerts from its Alertmanager into the cache",
  async run(args, ctx) {
    const { values } = parseFlags(
      'alerts sync',
      args,
      { json: { type: 'boolean' }, timeout: { type: 'string' } },
      false,
    );
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      const secs = Number(values.timeout);
      if (!Number.isFinite(secs) || secs <= 0)
        throw new UserError(
          `dayops alerts sync: --timeout must be a number of seconds above 0, not "${values.timeout}"`,
          2,
        );
      timeoutMs = Math.round(secs * 1000);
    }
    // Asked for by a person or a script: try every source now, whatever its backoff.
    requirePermission(ctx.db(), 'refresh');
    const results = await refreshAlertsNow(ctx.db(), undefined, { timeoutMs });
    const allOk = results.every((r) => r.ok);
    const failed = (r: (typeof results)[number]) =>
      `${r.stack}: error: ${r.error}${r.alerts > 0 ? ` (keeping ${r.alerts} cached alert${r.alerts === 1 ? '' : 's'})` : ''}\n`;
    if (values.json) {
      // The JSON on stdout has every result; a source that failed is also said on stderr, as errors are.
      for (const r of results) if (!r.ok) ctx.stderr.write(failed(r));
      writeJson(ctx, {
        stacks: results.map((r) => ({
          name: r.stack,
          ok: r.ok,
          alerts: r.alerts,
          ...(r.error !== undefined ? { error: r.error } : {}),
        })),
      });
      return allOk ? 0 : 1;
    }
    if (results.length === 0) {
      line(ctx, 'No stack has alerting configured (alerting.alertmanagerUrl in its dayops.yaml).');
      return 0;
    }
    for (const r of results) {
      if (r.ok) line(ctx, `${r.stack}: ok, ${r.alerts} alert${r.alerts === 1 ? '' : 's'}`);
      // A source that failed is an error: on stderr, as every command's errors are.
      else ctx.stderr.write(failed(r));
    }
    return allOk ? 0 : 1;
  },
};

function alertJson(a: AlertView) {
  return {
    stack: a.stack,
    fingerprint: a.fingerprint,
    alertname: a.alertname,
    severity: a.severity,
    state: a.state,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAt),
    endsAt: iso(a.endsAt),
    silencedBy: a.silencedBy,
    inhibitedBy: a.inhibitedBy,
    generatorUrl: a.generatorUrl,
    acknowledged: a.acknowledged
      ? { user: a.acknowledged.user, at: iso(a.acknowledged.at), note: a.acknowledged.note }
      : null,
    fetchedAt: iso(a.source.fetchedAt),
    stale: a.source.stale,
    // Added: why these alerts are stale (Alertmanager's last error) and when it was last tried
    error: a.source.error,
    lastAttemptAt: iso(a.source.attemptedAt),
  };
}

export const alertsList: Command = {
  name: 'alerts',
  usage: 'dayops alerts [STACK] [--json]',
  summary: 'the cached alerts of every stack, or of one (no network; `alerts sync` refreshes)',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('alerts', args, { json: { type: 'boolean' } });
    if (positionals.length > 1)
      throw new UserError(`dayops alerts: one stack at most, got ${positionals.join(' ')}`, 2);
    const db = ctx.db();
    const name = positionals[0];
    if (name !== undefined && !new StacksRepo(db).get(name)) {
      throw new UserError(`dayops alerts: unknown stack "${name}"; see \`dayops stack list\``);
    }
    const now = Date.now();
    const { alerts, sources } = cachedAlerts(db, name, now);
    if (values.json) {
      writeJson(ctx, {
        alerts: alerts.map(alertJson),
        sources: sources.map((s) => ({
          stack: s.stack,
          fetchedAt: iso(s.fetchedAt),
          stale: s.stale,
          error: s.error,
          lastAttemptAt: iso(s.attemptedAt),
          nextRetryAt: iso(s.error !== null ? s.nextRetryAt : null),
        })),
      });
      return 0;
    }
    if (sources.length === 0 && alerts.length === 0) {
      line(
        ctx,
        name
          ? `No alerts cached for ${name}; run \`dayops alerts sync\` (needs alerting in its dayops.yaml).`
          : 'No alerts cached; run `dayops alerts sync`.',
      );
      return 0;
    }
    if (alerts.length === 0) line(ctx, 'No alerts firing.');
    else {
      line(
        ctx,
        formatTable(
          ['STACK', 'SEVERITY', 'STATE', 'ALERT', 'SINCE', 'ACK', 'SUMMARY'],
          alerts.map((a) => [
            a.stack,
            a.severity || '-',
            a.state,
            a.alertname,
            ago(a.startsAt, now),
            a.acknowledged ? a.acknowledged.user : '',
            (a.annotations.summary ?? a.annotations.description ?? '').replace(/\s+/g, ' '),
          ]),
        ),
      );
    }
    line(ctx);
    for (const s of sources) {
      const age = s.fetchedAt === null ? 'never fetched' : `fetched ${ago(s.fetchedAt, now)}`;
      if (s.error) line(ctx, `${s.stack}: stale (${age}); last error: ${s.error}`);
      else line(ctx, `${s.stack}: ${age}${s.stale ? ' (stale)' : ''}`);
    }
    return 0;
  },
};
