/** Stacks with an `alerting` section, and local HTTP servers that misbehave, for the alerts tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DB } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { Stack } from '../../../src/domain/stack.js';

export interface AlertingOptions {
  url: string;
  matchers?: string[];
  quietApplies?: boolean;
}

/** Register a stack whose folder holds a dayops.yaml with `alerting` (or none when `alerting` is null). */
export function addStack(db: DB, root: string, name: string, alerting: AlertingOptions | null, extraYaml = ''): Stack {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const config: Record<string, unknown> = {
    apiVersion: 'dayops/v1',
    kind: 'Stack',
    name,
    environment: 'prod',
    tool: 'opentofu',
  };
  if (alerting) {
    config.alerting = {
      alertmanagerUrl: alerting.url,
      ...(alerting.matchers ? { matchers: alerting.matchers } : {}),
      ...(alerting.quietApplies !== undefined ? { quietApplies: alerting.quietApplies } : {}),
    };
  }
  writeFileSync(join(dir, 'dayops.yaml'), stringify(config) + extraYaml);
  return new StacksRepo(db).upsert({ name, dir, tool: 'opentofu', environment: 'prod' });
}

export interface TestServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** A local HTTP server answering with `handler`, counting requests; close() also drops hanging connections. */
export async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state = { requests: 0 };
  const srv: Server = createServer((req, res) => {
    state.requests++;
    handler(req, res);
  });
  srv.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** A server that accepts requests and never answers. */
export const silentServer = () => httpServer(() => undefined);

/** A server that answers every request 200 with `body` as `contentType`. */
export const answeringServer = (body: string, contentType = 'application/json', status = 200) =>
  httpServer((_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  });
