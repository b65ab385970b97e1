/**
 * Headless Day-1 commands: `dayops run`, `approve`, `discard`, `cancel`, `runs`. The same run life as the app
 * (src/day1/runs.ts), the log streamed to stdout (to stderr with `--json`, whose stdout is the one JSON document
 * and nothing else), honest exit codes: 0 FINISHED, 1 FAILED/CANCELED/DISCARDED, 3 POLICY_DENIED, 4 waiting for
 * approval.
 */
import type { Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { moreApprovalsNeeded } from '../app/day1/index.js';
import { rollbackOffer } from '../app/promotion/index.js';
import { cascadeFailures, cascadeJson, cascadeRuns, runCascade } from '../app/day1/cascade.js';
import type { CascadeMember } from '../db/dependencies.js';
import { exitCodeForRun, revisionJson, runJson, RunService, type RunRecord } from '../day1/runs.js';
import { validationLine } from '../day1/run-service/validate.js';
import { isTerminal } from '../day1/runner/state.js';
import { LogsRepo } from '../db/logs.js';
import { RunsRepo } from '../db/runs.js';
import { StacksRepo } from '../db/stacks.js';
import { formatRunChanges, fullSummary } from '../domain/plan.js';
import { runKindName, stateText } from '../domain/run-words.js';
import { UserError } from '../errors.js';
import { currentUser } from '../identity.js';
import { rawStream, sanitize } from '../terminal/sanitize.js';
import { formatTable } from '../text-table.js';
import { type Command, type CommandContext, line, parseFlags, writeJson } from './context.js';
import { notifyAfter } from '../day2/notify/index.js';

/** The run engine on the command's database (src/main.ts has already marked runs of dead dayops processes). */
export function service(ctx: CommandContext): RunService {
  const db = ctx.db();
  return new RunService(db, { dbPath: ctx.dbPath, user: currentUser(db), readonly: ctx.readonly, env: ctx.env });
}

function runIdArg(command: string, positionals: string[]): number {
  if (positionals.length !== 1) throw new UserError(`dayops ${command}: give one run id (dayops ${command} RUN_ID)`, 2);
  const id = Number(positionals[0]);
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new UserError(`dayops ${command}: "${positionals[0]}" is not a run id`, 2);
  return id;
}

/** Where the live log and the prompts go: stdout, or stderr when stdout is kept for the `--json` document. */
export function logStream(ctx: CommandContext, json: boolean): Writable {
  return json ? ctx.stderr : ctx.stdout;
}

/** Prints a run's log lines as they are stored, from whichever process drives the run. */
export class LogFollower {
  private next: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly colour: boolean;

  constructor(
    ctx: CommandContext,
    private readonly logs: LogsRepo,
    private readonly runId: number,
    private readonly out: Writable,
    fromSeq = 1,
  ) {
    this.next = fromSeq;
    this.colour = ctx.isTTY && !ctx.env.NO_COLOR && out === ctx.stdout;
  }

  /** Print everything stored so far. */
  drain(): void {
    for (;;) {
      const page = this.logs.page(this.runId, this.next, 1000);
      if (page.length === 0) return;
      let out = '';
      // A progress line shows where it ended, as in the app's log pane; the stream sanitises the rest.
      for (const l of page)
        out += `${sanitize(this.colour ? l.text : (l.plain ?? l.text), { colour: this.colour, carriageReturn: 'overwrite' })}\n`;
      this.out.write(out);
      this.next = page[page.length - 1].seq + 1;
      if (page.length < 1000) return;
    }
  }

  start(everyMs = 100): this {
    this.timer ??= setInterval(() => this.drain(), everyMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.drain();
  }
}

/** Resolve when the run is no longer UNCONFIRMED (approved, discarded or canceled from another process). */
function leftUnconfirmed(runs: RunsRepo, id: number, signal: AbortSignal, everyMs = 250): Promise<RunRecord> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const r = runs.get(id);
      if (r && r.state !== 'UNCONFIRMED') {
        clearInterval(timer);
        resolve(r);
      }
    }, everyMs);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  });
}

/** Ask on the terminal; resolves with the answer, or undefined on Ctrl-C / end of input / abort. */
function ask(question: string, out: Writable, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    // The line editor draws with its own control codes (raw); the question is sanitised (it holds a stack name).
    const rl = createInterface({ input: process.stdin, output: rawStream(out), terminal: true });
    let done = false;
    const finish = (v: string | undefined) => {
      if (done) return;
      done = true;
      rl.close();
      resolve(v);
    };
    rl.question(sanitize(question, { colour: false }), (a) => finish(a.trim()));
    rl.on('SIGINT', () => {
      out.write('\n');
      finish(undefined);
    });
    rl.on('close', () => finish(undefined));
    signal.addEventListener('abort', () => {
      out.write('\n');
      finish(undefined);
    });
  });
}

