/**
 * The thread behind the PostgreSQL engine: one `pg` connection, driven by the main thread's synchronous calls
 * (synckit blocks the caller until this thread answers). Errors are answered, not thrown, so their SQLSTATE code
 * reaches the caller intact.
 */
import pg from 'pg';
import { runAsWorker } from 'synckit';

// Integers are numbers, as SQLite's are: ids, counts (bigint) and sums (numeric) of epoch milliseconds and bytes
// stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v));

/** Every request names its connection: one thread serves all the connections of a process. */
export type Request = { conn: number } & (
  | { op: 'connect'; connectionString: string; applicationName: string }
  | { op: 'query'; text: string; values: unknown[]; array: boolean }
  | { op: 'exec'; text: string }
  | { op: 'close' }
);

export interface Reply {
  rows?: unknown[];
  rowCount?: number;
  fields?: string[];
  /** The positions of BYTEA columns: their values cross the thread as Uint8Array and are made Buffers again. */
  binary?: number[];
  error?: { message: string; code?: string; detail?: string; hint?: string };
}

/** The type oid of BYTEA. */
const BYTEA = 17;

const clients = new Map<number, pg.Client>();

function failure(err: unknown): Reply {
  const e = err as { message?: string; code?: string; detail?: string; hint?: string };
  return {
    error: { message: e?.message ?? String(err), code: e?.code, detail: e?.detail, hint: e?.hint },
  };
}

runAsWorker(async (req: Request): Promise<Reply> => {
  try {
    const client = clients.get(req.conn);
    switch (req.op) {
      case 'connect': {
        const c = new pg.Client({ connectionString: req.connectionString, application_name: req.applicationName });
        // A server that goes away must not crash the thread: the next query answers the error.
        c.on('error', () => {});
        await c.connect();
        clients.set(req.conn, c);
        return {};
      }
      case 'query': {
        if (!client) throw new Error('not connected');
        // Buffers arrive as plain Uint8Arrays (their class does not cross threads): bytes for BYTEA again.
        const values = req.values.map((v) =>
          v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v,
        );
        const res: pg.QueryResult = req.array
          ? await client.query({ text: req.text, values, rowMode: 'array' })
          : await client.query({ text: req.text, values });
        const binary = res.fields.flatMap((f, i) => (f.dataTypeID === BYTEA ? [i] : []));
        return {
          rows: res.rows,
          rowCount: res.rowCount ?? 0,
          fields: res.fields.map((f) => f.name),
          ...(binary.length ? { binary } : {}),
        };
      }
      case 'exec': {
        if (!client) throw new Error('not connected');
        await client.query(req.text);
        return {};
      }
      case 'close': {
        clients.delete(req.conn);
        await client?.end();
        return {};
      }
    }
  } catch (err) {
    return failure(err);
  }
});
