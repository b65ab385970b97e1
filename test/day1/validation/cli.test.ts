/**
 * The BUILT dayops as a user runs it: `dayops run` exits 5 when the apply succeeded and validation failed, with
 * `validation` in `--json`; `dayops approve` the same; `dayops check STACK` runs the checks now.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { customStack } from '../runs/helpers.js';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

async function server(): Promise<string> {
  const s = createServer((req, res) => (req.url === '/healthz' ? res.end('ok') : res.writeHead(503).end('down')));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => {
    s.closeAllConnections();
    s.close();
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function setup(yaml: string) {
  const db = join(tmpDir(), 'dayops.db');
  const stack = customStack({ yaml });
  const cli = (args: string[]) => runCli(['--db', db, ...args]);
  return { stack, cli };
}

describe('dayops run, approve and check with checks', () => {
  it('run exits 5 with validation failed in --json; 0 when the checks pass', async () => {
    const base = await server();
    const { stack, cli } = setup(`checks:
  - name: web-up
    http: { url: ${base}/broken, status: 200 }
    within: 1s
  - name: home
    http: { url: ${base}/healthz }`);
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    const r = await cli(['run', stack.name, '--auto-approve', '--json']);
    expect(r.code).toBe(5);
    const json = JSON.parse(r.stdout);
    expect(json.state).toBe('FINISHED');
    expect(json.validation.status).toBe('failed');
    expect(
      json.validation.checks.map((c: { name: string; kind: string; status: string }) => [c.name, c.kind, c.status]),
    ).toEqual([
      ['web-up', 'http', 'failed'],
      ['home', 'http', 'passed'],
    ]);
    expect(json.validation.checks[0].message).toMatch(/^expected HTTP 200 from .*\/broken, got HTTP 503: "down"/);

    // Without --json: one line saying what failed, on stderr.
    const plain = await cli(['run', stack.name, '--auto-approve']);
    expect(plain.code).toBe(5);
    expect(plain.stderr).toMatch(
      /run \d+ FINISHED .*; validation failed \(1 of 2 checks passed; web-up failed: expected HTTP 200/,
    );

    // `dayops check` runs them now: 5, and the JSON document.
    const check = await cli(['check', stack.name, '--json']);
    expect(check.code).toBe(5);
    expect(JSON.parse(check.stdout)).toMatchObject({ stack: stack.name, status: 'failed' });
  }, 60_000);

  it('approve applies and validates (validation in --json); check exits 0 when all pass, 1 when it cannot run', async () => {
    const base = await server();
    const { stack, cli } = setup(`checks:
  - name: web-up
    http: { url: ${base}/healthz, status: 200, bodyMatches: ok }`);
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);
    const waiting = await cli(['run', stack.name, '--json']);
    expect(waiting.code).toBe(4);
    const id = JSON.parse(waiting.stdout).id as number;
    const approved = await cli(['approve', String(id), '--json']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout).validation).toMatchObject({ status: 'passed' });

    const ok = await cli(['check', stack.name]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ web-up \(http\) passed: HTTP 200/);
    const unknown = await cli(['check', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
