/**
 * `dayops design` end to end, through the built executable (run `npx tsc -p .` first; `npm test` does).
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/day0/blueprint.js';
import { CLI, ROOT, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'day0');
const SHOP = join(FIXTURES, 'shop.blueprint.yaml');

/** A fresh database and working folder per test. */
function sandbox() {
  const home = tmpDir();
  const db = join(home, 'dayops.db');
  const run = (args: string[], cwd = home) =>
    runCli(['--db', db, ...args], { cwd, env: { XDG_DATA_HOME: home, CI: process.env.CI ?? '' } });
  return { home, db, run };
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at |internal error/);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with \`npx tsc -p .\` (npm test does)`);
});

describe('dayops design', () => {
  it('writes the files, prints them, registers the stack, and `stack list --json` shows it', async () => {
    const { home, run } = sandbox();
    const r = await run(['design', '--from', SHOP, '--out', 'stacks/shop']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = join(home, 'stacks', 'shop');
    expect(r.stdout).toContain(`to ${out}`);
    for (const f of ['blueprint.yaml', 'dayops.yaml', 'versions.tf', 'cluster.tf', 'databases.tf', 'DESIGN.md']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${f.replace('.', '\\.')}$`, 'm'));
      expect(existsSync(join(out, f))).toBe(true);
    }
    expect(r.stdout).toContain('Registered stack shop (staging, opentofu)');
    const list = await run(['stack', 'list', '--json']);
    expect(list.code).toBe(0);
    const stacks = JSON.parse(list.stdout).stacks;
    expect(stacks).toEqual([
      expect.objectContaining({ name: 'shop', environment: 'staging', tool: 'opentofu', dir: out }),
    ]);
  }, 30_000);

  it('--json prints the findings and the files, and a second run changes nothing', async () => {
    const { home, run } = sandbox();
    const first = await run(['design', '--from', SHOP, '--out', 'shop', '--json']);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(Object.keys(a).slice(0, 2)).toEqual(['findings', 'files']);
    expect(a.files).toEqual(expect.arrayContaining(['blueprint.yaml', 'dayops.yaml', 'network.tf', 'DESIGN.md']));
    for (const f of a.findings) expect(Object.keys(f)).toEqual(['severity', 'code', 'path', 'message']);
    expect(a.written.sort()).toEqual([...a.files].sort());
    expect(a.stack).toMatchObject({ name: 'shop', dir: join(home, 'shop') });

    const second = await run(['design', '--from', SHOP, '--out', 'shop', '--json']);
    expect(second.code).toBe(0);
    const b = JSON.parse(second.stdout);
    expect(b.written).toEqual([]);
    expect(b.unchanged.sort()).toEqual([...a.files].sort());
  }, 30_000);

  it('exits 1 on an error finding, printing it as a line, and writes nothing', async () => {
    const { home, run } = sandbox();
    const bad = join(home, 'bad.yaml');
    writeFileSync(bad, readFileSync(SHOP, 'utf8').replace('cidr: 10.60.16.0/20', 'cidr: 10.61.16.0/20'));
    const r = await run(['design', '--from', 'bad.yaml', '--out', 'out']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^error\s+subnet-outside-vpc\s+network\.subnets\[1\]\.cidr\s+Subnet nodes-2 \(10\.61\.16\.0\/20\) is outside the VPC: move it into 10\.60\.0\.0\/16 or widen the VPC CIDR$/m,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nothing was written');
    expect(existsSync(join(home, 'out'))).toBe(false);

    const json = await run(['design', '--from', 'bad.yaml', '--out', 'out', '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.findings).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'subnet-outside-vpc', path: 'network.subnets[1].cidr' }),
    );
    expect(parsed.written).toEqual([]);
    expect(parsed.files).toContain('blueprint.yaml');
    expect(existsSync(join(home, 'out'))).toBe(false);
    const list = await run(['stack', 'list', '--json']);
    expect(JSON.parse(list.stdout).stacks).toEqual([]);
  }, 30_000);

  it('prints warnings and still writes (exit 0)', async () => {
    const { home, run } = sandbox();
    const warn = join(home, 'warn.yaml');
    writeFileSync(warn, readFileSync(SHOP, 'utf8').replace('schedule: "0 */6 * * *"', 'schedule: ""'));
    const r = await run(['design', '--from', warn, '--out', 'w']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning\s+drift-schedule-missing\s+day2\.drift\.schedule\s+\S/m);
    expect(existsSync(join(home, 'w', 'dayops.yaml'))).toBe(true);
  }, 30_000);

  it.each([
    ['broken-yaml.blueprint.yaml', /^broken-yaml\.blueprint\.yaml:13:3: invalid YAML: /],
    ['wrong-type.blueprint.yaml', /^wrong-type\.blueprint\.yaml:24:12: cluster\.nodePools\[0\]\.min: /],
  ])(
    'a malformed file (%s) is one line naming the file, the line and what is wrong',
    async (name, re) => {
      const { run } = sandbox();
      const r = await run(['design', '--from', name, '--out', 'x'], FIXTURES);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      noStackTrace(r.stderr);
      expect(existsSync(join(FIXTURES, 'x'))).toBe(false);
    },
    30_000,
  );

  it('an unknown key is one line naming it, where it stands, and the key it most likely meant', async () => {
    const { home, run } = sandbox();
    const text = readFileSync(SHOP, 'utf8').replace('  vpcCidr:', '  vpcCIDR:');
    writeFileSync(join(home, 'typo.yaml'), text);
    const line = text.split('\n').findIndex((l) => l.startsWith('  vpcCIDR:')) + 1;
    const r = await run(['design', '--from', 'typo.yaml', '--out', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`typo.yaml:${line}:3: network.vpcCIDR: unknown key; did you mean vpcCidr?\n`);
    expect(existsSync(join(home, 'x'))).toBe(false);
  }, 30_000);

  it('a missing file is one line', async () => {
    const { run } = sandbox();
    const r = await run(['design', '--from', 'nope.yaml', '--out', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('nope.yaml: no such file');
  }, 30_000);

  it.each([
    [['design', '--out', 'x'], /--from FILE/],
    [['design', '--from', 'b.yaml'], /--out DIR/],
    [['design'], /--from FILE and --out DIR/],
    [['design', '--from', 'b.yaml', '--out', 'x', '--bogus'], /bogus/],
  ])(
    'usage errors exit 2 with one line: %j',
    async (args, re) => {
      const { run } = sandbox();
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      noStackTrace(r.stderr);
    },
    30_000,
  );

  it('refuses to overwrite a file the team edited, naming it, until --force', async () => {
    const { home, run } = sandbox();
    expect((await run(['design', '--from', SHOP, '--out', 'shop'])).code).toBe(0);
    const edited = join(home, 'shop', 'network.tf');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\n# our own rule\n`);
    const designChanged = join(home, 'v2.yaml');
    writeFileSync(designChanged, readFileSync(SHOP, 'utf8').replace('natGateways: 1', 'natGateways: 2'));

    const refused = await run(['design', '--from', designChanged, '--out', 'shop']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('network.tf');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(edited, 'utf8')).toContain('# our own rule');
    // Nothing else moved either: the design file still holds one NAT gateway.
    expect(readFileSync(join(home, 'shop', 'blueprint.yaml'), 'utf8')).toContain('natGateways: 1');

    const json = await run(['design', '--from', designChanged, '--out', 'shop', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).refused).toEqual(['network.tf']);

    const forced = await run(['design', '--from', designChanged, '--out', 'shop', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(edited, 'utf8')).not.toContain('# our own rule');
    expect(readFileSync(join(home, 'shop', 'blueprint.yaml'), 'utf8')).toContain('natGateways: 2');
  }, 60_000);
});

describe('unknown keys in a blueprint', () => {
  const shop = () => readFileSync(SHOP, 'utf8');
  const message = (text: string) => {
    try {
      parseBlueprint(text, 'b.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('parsed');
  };

  it('are found inside lists and named with their path, from the schema', () => {
    const text = shop().replace(
      /(databases:\n\s+- \{ name: orders, engine: postgres, version: "16", )sizeGb/,
      '$1sizeGB',
    );
    expect(text).toContain('sizeGB');
    expect(message(text)).toMatch(
      /^b\.yaml:\d+:\d+: storage\.databases\[0\]\.sizeGB: unknown key; did you mean sizeGb\?$/,
    );
  });

  it('list the known keys when none is close, and mention the other unknown ones', () => {
    const text = shop().replace('iac:\n  tool: opentofu', 'iac:\n  tool: opentofu\n  flavour: x\n  backnd: s3');
    expect(message(text)).toMatch(
      /^b\.yaml:\d+:3: iac\.flavour: unknown key; expected one of tool, backend, runner \(also unknown: backnd\)$/,
    );
  });
});

describe('dayops design never moves a stack silently', () => {
  it('refuses --out OTHER for a stack registered elsewhere (exit 2, both folders named) until --move', async () => {
    const { home, run } = sandbox();
    expect((await run(['design', '--from', SHOP, '--out', 'a/shop'])).code).toBe(0);
    const a = join(home, 'a', 'shop');
    const b = join(home, 'b', 'shop');
    const refused = await run(['design', '--from', SHOP, '--out', 'b/shop']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`stack shop is registered at ${a}, not ${b}`);
    expect(refused.stderr).toContain('--move');
    expect(existsSync(b)).toBe(false);
    const list = async () => JSON.parse((await run(['stack', 'list', '--json'])).stdout).stacks;
    expect((await list())[0].dir).toBe(a);
    // The same folder named another way (a link to it) is not another folder.
    symlinkSync(join(home, 'a'), join(home, 'a-link'));
    expect((await run(['design', '--from', SHOP, '--out', 'a-link/shop'])).code).toBe(0);

    const moved = await run(['design', '--from', SHOP, '--out', 'b/shop', '--move', '--json']);
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout)).toMatchObject({ dir: b, movedFrom: a, stack: { name: 'shop', dir: b } });
    expect((await list())[0].dir).toBe(b);
    // The old folder's files are left as they are.
    expect(existsSync(join(a, 'dayops.yaml'))).toBe(true);
    const again = await run(['design', '--from', SHOP, '--out', 'b/shop']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Registered stack shop');
  }, 60_000);

  it('says it moved the stack in its text output', async () => {
    const { home, run } = sandbox();
    expect((await run(['design', '--from', SHOP, '--out', 'one'])).code).toBe(0);
    const r = await run(['design', '--from', SHOP, '--out', 'two', '--move']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Moved stack shop (staging, opentofu) and its history from ${join(home, 'one')}`);
  }, 30_000);
});

describe('dayops design under npm start', () => {
  it('resolves --from and --out against where npm was run (INIT_CWD), not the dayops package', async () => {
    const { home, db } = sandbox();
    writeFileSync(join(home, 'mine.yaml'), readFileSync(SHOP, 'utf8'));
    // npm start runs dayops in its package folder (ROOT) and says in INIT_CWD where the user was.
    const r = await runCli(['--db', db, 'design', '--from', 'mine.yaml', '--out', 'shop'], {
      cwd: ROOT,
      env: { XDG_DATA_HOME: home, INIT_CWD: home },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(home, 'shop', 'dayops.yaml'))).toBe(true);
    expect(existsSync(join(ROOT, 'shop'))).toBe(false);
  }, 30_000);
});

describe('dayops design with hostile files and paths: one line, fast, nothing half-written', () => {
  it('never writes through OUT/.dayops when it is a link elsewhere', async () => {
    const { home, run } = sandbox();
    expect((await run(['design', '--from', SHOP, '--out', 'shop'])).code).toBe(0);
    const elsewhere = join(home, 'elsewhere');
    mkdirSync(elsewhere);
    rmSync(join(home, 'shop', '.dayops'), { recursive: true });
    symlinkSync(elsewhere, join(home, 'shop', '.dayops'));
    const r = await run(['design', '--from', SHOP, '--out', 'shop', '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${join(home, 'shop', '.dayops')}: is a symbolic link`);
    noStackTrace(r.stderr);
    expect(readdirSync(elsewhere)).toEqual([]);
  }, 30_000);

  it.each([
    ['under /proc', '/proc/dayops-out', /under \/proc, a kernel file system/],
    ['under /sys', '/sys/dayops-out', /under \/sys, a kernel file system/],
    ['too long', `${'x'.repeat(300)}/shop`, /the path is too long/],
  ])(
    '--out %s is one line, exit 1',
    async (_what, out, re) => {
      const { run } = sandbox();
      const r = await run(['design', '--from', SHOP, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      noStackTrace(r.stderr);
    },
    30_000,
  );

  it.each([
    [
      'a FIFO',
      (dir: string) => execFileSync('mkfifo', [join(dir, 'b.yaml')]),
      'b.yaml: is a named pipe, not a regular file',
    ],
    ['/dev/zero', () => undefined, '/dev/zero: is a device, not a regular file'],
    [
      'a 50 MB file',
      (dir: string) => {
        writeFileSync(join(dir, 'b.yaml'), '');
        truncateSync(join(dir, 'b.yaml'), 50 * 1024 * 1024);
      },
      'b.yaml: is 50.0 MiB, more than the 1.0 MiB dayops reads',
    ],
  ])(
    '--from %s is one line naming the file, at once',
    async (_what, make, message) => {
      const { home, run } = sandbox();
      make(home);
      const from = message.startsWith('/dev') ? '/dev/zero' : 'b.yaml';
      const r = await run(['design', '--from', from, '--out', 'x']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(message);
      expect(existsSync(join(home, 'x'))).toBe(false);
    },
    30_000,
  );

  it.runIf(process.getuid?.() === 0 || process.env.CI)(
    'a full disk is one line and leaves nothing behind',
    async () => {
      const { home, run } = sandbox();
      const disk = join(home, 'disk');
      mkdirSync(disk);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', disk]);
      try {
        const r = await run(['design', '--from', SHOP, '--out', 'disk/shop']);
        expect(r.code).toBe(1);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/\(no space left on the device\); nothing was written$/m);
        expect(readdirSync(disk)).toEqual([]);
        const list = await run(['stack', 'list', '--json']);
        expect(JSON.parse(list.stdout).stacks).toEqual([]);
      } finally {
        execFileSync('umount', [disk]);
      }
    },
    30_000,
  );
});
