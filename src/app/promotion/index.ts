/**
 * Promotion and rollback, free of React (issue 12, and issue 11's rollback offer): which revision a run must take,
 * whether the target's folder is at exactly that revision, and the one-line refusal (with the exact command to
 * fix it) when it is not. Both `dayops promote`/`dayops rollback` and the TUI call these; the run itself is started
 * through the RunService with `atRevision`, so it goes through the target's policies and approvals like any run,
 * and its driver checks the revision again right before the tool starts.
 *
 * The folder is never moved by dayops: local state (`terraform.tfstate`, untracked in the stack folder) stays
 * where it is, and a checkout at another commit is a refusal that names the `git` command to put it there.
 */
import { RevisionsRepo, type SucceededRun } from '../../db/revisions.js';
import type { DB } from '../../db/open.js';
import { RunsRepo } from '../../db/runs.js';
import { StacksRepo } from '../../db/stacks.js';
import { loadStackConfig, type StackConfig } from '../../config/stack-config.js';
import type { RunService } from '../../day1/runs.js';
import type { Environment, Stack } from '../../domain/stack.js';
import { errorMessage, UserError } from '../../errors.js';
import { hasCommit, shortRevision } from '../../day1/revision.js';
import { revisionOfStack, type AtRevision } from '../../day1/run-revision.js';
import { pipelineLinks, stackInEnvironment } from './pipeline.js';

export { pipelines, pipelineLinks, designKey, type Pipeline, type PipelineLink } from './pipeline.js';

/** A refusal: exit 1 and this line. */
export class Refused extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'Refused';
  }
}

function configOf(stack: Stack): StackConfig | undefined {
  try {
    return loadStackConfig(stack.dir);
  } catch {
    return undefined;
  }
}

/** A word quoted for a shell where it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `git -C '<dir>' ...` with the folder quoted for a shell. */
function gitCmd(dir: string, args: string): string {
  return `git -C ${shellWord(dir)} ${args}`;
}

/**
 * Refuse unless the stack's folder is at exactly this revision, clean: a checkout at another commit (or with
 * uncommitted changes), a folder that is not a checkout, or one whose content differs. `why` names the run whose
 * revision it is.
 */
export async function requireAtRevision(db: DB, stack: Stack, want: SucceededRun, why: string): Promise<void> {
  const wantRev = want.revision!;
  let now;
  try {
    now = await revisionOfStack(stack.dir, configOf(stack), db.name);
  } catch (err) {
    throw new Refused(`${stack.name}: its revision cannot be read (${errorMessage(err)}); nothing was run`);
  }
  const short = shortRevision({ revision: wantRev });
  if (want.kind === 'git') {
    if (now.kind !== 'git')
      throw new Refused(
        `${stack.name} (${stack.dir}) is not a git checkout, so it cannot be put at commit ${short} (${why}); nothing was run`,
      );
    if (now.dirty)
      throw new Refused(
        `${stack.name}'s checkout has uncommitted changes (${(now.changed ?? []).join(', ')}): commit them, or stash them with \`${gitCmd(stack.dir, `stash push --include-untracked -- ${(now.changed ?? []).map(shellWord).join(' ')}`)}\`, and try again; nothing was run`,
      );
    if (now.revision !== wantRev) {
      const fetch = (await hasCommit(stack.dir, wantRev)) ? '' : `${gitCmd(now.toplevel!, 'fetch')} && `;
      throw new Refused(
        `${stack.name}'s checkout is at ${shortRevision(now)}, not at ${short}: put it there with \`${fetch}${gitCmd(now.toplevel!, `checkout --detach ${wantRev}`)}\` and try again (${why}); nothing was run`,
      );
    }
    return;
  }
  if (now.kind !== 'content')
    throw new Refused(
      `${stack.name} is a git checkout but ${why} ran from a folder that is not (content ${short}); nothing was run`,
    );
  if (now.revision !== wantRev)
    throw new Refused(
      `${stack.name}'s folder (content ${shortRevision(now)}) differs from ${why} (content ${short}): copy that revision's files into ${stack.dir} (dayops.yaml, state and .terraform/ do not count) and try again; nothing was run`,
    );
}

