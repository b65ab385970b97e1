/**
 * A run's log as it is written: every line redacted, numbered, given to listeners at once and stored in batches
 * (one transaction every `flushMs`, or sooner when `maxLines`/`maxBytes` are buffered). While the buffer is full the process runner pauses the child's pipes (`full`, `whenDrained`), so a child
 * printing millions of lines never grows memory: it waits on its pipe instead.
 */
import type { LogLine, LogStream, LogsRepo } from '../../db/logs.js';
import type { PhaseStarts } from '../../db/runs.js';
import type { RedactLike as Redacts, RedactOptions } from '../../secrets/redactor.js';
import { isPlainText, stripEscapes } from '../../terminal/escapes.js';
import type { Phase } from '../adapter.js';

/** What the runner needs of src/secrets/redactor.ts's Redactor. */
export interface RedactLike extends Redacts {
  /** A tool's line; JSON stays JSON. */
  redactLine?(line: string, opts?: RedactOptions): string;
  /** False when a secret could be in `text`. */
  absentFrom?(text: string): boolean;
}

export interface RunLogOptions {
  flushMs?: number;
  maxLines?: number;
  maxBytes?: number;
  /** Called when a batch cannot be stored (the batch is kept and retried). */
  onError?: (err: unknown) => void;
  /**
   * How long a full (or failing) disk is retried before the log stops storing: `DAYOPS_STORE_RETRY_MS` or 5 s.
   * A busy database (another writer) is retried without end.
   */
  giveUpMs?: number;
  /** The log stopped storing (the disk stayed full): later lines are shown, never stored. Called once. */
  onGiveUp?: (err: unknown) => void;
  /**
   * Store batches off the main thread (src/db/log-thread.ts): resolves once the batch is committed. One batch is
   * in flight at a time, so batches are stored in order and a failed one goes back in front of the next lines.
   * Without it, batches are stored synchronously through the repository.
   */
  store?: (runId: number, lines: readonly LogLine[], newPhases: PhaseStarts) => Promise<void>;
}

/** `DAYOPS_STORE_RETRY_MS` or 5 s: how long a run's log retries a full disk before it stops storing. */
export function storeRetryMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DAYOPS_STORE_RETRY_MS);
  return env.DAYOPS_STORE_RETRY_MS && Number.isFinite(n) && n >= 0 ? n : 5000;
}

/** SQLite could not write the file (full disk, I/O error, read-only): waiting for another writer will not help. */
export function isStorageError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/.test(code);
}

/** The backpressure side the process runner reads. */
export interface Backpressure {
  readonly full: boolean;
  whenDrained(cb: () => void): void;
}

export class RunLog implements Backpressure {
  private buffer: LogLine[] = [];
  private bytes = 0;
  private seq: number;
  private readonly seen = new Set<Phase>();
  private lastPhase: Phase | null = null;
  /** When the chunk of output being cut into lines arrived. */
  private chunkAt = 0;
  private newPhases: PhaseStarts = {};
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private drained: (() => void)[] = [];
  private settledWaiters: (() => void)[] = [];
  private closed = false;
  /** Since when storing has failed with a storage error (the disk is full), or 0. */
  private failingSince = 0;
  /** Lines sent to `opts.store` and not yet committed (at most one batch). */
  private inflight: { lines: LogLine[]; phases: PhaseStarts } | null = null;
  /** Why storing stopped for good, once it has. */
  private stopped: unknown;
  private readonly flushMs: number;
  private readonly maxLines: number;
  private readonly maxBytes: number;

  constructor(
    private readonly repo: LogsRepo,
    readonly runId: number,
    private readonly redactor: RedactLike | undefined,
    private readonly emit?: (line: LogLine) => void,
    private readonly opts: RunLogOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 50;
    // A batch is stored in one synchronous step (encode, compress, insert): 1,000 lines keep that step short enough
    // that the screen's next frame is not held behind it (bench/keys.ts), at no cost in lines stored per second.
    this.maxLines = opts.maxLines ?? 1000;
    this.maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
    // A run continued by another process (an approval) goes on after the lines already stored.
    this.seq = repo.count(runId);
    for (const p of Object.keys(repo.phases(runId)) as Phase[]) this.seen.add(p);
  }