/**
 * A run is waiting for approval. Without a terminal: say how to approve (exit 4). With one: ask, while an
 * approval (or discard) from another process also counts.
 */
export async function confirm(
  ctx: CommandContext,
  svc: RunService,
  run: RunRecord,
  follower: LogFollower,
  out: Writable,
): Promise<RunRecord> {
  const approvals = svc.runs.approvals(run.id).length;
  const waiting = `run ${run.id} is waiting for approval (${approvals} of ${run.requiredApprovals}): dayops approve ${run.id}, or dayops discard ${run.id}`;
  if (!ctx.isTTY) {
    ctx.stderr.write(`dayops: ${waiting}\n`);
    return run;
  }
  const prod = run.stackEnvironment === 'prod';
  const expected = prod ? run.stackName : 'yes';
  const question = prod
    ? `Apply these changes to the prod stack ${run.stackName}? Type the stack's name (${run.stackName}) to apply: `
    : 'Apply these changes? Type yes to apply: ';
  const ac = new AbortController();
  const elsewhere = leftUnconfirmed(svc.runs, run.id, ac.signal).then((r) => ({ kind: 'elsewhere' as const, run: r }));
  const answered = ask(question, out, ac.signal).then((answer) => ({ kind: 'answer' as const, answer }));
  const first = await Promise.race([elsewhere, answered]);
  ac.abort();
  if (first.kind === 'elsewhere') {
    ctx.stderr.write(`dayops: run ${run.id} is now ${first.run.state} (from another dayops process)\n`);
    follower.start();
    return svc.wait(run.id, 'terminal');
  }
  if (first.answer !== expected) {
    ctx.stderr.write(`dayops: not applied; ${waiting}\n`);
    return svc.runs.get(run.id)!;
  }
  follower.start();
  const res = await svc.approve(run.id, svc.user);
  if (!res.applying) {
    ctx.stderr.write(`dayops: ${moreApprovalsNeeded(res, svc.user)}\n`);
    return svc.runs.get(run.id)!;
  }
  return svc.wait(run.id, 'terminal');
}

/**
 * The cascade the run started (issue 12): run here, each run's log streamed, unless `--no-cascade` leaves it
 * queued for the app's scheduler. Returns the cascade's runs as they ended (or wait).
 */
async function followCascade(
  ctx: CommandContext,
  svc: RunService,
  rootRunId: number,
  out: Writable,
  noCascade: boolean,
): Promise<CascadeMember[]> {
  const queued = cascadeRuns(svc, rootRunId);
  if (queued.length === 0) return queued;
  if (noCascade) {
    ctx.stderr.write(
      `dayops: cascade left queued (--no-cascade): ${queued.map((m) => `run ${m.runId} of ${m.stack} (${m.kind})`).join(', ')}; the app runs them\n`,
    );
    return queued;
  }
  let follower: LogFollower | undefined;
  try {
    return await runCascade(svc, rootRunId, {
      onRun: (m) => {
        follower?.stop();
        out.write(`dayops: cascade: run ${m.runId} of ${m.stack} (${m.kind}): ${m.reason}\n`);
        follower = new LogFollower(ctx, svc.logs, m.runId, out).start();
      },
      onSettled: (run) => {
        follower?.stop();
        follower = undefined;
        const why = run.error && run.state !== 'FINISHED' ? `: ${run.error}` : '';
        ctx.stderr.write(`dayops: cascade: run ${run.id} of ${run.stackName} ${run.state}${why}\n`);
      },
    });
  } finally {
    follower?.stop();
  }
}

/**
 * The exit code with the cascade: the upstream run's, unless a cascade run did not finish well: 1 when one failed,
 * was denied or canceled (named on stderr), 5 when one finished but failed its after-apply checks, 4 when one waits
 * for approval (5 and 4 only where the upstream run exited 0). Runs skipped because the upstream run failed its own
 * checks are named too.
 */
