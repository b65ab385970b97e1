/**
 * Writing a design never goes through a symbolic link anywhere under the output folder, generated: every folder
 * and file a real design writes (the shop fixture's), each replaced by each kind of link or hostile file, with
 * and without --force. Each attempt must be refused with one line naming the link, leave the place the link
 * points to as it was, and leave the output folder as it was (no temporary file, no half-written file).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, lstatSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBlueprintFile } from '../../src/app/day0/index.js';
import { generate, type GeneratedFile } from '../../src/day0/generate/index.js';
import { MANIFEST, writeDesign } from '../../src/day0/write.js';
import { UserError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const SHOP = join(import.meta.dirname, '..', 'fixtures', 'day0', 'shop.blueprint.yaml');
const files: GeneratedFile[] = generate(readBlueprintFile(SHOP), []);
const changed: GeneratedFile[] = files.map((f) => ({ ...f, content: `${f.content}\n` }));

/** Every path under the output folder a design writes: each file, each folder on the way, the manifest. */
const PATHS = [
  ...new Set(
    [...files.map((f) => f.path), MANIFEST].flatMap((p) => {
      const parts = p.split('/');
      return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    }),
  ),
];

/** Every file and link under a folder, with its content (or where it points). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    if (e.isSymbolicLink()) out[relative(dir, p)] = `-> ${execFileSync('readlink', [p]).toString().trim()}`;
    else if (e.isFile()) out[relative(dir, p)] = readFileSync(p, 'utf8');
    else if (e.isDirectory()) out[`${relative(dir, p)}/`] = '';
    else out[relative(dir, p)] = 'special';
  }
  return out;
}

/** What to put where a folder or file of the design was, given a place outside the output folder. */
const LINKS: Record<string, (at: string, outside: string) => void> = {
  'a link to a folder outside': (at, outside) => symlinkSync(outside, at),
  'a link to a file outside': (at, outside) => symlinkSync(join(outside, 'victim'), at),
  'a relative link out (../..)': (at, outside) => symlinkSync(relative(dirname(at), outside), at),
  'a link to nothing': (at, outside) => symlinkSync(join(outside, 'nothing', 'here'), at),
  'a link to /dev/null': (at) => symlinkSync('/dev/null', at),
  'a link to itself': (at) => symlinkSync(at, at),
};

let attempts = 0;
let handled = 0;
afterAll(() => console.log(`design links: ${attempts} attempts, ${handled} handled well`));

describe('dayops design never writes through a link under --out (generated)', () => {
  const cases = PATHS.flatMap((p) =>
    Object.keys(LINKS).flatMap((kind) => [false, true].map((force) => [p, kind, force] as const)),
  );
  it('covers the whole design', () => {
    expect(PATHS).toContain('.dayops');
    expect(PATHS).toContain(MANIFEST);
    expect(PATHS.length).toBeGreaterThan(10);
  });

  it.each(cases)('%s replaced by %s (force: %s)', (rel, kind, force) => {
    attempts++;
    const root = tmpDir();
    const out = join(root, 'out');
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), 'precious\n');
    writeDesign(out, files);
    rmSync(join(out, rel), { recursive: true });
    LINKS[kind](join(out, rel), outside);
    const before = { out: snapshot(out), outside: snapshot(outside) };

    let err: unknown;
    try {
      writeDesign(out, changed, { force });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    // Named: the link itself, or (a link to a file where a folder goes) the place that is not a folder.
    expect(msg).toContain(join(out, rel));
    expect(msg).toMatch(/symbolic link|not a folder|not a file dayops can replace/);
    expect(snapshot(outside)).toEqual(before.outside);
    expect(snapshot(out)).toEqual(before.out);
    expect(lstatSync(join(out, rel)).isSymbolicLink()).toBe(true);
    handled++;
  });
});
