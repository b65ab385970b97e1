/**
 * The last lines of a live run in memory, for the pane: a fixed-size ring, so a run printing millions of lines
 * costs the same memory as one printing a thousand. Older lines are read from the database (LogsRepo.page).
 */
import type { LogLine } from '../../db/logs.js';

export class LineRing {
  private readonly items: (LogLine | undefined)[];
  private next = 0;
  private size = 0;
  /** Lines ever pushed (the last one's seq, for a single run). */
  total = 0;

  constructor(readonly capacity = 2000) {
    this.items = new Array(capacity);
  }

  push(line: LogLine): void {
    this.items[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    this.total++;
  }

  get length(): number {
    return this.size;
  }

  /** The last `n` lines (all kept, by default), oldest first. */
  last(n = this.size): LogLine[] {
    const count = Math.min(n, this.size);
    const out: LogLine[] = new Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.items[(this.next - count + i + this.capacity) % this.capacity]!;
    }
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
