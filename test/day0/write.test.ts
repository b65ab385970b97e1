import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { GeneratedFile } from '../../src/day0/generate/index.js';
import { MANIFEST, sha256, writeDesign } from '../../src/day0/write.js';
import { tmpDir } from '../helpers/tmp.js';

const v1: GeneratedFile[] = [
  { path: 'main.tf', content: 'resource "a" "b" {}\n' },
  { path: 'dayops.yaml', content: 'name: shop\n' },
  { path: 'roles/network/tasks/main.yml', content: '- name: x\n' },
];
const v2: GeneratedFile[] = v1.map((f) => ({ ...f, content: `${f.content}# v2\n` }));

const read = (dir: string, p: string) => readFileSync(join(dir, p), 'utf8');
const manifest = (dir: string) =>
  JSON.parse(read(dir, MANIFEST)) as { files: Record<string, string>; pending?: Record<string, string> };

/** Every file under a folder, with its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile())
      out[join(e.parentPath, e.name).slice(dir.length + 1)] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

describe('writeDesign', () => {
  it('creates the folder and writes every file with a manifest of their hashes', () => {
    const dir = join(tmpDir(), 'a', 'new', 'stack');
    const r = writeDesign(dir, v1);
    expect(r).toEqual({
      written: ['main.tf', 'dayops.yaml', 'roles/network/tasks/main.yml'],
      unchanged: [],
      refused: [],
    });
    for (const f of v1) expect(read(dir, f.path)).toBe(f.content);
    expect(manifest(dir).files).toEqual(Object.fromEntries(v1.map((f) => [f.path, sha256(f.content)])));
    expect(manifest(dir).pending).toBeUndefined();
  });

  it('reports files already up to date as unchanged and leaves them alone', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    const before = statSync(join(dir, 'main.tf')).mtimeMs;
    const r = writeDesign(dir, v1);
    expect(r).toEqual({ written: [], unchanged: v1.map((f) => f.path), refused: [] });
    expect(statSync(join(dir, 'main.tf')).mtimeMs).toBe(before);
  });

  it('replaces files nobody edited with the new content', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    const r = writeDesign(dir, v2);
    expect(r.written).toEqual(v1.map((f) => f.path));
    for (const f of v2) expect(read(dir, f.path)).toBe(f.content);
    expect(manifest(dir).files['main.tf']).toBe(sha256(v2[0].content));
  });

  it('refuses a file the team edited and then writes nothing at all', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    writeFileSync(join(dir, 'dayops.yaml'), 'name: shop\nautoApply: false # ours\n');
    const before = snapshot(dir);
    const r = writeDesign(dir, v2);
    expect(r).toEqual({ written: [], unchanged: [], refused: ['dayops.yaml'] });
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses an edited file even when the design did not change', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    writeFileSync(join(dir, 'main.tf'), 'resource "a" "b" { count = 2 }\n');
    expect(writeDesign(dir, v1).refused).toEqual(['main.tf']);
    expect(read(dir, 'main.tf')).toContain('count = 2');
  });

  it('refuses a file it never wrote (no manifest entry), but not one that already holds the generated content', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'main.tf'), "# the team's own\n");
    writeFileSync(join(dir, 'dayops.yaml'), v1[1].content);
    const r = writeDesign(dir, v1);
    expect(r.refused).toEqual(['main.tf']);
    expect(r.unchanged).toEqual(['dayops.yaml']);
    expect(existsSync(join(dir, 'roles'))).toBe(false);
    expect(existsSync(join(dir, MANIFEST))).toBe(false);
  });

  it('overwrites edited files with force, keeping their permissions', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    writeFileSync(join(dir, 'main.tf'), 'edited\n');
    chmodSync(join(dir, 'main.tf'), 0o750);
    const r = writeDesign(dir, v2, { force: true });
    expect(r.refused).toEqual([]);
    expect(r.written).toContain('main.tf');
    expect(read(dir, 'main.tf')).toBe(v2[0].content);
    expect(statSync(join(dir, 'main.tf')).mode & 0o777).toBe(0o750);
    // From now on the forced content is dayops' own again.
    expect(writeDesign(dir, v1).refused).toEqual([]);
  });

  it('recognises its own files after a crash between the manifest and the files', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    // The state a crash leaves right after the pending manifest was written: new hashes, old files on disk.
    const m = {
      version: 1,
      files: Object.fromEntries(v2.map((f) => [f.path, sha256(f.content)])),
      pending: Object.fromEntries(v1.map((f) => [f.path, sha256(f.content)])),
    };
    writeFileSync(join(dir, MANIFEST), JSON.stringify(m));
    const r = writeDesign(dir, v2);
    expect(r.refused).toEqual([]);
    expect(r.written).toHaveLength(3);
    expect(manifest(dir).pending).toBeUndefined();
  });

  it('treats every existing file as edited when the manifest is unreadable', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    writeFileSync(join(dir, MANIFEST), '{ not json');
    expect(writeDesign(dir, v2).refused).toEqual(v1.map((f) => f.path));
  });

  it('leaves no temporary files behind', () => {
    const dir = tmpDir();
    writeDesign(dir, v1);
    writeDesign(dir, v2);
    expect(Object.keys(snapshot(dir)).filter((p) => p.includes('dayops-tmp'))).toEqual([]);
  });

  it('never writes outside the folder', () => {
    const dir = tmpDir();
    expect(() => writeDesign(dir, [{ path: '../escape.tf', content: 'x' }])).toThrow(/inside the output folder/);
    expect(() => writeDesign(dir, [{ path: '/etc/x', content: 'x' }])).toThrow(/inside the output folder/);
    expect(() => writeDesign(dir, [{ path: MANIFEST, content: 'x' }])).toThrow(/inside the output folder/);
  });

  it('says so when the output folder is a file', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => writeDesign(join(dir, 'f'), v1)).toThrow(UserError);
  });
});

/** The one-line error a call throws (fails when it does not throw a UserError). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    return msg;
  }
  throw new Error('expected an error');
}

describe('writeDesign never writes through a link, and leaves nothing half-written', () => {
  it.each([
    ['the manifest folder', '.dayops', 'dir'],
    ['a folder of generated files', 'roles', 'dir'],
    ['a nested folder', 'roles/network', 'dir'],
    ['a generated file', 'main.tf', 'file'],
    ['the manifest itself', MANIFEST, 'file'],
  ])('refuses %s that is a symbolic link, naming it, and touches nothing outside', (_what, rel, kind) => {
    const root = tmpDir();
    const out = join(root, 'out');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeDesign(out, v1);
    const before = snapshot(out);
    // Replace the folder or file with a link to a place outside the output folder.
    execFileSync('rm', ['-rf', join(out, rel)]);
    mkdirSync(join(out, rel, '..'), { recursive: true });
    const target = kind === 'dir' ? elsewhere : join(elsewhere, 'victim');
    if (kind === 'file') writeFileSync(target, 'precious\n');
    symlinkSync(target, join(out, rel));
    const msg = errorOf(() => writeDesign(out, v2, { force: true }));
    expect(msg).toContain(join(out, rel));
    expect(msg).toMatch(/symbolic link/);
    expect(readdirSync(elsewhere)).toEqual(kind === 'file' ? ['victim'] : []);
    if (kind === 'file') expect(readFileSync(target, 'utf8')).toBe('precious\n');
    // Nothing else changed either.
    const after = snapshot(out);
    for (const [p, c] of Object.entries(after)) if (before[p] !== undefined) expect(c).toBe(before[p]);
  });

  it('writes into an output folder that is itself a link (the user named it)', () => {
    const root = tmpDir();
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'link'));
    expect(writeDesign(join(root, 'link'), v1).written).toHaveLength(3);
    expect(read(join(root, 'real'), 'main.tf')).toBe(v1[0].content);
  });

  it.each([
    ['/proc/dayops-design', /under \/proc, a kernel file system/],
    ['/sys/kernel/dayops-design', /under \/sys, a kernel file system/],
    ['/proc/self', /under \/proc/],
  ])('an output folder under a kernel file system (%s) is one line, at once', (out, re) => {
    expect(errorOf(() => writeDesign(out, v1))).toMatch(re);
  });

  it('a path too long is one line', () => {
    const out = join(tmpDir(), 'x'.repeat(300), 'y');
    expect(errorOf(() => writeDesign(out, v1))).toMatch(/too long/);
    const deep = join(tmpDir(), ...Array.from({ length: 40 }, () => 'd'.repeat(120)));
    expect(errorOf(() => writeDesign(deep, v1))).toMatch(/too long/);
  });

  it('a FIFO or a folder where a generated file goes is refused without waiting', () => {
    const out = tmpDir();
    execFileSync('mkfifo', [join(out, 'main.tf')]);
    expect(errorOf(() => writeDesign(out, v1))).toMatch(/main\.tf: is a named pipe/);
    const out2 = tmpDir();
    mkdirSync(join(out2, 'dayops.yaml'));
    expect(errorOf(() => writeDesign(out2, v1))).toMatch(/dayops\.yaml: is a folder/);
  });
});

/** A small tmpfs mounted for the test (tests run as root here and in CI). */
const mounted: string[] = [];
afterEach(() => {
  while (mounted.length) execFileSync('umount', [mounted.pop()!]);
});
const root = process.getuid?.() === 0;
if (!root && !process.env.CI)
  console.warn('skipping the full and read-only disk tests: they mount a tmpfs (needs root)');