export interface PromotionPlan {
  target: Stack;
  upstream: Stack;
  from: SucceededRun;
  at: AtRevision;
}

/**
 * What `dayops promote STACK --to ENV` would run: the target stack in ENV, and the revision of its upstream's last
 * successful run. Refuses (exit 1, one line) when there is no such stack or upstream, upstream has no successful
 * run, its validation failed, its revision is unknown or not clean, or the target is not at that revision.
 */
export async function planPromotion(db: DB, name: string, env: Environment, user: string): Promise<PromotionPlan> {
  const stacks = new StacksRepo(db);
  const target = stackInEnvironment(db, name, env);
  if (!target) {
    if (!stacks.get(name))
      throw new Refused(`no stack or pipeline named "${name}"; \`dayops stack list\` shows the registered stacks`);
    throw new Refused(
      `${name} has no ${env} stack in its promotion pipeline (promotesFrom: in a stack's dayops.yaml, or promotion: [dev, staging, prod] in its blueprint)`,
    );
  }
  const link = pipelineLinks(db).get(target.name);
  if (link?.problem) throw new Refused(`${target.name} cannot be promoted to: ${link.problem}`);
  const upstream = link?.upstream;
  if (!upstream)
    throw new Refused(
      `${target.name} (${env}) is promoted from no stack: add promotesFrom: STACK to its dayops.yaml, or promotion: [dev, staging, prod] to its blueprint`,
    );
  const revisions = new RevisionsRepo(db);
  const from = revisions.lastSucceeded(upstream.id);
  if (!from)
    throw new Refused(
      `${upstream.name} has no successful run to promote to ${target.name}; run it first (dayops run ${upstream.name})`,
    );
  if (from.validation === 'failed')
    throw new Refused(
      `${upstream.name}'s last successful run #${from.runId} failed its validation; nothing is promoted to ${target.name} until a run of ${upstream.name} passes it`,
    );
  if (!from.revision || !from.kind)
    throw new Refused(
      `${upstream.name}'s last successful run #${from.runId} has no recorded revision (it ran before dayops recorded them); run ${upstream.name} again`,
    );
  if (from.dirty)
    throw new Refused(
      `${upstream.name}'s last successful run #${from.runId} ran from a checkout with uncommitted changes at ${shortRevision(from)}: not a revision that can be promoted; commit, run ${upstream.name} again, then promote`,
    );
  await requireAtRevision(db, target, from, `${upstream.name}'s run #${from.runId}`);
  return {
    target,
    upstream,
    from,
    at: {
      revision: from.revision,
      kind: from.kind,
      fromRunId: from.runId,
      action: 'promote',
      detail: { from: { stack: upstream.name, runId: from.runId }, to: target.name, revision: from.revision, user },
    },
  };
}

export interface RollbackPlan {
  stack: Stack;
  /** The run whose validation failed. */
  failed: SucceededRun;
  /** The previous successful run whose revision the rollback takes. */
  to: SucceededRun;
  at: AtRevision;
}

/**
 * What a rollback of STACK would run (issue 11): its last successful run failed validation, and the previous one
 * that did not (its validation passed, or it had none) ran from a clean git commit. Refuses (one line) otherwise, or
 * when the checkout is not at that commit (naming the git command).
 */
export async function planRollback(db: DB, name: string, user: string): Promise<RollbackPlan> {
  const stack = new StacksRepo(db).get(name);
  if (!stack) throw new Refused(`no stack named "${name}"; \`dayops stack list\` shows the registered stacks`);
  const plan = rollbackTarget(db, stack);
  if ('refusal' in plan) throw new Refused(plan.refusal);
  await requireAtRevision(db, stack, plan.to, `the previous successful run #${plan.to.runId}`);
  return {
    stack,
    failed: plan.failed,
    to: plan.to,
    at: {
      revision: plan.to.revision!,
      kind: 'git',
      fromRunId: plan.to.runId,
      rollbackOfRunId: plan.failed.runId,
      action: 'rollback',
      detail: { rollbackOf: plan.failed.runId, to: { runId: plan.to.runId }, revision: plan.to.revision, user },
    },
  };
}

