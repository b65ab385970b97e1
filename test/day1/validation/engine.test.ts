/**
 * Validation in the run engine: after a successful apply, a stack's after-apply checks move the run to
 * VALIDATING, run, and the run ends FINISHED with `validation` passed or failed (exit 5 when failed), each check's
 * row stored; a cancel mid-validation ends CANCELED; a dayops that died mid-validation leaves an honest record.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChecksRepo } from '../../../src/db/checks.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { exitCodeForRun, RunService, runJson } from '../../../src/day1/runs.js';
import { recoverRuns } from '../../../src/day1/runner/recover.js';
import { tmpDb } from '../../helpers/tmp.js';
import { customStack, until } from '../runs/helpers.js';

const services: RunService[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
  while (closers.length) closers.pop()!();
});

async function server(): Promise<string> {
  const s = createServer((req, res) => (req.url === '/healthz' ? res.end('ok') : res.writeHead(500).end('boom')));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => {
    s.closeAllConnections();
    s.close();
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function engine(yaml: string) {
  const { db, path } = tmpDb();
  const stack = customStack({ db, yaml });
  const svc = new RunService(db, { dbPath: path, user: 'alice', handleSignals: false, pollMs: 40, graceMs: 300 });
  services.push(svc);
  const run = async () => {
    const id = await svc.start(stack.name, { autoApprove: true, trigger: 'cli' });
    const r = await svc.wait(id, 'terminal');
    return { id, run: r, detail: svc.runs.detail(id)! };
  };
  return { db, svc, stack, run };
}

describe('validation after an apply', () => {
  it('passes: VALIDATING, then FINISHED with every check and its result', async () => {
    const base = await server();
    const e = engine(`checks:
  - name: web-up
    http: { url: ${base}/healthz, status: 200, bodyMatches: ok }
  - name: smoke
    command: [${JSON.stringify(process.execPath)}, -e, "console.log('smoke ok')"]
  - name: nightly
    http: { url: ${base}/broken }
    when: [scheduled]
    schedule: "0 3 * * *"`);
    const { run, detail } = await e.run();
    expect(run.state).toBe('FINISHED');
    expect(run.validationStatus).toBe('passed');
    expect(detail.transitions.map((t) => t.state)).toEqual([
      'QUEUED',
      'INITIALIZING',
      'PLANNING',
      'APPLYING',
      'VALIDATING',
      'FINISHED',
    ]);
    expect(exitCodeForRun(run)).toBe(0);
    const json = runJson(detail) as { validation: { status: string; checks: Record<string, unknown>[] } };
    // only the after-apply checks run after an apply
    expect(json.validation.status).toBe('passed');
    expect(json.validation.checks.map((c) => [c.name, c.kind, c.status])).toEqual([
      ['web-up', 'http', 'passed'],
      ['smoke', 'command', 'passed'],
    ]);
    for (const c of json.validation.checks) {
      expect(Object.keys(c)).toEqual(['name', 'kind', 'status', 'durationMs', 'message']);
      expect(c.durationMs).toBeTypeOf('number');
    }
    const rows = new ChecksRepo(e.db).ofRun(run.id);
    expect(rows.find((r) => r.name === 'smoke')?.output).toBe('smoke ok');
    const log = e.svc.logs.page(run.id, 1, 1000).map((l) => l.text);
    expect(log).toContain('dayops: validation passed: 2 of 2 checks passed');
  });

  it('fails: the run still FINISHED (the apply succeeded), validation failed, exit 5', async () => {
    const base = await server();
    const e = engine(`checks:
  - name: web-up
    http: { url: ${base}/broken, status: 200 }
    within: 1s
  - name: fine
    http: { url: ${base}/healthz }`);
    const { run, detail } = await e.run();
    expect(run.state).toBe('FINISHED');
    expect(run.validationStatus).toBe('failed');
    expect(exitCodeForRun(run)).toBe(5);
    const json = runJson(detail) as {
      validation: { status: string; checks: { name: string; status: string; message: string }[] };
    };
    expect(json.validation.status).toBe('failed');
    expect(json.validation.checks[0]).toMatchObject({ name: 'web-up', status: 'failed' });
    expect(json.validation.checks[0].message).toMatch(
      new RegExp(`^expected HTTP 200 from ${base}/broken, got HTTP 500: "boom" \\(after \\d+ attempts\\)$`),
    );
    expect(json.validation.checks[1]).toMatchObject({ name: 'fine', status: 'passed' });
  });

  it('a stack without checks has no VALIDATING and `validation: null`', async () => {
    const e = engine('');
    const { run, detail } = await e.run();
    expect(run.state).toBe('FINISHED');
    expect(detail.transitions.map((t) => t.state)).not.toContain('VALIDATING');
    expect(runJson(detail).validation).toBeNull();
  });

  it('a cancel mid-validation stops the checks and ends the run CANCELED', async () => {
    const e = engine(`checks:
  - name: hangs
    command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000)"]
    timeout: 60s`);
    const id = await e.svc.start(e.stack.name, { autoApprove: true, trigger: 'cli' });
    await until(() => e.svc.runs.get(id)?.state === 'VALIDATING');
    await until(() => new ChecksRepo(e.db).ofRun(id).length === 1);
    await e.svc.cancel(id, 'alice');
    const run = await e.svc.wait(id, 'terminal');
    expect(run.state).toBe('CANCELED');
    expect(run.validationStatus).toBe('failed');
    expect(new ChecksRepo(e.db).ofRun(id).map((c) => [c.name, c.status])).toEqual([['hangs', 'failed']]);
  });
});

describe('a dayops that died mid-validation', () => {
  it('leaves the run FAILED (interrupted) with its unfinished checks failed, as any interrupted run', async () => {
    const { db } = tmpDb();
    const stack = new StacksRepo(db).upsert({ name: 'app', dir: '/tmp', tool: 'custom', environment: 'dev' });
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => dead.on('exit', r));
    const owner = { host: hostname(), pid: dead.pid!, start: null };
    const runs = new RunsRepo(db);
    const id = runs.create({
      stackId: stack.id,
      kind: 'tracked',
      purpose: 'deploy',
      triggeredBy: 'alice',
      trigger: 'cli',
      autoApply: true,
      owner,
    }).id;
    for (const e of ['start', 'plan', 'apply', 'validate'] as const) expect(runs.move(id, e)).toBeDefined();
    const checks = new ChecksRepo(db);
    const done = checks.start({ runId: id, stackId: stack.id, source: 'after-apply', name: 'web', kind: 'http' });
    checks.end(done, { status: 'passed', durationMs: 12, attempts: 1, message: 'HTTP 200' });
    checks.start({ runId: id, stackId: stack.id, source: 'after-apply', name: 'smoke', kind: 'command' });

    const recovered = recoverRuns(db);
    expect(recovered.map((r) => [r.id, r.state])).toEqual([[id, 'VALIDATING']]);
    const d = runs.detail(id)!;
    expect(d.state).toBe('FAILED');
    expect(d.error).toBe('interrupted: dayops stopped while this run was VALIDATING');
    expect(d.validation?.status).toBe('failed');
    expect(d.validation?.checks.map((c) => [c.name, c.status, c.message])).toEqual([
      ['web', 'passed', 'HTTP 200'],
      ['smoke', 'failed', 'interrupted: dayops stopped before this check ended'],
    ]);
  });
});
