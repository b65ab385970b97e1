/**
 * `dayops demo [--db PATH] [--open] [--reset] [--json]`: make (or remake) a demo workspace in its own database,
 * print what it made and the command that opens it. `--open` opens the app on the demo as it is (the runs,
 * approvals and drift you made in it kept), making it first only when there is none; `--reset` rebuilds it from
 * scratch, also with `--open`. Without `--db` (and whatever DAYOPS_DB says) the demo goes to
 * `$XDG_DATA_HOME/dayops/demo/demo.db`, never into the real database.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createDemo, defaultDemoDbPath, DEMO_MARKER, demoWorkspace } from '../demo/index.js';
import { openDatabase, type DB } from '../db/open.js';
import { outputFolderProblem } from '../day0/write.js';
import { UserError } from '../errors.js';
import { osUser } from '../os-user.js';
import { defaultDbPath } from '../paths.js';
import { formatTable } from '../text-table.js';
import { type Command, type CommandContext, line, parseFlags, writeJson } from './context.js';

/** The demo's database: `--db` when given, else the demo's own default (DAYOPS_DB names the real database). */
export function demoDbPath(ctx: Pick<CommandContext, 'dbPath' | 'env'>): string {
  const real = defaultDbPath(ctx.env);
  const fromEnv = ctx.env.DAYOPS_DB ? resolve(ctx.env.DAYOPS_DB) : undefined;
  if (ctx.dbPath === real || ctx.dbPath === fromEnv) return defaultDemoDbPath(real);
  return ctx.dbPath;
}

/** A demo made earlier at this database: its file and its marked workspace. */
function demoExists(dbPath: string): boolean {
  return existsSync(dbPath) && existsSync(join(demoWorkspace(resolve(dbPath)), DEMO_MARKER));
}

export const demoCommand: Command = {
  name: 'demo',
  usage: 'dayops demo [--db PATH] [--open] [--reset] [--json]',
  summary:
    'make a demo workspace to explore (its own database); --open opens the existing demo as you left it, --reset rebuilds it',
  async run(args, ctx) {
    const { values } = parseFlags(
      'demo',
      args,
      { json: { type: 'boolean' }, open: { type: 'boolean' }, reset: { type: 'boolean' } },
      false,
    );
    if (values.open && values.json) {
      throw new UserError('dayops demo: --open and --json do not go together (the app would write over the JSON)', 2);
    }
    const dbPath = demoDbPath(ctx);
    // A folder under /proc or /sys, or a file where the folder goes: one line now (Node's recursive mkdir may never
    // return under /proc).
    const problem = outputFolderProblem(dirname(resolve(dbPath)));
    if (problem) throw new UserError(`dayops demo: ${problem}`);
    if (values.open && !values.reset && demoExists(dbPath)) {
      return openDemo(ctx, dbPath, `dayops demo: opening the demo at ${dbPath} as you left it (--reset rebuilds it)`);
    }
    if (ctx.readonly)
      throw new UserError('dayops demo: --readonly: making the demo writes a database and a workspace', 2);
    const result = await createDemo({
      dbPath,
      user: osUser(),
      env: ctx.env,
      onProgress: values.json ? undefined : (m) => ctx.stderr.write(`dayops demo: ${m}\n`),
    });
    if (values.json) {
      writeJson(ctx, result);
    } else {
      line(ctx, `dayops demo: ${result.replaced ? 'remade' : 'made'} ${result.dbPath}`);
      line(ctx, `  workspace ${result.workspace} (each stack's folder is under stacks/)`);
      const envs = ['dev', 'staging', 'prod']
        .map((e) => `${result.stacks.filter((s) => s.environment === e).length} ${e}`)
        .join(', ');
      line(ctx, `  ${result.stacks.length} stacks: ${envs}`);
      line(ctx);
      line(
        ctx,
        formatTable(
          ['STACK', 'ENV', 'TOOL', 'WHAT IT SHOWS'],
          result.stacks.map((s) => [s.name, s.environment, s.tool, s.shows]),
        ),
      );
      line(ctx);
      line(
        ctx,
        'Alerts are cached from http://127.0.0.1:9093; with no Alertmanager there they show as stale, as any source that is down.',
      );
      for (const n of result.local.notes) line(ctx, `Note: ${n}`);
      line(
        ctx,
        'demo-local really runs here: open it, Enter on demo-local, r to remediate its drift (a plan, an approval, an apply).',
      );
      line(ctx);
      line(ctx, `Open it: ${result.openCommand}`);
    }
    if (values.open) return openDemo(ctx, dbPath);
    return 0;
  },
};

async function openDemo(ctx: CommandContext, dbPath: string, note?: string): Promise<number> {
  if (!ctx.isTTY)
    throw new UserError(`dayops demo --open: the app needs a terminal; open it later with dayops --db ${dbPath}`, 2);
  if (note) ctx.stderr.write(`${note}\n`);
  let handle: DB | undefined;
  const { runTui } = await (await import('../main.js')).importTui();
  try {
    return await runTui({ ...ctx, dbPath, dbTarget: dbPath, db: () => (handle ??= openDatabase(dbPath)) });
  } finally {
    handle?.close();
  }
}
