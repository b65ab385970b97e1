/**
 * Every headless command (from the CLI's own command table) against a battery of faults: hostile files where
 * dayops.yaml, a policy file, a secret file or a blueprint should be, a stack folder gone or replaced, a dead
 * Alertmanager, a broken backup repository, hostile --db paths, and bad flags, values and ids. Whatever happens,
 * no stack frame and no error dump reaches stdout or stderr, nothing hangs, the exit code is one of the
 * contract's (never 70), an error is one line, and no crash file is written. Runs the built bundle
 * (`npm run build` first; `npm test` does).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { CLI, runCli, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/alertmanager.js';
import { tmpDir } from '../helpers/tmp.js';

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with \`npm run build\` (npm test does)`);
});

/** What a stack trace or an error dump looks like on a terminal. */
const TRACE = [
  /^\s+at \S.*(:\d+:\d+\)?|\(native\)|<anonymous>)$/m,
  /^(\w*Error|Uncaught|node:internal)\b.*$/m,
  /^\s*\^+\s*$/m,
  /internal error/,
  /\[object Object\]/,
];

const STACK = 's';

/** The stack's config when nothing is wrong: a custom tool that plans and applies with `true`. */
function goodConfig(extra = ''): string {
  return `tool: custom\ncustom:\n  plan: ["true"]\n  apply: ["true"]\n${extra}`;
}

const aliasBomb = () => {
  const out = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    out.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${out.join('\n')}\n`;
};

/** Ways a file can be hostile, made at `path`. */
const HOSTILE_FILES: Record<string, (path: string) => void> = {
  fifo: (p) => execFileSync('mkfifo', [p]),
  'dev-zero': (p) => symlinkSync('/dev/zero', p),
  '50MB': (p) => {
    writeFileSync(p, '');
    truncateSync(p, 50 << 20);
  },
  'alias-bomb': (p) => writeFileSync(p, aliasBomb()),
  folder: (p) => mkdirSync(p),
  'dangling-link': (p) => symlinkSync(`${p}.nowhere`, p),
  'link-loop': (p) => {
    symlinkSync(`${p}.b`, p);
    symlinkSync(p, `${p}.b`);
  },
  'bad-yaml': (p) => writeFileSync(p, 'tool: [custom\n  plan: {\n'),
  'not-utf8': (p) => writeFileSync(p, Buffer.from([0x74, 0x6f, 0x6f, 0x6c, 0x3a, 0x20, 0xff, 0xfe, 0x0a])),
  'deep-nesting': (p) => writeFileSync(p, `x: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`),
  'wrong-types': (p) => writeFileSync(p, 'tool: 7\nsecrets: nope\npolicies: {a: 1}\nenv: [1, 2]\n'),
};

interface Fault {
  name: string;
  /** Changes the registered stack's folder (`dir`) after it was registered with a good config. */
  apply?: (dir: string, home: string) => void | Promise<void>;
  /** The --db to use instead of the sandbox's (a hostile one). */
  db?: (home: string) => string;
}

const FAULTS: Fault[] = [
  { name: 'nothing wrong' },
  ...Object.entries(HOSTILE_FILES).map(([kind, make]): Fault => ({
    name: `dayops.yaml is ${kind}`,
    apply: (dir) => {
      rmSync(join(dir, 'dayops.yaml'));
      make(join(dir, 'dayops.yaml'));
    },
  })),
  ...['fifo', 'dev-zero', '50MB', 'alias-bomb', 'link-loop', 'deep-nesting'].map((kind): Fault => ({
    name: `a policy file is ${kind}`,
    apply: (dir) => {
      writeFileSync(join(dir, 'dayops.yaml'), goodConfig('policyFiles: [policies.yaml]\n'));
      HOSTILE_FILES[kind](join(dir, 'policies.yaml'));
    },
  })),
  ...['fifo', 'dev-zero', '50MB', 'folder', 'dangling-link'].map((kind): Fault => ({
    name: `a fromFile secret is ${kind}`,
    apply: (dir) => {
      writeFileSync(join(dir, 'dayops.yaml'), goodConfig('secrets:\n  - { name: S, fromFile: secret.txt }\n'));
      HOSTILE_FILES[kind](join(dir, 'secret.txt'));
    },
  })),
  { name: 'the stack folder is gone', apply: (dir) => rmSync(dir, { recursive: true }) },
  {
    name: 'the stack folder is a file',
    apply: (dir) => {
      rmSync(dir, { recursive: true });
      writeFileSync(dir, 'x');
    },
  },
  {
    name: 'the stack folder is a link to /proc/self',
    apply: (dir) => {
      rmSync(dir, { recursive: true });
      symlinkSync('/proc/self', dir);
    },
  },
  {
    name: 'a dead Alertmanager',
    apply: async (dir) =>
      writeFileSync(
        join(dir, 'dayops.yaml'),
        goodConfig(`alerting:\n  alertmanagerUrl: http://127.0.0.1:${await freePort()}\n`),
      ),
  },
  {
    name: 'an Alertmanager URL that is not one',
    apply: (dir) =>
      writeFileSync(join(dir, 'dayops.yaml'), goodConfig('alerting:\n  alertmanagerUrl: "http://[::1"\n')),
  },
  {
    name: 'a backup repository under /proc, no password',
    apply: (dir) => writeFileSync(join(dir, 'dayops.yaml'), goodConfig('backups:\n  repository: /proc/nope/repo\n')),
  },
  {
    name: 'a backup password file that is a FIFO',
    apply: (dir) => {
      writeFileSync(join(dir, 'dayops.yaml'), goodConfig('backups:\n  repository: ./repo\n  passwordFile: pw\n'));
      execFileSync('mkfifo', [join(dir, 'pw')]);
    },
  },
  { name: '--db is /dev/null', db: () => '/dev/null' },
  { name: '--db is a folder', db: (home) => home },
  {
    name: '--db is not a database',
    db: (home) => {
      writeFileSync(join(home, 'junk.db'), 'this is not a database\n'.repeat(500));
      return join(home, 'junk.db');
    },
  },
  { name: '--db is under /proc', db: () => '/proc/dayops/dayops.db' },
  { name: '--db is too long', db: (home) => join(home, 'x'.repeat(300), 'dayops.db') },
];

