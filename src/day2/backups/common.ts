/** What every backup operation shares: tags and source keys, the stack's `backups:` config, its restic, paths. */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { loadStackConfig, STACK_CONFIG_FILE, type StackConfig } from '../../config/stack-config.js';
import type { DB } from '../../db/open.js';
import { StacksRepo } from '../../db/stacks.js';
import type { Stack } from '../../domain/stack.js';
import { errorMessage, UserError } from '../../errors.js';
import { Restic, resolvePassword, resolveRepository } from '../restic.js';

/** The host name every dayops snapshot carries, so a stack's snapshots group together across machines. */
export const SNAPSHOT_HOST = 'dayops';

/** The tags of a stack's snapshots. */
export function stackTags(stackName: string): string[] {
  return ['dayops', `stack:${stackName}`];
}

/** The `sources` key of a stack's repository. */
export function backupSourceKey(stackName: string): string {
  return `backups:${stackName}`;
}

/** A listing older than this is shown as stale (snapshots change at most as often as backups run). */
export const BACKUP_STALE_AFTER_MS = 60 * 60_000;

/** Without an RPO, a snapshot is late when the schedule's next run after it is this far in the past. */
export const SCHEDULE_GRACE_MS = 15 * 60_000;

/** What every use case may be given; the defaults suit the real thing. */
export interface BackupDeps {
  /** Where passwords and DAYOPS_RESTIC are read from, and restic's environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The clock (default Date.now). */
  now?: () => number;
  /** Who acts, for the events and the audit log (default the OS user). */
  user?: string;
  trigger?: 'cli' | 'tui' | 'schedule';
  signal?: AbortSignal;
  /** Things worth telling that are not errors (a stale lock removed, a configured path missing). */
  onNotice?: (message: string) => void;
}

export type StackRef = Pick<Stack, 'id' | 'name' | 'dir'>;

type BackupsConfig = NonNullable<StackConfig['backups']>;

interface Setup {
  config: StackConfig;
  backups: BackupsConfig;
  restic: Restic;
}

export function clock(deps: BackupDeps): number {
  return (deps.now ?? Date.now)();
}

/** The stack's backups config; a stack without one is a one-line UserError. */
export function stackBackupsConfig(stack: Pick<Stack, 'name' | 'dir'>): {
  config: StackConfig;
  backups: BackupsConfig;
} {
  const config = loadStackConfig(stack.dir);
  if (!config.backups) throw new UserError(`stack ${stack.name} has no backups.repository in ${STACK_CONFIG_FILE}`);
  return { config, backups: config.backups };
}

/** A restic wrapper for a stack's repository (relative paths are relative to the stack folder). */
export function resticForStack(
  stack: Pick<Stack, 'name' | 'dir'>,
  backups: BackupsConfig,
  deps: BackupDeps = {},
  notices?: string[],
): Restic {
  const env = deps.env ?? process.env;
  return new Restic({
    repository: resolveRepository(backups.repository, stack.dir, env),
    password: resolvePassword(backups, stack.dir, env, `stack ${stack.name}`),
    env,
    cwd: stack.dir,
    onNotice: (m) => {
      notices?.push(m);
      deps.onNotice?.(m);
    },
  });
}

export function setup(stack: StackRef, deps: BackupDeps, notices: string[]): Setup {
  const { config, backups } = stackBackupsConfig(stack);
  return { config, backups, restic: resticForStack(stack, backups, deps, notices) };
}

/** The files a backup of the stack takes when `backups.paths` is empty: its state and config, those that exist. */
export function defaultBackupPaths(stackDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(stackDir);
  } catch {
    return [];
  }
  const wanted = (n: string) =>
    n === STACK_CONFIG_FILE || n === 'blueprint.yaml' || n === 'terraform.tfstate.d' || n.endsWith('.tfstate');
  return names.filter(wanted).sort();
}

/** The paths to back up, relative to the stack folder when they are inside it, and those configured but absent. */
export function resolveBackupPaths(stackDir: string, configured: string[]): { paths: string[]; missing: string[] } {
  if (configured.length === 0) return { paths: defaultBackupPaths(stackDir), missing: [] };
  const paths: string[] = [];
  const missing: string[] = [];
  for (const p of configured) {
    const abs = isAbsolute(p) ? p : resolve(stackDir, p);
    if (existsSync(abs)) paths.push(p);
    else missing.push(p);
  }
  return { paths, missing };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function oneLine(err: unknown): string {
  return errorMessage(err).split('\n')[0];
}

/** A registered stack by name, or a one-line UserError. */
export function findStack(db: DB, name: string): Stack {
  const s = new StacksRepo(db).get(name);
  if (!s) throw new UserError(`no stack named "${name}"; see \`dayops stack list\``);
  return s;
}
