/**
 * The app runs the cascades nobody runs (issue 12): runs queued by a change of an upstream stack's outputs and
 * left for the scheduler (`dayops run --no-cascade`, or a process that stopped before its cascade ended). Every
 * few seconds it takes the next queued run of each cascade whose earlier runs have settled, and drives it in the
 * app's run service (it shows in Day-1 like any run). Not in read-only mode: cascade runs may apply.
 */
import { serviceKey } from '../../services.js';
import { RUN_SERVICE } from '../run-service/key.js';
import type { RunService } from '../runs.js';
import { nextStep } from './cascade.js';

export class CascadePickup {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly svc: RunService,
    private readonly everyMs = 2000,
  ) {}

  start(): void {
    if (this.timer || this.svc.readonly) return;
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
    void this.tick();
  }

  /** Start the next run of every cascade that waits for one; returns the runs started. */
  async tick(): Promise<number[]> {
    if (this.busy) return [];
    this.busy = true;
    const started: number[] = [];
    try {
      for (const root of this.svc.dependencies.pendingRoots()) {
        const next = nextStep(this.svc.dependencies.members(root));
        if (next.step === 'stop') {
          const stopped = this.svc.get(next.member.runId);
          if (stopped) this.svc.stopCascade(stopped);
        } else if (next.step === 'start' && (await this.svc.adopt(next.member.runId))) {
          started.push(next.member.runId);
        }
      }
    } catch {
      /* the database is busy: next time */
    } finally {
      this.busy = false;
    }
    return started;
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The app's pickup (`services.use(CASCADE_PICKUP).start()`). */
export const CASCADE_PICKUP = serviceKey('day1.cascades', (s) => new CascadePickup(s.use(RUN_SERVICE)));
