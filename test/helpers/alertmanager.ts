/**
 * A real Prometheus Alertmanager for tests: started on 127.0.0.1 with a free port, a temporary config (one
 * receiver that does nothing) and temporary storage, clustering off; stopped (and restartable on the same port and
 * storage) on demand. In CI a missing binary fails the test; elsewhere tests skip with a message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { waitReady } from './ready.js';

/** The binary: /usr/bin/prometheus-alertmanager, or prometheus-alertmanager / alertmanager on PATH. */
export function findAlertmanager(): string | undefined {
  const candidates = ['/usr/bin/prometheus-alertmanager'];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    candidates.push(join(dir, 'prometheus-alertmanager'), join(dir, 'alertmanager'));
  }
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

export const ALERTMANAGER = findAlertmanager();
export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
/** Skip Alertmanager tests only outside CI; in CI a missing binary must fail them. */
export const SKIP_ALERTMANAGER = !ALERTMANAGER && !IN_CI;
if (SKIP_ALERTMANAGER) console.warn('prometheus-alertmanager not found: skipping tests against a real Alertmanager');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const CONFIG = `route:
  receiver: "null"
  group_by: [alertname]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
  - name: "null"
inhibit_rules:
  - source_matchers: [alertname="DatacenterDown"]
    target_matchers: [severity="warning"]
    equal: [stack]
`;

export interface TestAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface RunningAlertmanager {
  url: string;
  port: number;
  /** POST /api/v2/alerts (alerts without endsAt last Alertmanager's resolve_timeout, 5 minutes). */
  postAlerts(alerts: TestAlert[]): Promise<void>;
  /** GET a JSON path of the API, e.g. `/api/v2/silences`. */
  getJson<T = unknown>(path: string): Promise<T>;
  /** Stop the process (SIGTERM, then SIGKILL); the storage folder is kept for `start()`. */
  stop(): Promise<void>;
  /** Start again on the same port and storage (silences survive, alerts do not). */
  start(): Promise<void>;
  /** Stop and remove the temporary folder. */
  dispose(): Promise<void>;
}

export async function startAlertmanager(): Promise<RunningAlertmanager> {
  const bin = findAlertmanager();
  if (!bin) throw new Error('prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)');
  const dir = mkdtempSync(join(tmpdir(), 'dayops-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, CONFIG);
  let port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async () => {
    output = '';
    const c = spawn(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    c.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child = c;
    await waitReady('alertmanager', `http://127.0.0.1:${port}`, c, () => output, 20_000);
  };

  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  // A port picked free can be taken before Alertmanager binds it: try a few.
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      await stop();
      if (attempt >= 3 || !/address already in use/i.test(output)) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      port = await freePort();
    }
  }

  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`POST /api/v2/alerts: HTTP ${res.status} ${await res.text()}`);
    },
    async getJson<T>(path: string) {
      const res = await fetch(`${url}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    stop,
    start: launch,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
