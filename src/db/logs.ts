/**
 * Run logs: every line a tool printed, in order, stored in chunks of consecutive lines (see 002-runs.sql). Reads
 * never load a whole log: count, a page, the tail, a search that returns the next matching seq, and the first seq
 * of each phase.
 */
import * as zlib from 'node:zlib';
import { brotliDecompressSync } from 'node:zlib';
import type { DB } from './open.js';
import type { Phase } from '../day1/adapter.js';
import type { PhaseStarts } from './runs.js';

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogLine {
  runId: number;
  /** 1, 2, 3, ... per run, without gaps. */
  seq: number;
  at: number;
  stream: LogStream;
  phase: Phase | null;
  /** The line as shown, ANSI colour kept, secrets redacted. */
  text: string;
  /** `text` without ANSI codes, only when different (null otherwise). */
  plain: string | null;
  /** The tool's own line when `text` is a rendering of it (null otherwise). */
  raw: string | null;
}

/** Chunk keys: `run_id * 2^32 + first_seq`. */
const KEY = 4294967296;
/** At most this many lines, or about this many characters, per chunk: a page read decodes one or two chunks. */
const CHUNK_LINES = 2000;
const CHUNK_CHARS = 512 * 1024;
const STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'system'];
const PHASES: readonly (Phase | null)[] = [null, 'init', 'plan', 'apply'];
const STREAM_CODE: Record<LogStream, number> = { stdout: 0, stderr: 1, system: 2 };
const PHASE_CODE: Record<string, number> = { init: 1, plan: 2, apply: 3 };

interface ChunkRow {
  id: number;
  last_seq: number;
  at: number;
  meta: Buffer;
  text: Buffer;
  plain: Buffer | null;
  raw: Buffer | null;
}

/** A line as stored: no newline inside (the runner splits on them; any left are shown as a space). */
const oneLine = (s: string) => (s.includes('\n') ? s.replace(/\n/g, ' ') : s);

/** One chunk: its lines joined, the few plain and raw lines as JSON maps (strings), then compressed (Buffers). */
export interface Chunk<T> {
  id: number;
  lastSeq: number;
  at: number;
  meta: Uint8Array;
  text: T;
  plain: T | null;
  raw: T | null;
}

/** A batch of one run's consecutive lines, encoded for storage: what the writer (here or in its thread) stores. */
export interface Batch<T> {
  runId: number;
  chunks: Chunk<T>[];
  lastSeq: number;
  now: number;
  /** New phase starts (JSON of PhaseStarts), or null. */
  phases: string | null;
}

