/**
 * Secrets never leave, in any form a tool prints (issue 7). Generated secrets (quotes, backslashes, spaces, %, +,
 * /, non-ASCII, tabs) are printed by a real child process (test/fixtures/bin/leaky-tool: Python's and bash's own
 * encoders, colour codes inside, writes cut apart so pipe reads split them, a last line cut inside a secret) as
 * custom stacks and as a Terraform that fails with text instead of JSON; the real runner stores them in a real
 * SQLite file; `dayops run` prints them headless with and without --json (and `runs`, `drift` list what came of
 * them); the Day-1 screen shows one run live and scrolled through; Day-2 drift checks record what drifted. Then not
 * one form of any secret, nor its first 6 characters, may be found in any table of the database (log chunks
 * decompressed, JSON columns decoded), in the commands' stdout or stderr, or in any frame.
 *
 * The cases come from a seed (DAYOPS_TEST_SEED replays another one); a failure names it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../src/db/open.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { RunService } from '../../src/day1/runs.js';
import { checkDrift } from '../../src/day2/drift.js';
import { runService } from '../../components/day1/runtime.js';
import { CLI, ROOT, runCli } from '../helpers/cli.js';
import { driveApp } from '../helpers/ink.js';
import { addForm, databaseText, leaks, type Forms } from './check.js';
import { PYTHON, prng, secret, seedFrom } from './generate.js';

const SEED = seedFrom(20_250_107);
const TOOL = join(ROOT, 'test', 'fixtures', 'bin', 'leaky-tool');
/** Custom stacks run by the run service, each with this many secrets. */
const SERVICE_STACKS = 8;
const PER_STACK = 14;

interface LeakStack {
  name: string;
  dir: string;
  secrets: string[];
  record: string;
}