/** Argument lists for a command, the stack named `s` and its folder `dir`: the usage's placeholders filled in. */
function invocations(name: string, dir: string, home: string, withJson = true): string[][] {
  const words = name.split(' ');
  const base: Record<string, string[][]> = {
    design: [
      ['--from', join(dir, 'blueprint.yaml'), '--out', join(home, 'out')],
      ['--from', join(dir, 'dayops.yaml'), '--out', join(home, 'out')],
    ],
    'stack list': [[]],
    'stack add': [[dir, '--name', 'other']],
    run: [[STACK, '--plan-only'], [STACK]],
    approve: [['1']],
    discard: [['1']],
    cancel: [['1']],
    runs: [[STACK], []],
    status: [[]],
    drift: [[STACK], ['--all']],
    alerts: [[STACK], []],
    'alerts sync': [['--timeout', '2']],
    'backup run': [[STACK]],
    'backup list': [[STACK]],
    'backup verify': [[STACK]],
    'backup prune': [[STACK]],
    'backup status': [[STACK]],
    'backup self': [['--out', join(home, 'self.db')]],
    demo: [['--open']],
  };
  const forms = base[name] ?? [[]];
  // Text and, where asked, --json (for the commands that take it).
  const usage = COMMANDS.find((c) => c.name === name)!.usage;
  return forms
    .flatMap((f, i) => (withJson && i === 0 && usage.includes('--json') ? [f, [...f, '--json']] : [f]))
    .map((f) => [...words, ...f]);
}

/**
 * The commands that read a stack's files (its config, policies, secrets, folder, Alertmanager, repository): the
 * ones a fault in those can reach. Every command meets the baseline and the database faults.
 */
