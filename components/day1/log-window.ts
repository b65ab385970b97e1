/**
 * Reading a run's log for a pane without ever loading the whole log: a `LogWindow` keeps a bounded, contiguous
 * slice of lines around what is on screen and reads pages from the database (src/db/logs.ts) as the viewport
 * moves; lines of runs driven here that are not stored yet come from memory (LiveLines). React-free.
 *
 * Also the text a pane shows for a line: the tool's ANSI colours kept (only colour codes: cursor moves and other
 * escapes are dropped so a tool cannot redraw dayops' screen), tabs expanded, and plain text when colour is off.
 */
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import type { LogLine, LogsRepo } from '../../src/db/logs.js';
import type { LiveLines } from '../../src/day1/live-lines.js';
import { sanitize } from '../../src/terminal/sanitize.js';

export interface LogReader {
  /** The last seq of the run's log (stored or in memory). */
  count(runId: number): number;
  /** Up to `limit` lines from `fromSeq` on, in order and without gaps. */
  page(runId: number, fromSeq: number, limit: number): LogLine[];
  /** The first seq of each phase the run reached. */
  phases(runId: number): Record<string, number>;
  search(runId: number, text: string, fromSeq: number, direction: 'forward' | 'backward'): number | undefined;
  /** The seqs of every line that matches, in order (for "match 3 of 17"). */
  matches(runId: number, text: string): number[];
}

/** What the panes read, for tests and benchmarks: rows read from the database, and the most lines ever held. */
export const logWindowStats = {
  rowsRead: 0,
  maxHeld: 0,
  reset(): void {
    this.rowsRead = 0;
    this.maxHeld = 0;
  },
};

/** The database, plus the lines of live runs that the run log has not stored yet. */
export class LogSource implements LogReader {
  constructor(
    private readonly logs: LogsRepo,
    private readonly live?: LiveLines,
  ) {}

  count(runId: number): number {
    return Math.max(this.logs.count(runId), this.live?.lastSeq(runId) ?? 0);
  }

  page(runId: number, fromSeq: number, limit: number): LogLine[] {
    if (limit <= 0) return [];
    const rows = this.logs.page(runId, fromSeq, limit);
    logWindowStats.rowsRead += rows.length;
    if (rows.length < limit && this.live) {
      const last = rows.length > 0 ? rows[rows.length - 1].seq : fromSeq - 1;
      for (const l of this.live.after(runId, last, limit - rows.length)) rows.push(l);
    }
    return rows;
  }

  phases(runId: number): Record<string, number> {
    return { ...(this.live?.phases(runId) ?? {}), ...this.logs.phases(runId) };
  }

  search(runId: number, text: string, fromSeq: number, direction: 'forward' | 'backward'): number | undefined {
    return this.logs.search(runId, text, fromSeq, direction);
  }

  matches(runId: number, text: string): number[] {
    return this.logs.matches(runId, text);
  }
}

/** "match 3 of 17" for the current match among the sorted seqs of all matches ("17 matches" before one is chosen). */
export function matchLabel(seqs: readonly number[], current: number | null): string {
  if (seqs.length === 0) return 'no match';
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid] < (current ?? 0)) lo = mid + 1;
    else hi = mid;
  }
  if (current !== null && seqs[lo] === current) return `match ${lo + 1} of ${seqs.length}`;
  return `${seqs.length} match${seqs.length === 1 ? '' : 'es'}`;
}

/** A bounded, contiguous slice of one run's log, moved along with the viewport. */
export class LogWindow {
  private lines: LogLine[] = [];
  private cap: number;

  constructor(
    private readonly src: LogReader,
    readonly runId: number,
    cap = 300,
  ) {
    this.cap = cap;
  }

  /** Lines held in memory now. */
  get held(): number {
    return this.lines.length;
  }

  /** Keep at least a few screens of a pane this tall. */
  fit(rows: number): void {
    this.cap = Math.max(this.cap, rows * 4);
  }

