/**
 * `dayops slo [STACK] [--json] [--cached]`: every stack's SLOs (dayops.yaml `slo:`), measured now from its
 * Prometheus and stored; when Prometheus cannot be asked, the last measurement is shown, `stale` with the `error`.
 * `--cached` reads the stored values only (no network).
 */
import { StacksRepo } from '../db/stacks.js';
import { listSlos, syncSlos, type SloView } from '../day2/slo.js';
import { BURN_WINDOWS, formatBudget, formatBurn, formatPercent } from '../domain/slo.js';
import { UserError } from '../errors.js';
import { formatTable } from '../text-table.js';
import { type Command, line, parseFlags, writeJson } from './context.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

/** The contract's shape, in its order. */
export function sloJson(s: SloView) {
  return {
    stack: s.stack,
    name: s.name,
    objective: s.objective,
    attainment: s.attainment,
    budgetRemaining: s.budgetRemaining,
    burnRates: Object.fromEntries(BURN_WINDOWS.map((w) => [w, s.burnRates[w]])),
    status: s.status,
    fetchedAt: iso(s.fetchedAt),
    stale: s.stale,
    error: s.error,
  };
}

export const sloCommand: Command = {
  name: 'slo',
  usage: 'dayops slo [STACK] [--json] [--cached]',
  summary: "SLOs measured from each stack's Prometheus: attainment, error budget left, burn rates, status",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('slo', args, {
      json: { type: 'boolean' },
      cached: { type: 'boolean' },
    });
    if (positionals.length > 1) throw new UserError(`dayops slo: one stack at most, got ${positionals.join(' ')}`, 2);
    const db = ctx.db();
    const name = positionals[0];
    if (name !== undefined && !new StacksRepo(db).get(name)) {
      throw new UserError(`dayops slo: unknown stack "${name}"; see \`dayops stack list\``);
    }
    if (!values.cached && !ctx.readonly) {
      const results = await syncSlos(db, name === undefined ? undefined : [name], { force: true });
      for (const r of results) {
        if (!r.ok && r.slos === 0 && r.skipped) ctx.stderr.write(`${r.stack}: not measured: ${r.error}\n`);
        else if (!r.ok)
          ctx.stderr.write(
            `${r.stack}: error: ${r.error}${r.slos > 0 ? ` (showing the last measurement of ${r.slos} SLO${r.slos === 1 ? '' : 's'}, stale)` : ''}\n`,
          );
      }
    }
    const slos = listSlos(db, name);
    if (values.json) {
      writeJson(ctx, { slos: slos.map(sloJson) });
      return 0;
    }
    if (slos.length === 0) {
      line(
        ctx,
        name
          ? `${name} has no SLO measured (slo: and monitoring.prometheusUrl in its dayops.yaml).`
          : "No SLO measured (slo: and monitoring.prometheusUrl in a stack's dayops.yaml).",
      );
      return 0;
    }
    line(
      ctx,
      formatTable(
        ['STACK', 'SLO', 'OBJECTIVE', 'ATTAINMENT', 'BUDGET LEFT', `BURN ${BURN_WINDOWS.join('/')}`, 'STATUS'],
        slos.map((s) => [
          s.stack,
          s.name,
          `${formatPercent(s.objective)} / ${s.window}`,
          s.attainment === null ? 'no traffic' : formatPercent(s.attainment),
          formatBudget(s.budgetRemaining),
          BURN_WINDOWS.map((w) => formatBurn(s.burnRates[w])).join(' '),
          `${s.status}${s.stale ? ' (stale)' : ''}`,
        ]),
      ),
    );
    return 0;
  },
};