const READ_STACK_FILES = new Set([
  'design',
  'stack add',
  'run',
  'drift',
  'status',
  'alerts',
  'alerts sync',
  'backup run',
  'backup list',
  'backup verify',
  'graph',
]);

/** Bad flags, values and ids, generated per command. */
function badArguments(name: string, home: string): string[][] {
  const words = name.split(' ');
  const out: string[][] = [
    [...words, '--no-such-flag'],
    [...words, STACK, 'extra', 'positional', 'args'],
  ];
  if (['approve', 'discard', 'cancel'].includes(name))
    for (const id of ['abc', '-1', '0', '1.5', '99999999999999999999999', '1e400', '', '0x10'])
      out.push([...words, id]);
  if (['approve', 'discard', 'cancel'].includes(name)) out.push([...words, '1', '--comment']);
  if (name === 'runs') for (const l of ['abc', '-5', '0', '1e9', '']) out.push([...words, '--limit', l]);
  if (name === 'alerts sync')
    for (const t of ['soon', '-1', '0', 'Infinity', '1e400']) out.push([...words, '--timeout', t]);
  if (name === 'design')
    out.push(
      [...words],
      [...words, '--from'],
      [...words, '--from', join(home, 'missing.yaml'), '--out', join(home, 'o')],
      [...words, '--from', '/dev/zero', '--out', join(home, 'o')],
      [...words, '--from', '/etc/shadow', '--out', join(home, 'o')],
      [...words, '--from', '/proc/self/environ', '--out', join(home, 'o')],
    );
  if (name === 'stack add')
    out.push(
      [...words],
      [...words, join(home, 'missing')],
      [...words, '/dev/null'],
      [...words, '/proc'],
      [...words, home, '--tool', 'puppet'],
      [...words, home, '--env', 'qa'],
      [...words, home, '--name', '../../etc'],
      [...words, home, '--name', 'x'.repeat(5000)],
    );
  if (name.startsWith('backup') && name !== 'backup self' && name !== 'backup status') out.push([...words]);
  if (name === 'backup self')
    out.push([...words, '--out', '/proc/self.db'], [...words, '--out', join(home, 'x'.repeat(300), 'a.db')]);
  if (name === 'backup verify')
    out.push([...words, STACK, '--read-data-subset', 'lots'], [...words, STACK, '--snapshot', '--json']);
  if (name === 'drift') out.push([...words]);
  return out;
}

/** A sandbox: its own data directory, database and a stack `s` registered from a folder with a good config. */
async function sandbox(): Promise<{ home: string; dir: string; db: string }> {
  const home = tmpDir('dayops-fault-');
  const dir = join(home, 'stack');
  mkdirSync(dir);
  writeFileSync(join(dir, 'dayops.yaml'), goodConfig());
  const db = join(home, 'dayops.db');
  const r = await runCli(['--db', db, 'stack', 'add', dir, '--name', STACK, '--tool', 'custom'], {
    env: { XDG_DATA_HOME: home },
  });
  if (r.code !== 0) throw new Error(`stack add failed: ${r.stderr}`);
  return { home, dir, db };
}

interface Attempt {
  fault: string;
  args: string[];
  result: CliResult & { ms: number };
}

/** Why an attempt was handled badly, or undefined. */
function problem(a: Attempt, home: string): string | undefined {
  const { code, stdout, stderr, ms } = a.result;
  if (code === null) return `did not end within the time limit (${Math.round(ms)} ms)`;
  if (![0, 1, 2, 3, 4].includes(code)) return `exit ${code}`;
  for (const re of TRACE) {
    const m = re.exec(stderr) ?? re.exec(stdout);
    if (m) return `a stack frame or error dump: ${JSON.stringify(m[0].slice(0, 120))}`;
  }
  if (code !== 0 && stderr.trim() === '') return `exit ${code} with nothing on stderr`;
  // Errors are lines, not paragraphs: every stderr line is short, and an error alone is at most a few lines.
  const lines = stderr.trimEnd().split('\n');
  if (lines.some((l) => l.length > 2000)) return 'a stderr line longer than 2000 characters';
  if (code === 2 && lines.length > 1) return `a usage error of ${lines.length} lines`;
  const crashes = join(home, 'dayops', 'crashes');
  if (existsSync(crashes) && readdirSync(crashes).length > 0) return 'a crash file was written';
  return undefined;
}