  private note(): void {
    if (this.lines.length > logWindowStats.maxHeld) logWindowStats.maxHeld = this.lines.length;
  }

  /** The lines with seq in [from, to], read from the source when they are not held. */
  range(from: number, to: number): LogLine[] {
    from = Math.max(1, from);
    if (to < from) return [];
    const need = to - from + 1;
    if (need * 2 > this.cap) this.cap = need * 2;
    const held = this.lines.length > 0;
    const first = held ? this.lines[0].seq : 0;
    const last = held ? this.lines[this.lines.length - 1].seq : 0;
    if (held && from >= first && from <= last + 1) {
      if (to > last) {
        // Following: only the new lines are read.
        for (const l of this.src.page(this.runId, last + 1, to - last)) this.lines.push(l);
        const extra = this.lines.length - this.cap;
        if (extra > 0) this.lines.splice(0, Math.min(extra, from - first));
      }
    } else if (held && from < first && to >= first - 1 && to <= last) {
      // Scrolling back a little: read what is missing before the window, drop as much from its end.
      const before = this.src.page(this.runId, from, first - from);
      this.lines = [...before, ...this.lines];
      const extra = this.lines.length - this.cap;
      if (extra > 0) this.lines.length -= Math.min(extra, this.lines.length - need);
    } else {
      // Anywhere else: one page centred on the viewport.
      const start = Math.max(1, from - Math.floor((this.cap - need) / 2));
      this.lines = this.src.page(this.runId, start, Math.max(this.cap, to - start + 1));
    }
    this.note();
    if (this.lines.length === 0) return [];
    const base = this.lines[0].seq;
    return this.lines.slice(Math.max(0, from - base), Math.max(0, to - base + 1));
  }

  /** Forget what is held (the run was replaced, or the log changed under us). */
  clear(): void {
    this.lines = [];
  }
}

// --------------------------------------------------------------------------------------------- line text

/**
 * Only colour codes survive (src/terminal/sanitize.ts, the one sanitiser); tabs become spaces (to stops of 8);
 * what a carriage return overwrote is gone, as on a terminal.
 */
export function sanitizeLine(text: string, colour: boolean): string {
  let t = sanitize(text, { colour, carriageReturn: 'overwrite' });
  if (t.includes('\t')) t = expandTabs(t);
  return t;
}

function expandTabs(t: string): string {
  let out = '';
  let col = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === '\u001b') {
      const m = /^\u001b\[[0-9;]*m/.exec(t.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length - 1;
        continue;
      }
    }
    if (ch === '\t') {
      const n = 8 - (col % 8);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

/** The line's text without colour codes (as searched). */
export function plainOf(line: LogLine): string {
  return sanitizeLine(line.plain ?? line.text, false);
}

export interface Segment {
  text: string;
  hit: boolean;
}

/** The parts of `text` matching `query` (case-insensitive, as the log search), for highlighting. */
export function highlight(text: string, query: string): Segment[] {
  if (!query) return [{ text, hit: false }];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const out: Segment[] = [];
  let at = 0;
  for (;;) {
    const i = lower.indexOf(q, at);
    if (i < 0) break;
    if (i > at) out.push({ text: text.slice(at, i), hit: false });
    out.push({ text: text.slice(i, i + q.length), hit: true });
    at = i + q.length;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), hit: false });
  return out;
}

/**
 * The rows a log line takes in a pane `inner` columns wide (the gutter included), wrapped as Ink wraps a Text
 * (wrap-ansi, words kept whole where they fit, measured in terminal columns).
 */
export function wrappedRows(line: LogLine, inner: number): number {
  const text = ` ${plainOf(line)}`;
  if (stringWidth(text) <= inner) return 1;
  return wrapAnsi(text, Math.max(1, inner), { trim: false, hard: true }).split('\n').length;
}
