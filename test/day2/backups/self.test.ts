/** `backup self`: a consistent copy of dayops' own database while another process keeps writing to it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupSelf } from '../../../src/day2/backups.js';
import { Restic } from '../../../src/day2/restic.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { ROOT } from '../../helpers/cli.js';
import { tmpDb } from '../../helpers/tmp.js';
import { describeRestic, PASSWORD, resticEnv } from './util.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

// Another process writing to the same database: each transaction appends a pair of audit rows (a, b) that
// belong together, so a copy taken mid-transaction would hold an `a` without its `b`.
const WRITER = `
import Database from 'better-sqlite3';
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
const ins = db.prepare("INSERT INTO audit_log (at, user, action, detail) VALUES (?, 'writer', ?, ?)");
const pair = db.transaction((n) => { ins.run(Date.now(), 'pair-a', String(n)); ins.run(Date.now(), 'pair-b', String(n)); });
let n = 0;
let stop = false;
process.on('SIGTERM', () => { stop = true; });
function loop() {
  for (let i = 0; i < 20; i++) pair(n++);
  if (n === 200) process.stdout.write('ready\\n');
  if (stop) { process.stdout.write('wrote ' + n + '\\n'); db.close(); process.exit(0); }
  setImmediate(loop);
}
loop();
`;

function startWriter(dbPath: string): Promise<{ child: ChildProcess; stop: () => Promise<number> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, dbPath], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready') && !out.includes('resolved')) {
        out += 'resolved';
        resolve({
          child,
          stop: () =>
            new Promise<number>((res) => {
              child.once('close', () => res(Number(/wrote (\d+)/.exec(out)?.[1] ?? -1)));
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

describe('backup self', () => {
  it('copies the database consistently while another connection writes', async () => {
    const { db, path, dir } = tmpDb();
    // Some bulk, so the copy has many pages to move.
    const fill = db.prepare("INSERT INTO audit_log (at, user, action, detail) VALUES (?, 'seed', 'seed', ?)");
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) fill.run(i, 'x'.repeat(200));
    })();
    const writer = await startWriter(path);
    const before = (db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pair-a'").get() as { n: number }).n;
    const out = join(dir, 'copies', 'dayops-copy.db');
    const r = await backupSelf(db, path, { to: out, user: 'erin' });
    const wrote = await writer.stop();

    expect(r).toMatchObject({ file: out, integrity: 'ok', repository: null, snapshotId: null });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'copies'))).toEqual(['dayops-copy.db']); // no partial file left behind
    const copy = new Database(out, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const count = (action: string) =>
        (copy.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE action = ?').get(action) as { n: number }).n;
      const a = count('pair-a');
      expect(a).toBe(count('pair-b'));
      expect(a).toBeGreaterThanOrEqual(before);
      expect(a).toBeLessThan(wrote); // the writer went on after the copy's moment
      expect(count('seed')).toBe(20_000);
      // The copy is a dayops database at the same schema version.
      expect(copy.pragma('user_version', { simple: true })).toBe(db.pragma('user_version', { simple: true }));
    } finally {
      copy.close();
    }
    expect(new BackupsRepo(db).lastSelfBackup()).toMatchObject({ ok: true, user: 'erin', stackId: null });
    const audit = db.prepare("SELECT user, detail FROM audit_log WHERE action = 'backup-self'").all() as {
      user: string;
      detail: string;
    }[];
    expect(audit).toHaveLength(1);
    expect(audit[0].user).toBe('erin');
    expect(JSON.parse(audit[0].detail)).toMatchObject({ ok: true, file: out });
  });

  it('names the copy after the time by default, next to the database', async () => {
    const { db, path, dir } = tmpDb();
    const r = await backupSelf(db, path, { now: () => Date.parse('2026-11-26T05:47:48.123Z') });
    expect(r.file).toBe(join(dir, 'backups', 'dayops-20261126T054748Z.db'));
    expect(existsSync(r.file)).toBe(true);
  });

  it('refuses to overwrite the database itself', async () => {
    const { db, path } = tmpDb();
    await expect(backupSelf(db, path, { to: path })).rejects.toThrow(`backup self: ${path} is the database itself`);
  });
});

describeRestic('backup self into restic', () => {
  it('also backs up the copy with restic when a repository is configured', async () => {
    const { db, path, dir } = tmpDb();
    const env = resticEnv(dir, { DAYOPS_SELF_REPOSITORY: join(dir, 'self-repo') });
    const r = await backupSelf(db, path, { env });
    expect(r.file).toBe(join(dir, 'backups', 'dayops-self.db'));
    expect(r.repository).toBe(join(dir, 'self-repo'));
    expect(r.snapshotId).toMatch(/^[0-9a-f]{8,64}$/);
    expect(r.notices).toContain(`created the restic repository ${join(dir, 'self-repo')}`);
    const restic = new Restic({
      repository: join(dir, 'self-repo'),
      password: { kind: 'env', from: '$RESTIC_PASSWORD', value: PASSWORD },
      env,
    });
    const snaps = await restic.snapshots({ tags: ['dayops-self'] });
    expect(snaps).toHaveLength(1);
    expect(snaps[0].paths).toEqual([r.file]);
    expect(new BackupsRepo(db).lastSelfBackup()).toMatchObject({ ok: true, snapshotId: r.snapshotId });
  });
});