/**
 * Commands that run until they are told to stop (`dayops worker`): still running after this long, they get SIGTERM,
 * as a service manager stops them, and must then end cleanly within the time limit.
 */
const LONG_RUNNING = new Set(['worker']);
const STOP_AFTER_MS = 4_000;

function stoppedAfter(args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const stop = setTimeout(() => child.kill('SIGTERM'), STOP_AFTER_MS);
    const limit = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(stop);
      clearTimeout(limit);
      resolve({ code: hung ? null : code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Run one attempt, killed after `limitMs` (a hang is the failure, not the test's time-out). */
async function attempt(args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<CliResult & { ms: number }> {
  if (args.some((a) => LONG_RUNNING.has(a))) return stoppedAfter(args, env, limitMs);
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limitMs);
  try {
    const r = await runCli(args, { env, signal: controller.signal });
    return { ...r, code: controller.signal.aborted ? null : r.code, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Run tasks with at most `n` at once (the machine has two cores). */
async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

const LIMIT_MS = 30_000;

describe('every command against the fault battery: one line, exit 1 or 2, never a stack trace', () => {
  it('the battery covers every command of the CLI', () => {
    const home = '/h';
    for (const c of COMMANDS) expect(invocations(c.name, '/h/stack', home).length).toBeGreaterThan(0);
    expect(COMMANDS.length).toBeGreaterThan(15);
  });

  it('handles every attempt well', async () => {
    const attempts: Attempt[] = [];
    const bad: string[] = [];
    const record = (home: string) => (a: Attempt) => {
      attempts.push(a);
      const why = problem(a, home);
      if (process.env.DAYOPS_BATTERY_LOG)
        appendFileSync(
          process.env.DAYOPS_BATTERY_LOG,
          `${why ? 'BAD' : 'ok '} [${a.fault}] ${a.args.join(' ').slice(0, 160)} -> ${a.result.code}${why ? `: ${why}: ${a.result.stderr.slice(0, 300)}` : ''}\n`,
        );
      if (why)
        bad.push(
          `[${a.fault}] dayops ${a.args.join(' ').slice(0, 160)}: ${why}\n    stderr: ${a.result.stderr.slice(0, 300)}`,
        );
    };

    // Bad arguments: one sandbox, every command.
    {
      const { home, db } = await sandbox();
      const env = { XDG_DATA_HOME: home, DAYOPS_DB: db };
      const tasks = COMMANDS.flatMap((c) =>
        badArguments(c.name, home).map((args) => async () => {
          record(home)({ fault: 'bad arguments', args, result: await attempt(args, env, LIMIT_MS) });
        }),
      );
      await pool(tasks, 3);
    }

    // Each fault in its own sandbox, every command that can meet it.
    for (const [n, fault] of FAULTS.entries()) {
      const { home, dir, db } = await sandbox();
      writeFileSync(join(dir, 'blueprint.yaml'), 'apiVersion: dayops/v1\nkind: Blueprint\n');
      await fault.apply?.(dir, home);
      const dbPath = fault.db?.(home) ?? db;
      const env = { XDG_DATA_HOME: home };
      const all = !fault.apply || Boolean(fault.db);
      const tasks = COMMANDS.filter((c) => all || READ_STACK_FILES.has(c.name)).flatMap((c) =>
        invocations(c.name, dir, home, all || n % 6 === 0)
          .slice(0, all ? undefined : 1)
          .map((args) => async () => {
            const full = ['--db', dbPath, ...args];
            record(home)({ fault: fault.name, args: full, result: await attempt(full, env, LIMIT_MS) });
          }),
      );
      await pool(tasks, 3);
    }

    console.log(`fault battery: ${attempts.length} attempts, ${attempts.length - bad.length} handled well`);
    expect(bad, bad.join('\n')).toEqual([]);
  }, 1_800_000);
});
