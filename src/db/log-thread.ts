/**
 * Run logs stored off the main thread: a worker thread with its own connection to the database file compresses
 * and stores the batches the main thread has encoded (makeChunkWriter in ./logs.ts, the same function the
 * synchronous path runs), so a run printing fast never holds the screen's next frame behind a Brotli pass and an
 * insert. Batches are stored in the order they were sent, one transaction each; `append` resolves once its batch
 * is committed and rejects (with SQLite's code) when it is not, so the caller keeps the lines and tries again.
 * Secret redaction has run before a line gets here (src/day1/runner/log.ts).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { logWritesOf, type LogWrites } from './change-watch.js';
import { encodeBatch, makeChunkWriter, type Batch } from './logs.js';
import type { LogLine } from './logs.js';
import type { PhaseStarts } from './runs.js';

/** A string's UTF-8 bytes in an ArrayBuffer of their own (one that can be handed to the thread). */
function utf8(text: string): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(Buffer.byteLength(text, 'utf8')));
  Buffer.from(out.buffer, 0, out.byteLength).write(text, 'utf8');
  return out;
}

/** How long the thread's connection waits for another writer, as the app's own (src/db/open.ts). */
const BUSY_MS = 5000;

interface Reply {
  id: number;
  error?: { message: string; code?: string };
  /** After a batch is stored: the thread connection's data_version (moves for others' commits only). */
  others?: number;
}

/** The thread: open the file, then store each batch it is sent and say how it went. */
function thread(require: NodeRequire, make: typeof makeChunkWriter): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const data = workerData as { sqlite: string; path: string; busyMs: number };
  const Database = require(data.sqlite) as typeof import('better-sqlite3');
  const db = new Database(data.path, { fileMustExist: true });
  db.pragma(`busy_timeout = ${data.busyMs}`);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const write = make(db, require('node:zlib') as typeof import('node:zlib'));
  parentPort!.on('message', (m: { id: number; batch?: Batch<Uint8Array>; close?: boolean }) => {
    if (m.close) {
      db.close();
      parentPort!.postMessage({ id: m.id });
      parentPort!.close();
      return;
    }
    try {
      write(m.batch!);
      parentPort!.postMessage({ id: m.id, others: db.pragma('data_version', { simple: true }) });
    } catch (err) {
      const e = err as { message?: string; code?: unknown };
      parentPort!.postMessage({
        id: m.id,
        error: { message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined },
      });
    }
  });
}

/** An error of the thread's connection, with SQLite's code (SQLITE_FULL, SQLITE_BUSY...) as the caller expects. */
class StoreError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/** One writer thread for one database file. */
export class LogWriterThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private next = 1;
  private dead: Error | undefined;
  private closing: Promise<void> | undefined;
  /** What the app's database watch needs to tell this thread's commits from others' (./change-watch.ts). */
  private readonly writes: LogWrites;

  constructor(path: string) {
    this.writes = logWritesOf(path);
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(`(${thread.toString()})(require, ${makeChunkWriter.toString()})`, {
      eval: true,
      workerData: { sqlite, path, busyMs: BUSY_MS },
    });
    // The app's process may exit with the thread idle; the closing message waits for what was sent.
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      this.writes.activity++;
      this.writes.pending--;
      if (r.others !== undefined) this.writes.others = r.others;
      if (r.error) w.reject(new StoreError(r.error.message, r.error.code));
      else w.resolve();
    });
    const fail = (err: Error) => {
      this.dead ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.writes.pending -= this.waiting.size;
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the log writer thread stopped')));
  }

  private send(msg: { batch?: Batch<Uint8Array>; close?: boolean }, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.writes.activity++;
      this.writes.pending++;
      this.worker.ref();
      this.worker.postMessage({ id, ...msg }, transfer);
    }).finally(() => {
      if (this.waiting.size === 0) this.worker.unref();
    });
  }

  /**
   * Store a batch of consecutive lines of one run (as LogsRepo.append does); resolves once it is committed.
   * The lines are encoded here (a few string joins), compressed and stored in the thread.
   */
  append(runId: number, lines: readonly LogLine[], newPhases?: PhaseStarts, now = Date.now()): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    let batch: Batch<string>;
    try {
      batch = encodeBatch(runId, lines, newPhases, now);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    // Strings are copied into the thread slowly (about a millisecond per 100 KB); their UTF-8 bytes are handed over.
    const transfer: ArrayBuffer[] = [];
    const bytes = (t: string) => {
      const b = utf8(t);
      transfer.push(b.buffer as ArrayBuffer);
      return b;
    };
    const chunks = batch.chunks.map((c) => {
      transfer.push(c.meta.buffer as ArrayBuffer);
      return {
        ...c,
        text: bytes(c.text),
        plain: c.plain === null ? null : bytes(c.plain),
        raw: c.raw === null ? null : bytes(c.raw),
      };
    });
    return this.send({ batch: { ...batch, chunks } }, transfer);
  }

  /** Store what was sent, then close the thread's connection and end it. */
  close(): Promise<void> {
    this.closing ??= this.dead
      ? this.worker.terminate().then(() => undefined)
      : this.send({ close: true })
          .catch(() => undefined)
          .then(() => this.worker.terminate())
          .then(() => undefined);
    return this.closing;
  }
}
