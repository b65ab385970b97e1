/**
 * "Does this text contain any of these strings?", asked of every 64 KiB chunk a tool prints, for a few dozen
 * strings at once: the redactor's prefilter. One `includes` per string reads the chunk once per string; this reads
 * it once for all of them, and mostly skips: Wu-Manber (a Boyer-Moore-Horspool shift over pairs of characters,
 * shared by every pattern). Patterns of 8 characters or more are cut to a common length m (at most 16) and the
 * text is walked m-1 characters at a time wherever its last pair of characters ends no pattern; shorter patterns
 * (rare) are looked for with `includes`.
 */
import { maxOf, minOf } from '../arrays.js';

const MAX_WINDOW = 16;
const LONG = 8;

/** The shift table's key for the two characters ending at `i`: a 16-bit hash (collisions only cost a compare). */
const pair = (s: string, i: number) => ((s.charCodeAt(i - 1) & 0xff) << 8) | (s.charCodeAt(i) & 0xff);

export class LiteralSet {
  /** The window: every long pattern's first `m` characters. */
  private readonly m: number;
  private readonly shift: Uint8Array | undefined;
  /** Patterns (cut to m) by the pair that ends them: a linked list through `next`. */
  private readonly heads: Int32Array | undefined;
  private readonly next: number[] = [];
  private readonly cut: string[] = [];
  private readonly short: string[];
  /** Every pair of characters side by side in a pattern (by `pair`), for `adjacent`. */
  private readonly pairs = new Uint8Array(65536);

  constructor(patterns: Iterable<string>) {
    const all = [...new Set(patterns)].filter((p) => p.length > 0);
    const long = all.filter((p) => p.length >= LONG);
    this.short = all.filter((p) => p.length < LONG);
    for (const p of all) for (let j = 1; j < p.length; j++) this.pairs[pair(p, j)] = 1;
    this.m = long.length
      ? minOf(
          long.map((p) => p.length),
          MAX_WINDOW,
        )
      : 0;
    if (!long.length) return;
    const m = this.m;
    this.shift = new Uint8Array(65536).fill(m - 1);
    this.heads = new Int32Array(65536).fill(-1);
    for (const whole of long) {
      const p = whole.slice(0, m);
      for (let j = 1; j < m; j++) {
        const h = pair(p, j);
        const s = m - 1 - j;
        if (s < this.shift[h]) this.shift[h] = s;
      }
      const h = pair(p, m - 1);
      this.next.push(this.heads[h]);
      this.heads[h] = this.cut.length;
      this.cut.push(p);
    }
  }

  get size(): number {
    return this.cut.length + this.short.length;
  }

  /** Could characters `a` and `b` be side by side in a pattern? (False means surely not.) */
  adjacent(a: number, b: number): boolean {
    return this.pairs[((a & 0xff) << 8) | (b & 0xff)] === 1;
  }

  /** The most characters an occurrence that `test` finds spans. */
  get reach(): number {
    return maxOf(
      this.short.map((p) => p.length),
      this.m,
    );
  }

  /** True when `text` contains at least one of the patterns (or a long pattern's first 16 characters). */
  test(text: string): boolean {
    const { shift, heads, m } = this;
    if (shift && heads) {
      const n = text.length;
      let i = m - 1;
      while (i < n) {
        const h = ((text.charCodeAt(i - 1) & 0xff) << 8) | (text.charCodeAt(i) & 0xff);
        const s = shift[h];
        if (s !== 0) {
          i += s;
          continue;
        }
        for (let k = heads[h]; k >= 0; k = this.next[k]) if (text.startsWith(this.cut[k], i - m + 1)) return true;
        i++;
      }
    }
    for (const p of this.short) if (text.includes(p)) return true;
    return false;
  }
}
