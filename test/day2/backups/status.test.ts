/**
 * backupStatus from the cache with a fake clock: on time, late against the RPO (dayops.yaml, else the Day-0
 * design), late against the schedule when there is no RPO, missing; and the batch for every stack.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { stackConfigSchema } from '../../../src/config/stack-config.js';
import { BACKUP_STALE_AFTER_MS, backupStatus, backupStatusAll, SCHEDULE_GRACE_MS } from '../../../src/day2/backups.js';
import type { Snapshot } from '../../../src/day2/restic.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import type { DB } from '../../../src/db/open.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import type { Stack } from '../../../src/domain/stack.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack } from './util.js';

const MIN = 60_000;
const T = Date.parse('2026-11-26T10:00:05Z');

let seq = 0;
function snap(time: number): Snapshot {
  const id = (++seq).toString(16).padStart(64, 'a');
  return {
    id,
    shortId: id.slice(0, 8),
    time,
    hostname: 'dayops',
    username: 'ops',
    paths: ['/x'],
    tags: ['dayops'],
    parent: null,
    tree: 'f'.repeat(64),
    programVersion: null,
    summary: null,
  };
}

/** What a successful listing stores: the snapshots and the source's success, at `fetchedAt`. */
function listed(db: DB, stack: Stack, times: number[], fetchedAt: number): void {
  const sources = new SourcesRepo(db);
  new BackupsRepo(db).replaceSnapshots(stack.id, times.map(snap), fetchedAt, () =>
    sources.recordOk(`backups:${stack.name}`, fetchedAt),
  );
}

describe('backupStatus', () => {
  it('is missing without snapshots, on time within the RPO, late past it', () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { rpoMinutes: 60 });
    expect(backupStatus(db, stack, T)).toMatchObject({
      status: 'missing',
      lastSnapshotAt: null,
      ageMinutes: null,
      rpoMinutes: 60,
      rpoSource: 'config',
      stale: true,
    });

    listed(db, stack, [T - 3 * 60 * MIN, T], T + MIN);
    expect(backupStatus(db, stack, T + 30 * MIN)).toMatchObject({
      status: 'on-time',
      lastSnapshotAt: T,
      ageMinutes: 30,
      snapshotCount: 2,
      stale: false,
      fetchedAt: T + MIN,
    });
    expect(backupStatus(db, stack, T + 60 * MIN).status).toBe('on-time');
    expect(backupStatus(db, stack, T + 61 * MIN)).toMatchObject({ status: 'late', ageMinutes: 61 });
  });

  it("takes the RPO from the stack's Day-0 design when dayops.yaml has none", () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, {
      blueprint: {
        name: 'payments',
        successCriteria: { availabilitySlo: 99.9, p95LatencyMs: 300, rpoMinutes: 15, rtoMinutes: 60 },
      },
    });
    listed(db, stack, [T], T);
    expect(backupStatus(db, stack, T + 14 * MIN)).toMatchObject({
      status: 'on-time',
      rpoMinutes: 15,
      rpoSource: 'blueprint',
    });
    expect(backupStatus(db, stack, T + 16 * MIN).status).toBe('late');
    // dayops.yaml wins over the design.
    const withRpo = addStack(db, dir, {
      name: 'billing',
      rpoMinutes: 30,
      blueprint: { successCriteria: { rpoMinutes: 15 } },
    });
    expect(backupStatus(db, withRpo, T + 16 * MIN)).toMatchObject({ rpoMinutes: 30, rpoSource: 'config' });
  });

  it('without an RPO, is late only when a scheduled run plus a grace period passed with no snapshot', () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { backups: { repository: '../repo', schedule: '0 * * * *' } });
    listed(db, stack, [T], T); // 10:00:05; the next run is 11:00
    const next = Date.parse('2026-11-26T11:00:00Z');
    expect(backupStatus(db, stack, next + SCHEDULE_GRACE_MS - 1000)).toMatchObject({
      status: 'on-time',
      rpoMinutes: null,
      schedule: '0 * * * *',
    });
    expect(backupStatus(db, stack, next + SCHEDULE_GRACE_MS + 1000).status).toBe('late');
    // Neither an RPO nor a schedule: a snapshot is never late.
    const plain = addStack(db, dir, { name: 'plain' });
    listed(db, plain, [T], T);
    expect(backupStatus(db, plain, T + 1000 * 60 * MIN).status).toBe('on-time');
  });

  it('shows the last restore test and the last backup, and a failed listing as stale with its error', () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { rpoMinutes: 60 });
    const repo = new BackupsRepo(db);
    listed(db, stack, [T], T);
    const ok = repo.startEvent({ stackId: stack.id, kind: 'verify', user: 'u', now: T });
    repo.finish(ok, { ok: true, snapshotId: 'a' }, T + MIN);
    const bad = repo.startEvent({ stackId: stack.id, kind: 'verify', user: 'u', now: T + 2 * MIN });
    repo.finish(bad, { ok: false, error: 'restic restore: ciphertext verification failed' }, T + 3 * MIN);
    repo.startEvent({ stackId: stack.id, kind: 'verify', user: 'u', now: T + 4 * MIN }); // still running: not a result
    const b = repo.startEvent({ stackId: stack.id, kind: 'backup', user: 'u', now: T + 5 * MIN });
    repo.finish(b, { ok: false, error: 'wrong password' }, T + 6 * MIN);
    new SourcesRepo(db).recordFailure('backups:payments', 'wrong password', T + 6 * MIN);

    const s = backupStatus(db, stack, T + 10 * MIN);
    expect(s.lastRestoreTest).toEqual({
      at: T + 3 * MIN,
      ok: false,
      error: 'restic restore: ciphertext verification failed',
      restoreMs: null, // an event without a measured restore (as before dayops measured it)
    });
    expect(s.lastBackup).toEqual({ at: T + 6 * MIN, ok: false, error: 'wrong password' });
    expect(s).toMatchObject({ stale: true, error: 'wrong password', fetchedAt: T, status: 'on-time' });
  });

  it('a listing older than the stale limit is stale', () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir);
    listed(db, stack, [T], T);
    expect(backupStatus(db, stack, T + BACKUP_STALE_AFTER_MS).stale).toBe(false);
    expect(backupStatus(db, stack, T + BACKUP_STALE_AFTER_MS + 1).stale).toBe(true);
    expect(
      backupStatus(db, stack, T + BACKUP_STALE_AFTER_MS + 1, { staleAfterMs: 2 * BACKUP_STALE_AFTER_MS }).stale,
    ).toBe(false);
  });

  it('follows edits of dayops.yaml', () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { rpoMinutes: 60 });
    listed(db, stack, [T], T);
    expect(backupStatus(db, stack, T + 90 * MIN).status).toBe('late');
    writeFileSync(
      join(stack.dir, 'dayops.yaml'),
      stringify({ name: 'payments', backups: { repository: '../repo' }, rpoMinutes: 120 }) + '# edited\n',
    );
    expect(backupStatus(db, stack, T + 90 * MIN)).toMatchObject({ status: 'on-time', rpoMinutes: 120 });
    writeFileSync(join(stack.dir, 'dayops.yaml'), 'rpoMinutes: [not a number\n');
    expect(backupStatus(db, stack, T + 90 * MIN).error).toMatch(/dayops.yaml/);
  });
});