  /** The error that made the log stop storing (the disk stayed full), if it did. */
  get storeError(): unknown {
    return this.stopped;
  }

  /** Lines written so far (stored or buffered). */
  get lines(): number {
    return this.seq;
  }

  /** Lines waiting to be stored (not yet sent). */
  get buffered(): number {
    return this.buffer.length;
  }

  get full(): boolean {
    return this.buffer.length >= this.maxLines || this.bytes >= this.maxBytes;
  }

  /** Nothing waits to be stored: nothing buffered, nothing being stored. */
  private get idle(): boolean {
    return this.buffer.length === 0 && this.inflight === null;
  }

  /** Call `cb` once the buffer has room again (at once if it has). */
  whenDrained(cb: () => void): void {
    if (!this.full) cb();
    else this.drained.push(cb);
  }

  /**
   * Add one line. `text` is what the screen shows (ANSI kept); `raw` is the tool's own line when `text` is a
   * rendering of it. Both are redacted before anything else sees them. `fromChunk`: the line was cut from the
   * chunk of output last given to `chunk()` and arrived when that chunk did, and it (and `raw`) went through
   * `toolLine()` and `redact()` already.
   */
  add(stream: LogStream, phase: Phase | null, text: string, raw: string | null = null, fromChunk = false): LogLine {
    // A message with line breaks (dayops' own, or an adapter's rendering) is several lines of the log.
    if (text.includes('\n')) {
      const parts = text.split('\n');
      for (let i = 0; i < parts.length - 1; i++) this.add(stream, phase, parts[i], i === 0 ? raw : null);
      return this.add(stream, phase, parts[parts.length - 1]);
    }
    if (this.redactor?.active && !fromChunk) {
      text = this.redactor.redact(text);
      if (raw !== null) raw = this.redactor.redact(raw);
    }
    // The plain copy is the redacted text as a terminal shows it: the redactor looked at that same view.
    const plain = isPlainText(text) ? text : stripEscapes(text);
    const line: LogLine = {
      runId: this.runId,
      seq: ++this.seq,
      at: fromChunk ? this.chunkAt : Date.now(),
      stream,
      phase,
      text,
      plain: plain === text ? null : plain,
      raw: raw !== null && raw !== text ? raw : null,
    };
    this.buffer.push(line);
    this.bytes +=
      text.length + (line.raw === null ? 0 : line.raw.length) + (line.plain === null ? 0 : line.plain.length) + 64;
    if (phase !== this.lastPhase && phase && !this.seen.has(phase)) {
      this.seen.add(phase);
      this.newPhases[phase] = line.seq;
    }
    this.lastPhase = phase;
    this.emit?.(line);
    if (this.stopped !== undefined) {
      // Storing stopped (the disk is full): shown, not kept, and nothing waits on it.
      this.buffer = [];
      this.bytes = 0;
      this.afterFlush();
      return line;
    }
    if (this.closed) this.flush();
    else if (this.full) this.flushSoon();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
    return line;
  }

  /**
   * A chunk of tool output arrived and is about to be cut into lines: note when, and say whether its lines can
   * skip redaction (true when no secret can be in it). Looking once per chunk, not per line, is most of what
   * keeps a fast tool's output cheap to store (bench/runner-log.ts).
   */
  chunk(text: string): boolean {
    this.chunkAt = Date.now();
    return !this.redactor?.active || (this.redactor.absentFrom?.(text) ?? false);
  }

  /**
   * A line of a tool's output, redacted before anything reads it (the adapters parse, cut and summarise only what
   * the log may keep). `clean`: `chunk()` said no secret is in the text it came in. `cut`: the stream stopped
   * inside the line, which may end in the start of a secret.
   */
  toolLine(line: string, clean: boolean, cut = false): string {
    const r = this.redactor;
    if (!r?.active || (clean && !cut)) return line;
    return r.redactLine ? r.redactLine(line, { cut }) : r.redact(line, { cut });
  }

