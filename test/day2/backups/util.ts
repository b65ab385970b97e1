/** Stacks with a `backups` section and a real restic, for the backups tests. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe } from 'vitest';
import type { DB } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { Stack } from '../../../src/domain/stack.js';

export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
export const RESTIC_BIN = process.env.DAYOPS_RESTIC || 'restic';
export const HAVE_RESTIC = spawnSync(RESTIC_BIN, ['version'], { encoding: 'utf8' }).status === 0;

/**
 * A describe block that needs the real restic: skipped with a message outside CI when restic is missing; in CI
 * it fails instead.
 */
export function describeRestic(name: string, fn: () => void): void {
  if (!HAVE_RESTIC && !IN_CI) {
    console.warn(`restic is not installed (${RESTIC_BIN}): skipping "${name}"`);
    describe.skip(name, fn);
    return;
  }
  // Every restic start derives the key (~0.5 s of CPU); on 2 shared cores a test of ten starts needs room.
  describe(name, { timeout: 180_000 }, () => {
    beforeAll(() => {
      if (!HAVE_RESTIC) throw new Error(`restic is required in CI but "${RESTIC_BIN} version" does not run`);
    });
    fn();
  });
}

export const PASSWORD = 'correct horse battery staple';

/** restic's environment for a test: a password and a private cache. */
export function resticEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'RESTIC_PASSWORD_FILE',
    'RESTIC_PASSWORD_COMMAND',
    'RESTIC_REPOSITORY',
    'RESTIC_REPOSITORY_FILE',
    'DAYOPS_SELF_REPOSITORY',
    'DAYOPS_RESTIC',
  ])
    delete env[k];
  return { ...env, RESTIC_CACHE_DIR: join(root, 'restic-cache'), RESTIC_PASSWORD: PASSWORD, ...extra };
}

export interface StackSpec {
  name?: string;
  /** The `backups` block; null for none. */
  backups?: Record<string, unknown> | null;
  rpoMinutes?: number;
  rtoMinutes?: number;
  /** Files to create in the stack folder (relative path -> content). */
  files?: Record<string, string | Buffer>;
  blueprint?: unknown;
}

/** Register a stack whose folder holds a dayops.yaml (with `backups` unless null) and the given files. */
export function addStack(db: DB, root: string, spec: StackSpec = {}): Stack {
  const name = spec.name ?? 'payments';
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const config: Record<string, unknown> = {
    apiVersion: 'dayops/v1',
    kind: 'Stack',
    name,
    environment: 'prod',
    tool: 'opentofu',
  };
  const backups = spec.backups === undefined ? { repository: '../repo' } : spec.backups;
  if (backups) config.backups = backups;
  if (spec.rpoMinutes !== undefined) config.rpoMinutes = spec.rpoMinutes;
  if (spec.rtoMinutes !== undefined) config.rtoMinutes = spec.rtoMinutes;
  writeFileSync(join(dir, 'dayops.yaml'), stringify(config));
  for (const [rel, content] of Object.entries(spec.files ?? { 'terraform.tfstate': '{"version":4,"serial":1}\n' })) {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
  }
  return new StacksRepo(db).upsert({ name, dir, tool: 'opentofu', environment: 'prod', blueprint: spec.blueprint });
}

/** Pack files of a local repository, largest first. */
export function packFiles(repo: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const sub of readdirSync(join(repo, 'data'))) {
    for (const f of readdirSync(join(repo, 'data', sub))) {
      const path = join(repo, 'data', sub, f);
      out.push({ path, size: statSync(path).size });
    }
  }
  return out.sort((a, b) => b.size - a.size);
}