describe('backupStatusAll', () => {
  it('gives every stack the same answer as backupStatus, from one query', () => {
    const { db, dir } = tmpDb();
    const stacks = [
      addStack(db, dir, { name: 'a', rpoMinutes: 60 }),
      addStack(db, dir, { name: 'b', rpoMinutes: 10 }),
      addStack(db, dir, { name: 'c' }),
      addStack(db, dir, { name: 'd', backups: null }),
      addStack(db, dir, { name: 'e', blueprint: { successCriteria: { rpoMinutes: 5 } } }),
    ];
    listed(db, stacks[0], [T], T);
    listed(db, stacks[1], [T - 60 * MIN], T);
    listed(db, stacks[4], [T - 6 * MIN], T);
    const now = T + 20 * MIN;
    const all = backupStatusAll(db, now);
    expect(all.map((s) => [s.stack, s.configured, s.status])).toEqual([
      ['a', true, 'on-time'],
      ['b', true, 'late'],
      ['c', true, 'missing'],
      ['d', false, 'missing'],
      ['e', true, 'late'],
    ]);
    for (const s of stacks) expect(all.find((x) => x.stackId === s.id)).toEqual(backupStatus(db, s, now));
    expect(all.find((s) => s.stack === 'd')).toMatchObject({ stale: false, error: null });
  });

  it('uses configs the caller already has', () => {
    const { db, dir } = tmpDb();
    const stack = addStack(db, dir, { rpoMinutes: 60 });
    listed(db, stack, [T], T);
    const configs = new Map([['payments', stackConfigSchema.parse({ rpoMinutes: 5, backups: { repository: 'r' } })]]);
    expect(backupStatusAll(db, T + 10 * MIN, { configs })[0]).toMatchObject({ rpoMinutes: 5, status: 'late' });
  });

  it('answers for many stacks at once (the 1,000-stack timing is in bench/backups.ts)', () => {
    const { db, dir } = tmpDb();
    const repo = new BackupsRepo(db);
    db.transaction(() => {
      for (let i = 0; i < 200; i++) {
        const s = addStack(db, dir, { name: `s${i}`, rpoMinutes: 60, files: {} });
        if (i % 2 === 0) listed(db, s, [T - i * MIN], T);
        if (i % 3 === 0)
          repo.finish(repo.startEvent({ stackId: s.id, kind: 'verify', user: 'u', now: T }), { ok: i % 6 === 0 }, T);
      }
    })();
    const all = backupStatusAll(db, T);
    expect(all).toHaveLength(200);
    const byName = new Map(all.map((s) => [s.stack, s]));
    expect(byName.get('s0')).toMatchObject({ status: 'on-time', lastRestoreTest: { ok: true } });
    expect(byName.get('s1')).toMatchObject({ status: 'missing', lastRestoreTest: null });
    expect(byName.get('s62')?.status).toBe('late');
    expect(byName.get('s3')?.lastRestoreTest?.ok).toBe(false);
  });
});
