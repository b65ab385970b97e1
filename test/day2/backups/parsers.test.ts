/**
 * The restic parsers over real recorded output: restic 0.14 as recorded here (test/fixtures/restic/), the shared
 * recordings (../shared/fixtures, skipped when absent), and the 0.17+ shapes written to restic's documented format.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  parseBackupLine,
  parseBackupOutput,
  parseCheck,
  parseForget,
  parseLs,
  parseRestore,
  parseSnapshots,
  resolvePassword,
  resolveRepository,
  retentionArgs,
  ResticError,
  toProgress,
} from '../../../src/day2/restic.js';
import { ROOT } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

const OWN = join(ROOT, 'test', 'fixtures', 'restic');
const SHARED = join(ROOT, '..', 'shared', 'fixtures');
const RECORDED = join(SHARED, 'recorded');
const SHARED_RESTIC = join(SHARED, 'restic');

const own = (f: string) => readFileSync(join(OWN, f), 'utf8');

/** Recorded files end with `exit N` when the recording script saw the exit code. */
function withExit(text: string): { code: number; text: string } {
  const m = /\nexit (\d+)\s*$/.exec(text);
  return m ? { code: Number(m[1]), text: text.slice(0, m.index) } : { code: 0, text };
}

const REPO = '/srv/rec/repo';

describe('restic 0.14 as recorded here', () => {
  it('reads the progress of a large backup: many status lines rising to 100%, then the summary', () => {
    const { statuses, summary, errors } = parseBackupOutput(own('backup-progress.jsonl'));
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses[0].percent_done).toBe(0);
    expect(statuses.at(-1)!.percent_done).toBe(1);
    const midway = statuses.filter(
      (s) => (s.total_bytes ?? 0) > 50_000_000 && s.percent_done > 0 && s.percent_done < 1,
    );
    expect(midway.length).toBeGreaterThan(3);
    expect(midway.every((s) => (s.bytes_done ?? 0) > 0)).toBe(true);
    for (let i = 1; i < statuses.length; i++)
      expect(statuses[i].percent_done).toBeGreaterThanOrEqual(statuses[i - 1].percent_done);
    expect(summary?.snapshot_id).toMatch(/^[0-9a-f]{8}$/);
    expect(summary?.total_bytes_processed).toBeGreaterThan(60_000_000);
    expect(errors).toEqual([]);
  });

  it('reads a second backup where one file changed', () => {
    const { summary } = parseBackupOutput(own('backup-second.jsonl'));
    expect(summary).toMatchObject({ files_new: 0, files_changed: 1, files_unmodified: 2 });
  });

  it('reads the tagged snapshots, oldest first, with tags and the fixed host', () => {
    const snaps = parseSnapshots(own('snapshots-tagged.json'));
    expect(snaps).toHaveLength(3);
    expect(snaps.map((s) => s.hostname)).toEqual(['dayops', 'dayops', 'dayops']);
    expect(snaps[0].tags).toEqual(['dayops', 'stack:payments']);
    expect(snaps[0].time).toBeLessThan(snaps[1].time);
    expect(snaps[1].parent).toBe(snaps[0].id);
    expect(snaps[0].shortId).toBe(snaps[0].id.slice(0, 8));
    expect(snaps[0].time).toBe(Date.parse(JSON.parse(own('snapshots-tagged.json'))[0].time));
    expect(parseSnapshots(own('snapshots-empty.json'))).toEqual([]);
  });

  it('reads ls: the snapshot line and every node with type and size', () => {
    const { snapshot, nodes } = parseLs(own('ls.jsonl'));
    expect(snapshot?.tags).toEqual(['dayops', 'stack:payments']);
    expect(nodes.map((n) => [n.path, n.type])).toEqual([
      ['/dayops.yaml', 'file'],
      ['/envs', 'dir'],
      ['/envs/prod.tfvars', 'file'],
      ['/terraform.tfstate', 'file'],
    ]);
    expect(nodes.find((n) => n.path === '/envs/prod.tfvars')?.size).toBe(2);
    // An unknown id: exit 0 and nothing on stdout; the wrapper must notice there is no snapshot line.
    expect(parseLs(own('ls-unknown-id.stdout.txt')).snapshot).toBeNull();
  });

  it('reads forget --group-by "" --prune: the array on the first line, prune text after', () => {
    const r = parseForget(own('forget-group-by-none-prune.txt'));
    expect(r.kept).toHaveLength(1);
    expect(r.removed).toHaveLength(2);
    expect(r.removed.every((s) => s.tags.includes('stack:payments'))).toBe(true);
    expect(r.kept[0].time).toBeGreaterThan(Math.max(...r.removed.map((s) => s.time)));
    expect(r.pruneOutput).toMatch(/collecting packs for deletion/);
  });

  it('a pack overwritten in place passes a plain check, and is found by check --read-data and by restore', () => {
    const plain = withExit(own('check-overwritten-pack.txt'));
    expect(parseCheck(plain.code, plain.text, '').ok).toBe(true);
    const read = withExit(own('check-read-data-overwritten-pack.txt'));
    const checked = parseCheck(read.code, read.text, '');
    expect(checked.ok).toBe(false);
    expect(checked.errors.join('\n')).toMatch(/Pack ID does not match/);
    const rest = withExit(own('restore-overwritten-pack.txt'));
    const restored = parseRestore(rest.code, '', rest.text);
    expect(restored.ok).toBe(false);
    expect(restored.errors[0]).toMatch(/ignoring error for \/big\/data.bin: ciphertext verification failed/);
  });

  it('a truncated pack fails check by its size', () => {
    const t = withExit(own('check-truncated-pack.txt'));
    const r = parseCheck(t.code, t.text, '');
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      expect.stringMatching(/^pack [0-9a-f]{64}: unexpected file size: got 1000, expected \d+$/),
    ]);
  });

  it('reads restore --verify', () => {
    const r = parseRestore(0, own('restore-verify.txt'), '');
    expect(r).toMatchObject({ ok: true, errors: [], verifiedFiles: 1 });
  });

  it('classifies the failures from stderr, since 0.14 exits 1 for all of them', () => {
    const kind = (f: string) => {
      const { code, text } = withExit(own(f));
      return classifyFailure(code, text, REPO, 'x');
    };
    expect(kind('error-no-repository.stderr.txt')).toMatchObject({
      kind: 'repository-missing',
      message: `there is no restic repository at ${REPO}`,
    });
    expect(kind('error-wrong-password.stderr.txt')).toMatchObject({ kind: 'wrong-password' });
    expect(kind('error-empty-password.stderr.txt').kind).toBe('no-password');
    const lock = classifyFailure(1, own('error-stale-lock.txt'), REPO, 'backup');
    expect(lock.kind).toBe('locked');
    expect(lock.message).toContain('PID 4242 on ops-host by root');
    const all = kind('backup-all-missing.stderr.txt');
    expect(all).toMatchObject({
      kind: 'failed',
      message: 'restic x failed (exit 1): all target directories/files do not exist',
    });
    for (const e of [lock, all, kind('error-wrong-password.stderr.txt')]) expect(e.message).not.toContain('\n');
  });

  it('a skipped path still gives a summary', () => {
    expect(parseBackupOutput(own('backup-missing-path.jsonl')).summary?.snapshot_id).toMatch(/^[0-9a-f]{8}$/);
    expect(own('backup-missing-path.stderr.txt')).toContain('does not exist, skipping');
  });
});

