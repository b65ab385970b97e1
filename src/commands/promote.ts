/**
 * `dayops promote STACK --to ENV [--no-cascade] [--json]` (issue 12) and `dayops rollback STACK [--no-cascade] [--json]` (issue 11): a run of the
 * target stack at exactly the revision of another run (upstream's last success; the stack's own previous success),
 * through the target's policies and approvals like `dayops run`, with its exit codes (0 FINISHED, 1 failed or
 * refused, 3 POLICY_DENIED, 4 waiting for approval). `--json` is the run's, with `revision` and `promotedFrom`.
 */
import { planPromotion, planRollback, startPromotion, startRollback } from '../app/promotion/index.js';
import { ENVIRONMENTS, type Environment } from '../domain/stack.js';
import { UserError } from '../errors.js';
import { type Command, parseFlags } from './context.js';
import { followRun, service } from './run.js';

export const promoteCommand: Command = {
  name: 'promote',
  usage: 'dayops promote STACK --to ENV [--no-cascade] [--json]',
  summary: "run ENV's stack of STACK's pipeline at the revision that last succeeded upstream (exit codes as run)",
  async run(args, ctx) {
    const { values, positionals } = parseFlags('promote', args, {
      to: { type: 'string' },
      'no-cascade': { type: 'boolean' },
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
      return await followRun(ctx, svc, id, { json: Boolean(values.json), noCascade: Boolean(values['no-cascade']) });
    } finally {
      await svc.shutdown();
    }
  },
};

export const rollbackCommand: Command = {
  name: 'rollback',
  usage: 'dayops rollback STACK [--no-cascade] [--json]',
  summary: 'after a failed validation: propose a run at the previous successful commit (waits for approval)',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('rollback', args, {
      'no-cascade': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1)
      throw new UserError('dayops rollback: give one stack name (dayops rollback STACK)', 2);
    const svc = service(ctx);
    try {
      const plan = await planRollback(svc.db, positionals[0], svc.user);
      ctx.stderr.write(
        `dayops: proposing a rollback of ${plan.stack.name} to run #${plan.to.runId} (commit ${plan.to.revision}); run #${plan.failed.runId} failed its validation\n`,
      );
      const id = await startRollback(svc, plan);
      return await followRun(ctx, svc, id, { json: Boolean(values.json), noCascade: Boolean(values['no-cascade']) });
    } finally {
      await svc.shutdown();
    }
  },
};
