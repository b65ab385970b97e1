/**
 * Each kind of check against real things started here on 127.0.0.1: HTTP servers (up, down, slow, wrong body,
 * wrong status, a self-signed certificate), TCP ports, child processes (passing, failing, hanging past their
 * timeout), and retrying with backoff until a server comes up.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSchema, type CheckConfig } from '../../../src/config/checks-config.js';
import { pidAlive } from '../../../src/day1/runner/procinfo.js';
import { runCheck, runChecks } from '../../../src/day1/validation/run.js';
import type { CheckContext } from '../../../src/day1/validation/types.js';
import { tmpDir } from '../../helpers/tmp.js';

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

type Handler = Parameters<typeof createServer>[1];

const DOWN = '127.0.0.2';

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    (server as Server).closeAllConnections?.();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

async function http(handler: Handler): Promise<string> {
  return `http://127.0.0.1:${await listen(createServer(handler))}`;
}

/**
 * A port nothing listens on: a server that was started, then closed, on 127.0.0.2 (the other tests' servers listen
 * on 127.0.0.1, so none of them can take the port meanwhile).
 */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, DOWN, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function check(spec: Record<string, unknown>): CheckConfig {
  const parsed = checkSchema.parse({ name: 'c', within: '1ms', ...spec });
  // One attempt unless the test gives a window: a refused connection can take less than the 1 ms that the file
  // format allows at the least, and would then be tried again.
  return 'within' in spec ? parsed : { ...parsed, within: 0 };
}

function ctx(extra: Partial<CheckContext> = {}): CheckContext {
  return { dir: tmpDir('dayops-check-'), env: process.env, ...extra };
}

