/**
 * The wizard's draft, kept in the database as the operator goes: one row per design being made, created on the
 * first change and updated on every change after, in order (saves are chained, so keys handled before the first
 * save has answered never make a second row). Writing the design completes the draft; opening another design
 * leaves it unfinished, and the open list offers it again.
 */
import type { Day0, DraftData } from './index.js';

export class DraftKeeper {
  private id: number | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly day0: Day0,
    /** Told when a save fails (the design stays on screen; the next change tries again). */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The draft row the wizard works on, once there is one. */
  get current(): number | null {
    return this.id;
  }

  /** Work on this draft row from now on (a resumed draft), or on a new one at the next save (null). */
  attach(id: number | null): void {
    this.then(async () => {
      this.id = id;
    });
  }

  save(d: DraftData): Promise<void> {
    return this.then(async () => {
      if (this.id === null) this.id = await this.day0.createDraft(d);
      else await this.day0.updateDraft(this.id, d);
    });
  }

  /** The design was written: its draft is completed, and the next change starts a new one. */
  complete(): Promise<void> {
    return this.then(async () => {
      if (this.id !== null) await this.day0.completeDraft(this.id);
      this.id = null;
    });
  }

  /** Resolves when every save asked for so far has been made. */
  settled(): Promise<void> {
    return this.chain;
  }

  private then(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch(this.onError);
    return this.chain;
  }
}