function encodeChunk(runId: number, lines: readonly LogLine[], from: number, to: number): Chunk<string> {
  const n = to - from;
  const base = lines[from].at;
  // Per line: its code, then (4-byte aligned) its time since the chunk's, as 32-bit little-endian.
  const pad = (n + 3) & ~3;
  const meta = new Uint8Array(pad + n * 4);
  const deltas = new Uint32Array(meta.buffer, pad, n);
  const texts = new Array<string>(n);
  let plains: Record<number, string> | null = null;
  let raws: Record<number, string> | null = null;
  for (let i = 0; i < n; i++) {
    const l = lines[from + i];
    const phase = l.phase === null ? 0 : PHASE_CODE[l.phase];
    const stream = STREAM_CODE[l.stream];
    if (stream === undefined || phase === undefined)
      throw new Error(`bad log line stream/phase: ${l.stream}/${String(l.phase)}`);
    meta[i] = stream * 4 + phase;
    const d = l.at - base;
    deltas[i] = d > 0 ? d : 0;
    texts[i] = l.text;
    if (l.plain !== null) (plains ??= {})[i] = oneLine(l.plain);
    if (l.raw !== null) (raws ??= {})[i] = oneLine(l.raw);
  }
  let text = texts.join('\n');
  // Lines never hold a newline (the runner splits them); one from elsewhere is stored as a space.
  if (countNewlines(text) !== n - 1) text = texts.map(oneLine).join('\n');
  return {
    id: runId * KEY + lines[from].seq,
    lastSeq: lines[to - 1].seq,
    at: base,
    meta,
    text,
    plain: plains ? JSON.stringify(plains) : null,
    raw: raws ? JSON.stringify(raws) : null,
  };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Cut a batch of consecutive lines into chunks. Throws when the lines are not consecutive. */
export function encodeBatch(
  runId: number,
  lines: readonly LogLine[],
  newPhases: PhaseStarts | undefined,
  now: number,
): Batch<string> {
  if (!Number.isSafeInteger(runId) || runId <= 0 || runId >= 2 ** 31) throw new Error(`bad run id ${runId}`);
  const first = lines[0].seq;
  const chunks: Chunk<string>[] = [];
  let i = 0;
  while (i < lines.length) {
    let chars = 0;
    let j = i;
    for (; j < lines.length && j - i < CHUNK_LINES && chars < CHUNK_CHARS; j++) {
      if (lines[j].seq !== first + j)
        throw new Error(`log lines of run ${runId} are not consecutive at seq ${lines[j].seq}`);
      chars += lines[j].text.length;
    }
    chunks.push(encodeChunk(runId, lines, i, j));
    i = j;
  }
  const phases = newPhases && Object.keys(newPhases).length > 0 ? JSON.stringify(newPhases) : null;
  return { runId, chunks, lastSeq: lines[lines.length - 1].seq, now, phases };
}

/**
 * Brotli at quality 1 with a 64 KiB window: on log text it is faster than DEFLATE's fastest level and compresses
 * better (about elevenfold against ninefold).
 */
const expand = (blob: Buffer) => brotliDecompressSync(blob).toString('utf8');

/** What `makeChunkWriter` needs of node:zlib (given, so the function can run in a thread of its own). */
type Zlib = Pick<typeof import('node:zlib'), 'brotliCompressSync' | 'constants'>;

/**
 * Compresses encoded batches and stores them on a connection, one transaction each, with the run's line count and
 * the first seq of any phase that starts in the batch. Self-contained (it refers to nothing outside itself): the
 * log writer thread (./log-thread.ts) runs this same function's source on its own connection.
 */
export function makeChunkWriter(db: DB, zlib: Zlib): (batch: Batch<string | Uint8Array>) => void {
  const brotli = {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_LGWIN]: 16 },
  };
  // Text comes as a string, or (from the main thread to the log thread) as its UTF-8 bytes: the same blob.
  const z = (t: string | Uint8Array | null) => (t === null ? null : zlib.brotliCompressSync(t, brotli));
  const insert = db.prepare(
    'INSERT INTO run_logs (id, last_seq, at, meta, text, plain, raw) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // GREATEST is PostgreSQL's, max(a, b) SQLite's: a CASE is both engines'.
  const bump = db.prepare(
    'UPDATE runs SET log_lines = CASE WHEN log_lines > @seq THEN log_lines ELSE @seq END, updated_at = @now WHERE id = @run',
  );
  const phasesOf = db.prepare<[number], { phases_json: string | null }>('SELECT phases_json FROM runs WHERE id = ?');
  const setPhases = db.prepare('UPDATE runs SET phases_json = ? WHERE id = ?');
  const tx = db.transaction((b: Batch<string | Uint8Array>, blobs: (Buffer | null)[][]) => {
    b.chunks.forEach((c, i) => {
      const meta = Buffer.from(c.meta.buffer, c.meta.byteOffset, c.meta.byteLength);
      insert.run(c.id, c.lastSeq, c.at, meta, blobs[i][0], blobs[i][1], blobs[i][2]);
    });
    bump.run({ seq: b.lastSeq, now: b.now, run: b.runId });
    if (b.phases) {
      // Phases already recorded keep their first seq.
      const current = phasesOf.get(b.runId)?.phases_json;
      setPhases.run(JSON.stringify({ ...JSON.parse(b.phases), ...(current ? JSON.parse(current) : {}) }), b.runId);
    }
  });
  // Compressed before the transaction starts: the write lock is held only for the inserts.
  return (b) =>
    tx.immediate(
      b,
      b.chunks.map((c) => [z(c.text), z(c.plain), z(c.raw)]),
    );
}

function decodeChunk(runId: number, row: ChunkRow): LogLine[] {
  const first = row.id - runId * KEY;
  const texts = expand(row.text).split('\n');
  const plains = row.plain === null ? null : (JSON.parse(expand(row.plain)) as Record<string, string>);
  const raws = row.raw === null ? null : (JSON.parse(expand(row.raw)) as Record<string, string>);
  const n = texts.length;
  const pad = (n + 3) & ~3;
  const out = new Array<LogLine>(n);
  for (let i = 0; i < n; i++) {
    const code = row.meta[i];
    out[i] = {
      runId,
      seq: first + i,
      at: row.at + row.meta.readUInt32LE(pad + i * 4),
      stream: STREAMS[code >> 2],
      phase: PHASES[code & 3],
      text: texts[i],
      plain: plains?.[i] ?? null,
      raw: raws?.[i] ?? null,
    };
  }
  return out;
}

export class LogsRepo {
  private writer: ((batch: Batch<string | Uint8Array>) => void) | undefined;
  private readonly phasesOf;
  private readonly last;
  private readonly containing;
  private readonly from;
  private readonly before;

  constructor(private readonly db: DB) {
    this.phasesOf = db.prepare<[number], { phases_json: string | null }>('SELECT phases_json FROM runs WHERE id = ?');
    const range = `id >= @run * ${KEY} AND id < (@run + 1) * ${KEY}`;
    this.last = db.prepare<{ run: number }, { last_seq: number }>(
      `SELECT last_seq FROM run_logs WHERE ${range} ORDER BY id DESC LIMIT 1`,
    );
    // The chunk that holds seq @seq: the last one starting at or before it.
    this.containing = db.prepare<{ run: number; seq: number }, ChunkRow>(
      `SELECT * FROM run_logs WHERE id >= @run * ${KEY} AND id <= @run * ${KEY} + @seq ORDER BY id DESC LIMIT 1`,
    );
    this.from = db.prepare<{ run: number; seq: number; n: number }, ChunkRow>(
      `SELECT * FROM run_logs WHERE id > @run * ${KEY} + @seq AND id < (@run + 1) * ${KEY} ORDER BY id LIMIT @n`,
    );
    this.before = db.prepare<{ run: number; seq: number; n: number }, ChunkRow>(
      `SELECT * FROM run_logs WHERE id >= @run * ${KEY} AND id < @run * ${KEY} + @seq ORDER BY id DESC LIMIT @n`,
    );
  }