describe('http checks', () => {
  it('pass on the expected status and body, and say what came back when they do not', async () => {
    const base = await http((req, res) => {
      if (req.url === '/healthz') res.end('status: ok');
      else if (req.url === '/broken') res.writeHead(503).end('upstream down');
      else res.end('status: degraded');
    });
    const ok = await runCheck(check({ http: { url: `${base}/healthz`, status: 200, bodyMatches: 'ok$' } }), ctx());
    expect(ok).toMatchObject({ name: 'c', kind: 'http', status: 'passed', attempts: 1 });
    expect(ok.message).toContain('HTTP 200');

    const body = await runCheck(check({ http: { url: `${base}/other`, bodyMatches: 'ok$' } }), ctx());
    expect(body.status).toBe('failed');
    expect(body.message).toBe(`expected the body of ${base}/other to match /ok$/, got "status: degraded"`);

    const status = await runCheck(check({ http: { url: `${base}/broken`, status: 200 } }), ctx());
    expect(status.message).toBe(`expected HTTP 200 from ${base}/broken, got HTTP 503: "upstream down"`);
  });

  it('fail on a server that is down, and on one slower than the timeout', async () => {
    const port = await closedPort();
    const down = await runCheck(check({ http: { url: `http://${DOWN}:${port}/` } }), ctx());
    expect(down.status).toBe('failed');
    expect(down.message).toBe(
      `expected an HTTP 2xx answer from http://${DOWN}:${port}/, got connection refused (ECONNREFUSED)`,
    );

    const slow = await http((_req, res) => setTimeout(() => res.end('ok'), 3000));
    const t0 = Date.now();
    const r = await runCheck(check({ http: { url: `${slow}/`, timeout: '300ms' } }), ctx());
    expect(r.status).toBe('failed');
    expect(r.message).toBe(`expected an HTTP 2xx answer from ${slow}/, got no answer within 300 ms`);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('refuse a self-signed TLS certificate', async () => {
    const dir = tmpDir('dayops-tls-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.end('ok'),
    );
    const port = await listen(server as unknown as Server);
    const r = await runCheck(check({ http: { url: `https://127.0.0.1:${port}/`, status: 200 } }), ctx());
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(
      new RegExp(
        `^expected HTTP 200 from https://127.0.0.1:${port}/, got a TLS certificate that is not trusted \\(DEPTH_ZERO_SELF_SIGNED_CERT`,
      ),
    );
  });

  it('keep trying with backoff within their window, and pass once the server answers', async () => {
    let upAt = Infinity;
    const base = await http((_req, res) => (Date.now() >= upAt ? res.end('ok') : res.writeHead(502).end('starting')));
    upAt = Date.now() + 1500;
    const r = await runCheck(check({ http: { url: `${base}/` }, within: '20s' }), ctx());
    expect(r.status).toBe('passed');
    expect(r.attempts).toBeGreaterThan(1);
    expect(r.durationMs).toBeGreaterThanOrEqual(1400);

    // A window that ends first: failed, with the last answer and how many tries it took.
    upAt = Infinity;
    const late = await runCheck(check({ http: { url: `${base}/` }, within: '1500ms' }), ctx());
    expect(late.status).toBe('failed');
    expect(late.message).toMatch(/got HTTP 502: "starting" \(after [2-9] attempts\)$/);
  });
});

describe('tcp checks', () => {
  it('pass when the port accepts a connection, and fail when it is refused', async () => {
    const port = await listen(createTcpServer((s) => s.end()));
    expect(await runCheck(check({ tcp: { host: '127.0.0.1', port } }), ctx())).toMatchObject({
      kind: 'tcp',
      status: 'passed',
      message: `127.0.0.1:${port} accepts TCP connections`,
    });
    const closed = await closedPort();
    const r = await runCheck(check({ tcp: { host: DOWN, port: closed } }), ctx());
    expect(r.message).toBe(
      `expected ${DOWN}:${closed} to accept a TCP connection, got connection refused (ECONNREFUSED)`,
    );
  });
});

describe('command checks', () => {
  const node = process.execPath;

  it('run in the stack folder without a shell, pass on exit 0, fail otherwise, and keep the output', async () => {
    const c = ctx({ env: { ...process.env, GREETING: 'hello' } });
    writeFileSync(
      join(c.dir, 'smoke.mjs'),
      "console.log(process.env.GREETING + ' from ' + process.cwd()); process.exit(Number(process.argv[2]))",
    );
    const ok = await runCheck(check({ command: [node, 'smoke.mjs', '0', '$HOME'] }), c);
    expect(ok.status).toBe('passed');
    expect(ok.output).toBe(`hello from ${c.dir}`);
    const bad = await runCheck(check({ command: [node, 'smoke.mjs', '3'] }), c);
    expect(bad.status).toBe('failed');
    expect(bad.message).toBe(`expected ${node} to exit 0, got exit 3: hello from ${c.dir}`);
    const missing = await runCheck(check({ command: ['./no-such-script.sh'] }), c);
    expect(missing.message).toMatch(/^expected \.\/no-such-script\.sh to exit 0, got cannot start .*not found/);
  });

  it('kill a command that hangs at its timeout, with everything it started', async () => {
    const c = ctx();
    writeFileSync(
      join(c.dir, 'hang.mjs'),
      `import { spawn } from 'node:child_process';
       import { writeFileSync } from 'node:fs';
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       writeFileSync('pids', process.pid + ' ' + child.pid);
       process.on('SIGINT', () => {});
       process.on('SIGTERM', () => {});
       console.log('started, now hanging');
       setInterval(() => {}, 1000);`,
    );
    const t0 = Date.now();
    const r = await runCheck(check({ command: [node, 'hang.mjs'], timeout: '1s' }), c);
    expect(r.status).toBe('failed');
    expect(r.message).toBe(
      `expected ${node} to exit 0 within 1s, got no end: killed at its timeout: started, now hanging`,
    );
    expect(r.output).toBe('started, now hanging');
    expect(Date.now() - t0).toBeLessThan(8000);
    const pids = readFileSync(join(c.dir, 'pids'), 'utf8').split(' ').map(Number);
    const end = Date.now() + 5000;
    while (pids.some(pidAlive) && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    expect(pids.filter(pidAlive)).toEqual([]);
  });
});

describe('several checks', () => {
  it('run at once, bounded, each result in the order of the checks', async () => {
    let inFlight = 0;
    let most = 0;
    const base = await http((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('ok');
      }, 300);
    });
    const checks = ['a', 'b', 'c', 'd', 'e'].map((name) =>
      checkSchema.parse({ name, http: { url: `${base}/${name}` } }),
    );
    const started: string[] = [];
    const results = await runChecks(checks, ctx(), { concurrency: 2, onStart: (c) => started.push(c.name) });
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['a', 'passed'],
      ['b', 'passed'],
      ['c', 'passed'],
      ['d', 'passed'],
      ['e', 'passed'],
    ]);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(most).toBe(2);
  });
});