function cascadeExit(ctx: CommandContext, code: number, members: readonly CascadeMember[]): number {
  const failed = cascadeFailures(members);
  const skipped = members.filter((m) => m.skipped);
  const skippedText = skipped.length
    ? `; skipped: ${skipped.map((m) => `${m.stack} (run ${m.runId})`).join(', ')}`
    : '';
  if (failed.length === 0) {
    if (skipped.length) ctx.stderr.write(`dayops: cascade stopped: the run failed its validation${skippedText}\n`);
    return code;
  }
  const first = failed[0];
  const what =
    first.state === 'UNCONFIRMED'
      ? 'waits for approval'
      : first.state === 'FINISHED'
        ? 'finished but failed its validation'
        : `ended ${first.state}`;
  ctx.stderr.write(`dayops: cascade stopped: run ${first.runId} of ${first.stack} ${what}${skippedText}\n`);
  if (failed.some((m) => m.state !== 'UNCONFIRMED' && m.state !== 'FINISHED')) return 1;
  if (code !== 0) return code;
  return failed.some((m) => m.state === 'FINISHED') ? 5 : 4;
}

export function finalReport(
  ctx: CommandContext,
  svc: RunService,
  run: RunRecord,
  json: boolean,
  cascade?: readonly CascadeMember[],
): number {
  if (json) {
    const doc = runJson(svc.runs.detail(run.id)!);
    writeJson(ctx, cascade ? { ...doc, cascade: cascadeJson(cascade) } : doc);
  } else {
    const changes = formatRunChanges(run);
    const summary = changes ? ` ${changes}` : '';
    const why = run.error && run.state !== 'FINISHED' ? `: ${run.error}` : '';
    const checks = run.validationStatus ? (svc.runs.detail(run.id)?.validation?.checks ?? []) : [];
    const validation = run.validationStatus ? `; validation ${run.validationStatus} (${validationLine(checks)})` : '';
    ctx.stderr.write(`dayops: run ${run.id} ${run.state}${summary}${why}${validation}\n`);
  }
  // A failed validation offers (never starts) a rollback to the previous successful commit.
  const offer = rollbackOffer(svc.db, run.id);
  if (offer) ctx.stderr.write(`dayops: ${offer}\n`);
  return exitCodeForRun(run);
}

export const runCommand: Command = {
  name: 'run',
  usage: 'dayops run STACK [--plan-only] [--auto-approve] [--no-cascade] [--json]',
  summary:
    'plan a stack and apply after approval, streaming the log (exit 0 ok, 1 failed, 3 denied, 4 waiting, 5 validation failed)',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('run', args, {
      'plan-only': { type: 'boolean' },
      'auto-approve': { type: 'boolean' },
      'no-cascade': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UserError('dayops run: give one stack name (dayops run STACK)', 2);
    const svc = service(ctx);
    try {
      const id = await svc.start(positionals[0], {
        planOnly: Boolean(values['plan-only']),
        autoApprove: Boolean(values['auto-approve']),
        trigger: 'cli',
      });
      return await followRun(ctx, svc, id, { json: Boolean(values.json), noCascade: Boolean(values['no-cascade']) });
    } finally {
      await svc.shutdown();
    }
  },
};

/**
 * Follow a run this process started to its end, as `dayops run` does: its log, the approval question, the run's
 * own line, its cascade (unless `noCascade`), the final report, dayops' own alerts delivered; the exit code.
 * Also for `dayops promote` and `dayops rollback`.
 */
export async function followRun(
  ctx: CommandContext,
  svc: RunService,
  id: number,
  opts: { json: boolean; noCascade: boolean },
): Promise<number> {
  const { json } = opts;
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
    // The run's own line comes before its cascade's logs; the JSON document, with the cascade, at the end.
    const code = json ? exitCodeForRun(run) : finalReport(ctx, svc, run, false);
    const cascade = await followCascade(ctx, svc, id, out, opts.noCascade);
    if (json) finalReport(ctx, svc, svc.runs.get(id) ?? run, true, cascade);
    return await notifyAfter(ctx, cascadeExit(ctx, code, cascade));
  } finally {
    // Also when the run could not be followed to its end (a full disk): no timer reads a closed database.
    follower?.stop();
  }
}

