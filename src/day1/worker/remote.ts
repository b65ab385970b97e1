/** `dayops run STACK --remote`: the run is queued for a `dayops worker` (remote = 1, no owner) instead of run here. */
import { loadStackConfig } from '../../config/stack-config.js';
import type { DB } from '../../db/open.js';
import { RunsRepo, type RunRecord } from '../../db/runs.js';
import { StacksRepo } from '../../db/stacks.js';
import { WorkersRepo, type WorkerRecord } from '../../db/workers.js';
import { UserError } from '../../errors.js';
import { requireEstablishedUser } from '../../os-user.js';

export interface RemoteRunOptions {
  user: string;
  planOnly?: boolean;
  autoApprove?: boolean;
  readonly?: boolean;
}

/** Queue a run of `stackName` for a worker; the workers alive now come with it (none: nobody will take it yet). */
export function queueRemoteRun(
  db: DB,
  stackName: string,
  opts: RemoteRunOptions,
): { run: RunRecord; workers: WorkerRecord[] } {
  const stack = new StacksRepo(db).get(stackName);
  if (!stack) throw new UserError(`no stack named "${stackName}"; \`dayops stack list\` shows the registered stacks`);
  const kind = opts.planOnly ? 'proposed' : 'tracked';
  if (opts.readonly && kind === 'tracked') {
    throw new UserError('readonly mode (--readonly): only plan-only runs may start (dayops run STACK --plan-only)');
  }
  if (kind === 'tracked' && opts.autoApprove)
    requireEstablishedUser(opts.user, `auto-approving a run of ${stack.name}`);
  let configAutoApply = false;
  try {
    configAutoApply = Boolean(loadStackConfig(stack.dir).autoApply);
  } catch {
    /* the stack's folder is on the workers' machines: they read its dayops.yaml */
  }
  const run = new RunsRepo(db).create({
    stackId: stack.id,
    kind,
    purpose: 'deploy',
    triggeredBy: opts.user,
    trigger: 'cli',
    autoApply: kind === 'tracked' && (Boolean(opts.autoApprove) || configAutoApply),
    owner: null,
    remote: true,
  });
  return { run, workers: new WorkersRepo(db).live() };
}
