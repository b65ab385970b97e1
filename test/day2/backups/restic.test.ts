/** The restic wrapper's handling of locks and repositories, against the real restic. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runBackup, resticForStack, stackBackupsConfig } from '../../../src/day2/backups.js';
import { Restic, ResticError } from '../../../src/day2/restic.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { addStack, describeRestic, RESTIC_BIN, resticEnv } from './util.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Start a slow `restic check --read-data` (1 KiB/s) and resolve once its exclusive lock is in the repository. */
async function holdLock(repo: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(RESTIC_BIN, ['-r', repo, 'check', '--read-data', '--limit-download', '1'], {
    env,
    stdio: 'ignore',
  });
  children.push(child);
  // restic 0.14 ignores an empty lock file (one it was killed while writing), so wait until it has content.
  const locks = join(repo, 'locks');
  for (let i = 0; i < 200; i++) {
    const files = existsSync(locks) ? readdirSync(locks) : [];
    if (files.length > 0 && statSync(join(locks, files[0])).size > 0) {
      await new Promise((r) => setTimeout(r, 300));
      return child;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('restic check did not take its lock within 20 s');
}

const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

describeRestic('the restic wrapper', () => {
  it('tells a missing repository from a wrong password', async () => {
    const dir = tmpDir();
    const env = resticEnv(dir);
    const repo = join(dir, 'repo');
    const restic = new Restic({
      repository: repo,
      password: { kind: 'env', from: '$RESTIC_PASSWORD', value: 'pw-1' },
      env,
    });
    expect(await restic.exists()).toBe(false);
    expect(await restic.ensure()).toMatchObject({ created: true, id: expect.stringMatching(/^[0-9a-f]{10}$/) });
    expect(await restic.ensure()).toEqual({ created: false });
    const wrong = new Restic({
      repository: repo,
      password: { kind: 'env', from: '$RESTIC_PASSWORD', value: 'pw-2' },
      env,
    });
    await expect(wrong.exists()).rejects.toMatchObject({ kind: 'wrong-password' });
    expect(await restic.version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('passes a password file through RESTIC_PASSWORD_FILE', async () => {
    const { db, dir } = tmpDb();
    writeFileSync(join(dir, 'restic-pw'), 'from a file\n', { mode: 0o600 });
    const stack = addStack(db, dir, { backups: { repository: '../repo', passwordFile: '../restic-pw' } });
    const env = resticEnv(dir);
    delete env.RESTIC_PASSWORD;
    const r = await runBackup(db, stack, { env });
    expect(r.ok).toBe(true);
    // The same repository does not open with another password, so the file's was the one used.
    const other = new Restic({
      repository: join(dir, 'repo'),
      password: { kind: 'env', from: '$RESTIC_PASSWORD', value: 'from a file' },
      env,
    });
    expect(await other.exists()).toBe(true);
    const wrong = new Restic({
      repository: join(dir, 'repo'),
      password: { kind: 'env', from: '$RESTIC_PASSWORD', value: 'something else' },
      env,
    });
    await expect(wrong.exists()).rejects.toMatchObject({ kind: 'wrong-password' });
  });

  it('removes a stale lock left by a killed restic, then carries on', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { files: { 'terraform.tfstate': randomBytes(200_000).toString('base64') } });
    const env = resticEnv(dir);
    await runBackup(db, stack, { env });
    const checker = await holdLock(join(dir, 'repo'), env);
    checker.kill('SIGKILL');
    await exited(checker);
    expect(readdirSync(join(dir, 'repo', 'locks'))).toHaveLength(1);

    const notices: string[] = [];
    const r = await runBackup(db, stack, { env, onNotice: (m) => notices.push(m) });
    expect(r.ok).toBe(true);
    expect(notices).toContain(`ran \`restic unlock\` on ${join(dir, 'repo')}: a lock blocked \`restic backup\``);
    expect(r.notices).toEqual(notices);
  });

  it('never removes a live lock: a held repository is a one-line "locked" error', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { files: { 'terraform.tfstate': randomBytes(200_000).toString('base64') } });
    const env = resticEnv(dir);
    await runBackup(db, stack, { env });
    const checker = await holdLock(join(dir, 'repo'), env);
    const restic = resticForStack(stack, stackBackupsConfig(stack).backups, { env });
    const err = await restic.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResticError);
    expect((err as ResticError).kind).toBe('locked');
    expect((err as Error).message).toMatch(
      new RegExp(`^the restic repository ${join(dir, 'repo')} is locked by PID ${checker.pid} on `),
    );
    expect((err as Error).message).not.toContain('\n');
    expect(checker.exitCode).toBeNull();
    // restic removes its own lock when interrupted.
    checker.kill('SIGINT');
    await exited(checker);
    expect(readdirSync(join(dir, 'repo', 'locks'))).toHaveLength(0);
  });

  it('cancels a running backup with the signal, leaving no lock behind', async () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, {
      backups: { repository: '../repo', paths: ['big.bin'] },
      files: { 'big.bin': randomBytes(64 * 1024 * 1024) },
    });
    const env = resticEnv(dir);
    const restic = resticForStack(stack, stackBackupsConfig(stack).backups, { env });
    await restic.init();
    const ac = new AbortController();
    const p = restic.backup(['big.bin'], {
      cwd: stack.dir,
      signal: ac.signal,
      onProgress: (pr) => pr.bytesDone > 0 && ac.abort(),
    });
    await expect(p).rejects.toMatchObject({ kind: 'interrupted' });
    expect(readdirSync(join(dir, 'repo', 'locks'))).toHaveLength(0);
  });
});
