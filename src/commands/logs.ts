/**
 * `dayops logs RUN_ID [--follow]`: a run's log as stored (both engines). `--follow` tails a run driven by another
 * process or machine until it ends (or parks for approval): woken by PostgreSQL's NOTIFY on channel `dayops_log`
 * (team mode) as each chunk is committed, and polling the stored chunks as well (the only way on SQLite, and the
 * fallback when LISTEN is not possible).
 */
import { isTeamDb } from '../db/engine.js';
import { LogsRepo } from '../db/logs.js';
import { listen, type Listener } from '../db/pg/listen.js';
import { RunsRepo } from '../db/runs.js';
import { isTerminal } from '../day1/runner/state.js';
import { UserError } from '../errors.js';
import { type Command, parseFlags } from './context.js';
import { LogFollower } from './run.js';

/** How often `--follow` looks at the database when no notification came. */
const POLL_MS = 250;

export const logsCommand: Command = {
  name: 'logs',
  usage: 'dayops logs RUN_ID [--follow]',
  summary: "print a run's log; --follow tails a run driven elsewhere until it ends",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('logs', args, { follow: { type: 'boolean', short: 'f' } });
    if (positionals.length !== 1) throw new UserError('dayops logs: give one run id (dayops logs RUN_ID)', 2);
    const id = Number(positionals[0]);
    if (!Number.isSafeInteger(id) || id <= 0)
      throw new UserError(`dayops logs: "${positionals[0]}" is not a run id`, 2);
    const db = ctx.db();
    const runs = new RunsRepo(db);
    if (!runs.get(id)) throw new UserError(`run ${id} does not exist; \`dayops runs\` lists the runs`);
    const follower = new LogFollower(ctx, new LogsRepo(db), id, ctx.stdout);
    follower.drain();
    if (!values.follow) return 0;
    let wake: (() => void) | undefined;
    let listener: Listener | undefined;
    if (isTeamDb(db)) {
      try {
        listener = await listen(ctx.dbTarget, 'dayops_log', (payload) => {
          if (payload === String(id)) wake?.();
        });
      } catch {
        /* polling alone */
      }
    }
    try {
      for (;;) {
        // Whatever ended the run was stored after its last line: read the state first, the lines after it.
        const run = runs.get(id);
        follower.drain();
        if (!run || isTerminal(run.state)) {
          if (run) ctx.stderr.write(`dayops: run ${id} ${run.state}${run.error ? `: ${run.error}` : ''}\n`);
          return 0;
        }
        if (run.state === 'UNCONFIRMED' && !run.owner) {
          ctx.stderr.write(`dayops: run ${id} is waiting for approval: dayops approve ${id}\n`);
          return 0;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, POLL_MS);
          function done() {
            clearTimeout(t);
            wake = undefined;
            resolve();
          }
          wake = done;
        });
      }
    } finally {
      await listener?.close();
    }
  },
};
