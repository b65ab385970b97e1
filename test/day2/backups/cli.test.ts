/**
 * `dayops backup ...` as a user runs it: the built CLI (`npx tsc -p .` first), the real restic, exit codes and
 * one-line errors.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, describeRestic, packFiles, resticEnv } from './util.js';

it('a stack without backups, or an unknown one, is one line and exit 1', async () => {
  const { db, path, dir } = tmpDb();
  addStack(db, dir, { backups: null });
  const r = await runCli(['--db', path, 'backup', 'run', 'payments'], { env: resticEnv(dir) });
  expect(r).toMatchObject({ code: 1, stdout: '', stderr: 'stack payments has no backups.repository in dayops.yaml\n' });
  const u = await runCli(['--db', path, 'backup', 'verify', 'nope'], { env: resticEnv(dir) });
  expect(u).toMatchObject({ code: 1, stderr: 'no stack named "nope"; see `dayops stack list`\n' });
  const m = await runCli(['--db', path, 'backup', 'list'], { env: resticEnv(dir) });
  expect(m).toMatchObject({ code: 2, stderr: 'dayops backup list: give one stack name (dayops backup list STACK)\n' });
});

describeRestic('dayops backup with the real restic', () => {
  it('run, list, verify, prune, status and self', async () => {
    const { db, path, dir } = tmpDb();
    addStack(db, dir, {
      backups: { repository: '../repo', retention: { last: 1 } },
      rpoMinutes: 60,
      files: { 'terraform.tfstate': randomBytes(4 * 1024 * 1024).toString('base64') },
    });
    const env = resticEnv(dir);
    const cli = (...args: string[]) => runCli(['--db', path, ...args], { env });

    const run = await cli('backup', 'run', 'payments');
    expect(run.stderr).toMatch(/^payments: created the restic repository .*\/repo$/m);
    // Not a terminal: progress comes as whole lines, never carriage returns.
    expect(run.stderr).toMatch(/^backing up payments: \d+% /m);
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout).toMatch(
      /^snapshot [0-9a-f]{8} of payments: 2 new, 0 changed, 0 unchanged files, [\d.]+ \w*B added \([\d.]+ s\)\n$/,
    );
    expect(run.code).toBe(0);

    const second = await cli('backup', 'run', 'payments', '--json');
    expect(second.code).toBe(0);
    const json = JSON.parse(second.stdout);
    expect(json).toMatchObject({
      stack: 'payments',
      ok: true,
      initialized: false,
      paths: ['dayops.yaml', 'terraform.tfstate'],
    });

    const list = await cli('backup', 'list', 'payments', '--json');
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.snapshots).toHaveLength(2);
    expect(listed.snapshots[0]).toMatchObject({
      id: json.snapshotId,
      hostname: 'dayops',
      tags: ['dayops', 'stack:payments'],
    });
    expect(listed.snapshots[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(listed).toMatchObject({ stale: false, error: null });
    const table = await cli('backup', 'list', 'payments');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+TIME\s+AGE\s+HOST\s+PATHS$/);

    const verify = await cli('backup', 'verify', 'payments', '--json');
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({
      ok: true,
      snapshotId: json.snapshotId,
      files: 2,
      comparedWithSource: 2,
    });

    const prune = await cli('backup', 'prune', 'payments');
    expect(prune).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^payments: kept 1 snapshot\(s\), removed 1 \(--keep-last 1\)\n {2}removed [0-9a-f]{8} /,
      ),
    });

    const status = await cli('backup', 'status', '--json');
    expect(JSON.parse(status.stdout).stacks).toEqual([
      expect.objectContaining({
        stack: 'payments',
        status: 'on-time',
        rpoMinutes: 60,
        snapshotCount: 1,
        lastRestoreTest: expect.objectContaining({ ok: true }),
      }),
    ]);

    const out = join(dir, 'copy.db');
    const self = await cli('backup', 'self', '--out', out, '--json');
    expect(self.code).toBe(0);
    expect(JSON.parse(self.stdout)).toMatchObject({ ok: true, file: out, integrity: 'ok' });
    const copy = new Database(out, { readonly: true });
    expect(
      (copy.prepare("SELECT COUNT(*) AS n FROM backup_events WHERE kind = 'backup' AND ok = 1").get() as { n: number })
        .n,
    ).toBe(2);
    copy.close();
  });

  it('a wrong password: one line, exit 1, no stack trace', async () => {
    const { db, path, dir } = tmpDb();
    addStack(db, dir);
    expect((await runCli(['--db', path, 'backup', 'run', 'payments'], { env: resticEnv(dir) })).code).toBe(0);
    const r = await runCli(['--db', path, 'backup', 'run', 'payments'], {
      env: resticEnv(dir, { RESTIC_PASSWORD: 'wrong' }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `wrong password for the restic repository ${join(dir, 'repo')} (restic: wrong password or no key found)\n`,
    );
    const list = await runCli(['--db', path, 'backup', 'list', 'payments'], {
      env: resticEnv(dir, { RESTIC_PASSWORD: 'wrong' }),
    });
    expect(list.code).toBe(1);
    // The cached listing is still shown, with the error and its age.
    expect(list.stderr).toMatch(
      /^payments: wrong password for the restic repository .* \(showing the listing of \d{4}-.*\)\n$/,
    );
    expect(list.stdout).toMatch(/^ID/);
  });

  it('verify exits 1 when the restore test fails', async () => {
    const { db, path, dir } = tmpDb();
    addStack(db, dir, { files: { 'terraform.tfstate': randomBytes(300_000).toString('base64') } });
    const env = resticEnv(dir);
    expect((await runCli(['--db', path, 'backup', 'run', 'payments'], { env })).code).toBe(0);
    const [pack] = packFiles(join(dir, 'repo'));
    chmodSync(pack.path, 0o600);
    const fd = openSync(pack.path, 'r+');
    writeSync(fd, Buffer.alloc(32, 0x41), 0, 32, 2048);
    closeSync(fd);
    const r = await runCli(['--db', path, 'backup', 'verify', 'payments'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^payments: restore test FAILED \(snapshot [0-9a-f]{8}\): restic restore: .*ciphertext verification failed/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'payments', 'dayops.yaml'))).toBe(true);
  });
});
