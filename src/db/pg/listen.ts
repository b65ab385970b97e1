/**
 * LISTEN on a PostgreSQL channel from the main thread (an async `pg.Client` of its own, beside the engine's
 * synchronous connection): `dayops logs --follow` hears of new log chunks (channel `dayops_log`, payload the run id,
 * sent by a trigger on run_logs: 004-workers.sql) as soon as they are committed.
 */

export interface Listener {
  close(): Promise<void>;
}

/** Call `onPayload` with each notification's payload on `channel`; the connection is closed by `close()`. */
export async function listen(url: string, channel: string, onPayload: (payload: string) => void): Promise<Listener> {
  // Loaded when needed: most commands never listen.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'dayops listen' });
  // A server that goes away must not crash dayops: the caller polls as well.
  client.on('error', () => {});
  await client.connect();
  client.on('notification', (n) => {
    if (n.channel === channel) onPayload(n.payload ?? '');
  });
  await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  return {
    close: async () => {
      try {
        await client.end();
      } catch {
        /* gone already */
      }
    },
  };
}
