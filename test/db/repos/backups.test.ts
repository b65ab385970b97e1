import { hostname } from 'node:os';
import { expect, test } from 'vitest';
import { BackupsRepo } from '../../../src/db/backups.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { Snapshot } from '../../../src/day2/restic.js';
import { describeEngines } from '../../helpers/engines.js';
import { addStack } from './fixtures.js';

const snap = (id: string, time: number): Snapshot => ({
  id,
  shortId: id.slice(0, 8),
  time,
  hostname: 'h',
  username: 'u',
  paths: ['/srv/data'],
  tags: ['dayops'],
  parent: null,
  tree: `tree-${id}`,
  programVersion: 'restic 0.17.3',
  summary: null,
});

describeEngines('BackupsRepo', (e) => {
  test('snapshots are replaced as a whole, newest first, with the source recorded in the same transaction', () => {
    const backups = new BackupsRepo(e.db);
    const s = addStack(e.db).id;
    backups.replaceSnapshots(s, [snap('aaaaaaaaaa', 100), snap('bbbbbbbbbb', 300)], 400, () =>
      new SourcesRepo(e.db).recordOk('backups:web', 400),
    );
    expect(backups.snapshots(s).map((x) => x.id)).toEqual(['bbbbbbbbbb', 'aaaaaaaaaa']);
    expect(backups.snapshots(s)[0]).toEqual(snap('bbbbbbbbbb', 300));
    backups.replaceSnapshots(s, [snap('cccccccccc', 500)], 600);
    expect(backups.snapshots(s).map((x) => x.shortId)).toEqual(['cccccccc']);
    expect(() =>
      backups.replaceSnapshots(s, [], 700, () => {
        throw new Error('source failed');
      }),
    ).toThrow('source failed');
    expect(backups.snapshots(s)).toHaveLength(1);
  });

  test('events: started running, finished once, read back newest first and by kind', () => {
    const backups = new BackupsRepo(e.db);
    const s = addStack(e.db).id;
    const a = backups.startEvent({ stackId: s, kind: 'backup', user: 'alice', now: 100 });
    expect(backups.event(a)).toMatchObject({ ok: null, finishedAt: null, user: 'alice', trigger: 'cli' });
    backups.finish(a, { ok: true, snapshotId: 'snap1', detail: { bytes: 12 } }, 200);
    backups.finish(a, { ok: false, error: 'late' }, 300);
    expect(backups.event(a)).toMatchObject({ ok: true, snapshotId: 'snap1', detail: { bytes: 12 }, finishedAt: 200 });
    const v = backups.startEvent({ stackId: s, kind: 'verify', user: 'bob', trigger: 'schedule', now: 400 });
    expect(backups.last(s, 'verify')?.id).toBe(v);
    expect(backups.lastFinished(s, 'verify')).toBeUndefined();
    backups.finish(v, { ok: false, error: 'mismatch' }, 500);
    expect(backups.lastFinished(s, 'verify')).toMatchObject({ ok: false, error: 'mismatch' });
    expect(backups.events(s).map((x) => x.id)).toEqual([v, a]);
    expect(backups.events(s, 1)).toHaveLength(1);
    const self = backups.startEvent({ stackId: null, kind: 'self', user: 'alice', now: 600 });
    expect(backups.lastSelfBackup()?.id).toBe(self);
  });

  test('markInterrupted fails events of this host whose process is gone', () => {
    const backups = new BackupsRepo(e.db);
    const s = addStack(e.db).id;
    const mine = backups.startEvent({ stackId: s, kind: 'backup', user: 'a' });
    e.db.prepare('UPDATE backup_events SET owner_pid = ? WHERE id = ?').run(999_999, mine);
    const other = backups.startEvent({ stackId: s, kind: 'prune', user: 'a' });
    e.db.prepare('UPDATE backup_events SET owner_host = ?, owner_pid = ? WHERE id = ?').run('elsewhere', 1, other);
    expect(backups.markInterrupted(() => false, 1000)).toBe(1);
    expect(backups.event(mine)).toMatchObject({ ok: false, finishedAt: 1000 });
    expect(backups.event(mine)?.error).toMatch(/interrupted: dayops \(pid 999999\)/);
    expect(backups.event(other)?.finishedAt).toBeNull();
    expect(hostname()).not.toBe('elsewhere');
  });

  test('status rows: per stack, blueprint targets from JSON, newest verify, reachable test, backup, source', () => {
    const backups = new BackupsRepo(e.db);
    const stacks = new StacksRepo(e.db);
    const web = stacks.upsert({
      name: 'web',
      dir: '/w',
      tool: 'terraform',
      environment: 'prod',
      blueprint: { successCriteria: { rpoMinutes: 60, rtoMinutes: 15 } },
    }).id;
    const api = stacks.upsert({ name: 'api', dir: '/a', tool: 'terraform', environment: 'dev', blueprint: 'x' }).id;
    backups.replaceSnapshots(web, [snap('aaaaaaaaaa', 100), snap('bbbbbbbbbb', 300)], 400);
    const t = backups.startEvent({ stackId: web, kind: 'verify', user: 'a', now: 500 });
    backups.finish(t, { ok: true, detail: { restoreMs: 1234 } }, 510);
    const u = backups.startEvent({ stackId: web, kind: 'verify', user: 'a', now: 600 });
    backups.finish(u, { ok: false, error: 'repo locked', detail: { unreachable: true } }, 610);
    const b = backups.startEvent({ stackId: web, kind: 'backup', user: 'a', now: 700 });
    backups.finish(b, { ok: false, error: 'disk full' }, 710);
    new SourcesRepo(e.db).recordFailure('backups:web', 'timeout', 800);
    expect(backups.statusRows().map((r) => r.name)).toEqual(['api', 'web']);
    expect(backups.statusRow(web)).toEqual({
      stackId: web,
      name: 'web',
      dir: '/w',
      blueprintRpoMinutes: 60,
      blueprintRtoMinutes: 15,
      lastSnapshotAt: 300,
      snapshotCount: 2,
      verifyAt: 610,
      verifyOk: false,
      verifyError: 'repo locked',
      verifyUnreachable: true,
      testedAt: 510,
      testedOk: true,
      testedError: null,
      testedRestoreMs: 1234,
      backupAt: 710,
      backupOk: false,
      backupError: 'disk full',
      sourceAttemptedAt: 800,
      sourceOkAt: null,
      sourceError: 'timeout',
    });
    expect(backups.statusRow(api)).toMatchObject({
      blueprintRpoMinutes: null,
      lastSnapshotAt: null,
      snapshotCount: 0,
      verifyAt: null,
      verifyUnreachable: false,
      sourceAttemptedAt: null,
    });
  });
});