export const approveCommand: Command = {
  name: 'approve',
  usage: 'dayops approve RUN_ID [--comment TEXT] [--no-cascade] [--json]',
  summary: 'approve a run waiting for approval; applies it here once enough users approved',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('approve', args, {
      comment: { type: 'string' },
      'no-cascade': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const id = runIdArg('approve', positionals);
    const svc = service(ctx);
    let follower: LogFollower | undefined;
    try {
      const from = svc.logs.count(id) + 1;
      const res = await svc.approve(id, svc.user, values.comment);
      if (!res.applying) {
        ctx.stderr.write(`dayops: ${moreApprovalsNeeded(res, svc.user)}\n`);
        if (values.json) writeJson(ctx, runJson(svc.runs.detail(id)!));
        return 4;
      }
      follower = new LogFollower(ctx, svc.logs, id, logStream(ctx, Boolean(values.json)), from).start();
      const run = await svc.wait(id, 'terminal');
      follower.stop();
      const json = Boolean(values.json);
      const code = json ? exitCodeForRun(run) : finalReport(ctx, svc, run, false);
      const cascade = await followCascade(ctx, svc, id, logStream(ctx, json), Boolean(values['no-cascade']));
      if (json) finalReport(ctx, svc, run, true, cascade);
      return await notifyAfter(ctx, cascadeExit(ctx, code, cascade));
    } finally {
      follower?.stop();
      await svc.shutdown();
    }
  },
};

export const discardCommand: Command = {
  name: 'discard',
  usage: 'dayops discard RUN_ID [--comment TEXT]',
  summary: 'discard a run waiting for approval',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('discard', args, { comment: { type: 'string' } });
    const id = runIdArg('discard', positionals);
    const svc = service(ctx);
    try {
      await svc.discard(id, svc.user, values.comment);
      line(ctx, `Discarded run ${id}.`);
      return 0;
    } finally {
      await svc.shutdown();
    }
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  usage: 'dayops cancel RUN_ID [--comment TEXT]',
  summary: 'cancel a queued, running or waiting run (the tool is interrupted)',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('cancel', args, { comment: { type: 'string' } });
    const id = runIdArg('cancel', positionals);
    const svc = service(ctx);
    try {
      let run = await svc.cancel(id, svc.user, values.comment);
      if (!isTerminal(run.state)) {
        ctx.stderr.write(`dayops: cancel requested; waiting for run ${id} to stop\n`);
        run = await svc.wait(id, 'terminal');
      }
      if (run.state === 'CANCELED') {
        line(ctx, `Canceled run ${id}.`);
        return 0;
      }
      ctx.stderr.write(`dayops: run ${id} ended ${run.state}${run.error ? `: ${run.error}` : ''}\n`);
      return 1;
    } finally {
      await svc.shutdown();
    }
  },
};

/** At most `width` characters, an ellipsis where it was cut. */
function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export const runsCommand: Command = {
  name: 'runs',
  usage: 'dayops runs [STACK] [--limit N] [--json]',
  summary: 'list runs, newest first (all stacks, or one), with what each applied or, before that, planned',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('runs', args, { json: { type: 'boolean' }, limit: { type: 'string' } });
    if (positionals.length > 1) throw new UserError('dayops runs: give at most one stack name', 2);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit <= 0)
      throw new UserError(`dayops runs: --limit must be a positive number`, 2);
    const db = ctx.db();
    const stack = positionals[0];
    const runs = new RunsRepo(db);
    if (stack && !new StacksRepo(db).get(stack)) {
      throw new UserError(`no stack named "${stack}"; \`dayops stack list\` shows the registered stacks`);
    }
    const list = runs.list({ stack, limit });
    if (values.json) {
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      writeJson(ctx, {
        runs: list.map((r) => ({
          id: r.id,
          stack: r.stackName,
          kind: r.kind,
          purpose: r.purpose,
          kindName: runKindName(r),
          state: r.state,
          triggeredBy: r.triggeredBy,
          trigger: r.trigger,
          summary: r.summary ? fullSummary(r.summary) : null,
          applied: r.applied ? { summary: fullSummary(r.applied) } : null,
          requiredApprovals: r.requiredApprovals,
          error: r.error,
          createdAt: iso(r.createdAt),
          startedAt: iso(r.startedAt),
          finishedAt: iso(r.finishedAt),
          durationMs: r.durationMs,
          logLines: r.logLines,
          validationStatus: r.validationStatus,
          ...revisionJson(r),
        })),
      });
      return 0;
    }
    if (list.length === 0) {
      line(
        ctx,
        stack
          ? `No runs of ${stack} yet. Start one with \`dayops run ${stack}\`.`
          : 'No runs yet. Start one with `dayops run STACK`.',
      );
      return 0;
    }
    line(
      ctx,
      formatTable(
        ['ID', 'STACK', 'STATE', 'KIND', 'BY', 'STARTED', 'DURATION', 'CHANGES', 'ERROR'],
        list.map((r) => [
          String(r.id),
          r.stackName,
          stateText(r.state),
          runKindName(r),
          `${r.triggeredBy} (${r.trigger})`,
          new Date(r.startedAt ?? r.createdAt).toISOString().replace('T', ' ').slice(0, 19),
          duration(r.durationMs),
          formatRunChanges(r),
          cut(
            r.error ?? (r.validationStatus === 'failed' ? 'validation failed (dayops runs --json, or the run)' : ''),
            80,
          ),
        ]),
      ),
    );
    return 0;
  },
};
