import { describe, expect, it } from 'vitest';
import { LogsRepo, type LogLine } from '../../../src/db/logs.js';
import { RunLog } from '../../../src/day1/runner/log.js';
import { execInRun, liveChildren, runProcess, shutdownAll, SpawnError } from '../../../src/day1/runner/process.js';
import { pidAlive } from '../../../src/day1/runner/procinfo.js';
import { Redactor } from '../../../src/day1/secrets.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { makeRun, nodeScript, sleep, until } from './helpers.js';

function setup() {
  const { db, dir } = tmpDb();
  const work = tmpDir();
  const runId = makeRun(db, work);
  const logs = new LogsRepo(db);
  const shown: LogLine[] = [];
  return { db, dir, work, runId, logs, shown };
}

describe('process runner', () => {
  it('keeps the order of interleaved stdout and stderr lines, with stream, phase and time', async () => {
    const { work, runId, logs, shown } = setup();
    const log = new RunLog(logs, runId, undefined, (l) => shown.push(l));
    const argv = nodeScript(
      work,
      'interleave.mjs',
      `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
       for (let i = 0; i < 20; i++) {
         (i % 2 ? process.stderr : process.stdout).write('line ' + i + '\\n');
         await sleep(15);
       }`,
    );
    const before = Date.now();
    const res = await execInRun({ argv, phase: 'plan' }, { cwd: work, env: process.env, log });
    log.close();
    expect(res).toEqual({ code: 0, signal: null, stdout: '' });
    const stored = logs.page(runId, 1, 100);
    expect(stored.map((l) => `${l.stream}:${l.text}`)).toEqual(
      Array.from({ length: 20 }, (_, i) => `${i % 2 ? 'stderr' : 'stdout'}:line ${i}`),
    );
    expect(stored.map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(stored.every((l) => l.phase === 'plan' && l.at >= before && l.at <= Date.now())).toBe(true);
    // the pane saw the same lines, in the same order, before they were stored
    expect(shown.map((l) => l.text)).toEqual(stored.map((l) => l.text));
    expect(logs.phases(runId)).toEqual({ plan: 1 });
  });

  it('redacts a secret in a busy stream, also when the pipe splits it between any two of its characters', async () => {
    const { work, runId, logs, shown } = setup();
    const secret = 'hunter2 "correct" horse/battery';
    const encoded = encodeURIComponent(secret);
    const log = new RunLog(logs, runId, new Redactor([secret]), (l) => shown.push(l));
    // Thousands of clean lines (checked a chunk at a time), then the secret and its URL-encoded form written a
    // character at a time with a pause after each, so that reads split them at every point; then a stream that
    // stops inside the secret.
    const argv = nodeScript(
      work,
      'split-secret.mjs',
      `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
       const write = (s) => new Promise((r) => process.stdout.write(s, r));
       let s = '';
       for (let i = 0; i < 3000; i++) s += 'clean line ' + i + '\\n';
       await write(s);
       for (const text of [${JSON.stringify(`token=${secret} done
`)}, ${JSON.stringify(`url=${encoded}
`)}]) {
         for (const c of text) { await write(c); await sleep(2); }
       }
       await write('after\\nlast=' + ${JSON.stringify(secret.slice(0, 12))});`,
    );
    await execInRun({ argv, phase: 'apply' }, { cwd: work, env: process.env, log });
    await log.close();
    const all = logs.page(runId, 1, 5000);
    expect(all).toHaveLength(3004);
    expect(all.slice(3000).map((l) => l.text)).toEqual([
      'token=[REDACTED] done',
      'url=[REDACTED]',
      'after',
      'last=[REDACTED]',
    ]);
    expect(all[2999].text).toBe('clean line 2999');
    const everything = JSON.stringify(all) + JSON.stringify(shown);
    for (const form of [secret, encoded]) expect(everything).not.toContain(form.slice(0, 6));
  });

  it('keeps each stream in order in a fast burst', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(
      work,
      'burst.mjs',
      `let out = '', err = '';
       for (let i = 0; i < 5000; i++) { out += 'o' + i + '\\n'; err += 'e' + i + '\\n'; }
       process.stdout.write(out); process.stderr.write(err);`,
    );
    await execInRun({ argv, phase: 'apply' }, { cwd: work, env: process.env, log });
    log.close();
    const all = logs.page(runId, 1, 20_000);
    expect(all).toHaveLength(10_000);
    expect(all.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(
      Array.from({ length: 5000 }, (_, i) => `o${i}`),
    );
    expect(all.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(
      Array.from({ length: 5000 }, (_, i) => `e${i}`),
    );
    expect(logs.count(runId)).toBe(10_000);
  });

  it('joins partial lines, keeps a last line without newline, strips \\r and decodes UTF-8 split across writes', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(
      work,
      'partial.mjs',
      `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
       const w = (b) => new Promise((r) => process.stdout.write(b, r));
       await w('hel'); await sleep(40);
       await w('lo\\r\\nwor'); await sleep(40);
       const e = Buffer.from('caf\u00e9 ok\\n');
       await w(e.subarray(0, 4)); await sleep(40); await w(e.subarray(4));
       await w(''); await w('\\n');
       await w('the end without newline');`,
    );
    await execInRun({ argv, phase: 'plan' }, { cwd: work, env: process.env, log });
    log.close();
    expect(logs.page(runId, 1, 10).map((l) => l.text)).toEqual([
      'hello',
      'worcaf\u00e9 ok',
      '',
      'the end without newline',
    ]);
  });

  it('keeps ANSI colour in text and stores the stripped line in plain only when different', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(
      work,
      'ansi.mjs',
      `console.log('\\u001b[32m+ create\\u001b[0m aws_s3_bucket.b'); console.log('plain line');`,
    );
    await execInRun({ argv, phase: 'plan' }, { cwd: work, env: process.env, log });
    log.close();
    const [coloured, plain] = logs.page(runId, 1, 10);
    expect(coloured.text).toBe('\u001b[32m+ create\u001b[0m aws_s3_bucket.b');
    expect(coloured.plain).toBe('+ create aws_s3_bucket.b');
    expect(plain.text).toBe('plain line');
    expect(plain.plain).toBeNull();
    // search sees the stripped text
    expect(logs.search(runId, 'create aws_s3', 1, 'forward')).toBe(1);
  });

  it('keeps a very long line whole', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(work, 'long.mjs', `process.stdout.write('x'.repeat(3_000_000) + '\\nshort\\n');`);
    await execInRun({ argv, phase: 'plan' }, { cwd: work, env: process.env, log });
    log.close();
    const [long, short] = logs.page(runId, 1, 10);
    expect(long.text.length).toBe(3_000_000);
    expect(short.text).toBe('short');
  });

  it('shows the display rendering and keeps the raw line, and redacts all of it before onLine reads it', async () => {
    const { work, runId, logs, shown } = setup();
    const secret = 'hunter2-very-secret';
    const log = new RunLog(logs, runId, new Redactor([secret]), (l) => shown.push(l));
    const seen: string[] = [];
    const argv = nodeScript(
      work,
      'json.mjs',
      `console.log(JSON.stringify({ '@message': 'password is ${secret}', type: 'log' }));
       console.log('\\u001b[1mtoken ${secret}\\u001b[0m');`,
    );
    await execInRun(
      {
        argv,
        phase: 'plan',
        onLine: (l) => seen.push(l),
        display: (l) => (l.startsWith('{') ? (JSON.parse(l) as { '@message': string })['@message'] : undefined),
      },
      { cwd: work, env: process.env, log },
    );
    log.close();
    // the adapter parses the line with its secret masked, still JSON: what it cuts into a message holds none
    expect(JSON.parse(seen[0])).toEqual({ '@message': 'password is [REDACTED]', type: 'log' });
    expect(seen.join('\n')).not.toContain(secret);
    const [rendered, coloured] = logs.page(runId, 1, 10);
    expect(rendered.text).toBe('password is [REDACTED]');
    expect(rendered.raw).toBe('{"@message":"password is [REDACTED]","type":"log"}');
    expect(coloured.text).toBe('\u001b[1mtoken [REDACTED]\u001b[0m');
    expect(coloured.plain).toBe('token [REDACTED]');
    expect(JSON.stringify(shown)).not.toContain(secret);
  });

  it('captures stdout in memory for show -json while stderr is still logged', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(work, 'cap.mjs', `process.stdout.write('{"a":\\n1}'); console.error('a warning');`);
    const res = await execInRun({ argv, phase: 'plan', stdout: 'capture' }, { cwd: work, env: process.env, log });
    log.close();
    expect(res.stdout).toBe('{"a":\n1}');
    expect(logs.page(runId, 1, 10).map((l) => `${l.stream}:${l.text}`)).toEqual(['stderr:a warning']);
  });

  it('bounds memory: pauses the child while the unflushed buffer is full, and stores every line', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined, undefined, { maxLines: 500, flushMs: 1000 });
    let pauses = 0;
    const bp = {
      get full() {
        return log.full;
      },
      whenDrained(cb: () => void) {
        pauses++;
        log.whenDrained(cb);
      },
    };
    let peak = 0;
    const total = 300_000;
    const argv = nodeScript(
      work,
      'flood.mjs',
      `let i = 0; const N = ${total};
       function go() { let ok = true; while (i < N && ok) { let s = ''; for (let j = 0; j < 1000 && i < N; j++, i++) s += 'line ' + i + '\\n'; ok = process.stdout.write(s); } if (i < N) process.stdout.once('drain', go); }
       go();`,
    );
    await runProcess({
      argv,
      cwd: work,
      env: process.env,
      backpressure: bp,
      onLine: (line, stream) => {
        log.add(stream, 'plan', line);
        peak = Math.max(peak, log.buffered);
      },
    });
    log.close();
    expect(logs.count(runId)).toBe(total);
    expect(logs.page(runId, total, 1)[0].text).toBe(`line ${total - 1}`);
    expect(pauses).toBeGreaterThan(10);
    // never more than the limit plus a pipe read or two (64 KiB of 7-12 byte lines each) waiting in memory;
    // without the pause, about 90 000 lines pile up here
    expect(peak).toBeLessThan(500 + (2 * 65536) / 7);
  });

  it('cancel escalates SIGINT -> SIGTERM -> SIGKILL on a child that ignores SIGINT and SIGTERM, and reaches its children', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(
      work,
      'stubborn.mjs',
      `import { spawn } from 'node:child_process';
       const kid = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       process.on('SIGINT', () => console.log('got SIGINT, ignoring'));
       process.on('SIGTERM', () => console.log('got SIGTERM, ignoring'));
       console.log('grandchild ' + kid.pid);
       setInterval(() => {}, 1000);`,
    );
    const ac = new AbortController();
    let grandchild = 0;
    const started = Date.now();
    const p = execInRun(
      { argv, phase: 'apply' },
      { cwd: work, env: process.env, log, signal: ac.signal, graceMs: 300 },
    );
    await until(() => logs.count(runId) > 0 || log.lines > 0);
    log.flush();
    grandchild = Number(/grandchild (\d+)/.exec(logs.page(runId, 1, 1)[0].text)![1]);
    expect(pidAlive(grandchild)).toBe(true);
    ac.abort();
    const res = await p;
    log.close();
    expect(res.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const texts = logs.page(runId, 1, 10).map((l) => l.text);
    expect(texts).toContain('got SIGINT, ignoring');
    expect(texts).toContain('got SIGTERM, ignoring');
    expect(texts.indexOf('got SIGINT, ignoring')).toBeLessThan(texts.indexOf('got SIGTERM, ignoring'));
    await until(() => !pidAlive(grandchild), 5000);
  });

  it('cancel stops at SIGTERM when the child honours it', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(
      work,
      'term.mjs',
      `process.on('SIGINT', () => console.log('ignoring SIGINT')); console.log('ready'); setInterval(() => {}, 1000);`,
    );
    const ac = new AbortController();
    const p = execInRun(
      { argv, phase: 'apply' },
      { cwd: work, env: process.env, log, signal: ac.signal, graceMs: 300 },
    );
    await until(() => log.lines > 0);
    ac.abort();
    const res = await p;
    expect(res.signal).toBe('SIGTERM');
  });

  it('a child that saves its work on SIGINT ends with its own exit code and its last lines kept', async () => {
    const { work, runId, logs } = setup();
    const log = new RunLog(logs, runId, undefined);
    const argv = nodeScript(
      work,
      'graceful.mjs',
      `process.on('SIGINT', () => { console.log('Interrupt received. Saving state...'); setTimeout(() => { console.log('state saved'); process.exit(1); }, 100); });
       console.log('applying'); setInterval(() => {}, 1000);`,
    );
    const ac = new AbortController();
    const p = execInRun(
      { argv, phase: 'apply' },
      { cwd: work, env: process.env, log, signal: ac.signal, graceMs: 5000 },
    );
    await until(() => log.lines > 0);
    ac.abort();
    const res = await p;
    log.close();
    expect(res).toMatchObject({ code: 1, signal: null });
    expect(logs.page(runId, 1, 10).map((l) => l.text)).toEqual([
      'applying',
      'Interrupt received. Saving state...',
      'state saved',
    ]);
  });

  it('shutdownAll interrupts every running child and waits for them', async () => {
    const { work } = setup();
    const argv = nodeScript(work, 'sleeper.mjs', `console.log('up'); setInterval(() => {}, 1000);`);
    const pids: number[] = [];
    const runs = [1, 2].map(() =>
      runProcess({ argv, cwd: work, env: process.env, onLine: () => {}, onSpawn: (pid) => pids.push(pid) }),
    );
    await until(() => pids.length === 2);
    expect(liveChildren()).toEqual(expect.arrayContaining(pids));
    await shutdownAll(200);
    const results = await Promise.all(runs);
    expect(results.map((r) => r.signal)).toEqual(['SIGINT', 'SIGINT']);
    expect(pids.some(pidAlive)).toBe(false);
    expect(liveChildren()).not.toEqual(expect.arrayContaining(pids));
  });

  it('runs without a shell: arguments are passed as they are', async () => {
    const { work } = setup();
    const lines: string[] = [];
    await runProcess({
      argv: [
        process.execPath,
        '-e',
        'console.log(JSON.stringify(process.argv.slice(1)), process.cwd())',
        '$HOME; rm -rf x',
        '"q"',
      ],
      cwd: work,
      env: process.env,
      onLine: (l) => lines.push(l),
    });
    expect(lines[0]).toBe(`["$HOME; rm -rf x","\\"q\\""] ${work}`);
  });

  it('a program that does not exist rejects with a one-line error and its code', async () => {
    const { work } = setup();
    const err = await runProcess({
      argv: ['no-such-tool-xyz', 'plan'],
      cwd: work,
      env: process.env,
      onLine: () => {},
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect(err.code).toBe('ENOENT');
    expect(err.message).toBe('cannot start no-such-tool-xyz: not found (is it installed and on PATH?)');
  });

  it('an already cancelled run does not start the child', async () => {
    const { work } = setup();
    const ac = new AbortController();
    ac.abort();
    const spawned: number[] = [];
    const res = await runProcess({
      argv: [process.execPath, '-e', ''],
      cwd: work,
      env: process.env,
      onLine: () => {},
      signal: ac.signal,
      onSpawn: (p) => spawned.push(p),
    });
    expect(res.signal).toBe('SIGINT');
    expect(spawned).toEqual([]);
    await sleep(10);
  });
});
