/**
 * Webhooks as a user gets them, with real processes: the BUILT dayops (`npm run build` first) runs a custom stack
 * whose plan fails, and delivers its DayopsRunFailed event to a receiver on 127.0.0.1 that fails the first two
 * deliveries (500) and holds the third open while the test SIGKILLs that dayops. Another dayops then delivers what
 * the first could not: the receiver accepts every event id exactly once, each request signed (HMAC-SHA256 of the
 * raw body), the retries spaced by a growing backoff.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { customStack, PLAN_NO_CHANGES, until } from '../../day1/runs/helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = 'hook-secret-for-tests-0123456789';
const PLAN_FAILS = `console.log('planning'); console.error('Error: boom'); process.exit(1);`;
const RETRY_MS = 300;

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

function setup(hookUrl: string, extraYaml = '') {
  const home = tmpDir();
  const db = join(home, 'dayops.db');
  const stack = customStack({
    name: 'shop-prod',
    environment: 'prod',
    plan: PLAN_FAILS,
    yaml: [
      'notify:',
      '  webhooks:',
      `    - url: ${hookUrl}`,
      '      secret: { fromEnv: SHOP_HOOK_SECRET }',
      extraYaml,
    ].join('\n'),
  });
  const env = {
    SHOP_HOOK_SECRET: SECRET,
    DAYOPS_NOTIFY_RETRY_MS: String(RETRY_MS),
    DAYOPS_NOTIFY_FLUSH_MS: '15000',
  };
  const cli = (args: string[], more: NodeJS.ProcessEnv = {}) =>
    runCli(['--db', db, ...args], { env: { ...env, ...more } });
  return { db, stack, env, cli };
}

function outboxRows(dbPath: string) {
  const db = openDatabase(dbPath);
  try {
    return db
      .prepare('SELECT event_id, state, attempts, claimed_by, last_error FROM notify_outbox ORDER BY id')
      .all() as {
      event_id: string;
      state: string;
      attempts: number;
      claimed_by: string | null;
      last_error: string | null;
    }[];
  } finally {
    db.close();
  }
}

describe('notify webhooks (real dayops processes)', () => {
  it('retries with backoff, signs every request, and delivers each event exactly once across a SIGKILL', async () => {
    const rx = await startReceiver(SECRET, [500, 500, 'hold']);
    receivers.push(rx);
    const { db, stack, env, cli } = setup(rx.url);
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);

    // The first dayops: its run fails; it delivers before exiting, meets two 500s, and is killed in the third try.
    const first = spawn(process.execPath, [CLI, '--db', db, 'run', 'shop-prod'], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstErr = '';
    first.stderr.setEncoding('utf8').on('data', (d: string) => (firstErr += d));
    const firstExit = new Promise<NodeJS.Signals | null>((r) => first.on('close', (_c, sig) => r(sig)));
    await until(() => rx.received.length >= 3, 30_000).catch(() => {
      throw new Error(`no third delivery; dayops said: ${firstErr}`);
    });
    first.kill('SIGKILL');
    expect(await firstExit).toBe('SIGKILL');
    await until(() => rx.received[2].aborted, 5_000);

    const e1 = rx.received[0].eventId;
    expect(e1).toMatch(/^DayopsRunFailed:shop-prod:\d+:firing$/);
    expect(rx.received.slice(0, 3).map((r) => r.eventId)).toEqual([e1, e1, e1]);
    expect(rx.accepted()).toEqual([]);
    // Retried with exponential backoff (+-20% jitter): at least 240 ms, then at least 480 ms.
    const gap1 = rx.received[1].at - rx.received[0].at;
    const gap2 = rx.received[2].at - rx.received[1].at;
    expect(gap1).toBeGreaterThanOrEqual(RETRY_MS * 0.8 - 20);
    expect(gap2).toBeGreaterThanOrEqual(RETRY_MS * 2 * 0.8 - 20);
    // Nothing is lost: the event is still in the outbox, claimed by the process that died.
    const left = outboxRows(db);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ event_id: e1, state: 'pending', attempts: 2 });
    expect(left[0].claimed_by).toMatch(new RegExp(`:${first.pid}$`));
    expect(left[0].last_error).toContain('HTTP 500');

    // Another dayops (a second failed run) takes over the dead process's claim at once and delivers both events.
    const second = await cli(['run', 'shop-prod']);
    expect(second.code).toBe(1);
    const e2 = rx.received[rx.received.length - 1].eventId;
    expect(e2).not.toBe(e1);
    expect(rx.accepted()).toEqual([e1, e2]);
    expect(rx.received.every((r) => r.signatureOk)).toBe(true);
    expect(rx.received[0].signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(outboxRows(db).map((r) => [r.event_id, r.state])).toEqual([
      [e1, 'delivered'],
      [e2, 'delivered'],
    ]);

    // The event: Slack-compatible text, labels, the command to look.
    const body = rx.received.find((r) => r.eventId === e2)!.body;
    expect(body).toMatchObject({
      id: e2,
      event: 'run-failed',
      status: 'firing',
      alertname: 'DayopsRunFailed',
      stack: 'shop-prod',
      environment: 'prod',
      severity: 'critical',
      command: 'dayops runs shop-prod',
      labels: {
        alertname: 'DayopsRunFailed',
        stack: 'shop-prod',
        environment: 'prod',
        severity: 'critical',
        source: 'dayops',
      },
    });
    expect(String(body.text)).toMatch(
      /^\[FIRING\] DayopsRunFailed shop-prod \(prod, critical\): shop-prod: run 2 failed/,
    );

    // A later dayops has nothing to send again.
    const before = rx.received.length;
    writeFileSync(join(stack.dir, 'plan.mjs'), PLAN_NO_CHANGES);
    expect((await cli(['run', 'shop-prod', '--plan-only'])).code).toBe(0);
    // ...but the run that ended well resolves the condition: one `resolved` event.
    const after = rx.received.slice(before);
    expect(after.map((r) => r.body.status)).toEqual(['resolved']);
    expect(after[0].eventId).toBe(e2.replace(/:firing$/, ':resolved'));
    expect(new Set(rx.accepted()).size).toBe(rx.accepted().length);
  }, 90_000);

  it('dayops notify test: one line per route, --json, exit 1 when a route fails', async () => {
    const ok = await startReceiver(SECRET);
    const down = await startReceiver(SECRET, [500]);
    receivers.push(ok, down);
    const { stack, cli } = setup(ok.url, `    - url: ${down.url}\n      events: [drift]`);
    expect((await cli(['stack', 'add', stack.dir])).code).toBe(0);

    const text = await cli(['notify', 'test', 'shop-prod']);
    expect(text.code).toBe(1);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^shop-prod {2}webhook {2}http:\/\/127\.0\.0\.1:\d+\/… {2}delivered \(HTTP 200\)$/);
    expect(lines[1]).toMatch(/FAILED: HTTP 500: receiver is down$/);
    // The URL's path is never printed (a Slack webhook's path is its secret).
    expect(text.stdout).not.toContain('/hooks/dayops');
    expect(ok.received).toHaveLength(1);
    expect(ok.received[0]).toMatchObject({ signatureOk: true });
    expect(ok.received[0].body).toMatchObject({
      status: 'test',
      event: 'test',
      alertname: 'DayopsTest',
      stack: 'shop-prod',
    });
    expect(String(ok.received[0].body.text)).toMatch(/^\[TEST\] DayopsTest shop-prod/);
    // The second webhook has no secret: no signature header.
    expect(down.received[0].signature).toBeUndefined();

    const json = await cli(['notify', 'test', '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { routes: Record<string, unknown>[] };
    expect(doc.routes).toHaveLength(2);
    expect(doc.routes.map((r) => [r.stack, r.route, r.ok, r.status])).toEqual([
      ['shop-prod', 'webhook', true, 200],
      ['shop-prod', 'webhook', true, 200],
    ]);

    // A secret that cannot be resolved is that route's failure, named, never a value.
    const noSecret = await cli(['notify', 'test', 'shop-prod'], { SHOP_HOOK_SECRET: '' });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stdout).toContain('FAILED: secret of webhook http://127.0.0.1');
    expect(noSecret.stdout).toContain('environment variable SHOP_HOOK_SECRET is empty');

    const unknown = await cli(['notify', 'test', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('no stack named "nope"; see `dayops stack list`');
  }, 60_000);
});