describe('restic 0.17+ shapes (written to the documented format)', () => {
  it('snapshots carry program_version and a summary', () => {
    const [s] = parseSnapshots(own('snapshots-v0.17-documented.json'));
    expect(s.programVersion).toBe('restic 0.17.3');
    expect(s.summary?.total_bytes_processed).toBe(73);
    expect(s.time).toBe(Date.parse('2026-11-26T05:00:01.123Z'));
  });

  it('ls uses message_type beside struct_type', () => {
    const r = parseLs(own('ls-v0.17-documented.jsonl'));
    expect(r.snapshot?.id).toMatch(/^5f0e5b1c/);
    expect(r.nodes).toHaveLength(1);
  });

  it('backup status has seconds_remaining; verbose_status is ignored; the summary has a 64-hex id', () => {
    const { statuses, summary } = parseBackupOutput(own('backup-v0.17-documented.jsonl'));
    expect(statuses).toHaveLength(1);
    expect(statuses[0].seconds_remaining).toBe(3);
    expect(summary?.snapshot_id).toHaveLength(64);
  });

  it('stderr item errors and exit_error', () => {
    const [item, exit] = own('stderr-v0.17-documented.jsonl').trim().split('\n').map(parseBackupLine);
    expect(item).toEqual({
      type: 'error',
      item: '/srv/rec/stack/secret.tfvars',
      message: 'open /srv/rec/stack/secret.tfvars: permission denied (during archival)',
    });
    expect(exit).toEqual({ type: 'exit_error', code: 12, message: 'Fatal: wrong password or no key found' });
    expect(classifyFailure(12, '', REPO, 'snapshots').kind).toBe('wrong-password');
    expect(classifyFailure(10, '', REPO, 'snapshots').kind).toBe('repository-missing');
    expect(classifyFailure(11, '', REPO, 'backup').kind).toBe('locked');
  });

  it('rejects answers that are not what restic promises, with a one-line error', () => {
    expect(() => parseSnapshots('[{"time":"yesterday","tree":"x","id":"abc"}]')).toThrow(ResticError);
    expect(() => parseSnapshots('not json')).toThrow(/not JSON/);
    expect(() => parseBackupLine('{"message_type":"summary","snapshot_id":"XYZ"}')).toThrow(/unexpected summary/);
    expect(parseBackupLine('plain text')).toEqual({ type: 'other' });
  });

  it('takes a status line past 100% (files that grew while restic read them) and shows it as 100%', () => {
    // Seen from restic 0.14 in CI: bytes_done ran past total_bytes while the backed-up database was written.
    const line = parseBackupLine(
      '{"message_type":"status","percent_done":1.0234,"total_files":2,"files_done":2,"total_bytes":40960,"bytes_done":41919}',
    );
    expect(line.type).toBe('status');
    if (line.type !== 'status') return;
    expect(toProgress(line.status)).toMatchObject({ percentDone: 1, filesDone: 2, bytesDone: 41919 });
    expect(() => parseBackupLine('{"message_type":"status","percent_done":-0.5}')).toThrow(/percent_done/);
  });
});

