/** The queue: a run waits its turn on its stack (polling the database, woken by runs ending here). */
import { currentOwner } from '../runner/procinfo.js';
import { recoverRuns } from '../runner/recover.js';
import { CancelPoller } from './poller.js';
import { Canceled, type LiveRun } from './types.js';

export abstract class RunQueue extends CancelPoller {
  protected checkAbort(live: LiveRun): void {
    if (live.abort.signal.aborted) throw new Canceled(live.cancelReason ?? 'canceled');
  }

  /** Leave the queue when the stack is free (polling the database; woken at once by runs ending here). */
  protected async waitTurn(live: LiveRun): Promise<void> {
    if (live.started) return;
    let lastBlocker: string | undefined;
    for (let i = 1; ; i++) {
      this.checkAbort(live);
      const r = this.runs.tryStart(live.id, currentOwner());
      if (r.result === 'started') {
        this.emit('state', r.run);
        return;
      }
      if (r.result === 'gone') throw new Error(`run ${live.id} left the queue (${r.run?.state ?? 'deleted'})`);
      const key = `${r.blocker.id}:${r.blocker.state}`;
      if (key !== lastBlocker) {
        lastBlocker = key;
        live.log.system(
          `dayops: queued: stack ${live.prep.stack.name} is busy with run ${r.blocker.id} (${r.blocker.state})`,
        );
      }
      // A blocker whose dayops died would hold the stack forever: check its owner now and then.
      if (i % 8 === 0) {
        for (const rec of recoverRuns(this.db, { dbPath: this.dbPath, runIds: [r.blocker.id] })) {
          live.log.system(`dayops: run ${rec.id} was ${rec.error}; marked FAILED`);
        }
      }
      await this.sleep(live.abort.signal);
    }
  }

  protected sleep(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.off('wake', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake.once('wake', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Something ended or parked here: queued runs and waiters look again now. */
  protected kick(): void {
    this.wake.emit('wake');
  }
}
