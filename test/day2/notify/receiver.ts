/**
 * A webhook receiver for the notify tests, on 127.0.0.1: it records every request (event id, attempt, whether the
 * HMAC signature is right, when), answers by a script (500, hold the request open, 200), and knows which events it
 * really accepted: a 200 written to a connection that was still open.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = 500 | 200 | 'hold';

export interface Received {
  eventId: string;
  attempt: number;
  signatureOk: boolean;
  /** The signature header as it came. */
  signature: string | undefined;
  at: number;
  body: Record<string, unknown>;
  raw: string;
  answer: Answer;
  /** The client went away before an answer (killed). */
  aborted: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Event ids answered 200 while their connection was open, in order. */
  accepted(): string[];
  close(): Promise<void>;
}

/** `answers[i]` answers the i-th request (then 200). */
export async function startReceiver(secret: string, answers: Answer[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const accepted: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const signature = req.headers['x-dayops-signature'] as string | undefined;
      const expected = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      const answer = answers[received.length] ?? 200;
      const r: Received = {
        eventId: String(req.headers['x-dayops-event-id'] ?? ''),
        attempt: Number(req.headers['x-dayops-delivery-attempt'] ?? 0),
        signatureOk: signature === expected,
        signature,
        at: Date.now(),
        body: JSON.parse(raw) as Record<string, unknown>,
        raw,
        answer,
        aborted: false,
      };
      received.push(r);
      res.on('close', () => {
        if (!res.writableFinished) r.aborted = true;
      });
      if (answer === 'hold') {
        held.push(res);
        return;
      }
      if (answer === 500) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down');
        return;
      }
      if (!req.socket.destroyed) accepted.push(r.eventId);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/dayops`,
    received,
    accepted: () => [...accepted],
    close: () =>
      new Promise((resolve) => {
        for (const r of held) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
