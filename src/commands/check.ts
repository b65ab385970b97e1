/**
 * `dayops check STACK [--json]`: run a stack's checks (dayops.yaml `checks:`) now, whatever their `when`, and store
 * the results. Exit 0 when every check passed, 5 when one failed, 1 when they could not run (an unknown stack, a
 * bad dayops.yaml, no checks). Progress goes to stderr; stdout holds the report (or the JSON document).
 */
import { StacksRepo } from '../db/stacks.js';
import { VALIDATION_FAILED_EXIT } from '../day1/run-service/json.js';
import { installProcessHandlers } from '../day1/runner/process.js';
import { runStackChecks } from '../day1/validation/stack-checks.js';
import type { CheckResult } from '../day1/validation/types.js';
import { UserError } from '../errors.js';
import { type Command, line, parseFlags, writeJson } from './context.js';

/** One check in `--json`, as in a run's `validation.checks`. */
export function checkJson(r: CheckResult): Record<string, unknown> {
  return { name: r.name, kind: r.kind, status: r.status, durationMs: r.durationMs, message: r.message };
}

function mark(r: CheckResult): string {
  return r.status === 'passed' ? '✓' : '✗';
}

export const checkCommand: Command = {
  name: 'check',
  usage: 'dayops check STACK [--json]',
  summary: "run a stack's checks now (exit 0 all passed, 5 one failed, 1 could not run)",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('check', args, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UserError('dayops check: give one stack name (dayops check STACK)', 2);
    const name = positionals[0];
    const db = ctx.db();
    const stack = new StacksRepo(db).get(name);
    if (!stack) throw new UserError(`no stack named "${name}"; \`dayops stack list\` shows the registered stacks`);
    installProcessHandlers();
    const res = await runStackChecks(db, stack, {
      source: 'manual',
      env: ctx.env,
      onEnd: (r) => ctx.stderr.write(`dayops: check ${r.name} ${r.status} (${(r.durationMs / 1000).toFixed(1)} s)\n`),
    });
    if (values.json) {
      writeJson(ctx, { stack: res.stack, status: res.status, checks: res.checks.map(checkJson) });
    } else {
      for (const r of res.checks) line(ctx, `${mark(r)} ${r.name} (${r.kind}) ${r.status}: ${r.message}`);
      line(
        ctx,
        `${res.stack}: ${res.checks.filter((r) => r.status === 'passed').length} of ${res.checks.length} checks passed`,
      );
    }
    return res.status === 'passed' ? 0 : VALIDATION_FAILED_EXIT;
  },
};
