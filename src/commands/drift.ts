/**
 * `dayops drift STACK...|--all [--json]`: check stacks for drift now, headless: each check is a proposed run
 * (purpose `drift`, trigger `cli`) through the run service, queued behind any run working in the stack's folder.
 * Allowed with --readonly (a drift check never applies; an automatic remediation is not started then).
 *
 * Exit codes, as `terraform plan -detailed-exitcode`: 0 no open drift, 2 open drift found (neither accepted nor
 * snoozed), 1 a check failed or the command was wrong (with several stacks, 1 wins over 2). Progress goes to
 * stderr; stdout holds the report (or the JSON document).
 */
import { RunService } from '../day1/runs.js';
import { StacksRepo } from '../db/stacks.js';
import { checkStacksDriftNow } from '../app/day2/operations.js';
import { describeDrift, type DriftCheckResult } from '../day2/drift.js';
import { UserError } from '../errors.js';
import { currentUser } from '../identity.js';
import { type Command, type CommandContext, line, parseFlags, writeJson } from './context.js';
import { notifyAfter } from '../day2/notify/index.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

export function driftExitCode(results: readonly Pick<DriftCheckResult, 'status' | 'drifted'>[]): number {
  if (results.some((r) => r.status === 'failed' || r.status === 'checking')) return 1;
  return results.some((r) => r.drifted > 0) ? 2 : 0;
}

/** The `--json` shape of one stack's check. */
export function driftCheckJson(r: DriftCheckResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: r.stack,
    drifted: r.drifted > 0,
    status: r.status,
    open: r.drifted,
    total: r.resources.length,
    checkId: r.checkId,
    runId: r.runId,
    checkedAt: iso(r.checkedAt),
    resources: r.resources.map((x) => ({
      address: x.address,
      action: x.action,
      source: x.source,
      detail: x.detail,
      fingerprint: x.fingerprint,
      triage: { ...x.triage, at: iso(x.triage.at), until: iso(x.triage.until) },
    })),
  };
  if (r.error) out.error = r.error;
  // Added fields: whether the figures are this check's, and when they were computed.
  out.stale = r.stale ?? (r.status !== 'in_sync' && r.status !== 'drifted');
  out.fetchedAt = iso(r.fetchedAt ?? (out.stale ? null : r.checkedAt));
  if (r.remediation) out.remediation = r.remediation;
  return out;
}

function report(ctx: CommandContext, r: DriftCheckResult): void {
  const run = r.runId !== null ? ` [run ${r.runId}]` : '';
  const triaged = r.resources.length - r.drifted;
  const figures = `${r.drifted > 0 ? `drifted: ${r.drifted} open` : 'no open drift'}${triaged ? `, ${triaged} accepted or snoozed` : ''}`;
  if (r.status === 'failed' || r.status === 'checking') {
    line(ctx, `${r.stack}: check failed: ${r.error ?? 'unknown error'}${run}`);
    if (!r.fetchedAt) return;
    // What the last good check found still stands as far as anyone knows: shown, marked stale.
    line(ctx, `  last known (stale, from ${iso(r.fetchedAt)}): ${r.resources.length === 0 ? 'in sync' : figures}`);
  } else if (r.resources.length === 0) {
    line(ctx, `${r.stack}: in sync${run}`);
    return;
  } else line(ctx, `${r.stack}: ${figures}${run}`);
  for (const x of r.resources) {
    const t = x.triage;
    const why =
      t.state === 'accepted'
        ? `  accepted by ${t.user}${t.note ? `: ${t.note}` : ''}`
        : t.state === 'snoozed'
          ? `  snoozed until ${iso(t.until)} by ${t.user}${t.note ? `: ${t.note}` : ''}`
          : t.lapsed === 'changed'
            ? '  (changed again since it was accepted)'
            : '';
    line(ctx, `  ${describeDrift(x)}${x.source === 'plan' ? ' (planned)' : ''}${why}`);
  }
  if (r.remediation?.runId)
    line(
      ctx,
      `  remediation: run ${r.remediation.runId} (${r.remediation.state}): dayops approve ${r.remediation.runId}`,
    );
  else if (r.remediation?.skipped) line(ctx, `  remediation not started: ${r.remediation.skipped}`);
}

export const driftCommand: Command = {
  name: 'drift',
  usage: 'dayops drift STACK...|--all [--json]',
  summary: 'check stacks for drift now (exit 0 none, 2 drift found, 1 a check failed)',
  async run(args: string[], ctx: CommandContext): Promise<number> {
    let parsed;
    try {
      parsed = parseFlags('drift', args, { all: { type: 'boolean' }, json: { type: 'boolean' } });
    } catch (err) {
      // Exit 2 means "drift found" here: a wrong command line is an error (1).
      throw new UserError((err as Error).message, 1);
    }
    const { values, positionals } = parsed;
    if (values.all && positionals.length) throw new UserError('dayops drift: give stack names or --all, not both', 1);
    if (!values.all && positionals.length === 0)
      throw new UserError('dayops drift: give a stack name (dayops drift STACK) or --all', 1);
    const db = ctx.db();
    const repo = new StacksRepo(db);
    const stacks = values.all ? repo.list() : positionals.map((n) => repo.get(n) ?? n);
    const unknown = stacks.filter((s): s is string => typeof s === 'string');
    if (unknown.length)
      throw new UserError(
        `dayops drift: no stack named ${unknown.map((n) => `"${n}"`).join(', ')}; \`dayops stack list\` shows the registered stacks`,
        1,
      );
    if (stacks.length === 0) {
      if (values.json) writeJson(ctx, { stacks: [] });
      else line(ctx, 'No stacks registered.');
      return 0;
    }
    const runs = new RunService(db, {
      dbPath: ctx.dbPath,
      user: currentUser(db),
      readonly: ctx.readonly,
      env: ctx.env,
    });
    const list = stacks.filter((s) => typeof s !== 'string');
    let results: DriftCheckResult[];
    try {
      results = await checkStacksDriftNow(runs, db, list, {
        trigger: 'cli',
        user: runs.user,
        concurrency: 2,
        onStart: (s) => ctx.stderr.write(`dayops: checking ${s.name} for drift\n`),
      });
    } finally {
      await runs.shutdown('dayops drift is done');
    }
    if (values.json) writeJson(ctx, { stacks: results.map(driftCheckJson) });
    else for (const r of results) report(ctx, r);
    return await notifyAfter(ctx, driftExitCode(results));
  },
};