  /** Text with the run's secrets masked. */
  redact(text: string): string {
    return this.redactor?.active ? this.redactor.redact(text) : text;
  }

  /** A line of dayops' own. */
  system(message: string, phase: Phase | null = null): LogLine {
    return this.add('system', phase, message);
  }

  private flushSoon(): void {
    if (this.immediate) return;
    // Let the pipes' pending callbacks run first; the runner has paused them by then.
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }

  /** Store everything buffered now, in one transaction. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // A batch is being stored off the main thread: the next one goes when it is committed (see `stored`).
    if (this.inflight) return;
    if (this.buffer.length > 0) {
      const batch = this.buffer;
      const phases = this.newPhases;
      this.buffer = [];
      this.bytes = 0;
      this.newPhases = {};
      if (this.opts.store) {
        this.inflight = { lines: batch, phases };
        this.opts.store(this.runId, batch, phases).then(
          () => this.stored(null),
          (err: unknown) => this.stored(err),
        );
        // The buffer is empty again: the pipes may go on while the batch is stored.
        this.afterFlush();
        return;
      }
      try {
        this.repo.append(this.runId, batch, phases);
        this.failingSince = 0;
      } catch (err) {
        this.storeFailed(batch, phases, err);
        return;
      }
    }
    this.afterFlush();
  }

  /** The batch in flight was committed (err null) or not. */
  private stored(err: unknown): void {
    const done = this.inflight!;
    this.inflight = null;
    if (this.stopped !== undefined) {
      this.afterFlush();
      return;
    }
    if (err !== null) {
      this.storeFailed(done.lines, done.phases, err);
      return;
    }
    this.failingSince = 0;
    // What came meanwhile goes now when it is due (full, closing, or someone waits for it); else on the timer.
    if (this.buffer.length > 0 && (this.full || this.closed || this.settledWaiters.length > 0)) this.flush();
    else {
      if (this.buffer.length > 0 && !this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.afterFlush();
    }
  }

  /** A batch was not stored: retried, or (the disk stayed full) storing stops. */
  private storeFailed(batch: LogLine[], phases: PhaseStarts, err: unknown): void {
    if (isStorageError(err)) {
      this.failingSince ||= Date.now();
      if (Date.now() - this.failingSince >= (this.opts.giveUpMs ?? storeRetryMs())) {
        this.giveUp(err);
        return;
      }
    }
    this.putBack(batch, phases, err);
  }

  /** A batch that could not be stored (the database was busy) goes back in front: nothing is lost; retry shortly. */
  private putBack(batch: LogLine[], phases: PhaseStarts, err: unknown): void {
    this.buffer = batch.concat(this.buffer);
    this.bytes += batch.reduce((n, l) => n + l.text.length + 64, 0);
    this.newPhases = { ...phases, ...this.newPhases };
    this.opts.onError?.(err);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), Math.max(this.flushMs, 250));
  }

  /** Stop storing for good: drop what is buffered, free everyone waiting on it, and say so once. */
  private giveUp(err: unknown): void {
    this.stopped = err;
    this.buffer = [];
    this.bytes = 0;
    this.newPhases = {};
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.afterFlush();
    this.opts.onGiveUp?.(err);
  }

  private afterFlush(): void {
    if (this.drained.length > 0 && !this.full) {
      const waiting = this.drained;
      this.drained = [];
      for (const cb of waiting) cb();
    }
    if (this.idle && this.settledWaiters.length > 0) {
      const waiting = this.settledWaiters;
      this.settledWaiters = [];
      for (const cb of waiting) cb();
    }
  }

  /** Resolves when every line added so far is stored. */
  settle(): Promise<void> {
    this.flush();
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Store everything and stop the timers; later lines are sent at once. Resolves when all are stored. */
  close(): Promise<void> {
    this.closed = true;
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    return this.settle();
  }
}