describe.skipIf(!existsSync(RECORDED))('shared recordings of restic 0.14 (../shared/fixtures/recorded)', () => {
  if (!existsSync(RECORDED)) console.warn(`${RECORDED} is absent: skipping the shared restic recordings`);
  const rec = (f: string) => readFileSync(join(RECORDED, f), 'utf8');

  it('backup-1..3: status then summary with the snapshot id', () => {
    expect(
      ['restic-backup-1.jsonl', 'restic-backup-2.jsonl', 'restic-backup-3.jsonl'].map(
        (f) => parseBackupOutput(rec(f)).summary?.snapshot_id,
      ),
    ).toEqual(['e3d0bf35', '44c12fe7', '42423349']);
    expect(parseBackupOutput(rec('restic-backup-3.jsonl')).statuses[0]).toMatchObject({
      percent_done: 0,
      files_done: 1,
    });
  });

  it('snapshots before and after forget', () => {
    expect(parseSnapshots(rec('restic-snapshots.json')).map((s) => s.shortId)).toEqual([
      'e3d0bf35',
      '44c12fe7',
      '42423349',
    ]);
    expect(parseSnapshots(rec('restic-snapshots-after-forget.json')).map((s) => s.shortId)).toEqual([
      '44c12fe7',
      '42423349',
    ]);
  });

  it('forget --prune: JSON on the first line only', () => {
    const r = parseForget(rec('restic-forget-prune.stdout.txt'));
    expect(r.kept.map((s) => s.shortId).sort()).toEqual(['42423349', '44c12fe7']);
    expect(r.removed.map((s) => s.shortId)).toEqual(['e3d0bf35']);
    expect(r.pruneOutput).toMatch(/repacking packs/);
  });

  it('check, restore and errors', () => {
    expect(parseCheck(0, rec('restic-check.txt'), '')).toMatchObject({ ok: true, snapshots: 3 });
    expect(parseCheck(0, rec('restic-check-with-json-flag.txt'), '').ok).toBe(true);
    expect(parseRestore(0, rec('restic-restore.txt'), '').ok).toBe(true);
    expect(classifyFailure(1, rec('restic-error-wrong-password.txt'), REPO, 'snapshots').kind).toBe('wrong-password');
    expect(classifyFailure(1, rec('restic-init-again-error.txt'), REPO, 'init').message).toBe(
      'restic init failed (exit 1): create repository at /srv/example/restic/repo failed: config file already exists',
    );
  });
});

