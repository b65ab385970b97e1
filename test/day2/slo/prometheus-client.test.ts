/**
 * The Prometheus query client (src/day2/prometheus.ts) against a real Prometheus 2.42 scraping a test exporter:
 * numbers, an empty answer, several series, and its one-line errors (unreachable, a query it refuses, a server
 * that is not Prometheus).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusError, queryInstant, queryNumber } from '../../../src/day2/prometheus.js';
import { freePort } from '../../helpers/alertmanager.js';
import {
  SKIP_PROMETHEUS,
  startExporter,
  startPrometheus,
  type RunningPrometheus,
  type TestExporter,
} from '../../helpers/prometheus.js';

describe.skipIf(SKIP_PROMETHEUS)('Prometheus client (real Prometheus)', () => {
  let exporter: TestExporter;
  let prom: RunningPrometheus;
  beforeAll(async () => {
    exporter = await startExporter();
    prom = await startPrometheus({ targets: [exporter.target] });
    await prom.waitForGeneration(0);
    await prom.waitForGeneration(exporter.add({ code: '200', count: 7 }, { code: '500', count: 3 }));
  }, 60_000);
  afterAll(async () => {
    await prom?.dispose();
    await exporter?.close();
  });

  it('reads one number, a vector of several series, a scalar, and nothing as undefined', async () => {
    expect(await queryNumber(prom.url, 'sum(http_requests_total)')).toBe(10);
    expect(await queryNumber(prom.url, 'http_requests_total{code="500"}')).toBe(3);
    expect(await queryNumber(prom.url, 'scalar(sum(http_requests_total)) * 2')).toBe(20);
    expect(await queryNumber(prom.url, 'http_requests_total{code="404"}')).toBeUndefined();
    const r = await queryInstant(prom.url, 'http_requests_total');
    expect(r.resultType).toBe('vector');
    expect(r.samples.map((s) => [s.labels.code, s.value]).sort()).toEqual([
      ['200', 7],
      ['500', 3],
    ]);
    // A base URL with a trailing slash gives the same answer.
    expect(await queryNumber(`${prom.url}/`, 'sum(http_requests_total)')).toBe(10);
  });

  it('several series where one number is wanted is an error naming the count', async () => {
    await expect(queryNumber(prom.url, 'http_requests_total')).rejects.toThrow(
      /gives 2 series; wrap it in sum\(\.\.\.\)/,
    );
  });

  it('a query Prometheus refuses is one line with its own reason', async () => {
    const err = await queryNumber(prom.url, 'sum(http_requests_total').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    const e = err as PrometheusError;
    expect(e.kind).toBe('http');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query refused the query \(HTTP 400, bad_data\): .*parse error/,
    );
    expect(e.message).not.toContain('\n');
  });

  it('a Prometheus that is not there is unreachable, at once', async () => {
    const port = await freePort();
    const err = await queryNumber(`http://127.0.0.1:${port}`, 'up').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).kind).toBe('unreachable');
    expect((err as PrometheusError).message).toBe(
      `Prometheus at http://127.0.0.1:${port}/api/v1/query is unreachable (ECONNREFUSED)`,
    );
  });

  it('a server that is not Prometheus, or that hangs, is said so', async () => {
    const srv = createServer((req, res) => {
      if (req.url?.includes('hang')) return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const bad = await queryNumber(base, 'up').catch((e: unknown) => e);
      expect((bad as PrometheusError).kind).toBe('malformed');
      const slow = await queryNumber(`${base}/hang`, 'up', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect((slow as PrometheusError).kind).toBe('timeout');
      expect((slow as PrometheusError).message).toMatch(/did not answer within 300 ms/);
    } finally {
      srv.closeAllConnections();
      srv.close();
    }
  });
});