  /**
   * Store a batch of consecutive lines of one run in one transaction, with the run's line count and the first
   * seq of any phase that starts in this batch. Lines must be in seq order and follow the stored ones.
   */
  append(runId: number, lines: readonly LogLine[], newPhases?: PhaseStarts, now = Date.now()): void {
    if (lines.length === 0) return;
    (this.writer ??= makeChunkWriter(this.db, zlib))(encodeBatch(runId, lines, newPhases, now));
  }

  /** How many lines the run has (seqs are 1..count). */
  count(runId: number): number {
    return this.last.get({ run: runId })?.last_seq ?? 0;
  }

  /** Up to `limit` lines from `fromSeq` on, in order. */
  page(runId: number, fromSeq: number, limit: number): LogLine[] {
    if (limit <= 0) return [];
    const from = Math.max(1, fromSeq);
    const out: LogLine[] = [];
    const first = this.containing.get({ run: runId, seq: from });
    let after = from - 1;
    if (first) {
      for (const l of decodeChunk(runId, first)) if (l.seq >= from && out.length < limit) out.push(l);
      after = first.last_seq;
    }
    while (out.length < limit) {
      const rows = this.from.all({ run: runId, seq: after, n: 4 });
      if (rows.length === 0) break;
      for (const row of rows) {
        for (const l of decodeChunk(runId, row)) {
          if (out.length >= limit) break;
          if (l.seq >= from) out.push(l);
        }
        after = row.last_seq;
      }
    }
    return out;
  }

  /** The last `n` lines, in order. */
  tail(runId: number, n: number): LogLine[] {
    const count = this.count(runId);
    return this.page(runId, Math.max(1, count - n + 1), n);
  }

  /**
   * The seq of the first line at or after `fromSeq` ('forward'), or at or before it ('backward'), whose plain text
   * contains `text`; undefined when none. Case-insensitive (ASCII) unless `caseSensitive`.
   */
  search(
    runId: number,
    text: string,
    fromSeq: number,
    direction: 'forward' | 'backward' = 'forward',
    opts: { caseSensitive?: boolean } = {},
  ): number | undefined {
    if (text === '' || fromSeq < 0 || text.includes('\n')) return undefined;
    const needle = opts.caseSensitive ? text : text.toLowerCase();
    // Chunks are read a few at a time from the one holding fromSeq, each searched whole (compressed chunks cannot
    // be searched in SQL), then the match is mapped to its line.
    const holder = this.containing.get({ run: runId, seq: Math.max(1, fromSeq) });
    if (!holder) return undefined;
    const firstOf = (row: ChunkRow) => row.id - runId * KEY;
    const find = (row: ChunkRow): number | undefined => {
      const lines = decodeChunk(runId, row);
      const hit = (l: LogLine) => {
        const hay = l.plain ?? l.text;
        return (opts.caseSensitive ? hay : hay.toLowerCase()).includes(needle);
      };
      const found =
        direction === 'forward'
          ? lines.find((l) => l.seq >= fromSeq && hit(l))
          : lines.reverse().find((l) => l.seq <= fromSeq && hit(l));
      return found?.seq;
    };
    let row: ChunkRow | undefined = holder;
    for (;;) {
      const hit = find(row);
      if (hit !== undefined) return hit;
      const next: ChunkRow[] =
        direction === 'forward'
          ? this.from.all({ run: runId, seq: row.last_seq, n: 1 })
          : this.before.all({ run: runId, seq: firstOf(row), n: 1 });
      if (next.length === 0) return undefined;
      row = next[0];
    }
  }

  /**
   * The seqs of every stored line whose plain text contains `text` (case-insensitive, as `search`), in order: for
   * "match 3 of 17". Reads the chunks one at a time; only the seqs are kept.
   */
  matches(runId: number, text: string): number[] {
    if (text === '' || text.includes('\n')) return [];
    const needle = text.toLowerCase();
    const out: number[] = [];
    let after = 0;
    for (;;) {
      // Chunk ids are the run's key plus their first seq: from 0 on, every chunk of the run in order.
      const rows = this.from.all({ run: runId, seq: after, n: 4 });
      if (rows.length === 0) break;
      for (const row of rows) {
        for (const l of decodeChunk(runId, row))
          if (l.seq > after && (l.plain ?? l.text).toLowerCase().includes(needle)) out.push(l.seq);
        after = row.last_seq;
      }
    }
    return out;
  }

  /** The first seq of each phase the run has reached: `{init: 1, plan: 14, apply: 230}`. */
  phases(runId: number): PhaseStarts {
    const r = this.phasesOf.get(runId);
    if (!r?.phases_json) return {};
    try {
      return JSON.parse(r.phases_json) as PhaseStarts;
    } catch {
      return {};
    }
  }
}
