/**
 * A real Prometheus for tests (Debian's 2.42), and a small exporter whose counters and histogram the test sets.
 *
 * - `startExporter()`: a node http server on 127.0.0.1 (free port) serving `/metrics` in the text format:
 *   `http_requests_total{code}` and `http_request_duration_seconds` (a histogram, buckets 0.1, 0.3, 1, +Inf),
 *   every series present from the start at 0 (so Prometheus' `increase` has a first sample at 0), and a
 *   `dayops_test_generation` gauge that `add()` bumps.
 * - `startPrometheus({ targets })`: Prometheus on 127.0.0.1 (free port), a temporary `--storage.tsdb.path`,
 *   scraping the targets every second. `waitForGeneration(n)` polls the query API until the scrape that carries
 *   generation `n` is stored: every series of that scrape then has its new value (no blind sleeps).
 *   `kill()` stops it the hard way (SIGKILL), as a crash would.
 *
 * In CI (`CI` set) a missing binary fails the tests that need it; elsewhere they skip with a message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, IN_CI } from './alertmanager.js';
import { waitReady } from './ready.js';

/** /usr/bin/prometheus, or prometheus on PATH. */
export function findPrometheus(): string | undefined {
  const candidates = ['/usr/bin/prometheus'];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) candidates.push(join(dir, 'prometheus'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export const PROMETHEUS = findPrometheus();
/** Skip Prometheus tests only outside CI; in CI a missing binary must fail them. */
export const SKIP_PROMETHEUS = !PROMETHEUS && !IN_CI;
if (SKIP_PROMETHEUS) console.warn('prometheus not found: skipping tests against a real Prometheus');

// ---------------------------------------------------------------------------------------------------------------
// The exporter

export const BUCKETS = [0.1, 0.3, 1] as const;

export interface Requests {
  /** The status code label (default 200). */
  code?: string;
  /** How long each took, for the histogram (default 0.05 s). */
  seconds?: number;
  count: number;
}

export interface TestExporter {
  /** `127.0.0.1:PORT`, a scrape target. */
  target: string;
  /** Count requests; every `add` is one new generation. Returns the generation to wait for. */
  add(...requests: Requests[]): number;
  /** The current generation (0 before any add). */
  generation(): number;
  close(): Promise<void>;
}

/** An exporter of request counters, all at 0, with the codes `codes` (default 200 and 500) present from the start. */
export async function startExporter(codes: string[] = ['200', '500']): Promise<TestExporter> {
  const byCode = new Map<string, number>(codes.map((c) => [c, 0]));
  const buckets = BUCKETS.map(() => 0);
  let count = 0;
  let sum = 0;
  let generation = 0;
  const text = () => {
    const lines = [
      '# HELP http_requests_total Requests by status code.',
      '# TYPE http_requests_total counter',
      ...[...byCode].map(([c, n]) => `http_requests_total{code="${c}"} ${n}`),
      '# HELP http_request_duration_seconds How long requests took.',
      '# TYPE http_request_duration_seconds histogram',
      ...BUCKETS.map((le, i) => `http_request_duration_seconds_bucket{le="${le}"} ${buckets[i]}`),
      `http_request_duration_seconds_bucket{le="+Inf"} ${count}`,
      `http_request_duration_seconds_sum ${sum}`,
      `http_request_duration_seconds_count ${count}`,
      '# TYPE dayops_test_generation gauge',
      `dayops_test_generation ${generation}`,
      '',
    ];
    return lines.join('\n');
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    add(...requests) {
      for (const r of requests) {
        const code = r.code ?? '200';
        const secs = r.seconds ?? 0.05;
        byCode.set(code, (byCode.get(code) ?? 0) + r.count);
        BUCKETS.forEach((le, i) => {
          if (secs <= le) buckets[i] += r.count;
        });
        count += r.count;
        sum += secs * r.count;
      }
      return ++generation;
    },
    generation: () => generation,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Prometheus

export interface RunningPrometheus {
  url: string;
  port: number;
  /** One instant query's result vector, as the API gives it. */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Poll until `dayops_test_generation` of the target is at least `gen` (every series of that scrape stored). */
  waitForGeneration(gen: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crash: the API stops answering at once. */
  kill(): Promise<void>;
  /** Stop and remove the temporary folder. */
  dispose(): Promise<void>;
}

export async function startPrometheus(opts: {
  targets: string[];
  scrapeIntervalS?: number;
}): Promise<RunningPrometheus> {
  const bin = findPrometheus();
  if (!bin) throw new Error('prometheus is not installed (apt-get install prometheus); CI needs it');
  const dir = mkdtempSync(join(tmpdir(), 'dayops-prom-'));
  const configFile = join(dir, 'prometheus.yml');
  const every = `${opts.scrapeIntervalS ?? 1}s`;
  writeFileSync(
    configFile,
    [
      'global:',
      `  scrape_interval: ${every}`,
      `  evaluation_interval: ${every}`,
      'scrape_configs:',
      '  - job_name: test',
      `    scrape_interval: ${every}`,
      `    scrape_timeout: ${every}`,
      `    static_configs: [{ targets: [${opts.targets.map((t) => `"${t}"`).join(', ')}] }]`,
      '',
    ].join('\n'),
  );
  let port = 0;
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async () => {
    output = '';
    port = await freePort();
    const c = spawn(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child = c;
    await waitReady('prometheus', `http://127.0.0.1:${port}`, c, () => output, 30_000);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await exited;
  };
  // A port picked free can be taken before Prometheus binds it: try a few.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      await kill();
      if (attempt >= 3 || !/address already in use/i.test(output)) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const url = `http://127.0.0.1:${port}`;
  const query: RunningPrometheus['query'] = async (q) => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: q }).toString()}`);
    const body = (await res.json()) as { status: string; data?: { result: unknown }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${q}: ${body.error ?? res.status}`);
    return body.data!.result as { metric: Record<string, string>; value: [number, string] }[];
  };
  return {
    url,
    port,
    query,
    async waitForGeneration(gen, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = 'nothing';
      while (Date.now() < deadline) {
        const r = await query('max(dayops_test_generation)');
        last = r[0]?.value[1] ?? 'no sample';
        if (r.length > 0 && Number(r[0].value[1]) >= gen) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error(
        `prometheus did not scrape generation ${gen} within ${timeoutMs} ms (last: ${last}): ${output.slice(-500)}`,
      );
    },
    kill,
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