function tmpfs(options: string): string {
  const dir = tmpDir();
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}

describe.runIf(root || process.env.CI)('writeDesign on a full or read-only disk', () => {
  it('a full disk is one line, and leaves the files as they were, with no temporary file or new folder', () => {
    const disk = tmpfs('size=64k');
    const out = join(disk, 'stack');
    writeDesign(out, v1);
    const before = snapshot(out);
    // The new design holds a file bigger than the disk, after a new folder.
    const big: GeneratedFile[] = [...v2, { path: 'modules/new/big.tf', content: `# ${'x'.repeat(200_000)}\n` }];
    const msg = errorOf(() => writeDesign(out, big));
    expect(msg).toMatch(/cannot write the design \(no space left on the device\); nothing was written$/);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(out, { recursive: true }).filter((p) => String(p).includes('dayops-tmp'))).toEqual([]);
    expect(existsSync(join(out, 'modules'))).toBe(false);
    // A new output folder that does not fit is not left behind either.
    expect(errorOf(() => writeDesign(join(disk, 'other', 'stack'), big))).toMatch(/no space left/);
    expect(existsSync(join(disk, 'other'))).toBe(false);
  });

  it('a read-only disk is one line', () => {
    const disk = tmpfs('size=64k,ro');
    expect(errorOf(() => writeDesign(join(disk, 'stack'), v1))).toMatch(
      /cannot write the design \(read-only file system\); nothing was written$/,
    );
    expect(readdirSync(disk)).toEqual([]);
  });
});