describe.skipIf(!existsSync(SHARED_RESTIC))(
  'shared restic JSON from other projects (../shared/fixtures/restic)',
  () => {
    if (!existsSync(SHARED_RESTIC)) console.warn(`${SHARED_RESTIC} is absent: skipping`);
    const f = (n: string) => readFileSync(join(SHARED_RESTIC, n), 'utf8');

    it('kdmp: three status lines with bytes_done, then a summary', () => {
      const r = parseBackupOutput(f('restic-backup-status-summary.kdmp.jsonl'));
      expect(r.statuses.map((s) => s.percent_done)).toEqual([0.3, 0.55, 0.85]);
      expect(r.statuses[2].bytes_done).toBe(8912896);
      expect(r.summary?.snapshot_id).toBe('9310620e');
    });

    it('backrest and npbackup summaries with 64-hex ids', () => {
      expect(parseBackupOutput(f('restic-backup-status-summary.backrest.jsonl')).summary?.files_unmodified).toBe(166);
      expect(parseBackupOutput(f('restic-backup-summary-v0.16.2.npbackup.jsonl')).summary?.snapshot_id).toHaveLength(
        64,
      );
    });

    it('verbose_status is ignored and exit_error is read', () => {
      const lines = f('restic-backup-verbose-exit-error.backrest.jsonl').trim().split('\n').map(parseBackupLine);
      expect(lines.map((l) => l.type)).toEqual(['status', 'other', 'exit_error']);
    });

    it('the old snapshot schema without short_id and tags', () => {
      const snaps = parseSnapshots(f('restic-snapshots.doc-manual_rest.json'));
      expect(snaps.map((s) => s.shortId)).toEqual(['bbeed6d2', 'b157d91c']);
      expect(snaps[0].tags).toEqual([]);
    });
  },
);

describe('locations, passwords and retention', () => {
  it('resolves repositories relative to the stack folder; URLs stay as they are', () => {
    expect(resolveRepository('./backups/restic', '/srv/stacks/payments')).toBe('/srv/stacks/payments/backups/restic');
    expect(resolveRepository('../repo', '/srv/stacks/payments')).toBe('/srv/stacks/repo');
    expect(resolveRepository('/var/backups/r', '/srv/x')).toBe('/var/backups/r');
    expect(resolveRepository('local:repo', '/srv/x')).toBe('/srv/x/repo');
    expect(resolveRepository('~/r', '/srv/x', { HOME: '/home/ops' })).toBe('/home/ops/r');
    for (const url of [
      'sftp:ops@host:/srv/restic',
      's3:s3.amazonaws.com/bucket',
      'rest:http://host:8000/',
      'b2:bucket:path',
      'azure:c:/',
      'gs:b:/',
      'rclone:remote:path',
    ]) {
      expect(resolveRepository(url, '/srv/x')).toBe(url);
    }
  });

  it('finds the password where the config says, else in RESTIC_PASSWORD(_FILE), and names where it looked', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'pw'), 'secret\n');
    expect(
      resolvePassword({ passwordEnv: 'PAY_PW' }, dir, { PAY_PW: 's', RESTIC_PASSWORD: 'other' }, 'stack p'),
    ).toEqual({ kind: 'env', from: '$PAY_PW', value: 's' });
    expect(resolvePassword({ passwordFile: 'pw' }, dir, {}, 'stack p')).toEqual({
      kind: 'file',
      from: 'backups.passwordFile',
      path: join(dir, 'pw'),
    });
    expect(resolvePassword({}, dir, { RESTIC_PASSWORD_FILE: join(dir, 'pw') }, 'stack p').kind).toBe('file');
    expect(() => resolvePassword({ passwordEnv: 'PAY_PW' }, dir, { RESTIC_PASSWORD: 'x' }, 'stack p')).toThrow(
      'stack p: no restic password: backups.passwordEnv names $PAY_PW, which is not set',
    );
    expect(() => resolvePassword({ passwordFile: 'nope' }, dir, {}, 'stack p')).toThrow(
      `stack p: no restic password: backups.passwordFile ${join(dir, 'nope')} does not exist`,
    );
    expect(() => resolvePassword({}, dir, {}, 'stack p')).toThrow(
      'stack p: no restic password: set backups.passwordEnv or backups.passwordFile in dayops.yaml, or RESTIC_PASSWORD or RESTIC_PASSWORD_FILE in the environment',
    );
  });

  it('turns a retention policy into --keep flags', () => {
    expect(retentionArgs({ hourly: 24, daily: 7, weekly: 4 })).toEqual([
      '--keep-hourly',
      '24',
      '--keep-daily',
      '7',
      '--keep-weekly',
      '4',
    ]);
    expect(retentionArgs({ last: 3, yearly: 0 })).toEqual(['--keep-last', '3']);
    expect(retentionArgs({})).toEqual([]);
  });
});
