/**
 * `dayops promote STACK --to ENV [--json]` (issue 12) and `dayops rollback STACK [--json]` (issue 11): a run of the
 * target stack at exactly the revision of another run (upstream's last success; the stack's own previous success),
 * through the target's policies and approvals like `dayops run`, with its exit codes (0 FINISHED, 1 failed or
 * refused, 3 POLICY_DENIED, 4 waiting for approval). `--json` is the run's, with `revision` and `promotedFrom`.
 */
import { planPromotion, planRollback, startPromotion, startRollback } from '../app/promotion/index.js';
import { notifyAfter } from '../day2/notify/index.js';
import { ENVIRONMENTS, type Environment } from '../domain/stack.js';
import { UserError } from '../errors.js';
import type { RunService } from '../day1/runs.js';
import { type Command, type CommandContext, parseFlags } from './context.js';
import { confirm, finalReport, LogFollower, logStream, service } from './run.js';

/** Follow a run this process started, as `dayops run` does: its log, the approval question, the final report. */
async function follow(ctx: CommandContext, svc: RunService, id: number, json: boolean): Promise<number> {
  const out = logStream(ctx, json);
  let follower: LogFollower | undefined;
  try {
    follower = new LogFollower(ctx, svc.logs, id, out).start();
    let run = await svc.wait(id);
    follower.drain();
    if (run.state === 'UNCONFIRMED') {
      follower.stop();
      run = await confirm(ctx, svc, run, follower, out);
    }
    follower.stop();
    // As `dayops run`: dayops' own alerts (a failed run, one waiting for approval) are delivered before it exits.
    return await notifyAfter(ctx, finalReport(ctx, svc, run, json));
  } finally {
    follower?.stop();
  }
}

export const promoteCommand: Command = {
  name: 'promote',
  usage: 'dayops promote STACK --to ENV [--json]',
  summary: "run ENV's stack of STACK's pipeline at the revision that last succeeded upstream (exit codes as run)",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('promote', args, {
      to: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1)
      throw new UserError('dayops promote: give one stack name (dayops promote STACK --to ENV)', 2);
    if (!values.to) throw new UserError('dayops promote: --to ENV is required (dev, staging or prod)', 2);
    if (!ENVIRONMENTS.includes(values.to as Environment))
      throw new UserError(`dayops promote: --to must be dev, staging or prod, not "${values.to}"`, 2);
    const svc = service(ctx);
    try {
      const plan = await planPromotion(svc.db, positionals[0], values.to as Environment, svc.user);
      ctx.stderr.write(
        `dayops: promoting ${plan.upstream.name} run #${plan.from.runId} (${plan.from.kind === 'git' ? 'commit' : 'content'} ${plan.from.revision}) to ${plan.target.name}\n`,
      );
      const id = await startPromotion(svc, plan);
      return await follow(ctx, svc, id, Boolean(values.json));
    } finally {
      await svc.shutdown();
    }
  },
};

export const rollbackCommand: Command = {
  name: 'rollback',
  usage: 'dayops rollback STACK [--json]',
  summary: 'after a failed validation: propose a run at the previous successful commit (waits for approval)',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('rollback', args, { json: { type: 'boolean' } });
    if (positionals.length !== 1)
      throw new UserError('dayops rollback: give one stack name (dayops rollback STACK)', 2);
    const svc = service(ctx);
    try {
      const plan = await planRollback(svc.db, positionals[0], svc.user);
      ctx.stderr.write(
        `dayops: proposing a rollback of ${plan.stack.name} to run #${plan.to.runId} (commit ${plan.to.revision}); run #${plan.failed.runId} failed its validation\n`,
      );
      const id = await startRollback(svc, plan);
      return await follow(ctx, svc, id, Boolean(values.json));
    } finally {
      await svc.shutdown();
    }
  },
};
