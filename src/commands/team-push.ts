/**
 * `dayops team push --from PATH_TO_SQLITE_DB [--json]`: copy a personal workspace (stacks, runs with their logs and
 * approvals, drift checks and triage, the audit log) into the team database that --db / DAYOPS_DB names. The file
 * is read, never changed; pushing again copies only what is new. Progress on stderr, the summary on stdout.
 * Exit 0 when done (notes say what was not copied and why), 1 when it failed (what was copied before stays: each
 * run, and each batch of other records, is copied whole in one transaction; pushing again continues).
 */
import { resolve } from 'node:path';
import { pushWorkspace, type PushResult } from '../app/team/push.js';
import { isPostgresUrl } from '../db/engine.js';
import { PUSH_TABLES } from '../db/push.js';
import { UserError } from '../errors.js';
import { formatTable } from '../text-table.js';
import { type Command, type CommandContext, line, parseFlags, writeJson } from './context.js';

function summary(ctx: CommandContext, from: string, r: PushResult): void {
  if (r.workspace === null) {
    line(ctx, `${from}: no stacks, nothing to push`);
    return;
  }
  const copied = PUSH_TABLES.reduce((n, t) => n + r.copied[t], 0);
  line(
    ctx,
    copied ? `Pushed ${from} (workspace ${r.workspace}):` : `Nothing new in ${from} (workspace ${r.workspace}):`,
  );
  line(
    ctx,
    formatTable(
      ['TABLE', 'COPIED', 'SKIPPED'],
      PUSH_TABLES.map((t) => [t, String(r.copied[t]), String(r.skipped[t])]),
    ),
  );
  for (const n of r.notes) line(ctx, `note: ${n}`);
}

export const teamPushCommand: Command = {
  name: 'team push',
  usage: 'dayops team push --from PATH_TO_SQLITE_DB [--json]',
  summary: 'copy a personal workspace (a dayops SQLite file) into the team database; again copies only what is new',
  async run(args: string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseFlags(
      'team push',
      args,
      { from: { type: 'string' }, json: { type: 'boolean' } },
      false,
    );
    if (positionals.length) throw new UserError(`dayops team push: unexpected "${positionals[0]}"`, 2);
    if (!values.from) throw new UserError('dayops team push: --from PATH_TO_SQLITE_DB names the workspace to copy', 2);
    if (!isPostgresUrl(ctx.dbTarget))
      throw new UserError(
        'dayops team push: --db (or DAYOPS_DB) must name the team database (postgres://...) to copy into',
        2,
      );
    const from = resolve(ctx.cwd, values.from);
    const result = pushWorkspace(from, ctx.db(), {
      onProgress: (m) => ctx.stderr.write(`dayops: ${m}\n`),
    });
    if (values.json) writeJson(ctx, { copied: result.copied, skipped: result.skipped, notes: result.notes });
    else summary(ctx, from, result);
    return 0;
  },
};
