/** Cross-process cancel: runs driven here are interrupted when another dayops process asks for their cancel. */
import { RunServiceBase } from './base.js';
import type { LiveRun } from './types.js';

export abstract class CancelPoller extends RunServiceBase {
  // ----------------------------------------------------------------------------------- cross-process polling

  protected ensurePoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.poll(), this.pollMs);
    this.poller.unref();
  }

  protected stopPoller(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  /** Cancels requested by another process for runs driven here. */
  protected poll(): void {
    if (this.live.size === 0) return;
    try {
      for (const id of this.runs.cancelRequested([...this.live.keys()])) {
        const live = this.live.get(id);
        if (live) this.interrupt(live, 'canceled from another dayops process');
      }
    } catch {
      /* the database is busy: next time */
    }
  }

  // ------------------------------------------------------------------------------------------------ shutdown

  protected interrupt(live: LiveRun, reason: string): void {
    if (live.abort.signal.aborted) return;
    live.cancelReason = reason;
    live.log.system(`dayops: ${reason}; stopping the tool`, live.phase);
    live.abort.abort();
  }
}