/** Shared by both tests (test/helpers/tmp.ts removes its folders after each test), removed after them. */
const root = mkdtempSync(join(tmpdir(), 'dayops-leaks-'));
const dbPath = join(root, 'dayops.db');
const rand = prng(SEED);
const stacks: LeakStack[] = [];
/** dayops' environment: where every stack's `fromEnv` secrets are. */
const env: NodeJS.ProcessEnv = { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', DAYOPS_CANCEL_GRACE_MS: '2000' };
delete env.NO_COLOR;

/** A stack whose tool is the leaky tool, as a custom stack or as Terraform (`binary:`). */
function leakStack(name: string, kind: 'custom' | 'terraform', extraEnv: Record<string, string> = {}): LeakStack {
  const dir = join(root, name);
  mkdirSync(dir);
  const secrets = Array.from({ length: PER_STACK }, () => secret(rand));
  const prefix = `LEAK_${name.replace(/\W/g, '_').toUpperCase()}_`;
  secrets.forEach((s, i) => (env[`${prefix}${i}`] = s));
  const record = join(dir, 'printed.jsonl');
  const plainEnv = {
    LEAK_PREFIX: prefix,
    LEAK_COUNT: String(secrets.length),
    LEAK_SEED: String(SEED + stacks.length),
    LEAK_RECORD: record,
    ...extraEnv,
  };
  const lines = [
    'apiVersion: dayops/v1',
    'kind: Stack',
    `name: ${name}`,
    `tool: ${kind}`,
    'environment: dev',
    'env:',
    ...Object.entries(plainEnv).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    'secrets:',
    ...secrets.map((_, i) => `  - { name: ${prefix}${i}, fromEnv: ${prefix}${i} }`),
  ];
  if (kind === 'custom') lines.push('custom:', `  plan: [${JSON.stringify(PYTHON)}, ${JSON.stringify(TOOL)}, custom]`);
  else {
    // Terraform's adapter runs `<binary> init ...` and `<binary> plan ...`: a wrapper with the tool's own python.
    const bin = join(dir, 'leaky-terraform');
    writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(PYTHON)} ${JSON.stringify(TOOL)} "$1"\n`);
    chmodSync(bin, 0o755);
    lines.push(`binary: ${JSON.stringify(bin)}`);
  }
  writeFileSync(join(dir, 'dayops.yaml'), `${lines.join('\n')}\n`);
  const s = { name, dir, secrets, record };
  stacks.push(s);
  return s;
}

/** Every form each secret was printed in (what the tool recorded, and the base64 forms computed here). */
function formsOf(): Forms {
  const byPrefix: Forms = new Map();
  const add = (s: string, form: string, text: string) => addForm(byPrefix, s, form, text);
  for (const st of stacks) {
    if (!existsSync(st.record)) continue;
    for (const l of readFileSync(st.record, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(l) as { i: number; form: string; text: string };
      add(st.secrets[r.i], r.form, r.text);
    }
    for (const s of st.secrets) {
      add(s, 'raw', s);
      const bytes = Buffer.from(s);
      for (let pad = 0; pad < 3; pad++) {
        const full = Buffer.concat([Buffer.alloc(pad), bytes])
          .toString('base64')
          .replace(/=+$/, '');
        const middle = full.slice([0, 2, 3][pad], full.length - ((pad + bytes.length) % 3 === 0 ? 0 : 1));
        add(s, `base64 at alignment ${pad}`, middle);
        add(s, `base64url at alignment ${pad}`, middle.replace(/\+/g, '-').replace(/\//g, '_'));
      }
    }
  }
  return byPrefix;
}

const seen: { where: string; text: string }[] = [];

describe(`secrets never leave, in any form a tool prints (seed ${SEED}; DAYOPS_TEST_SEED replays)`, () => {
  let db: DB;
  let svc: RunService;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
    db = openDatabase(dbPath);
    const repo = new StacksRepo(db);
    for (let j = 0; j < SERVICE_STACKS; j++) leakStack(`leak-${j}`, 'custom');
    leakStack('leak-tf-no-json', 'terraform');
    leakStack('leak-tf-error', 'terraform', { LEAK_TF_ERROR: '1' });
    leakStack('a-on-screen', 'custom');
    for (const s of stacks)
      repo.upsert({
        name: s.name,
        dir: s.dir,
        tool: s.name.includes('-tf-') ? 'terraform' : 'custom',
        environment: 'dev',
      });
    // Registered as `dayops stack add` would: the commands under test are `run`, `runs` and `drift`.
    for (const name of ['leak-cli', 'leak-cli-json']) {
      const s = leakStack(name, 'custom');
      repo.upsert({ name, dir: s.dir, tool: 'custom', environment: 'dev' });
    }
    svc = new RunService(db, { dbPath, env, handleSignals: false, recover: false, pollMs: 50 });
  });

  afterAll(async () => {
    await svc?.shutdown();
    db?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows a run on the Day-1 screen, live and scrolled through', async () => {
    // First, while nothing else runs: the first stack by name is picked, its run followed live.
    const app = await driveApp(db, { dbPath, env, columns: 160, rows: 50 });
    try {
      await app.press('2');
      await app.press('p');
      await app.press('enter');
      await app.waitFor(/FINISHED|FAILED/, 30_000);
      expect(app.frame()).toContain('#1 a-on-screen');
      // Scroll the whole log from the top, a page at a time, then the plan.
      await app.press('g');
      for (let i = 0; i < 40 && !/ \d+-(\d+)\/\1 /.test(app.frame()); i++) await app.press('pgdown');
      await app.press('v');
      for (let i = 0; i < 5; i++) await app.press('pgdown');
      seen.push({ where: 'the screen', text: app.frames.join('\n') });
    } finally {
      const runs = runService(app.services);
      app.unmount();
      await runs.shutdown();
    }
  });

  it('runs the custom stacks, the failing Terraforms and a drift check through the run service', async () => {
    const ids = await Promise.all(
      stacks
        .filter((s) => s.name.startsWith('leak-') && !s.name.startsWith('leak-cli'))
        .map((s) => svc.start(s.name, { planOnly: true, trigger: 'cli' })),
    );
    const ended = await Promise.all(ids.map((id) => svc.wait(id)));
    expect(ended.map((r) => `${r.stackName} ${r.state}`).sort()).toEqual(
      [
        ...Array.from({ length: SERVICE_STACKS }, (_, j) => `leak-${j} FINISHED`),
        'leak-tf-error FAILED',
        'leak-tf-no-json FAILED',
      ].sort(),
    );
    // Day-2: a drift check of one of them, its drifted resources (whose addresses hold secrets) recorded.
    const check = await checkDrift(svc, db, 'leak-0', { trigger: 'cli' });
    expect(check.status, check.error ?? '').toBe('drifted');
    expect(check.resources.length).toBeGreaterThan(0);
    // The failures quote the tool (its Error: line, its last line cut at 120 characters): redacted before.
    const errors = ended.filter((r) => r.error).map((r) => r.error!);
    expect(errors.join('\n')).toMatch(/printed no JSON \(last line: x+/);
  });

  it('runs two stacks headless with and without --json, then lists runs and checks drift', async () => {
    for (const [name, json] of [
      ['leak-cli', false],
      ['leak-cli-json', true],
    ] as const) {
      const r = await runCli(['--db', dbPath, 'run', name, '--plan-only', ...(json ? ['--json'] : [])], { env });
      expect(r.code, r.stderr).toBe(0);
      if (json) expect(JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('\n{\n') + 1)).state).toBe('FINISHED');
      seen.push({ where: `dayops run ${name}${json ? ' --json' : ''} stdout`, text: r.stdout });
      seen.push({ where: `dayops run ${name}${json ? ' --json' : ''} stderr`, text: r.stderr });
    }
    for (const args of [['runs'], ['drift', 'leak-1', '--json']]) {
      const r = await runCli(['--db', dbPath, ...args], { env });
      expect(r.code, r.stderr).toBe(args[0] === 'drift' ? 2 : 0);
      seen.push({ where: `dayops ${args.join(' ')} stdout and stderr`, text: r.stdout + r.stderr });
    }
  });

  it('finds no form of any secret, nor its first 6 characters, anywhere', () => {
    const forms = formsOf();
    const printed = stacks.reduce(
      (n, s) => n + (existsSync(s.record) ? readFileSync(s.record, 'utf8').split('\n').length - 1 : 0),
      0,
    );
    // Every stack's tool ran and printed its forms (the test would pass vacuously otherwise).
    expect(stacks.filter((s) => !existsSync(s.record)).map((s) => s.name)).toEqual([]);
    expect(printed).toBeGreaterThan(stacks.length * PER_STACK * 25);
    const found: string[] = [];
    for (const text of databaseText(db)) found.push(...leaks('database', text, forms));
    for (const s of seen) found.push(...leaks(s.where, s.text, forms));
    expect(found, `seed ${SEED} (DAYOPS_TEST_SEED=${SEED} replays it)`).toEqual([]);
    // The redactor was there: what it masked is marked.
    expect(databaseText(db).join('\n')).toContain('[REDACTED]');
  });
});
