/**
 * `dayops worker [--concurrency N] [--name NAME] [--json]`: claim and drive queued remote runs until SIGTERM or
 * SIGINT (src/day1/worker/worker.ts). One line per claimed, parked, applying and finished run on stdout (`--json`:
 * one JSON object a line instead). Exit 0 when stopped by a signal.
 */
import { WorkerNameTaken } from '../db/workers.js';
import { defaultWorkerName, Worker, type WorkerEvent } from '../day1/worker/worker.js';
import { UserError } from '../errors.js';
import { currentUser } from '../identity.js';
import { onShutdown, installProcessHandlers } from '../day1/runner/process.js';
import { type Command, line, parseFlags } from './context.js';

function eventLine(e: WorkerEvent): string {
  switch (e.type) {
    case 'registered':
      return `worker ${e.worker} on ${e.host} (pid ${e.pid}): waiting for runs (concurrency ${e.concurrency})`;
    case 'claimed':
      return `claimed run ${e.runId} of ${e.stack} (${e.kind}) ${e.latencyMs} ms after it was queued`;
    case 'waiting':
      return `run ${e.runId} of ${e.stack} waits for approval (${e.approvals} of ${e.required}): dayops approve ${e.runId}`;
    case 'applying':
      return `run ${e.runId} of ${e.stack} approved: applying its plan`;
    case 'finished':
      return `run ${e.runId} of ${e.stack} ${e.state}${e.error && e.state !== 'FINISHED' ? `: ${e.error}` : ''}`;
    case 'job-start':
      return `scheduled ${e.job} of ${e.stack}: started`;
    case 'job-end':
      return `scheduled ${e.job} of ${e.stack}: ${e.ok ? 'done' : `failed: ${e.error ?? 'unknown error'}`}`;
    case 'stopped':
      return `worker ${e.worker} stopped (${e.reason})`;
  }
}

export const workerCommand: Command = {
  name: 'worker',
  usage: 'dayops worker [--concurrency N] [--name NAME] [--json]',
  summary: 'claim and run queued remote runs (dayops run STACK --remote) until SIGTERM',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('worker', args, {
      concurrency: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UserError('dayops worker: takes no arguments (dayops worker --name NAME)', 2);
    const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
    if (!Number.isSafeInteger(concurrency) || concurrency <= 0 || concurrency > 256) {
      throw new UserError('dayops worker: --concurrency must be a number from 1 to 256', 2);
    }
    const name = values.name ?? defaultWorkerName();
    if (!/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,62}$/.test(name)) {
      throw new UserError(`dayops worker: --name "${name}" must be letters, digits and . _ @ : - (at most 63)`, 2);
    }
    if (ctx.readonly) throw new UserError('readonly mode (--readonly): a worker changes runs; not allowed', 2);
    const json = Boolean(values.json);
    const print = (e: WorkerEvent) => {
      if (json) ctx.stdout.write(`${JSON.stringify({ ...e, at: new Date().toISOString() })}\n`);
      else line(ctx, `dayops worker: ${eventLine(e)}`);
    };
    const worker = new Worker(
      ctx.db(),
      { name, concurrency, dbPath: ctx.dbPath, user: currentUser(ctx.db()), env: ctx.env },
      print,
    );
    installProcessHandlers();
    const unhook = onShutdown(async (reason) => {
      worker.stop(reason);
      await done;
      // Stopped as asked: a clean exit, whatever the signal.
      process.exitCode = 0;
    });
    let done: Promise<void> = Promise.resolve();
    try {
      done = worker.run();
      await done;
      return 0;
    } catch (err) {
      if (err instanceof WorkerNameTaken) throw new UserError(`dayops worker: ${err.message}`);
      throw err;
    } finally {
      unhook();
    }
  },
};