/** The rollback a stack offers now (without looking at its folder), or why it offers none. */
export function rollbackTarget(db: DB, stack: Stack): { failed: SucceededRun; to: SucceededRun } | { refusal: string } {
  const revisions = revisionsOf(db);
  const failed = revisions.lastSucceeded(stack.id);
  if (!failed || failed.validation !== 'failed')
    return {
      refusal: `${stack.name} has nothing to roll back: ${failed ? `its last successful run #${failed.runId} did not fail validation` : 'it has no successful run'}`,
    };
  const to = revisions.previousGood(stack.id, failed.runId);
  if (!to) return { refusal: `${stack.name} has no successful run before #${failed.runId} to roll back to` };
  if (to.kind !== 'git' || !to.revision)
    return {
      refusal: `${stack.name}'s previous successful run #${to.runId} has no git commit recorded; a rollback needs a git checkout`,
    };
  if (to.dirty)
    return {
      refusal: `${stack.name}'s previous successful run #${to.runId} ran with uncommitted changes at ${shortRevision(to)}: not a revision to roll back to`,
    };
  return { failed, to };
}

const revisionRepos = new WeakMap<DB, RevisionsRepo>();
function revisionsOf(db: DB): RevisionsRepo {
  let r = revisionRepos.get(db);
  if (!r) {
    r = new RevisionsRepo(db);
    revisionRepos.set(db, r);
  }
  return r;
}

/**
 * Whether a finished run offers a rollback (the TUI's key): its validation failed, it is its stack's last
 * successful run, and a clean git commit succeeded before it. Cheap: a few indexed reads, no git.
 */
export function rollbackOffered(db: DB, runId: number): boolean {
  const revisions = revisionsOf(db);
  if (!revisions.hasValidation || revisions.validation(runId) !== 'failed') return false;
  const run = new RunsRepo(db).get(runId);
  const stack = run ? new StacksRepo(db).getById(run.stackId) : undefined;
  if (!stack) return false;
  const plan = rollbackTarget(db, stack);
  return !('refusal' in plan) && plan.failed.runId === runId;
}

/**
 * The offer after a run whose validation failed: the command(s) that propose the rollback, or undefined when the
 * stack offers none (not a git checkout, nothing before it). Never starts anything.
 */
export function rollbackOffer(db: DB, runId: number): string | undefined {
  const revisions = revisionsOf(db);
  const rev = revisions.get(runId);
  if (!rev || revisions.validation(runId) !== 'failed') return undefined;
  const run = new RunsRepo(db).get(runId);
  const stack = run ? new StacksRepo(db).getById(run.stackId) : undefined;
  if (!stack) return undefined;
  const plan = rollbackTarget(db, stack);
  if ('refusal' in plan || plan.failed.runId !== runId) return undefined;
  const commit = plan.to.revision!;
  const at =
    rev.kind === 'git' && rev.revision === commit
      ? ''
      : `put the checkout at that commit (${gitCmd(stack.dir, `checkout --detach ${commit}`)}) and `;
  return `validation failed; to roll back to run #${plan.to.runId} (commit ${commit.slice(0, 12)}), ${at}propose it with: dayops rollback ${stack.name}`;
}

/** Start the promoted run (tracked: the target's policies and approvals decide whether and when it applies). */
export async function startPromotion(svc: RunService, plan: PromotionPlan): Promise<number> {
  return svc.start(plan.target.name, { trigger: 'cli', atRevision: plan.at });
}

/** Start the rollback: a run that always waits for approval, even with autoApply (offered, never forced). */
export async function startRollback(
  svc: RunService,
  plan: RollbackPlan,
  trigger: 'cli' | 'tui' = 'cli',
): Promise<number> {
  return svc.start(plan.stack.name, { trigger, requireApproval: true, atRevision: plan.at });
}
