/**
 * `prometheus` checks against the REAL Prometheus (Debian's 2.42, started here on 127.0.0.1 with an empty scrape
 * configuration: constant queries need no data). In CI a missing prometheus fails; elsewhere it is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src/config/checks-config.js';
import { onPath } from '../../../src/day1/detect.js';
import { runCheck } from '../../../src/day1/validation/run.js';
import { tmpDir } from '../../helpers/tmp.js';

const HAVE = onPath('prometheus');
const CI = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!HAVE && !CI) console.warn('skipping the real Prometheus check tests: prometheus is not on PATH');

describe.runIf(!HAVE && CI)('prometheus in CI', () => {
  it('is installed (these tests need the real prometheus)', () => {
    expect.fail('prometheus is not on PATH: these tests need the real Prometheus (Debian package prometheus)');
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.runIf(HAVE)('real prometheus checks', () => {
  let prom: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    const dir = tmpDir('dayops-prom-');
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1s\nscrape_configs: []\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${url}/-/ready`)).ok) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > end) throw new Error('prometheus did not get ready within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 40_000);
  afterAll(() => {
    prom?.kill('SIGKILL');
  });

  const check = (prometheus: Record<string, unknown>) =>
    checkSchema.parse({ name: 'errors', prometheus, within: '1ms' });

  it('pass when the value is below, above or equal to what is asked, and say what came back when not', async () => {
    const ctx = { dir: '/', env: process.env, prometheusUrl: url };
    expect(await runCheck(check({ query: 'vector(0.2)', below: 0.5 }), ctx)).toMatchObject({
      status: 'passed',
      message: '0.2 (a value below 0.5)',
    });
    expect(await runCheck(check({ query: 'vector(3)', above: 1, equals: 3 }), ctx)).toMatchObject({ status: 'passed' });
    expect(await runCheck(check({ query: 'vector(2)', below: 0.5 }), ctx)).toMatchObject({
      status: 'failed',
      message: 'expected a value below 0.5, got 2',
    });
    expect(await runCheck(check({ query: 'absent_metric_xyz', below: 0.5 }), ctx)).toMatchObject({
      status: 'failed',
      message: "expected a value below 0.5, got no data (the query's result is empty)",
    });
    const bad = await runCheck(check({ query: 'sum(', below: 1 }), ctx);
    expect(bad.status).toBe('failed');
    expect(bad.message).toMatch(
      /^expected a value below 1, got an error: Prometheus at .* refused the query \(HTTP 400, bad_data\)/,
    );
  });
});
