/**
 * Every file dayops reads goes through one safe reader: whatever is on disk where a blueprint, a dayops.yaml, a
 * policy file or a secret file should be, the answer is its content or one line naming the file, at once.
 * Generated: each hostile kind of file, through each reader.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBlueprintFile } from '../../src/app/day0/index.js';
import { FileReadError, readRegularFile, readTextFile } from '../../src/config/safe-read.js';
import { loadStackConfig, stackConfigSchema } from '../../src/config/stack-config.js';
import { resolveStackEnv } from '../../src/day1/secrets.js';
import { loadPolicies } from '../../src/domain/policies.js';
import { UserError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('no error');
}

describe('readRegularFile', () => {
  const limit = { maxBytes: 1 << 20 };

  it('reads a regular file, and a link to one', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'b.yaml'), 'name: x\n');
    symlinkSync('b.yaml', join(dir, 'link.yaml'));
    expect(readRegularFile(join(dir, 'b.yaml'), limit).toString()).toBe('name: x\n');
    expect(readRegularFile(join(dir, 'link.yaml'), limit).toString()).toBe('name: x\n');
    expect(errorOf(() => readRegularFile(join(dir, 'link.yaml'), { ...limit, noFollow: true })).message).toBe(
      `${join(dir, 'link.yaml')}: is a symbolic link; dayops does not follow it`,
    );
  });

  it('refuses a FIFO with no writer, at once, naming the file', () => {
    const f = join(tmpDir(), 'fifo.yaml');
    execFileSync('mkfifo', [f]);
    expect(errorOf(() => readRegularFile(f, { ...limit, shownAs: 'fifo.yaml' })).message).toBe(
      'fifo.yaml: is a named pipe, not a regular file',
    );
  });

  it('refuses /dev/zero and a folder', () => {
    expect(errorOf(() => readRegularFile('/dev/zero', limit)).message).toBe(
      '/dev/zero: is a device, not a regular file',
    );
    expect(errorOf(() => readRegularFile(tmpDir(), limit)).message).toMatch(/ is a folder, not a file$/);
  });

  it('refuses a 50 MB file without reading it', () => {
    const f = join(tmpDir(), 'big.yaml');
    writeFileSync(f, '');
    truncateSync(f, 50 * 1024 * 1024);
    expect(errorOf(() => readRegularFile(f, { ...limit, shownAs: 'big.yaml' })).message).toBe(
      'big.yaml: is 50.0 MiB, more than the 1.0 MiB dayops reads',
    );
  });

  it('a missing file says so; text that is not UTF-8 says so', () => {
    expect(errorOf(() => readRegularFile('/nonexistent/b.yaml', { ...limit, shownAs: 'b.yaml' })).message).toBe(
      'b.yaml: no such file',
    );
    const f = join(tmpDir(), 'latin1.yaml');
    writeFileSync(f, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(errorOf(() => readTextFile(f, { ...limit, shownAs: 'latin1.yaml' })).message).toBe(
      'latin1.yaml: is not UTF-8 text',
    );
  });
});

/** A YAML alias bomb: `levels` levels of lists, each `width` aliases of the one before. */
function aliasBomb(levels: number, width: number, inFlow: boolean): string {
  const out = ['a0: &a0 [lol, lol]'];
  for (let i = 1; i <= levels; i++) {
    const refs = Array.from({ length: width }, () => `*a${i - 1}`);
    out.push(
      inFlow ? `a${i}: &a${i} [${refs.join(', ')}]` : `a${i}: &a${i}\n${refs.map((r) => `  - ${r}`).join('\n')}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** What can sit where dayops expects a file: each makes it at `path` and says what the one line must contain. */
const HOSTILE: { name: string; make: (path: string) => void; says: RegExp }[] = [
  { name: 'a FIFO', make: (p) => execFileSync('mkfifo', [p]), says: / is a named pipe, not a regular file$/ },
  { name: 'a link to /dev/zero', make: (p) => symlinkSync('/dev/zero', p), says: / is a device, not a regular file$/ },
  {
    name: 'a link to /dev/urandom',
    make: (p) => symlinkSync('/dev/urandom', p),
    says: / is a device, not a regular file$/,
  },
  { name: 'a folder', make: (p) => mkdirSync(p), says: / is a folder, not a file$/ },
  {
    name: 'a 50 MB file',
    make: (p) => {
      writeFileSync(p, 'name: x\n');
      truncateSync(p, 50 * 1024 * 1024);
    },
    says: / is 50\.0 MiB, more than the 1\.0 MiB dayops reads$/,
  },
  {
    name: 'a file one byte over the limit',
    make: (p) => writeFileSync(p, `# ${'x'.repeat((1 << 20) - 2)}\n`),
    says: /more than the 1\.0 MiB dayops reads$/,
  },
  {
    name: 'a loop of links',
    make: (p) => {
      symlinkSync(`${p}.b`, p);
      symlinkSync(p, `${p}.b`);
    },
    says: / is a loop of symbolic links$/,
  },
  {
    name: 'a file that is not UTF-8',
    make: (p) => writeFileSync(p, Buffer.from('name: caf\xe9\n', 'latin1')),
    says: / is not UTF-8 text$/,
  },
  ...[3, 5, 8]
    .flatMap((levels) =>
      [2, 9, 30].flatMap((width) =>
        [true, false].map((inFlow) => ({
          name: `an alias bomb (${levels} levels of ${width}${inFlow ? ', flow' : ''})`,
          make: (p: string) => writeFileSync(p, aliasBomb(levels, width, inFlow)),
          says: /invalid YAML: its aliases \(\*name\) expand too far \(an alias bomb\?\); dayops expands at most 100$/,
        })),
      ),
    )
    .filter((c) => !/3 levels of 2\b/.test(c.name)),
  {
    name: 'flow lists nested 100,000 deep',
    make: (p) => writeFileSync(p, `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
    says: /invalid YAML: /,
  },
  {
    name: 'block maps nested 5,000 deep',
    make: (p) => writeFileSync(p, Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')),
    says: /: /,
  },
];

/** Each reader dayops has, given a hostile file at the place it reads. */
const READERS: { name: string; read: (dir: string, file: string) => unknown; at: string }[] = [
  { name: 'the blueprint (design --from)', at: 'blueprint.yaml', read: (d, f) => readBlueprintFile(join(d, f)) },
  { name: 'dayops.yaml', at: 'dayops.yaml', read: (d) => loadStackConfig(d) },
  {
    name: 'a policy file',
    at: 'policies.yaml',
    read: (d, f) => loadPolicies(stackConfigSchema.parse({ policyFiles: [f] }), d, 'prod'),
  },
  {
    name: 'a fromFile secret',
    at: 'secret.txt',
    read: (d, f) => resolveStackEnv(stackConfigSchema.parse({ secrets: [{ name: 'S', fromFile: f }] }), d, {}),
  },
];

let attempts = 0;
let handled = 0;
afterAll(() => {
  // The figure the issue asks for: every attempt below is one line naming the file, fast.
  console.log(`safe reader: ${attempts} hostile files, ${handled} handled well`);
});

describe('every reader refuses every hostile file with one line naming it, at once', () => {
  // Alias bombs and nesting are YAML's; a secret is read as text, so they are plain (if odd) values there.
  const cases = READERS.flatMap((r) =>
    HOSTILE.filter((h) => r.at !== 'secret.txt' || !/alias|nested|over the limit/.test(h.name)).map(
      (h) => [r.name, h.name, r, h] as const,
    ),
  );
  it.each(cases)(
    '%s: %s',
    (_r, _h, reader, hostile) => {
      attempts++;
      const dir = tmpDir();
      hostile.make(join(dir, reader.at));
      const started = performance.now();
      const err = errorOf(() => reader.read(dir, reader.at));
      const took = performance.now() - started;
      expect(err).toBeInstanceOf(UserError);
      expect(err.message.split('\n')).toHaveLength(1);
      expect(err.message).toContain(reader.at);
      expect(err.message).toMatch(hostile.says);
      expect(err.message.length).toBeLessThan(300);
      // A hang would be minutes; this only says it did not read or wait on anything big (a loose bound: the figure
      // for speed is the benchmark's, and a loaded CI machine parses a 100,000-deep nesting in several seconds).
      expect(took).toBeLessThan(60_000);
      handled++;
    },
    120_000,
  );

  it('a secret file reports what is wrong in the secret’s own words', () => {
    const dir = tmpDir();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const err = errorOf(() =>
      resolveStackEnv(stackConfigSchema.parse({ secrets: [{ name: 'S', fromFile: 'pipe' }] }), dir, {}),
    );
    expect(err.message).toBe(`secret S: file pipe (${join(dir, 'pipe')}) is a named pipe, not a regular file`);
    expect(err).not.toBeInstanceOf(FileReadError);
  });
});
