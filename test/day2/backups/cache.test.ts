/** The snapshot cache and the event log without restic: when a listing asks restic, and runs left by a dead dayops. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listSnapshots, runBackup } from '../../../src/day2/backups.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, resticEnv } from './util.js';

it("'auto' asks restic only when the cache is stale and the source is not backing off; a failure keeps the cache", async () => {
  const { db, dir } = tmpDb();
  const stack = addStack(db, dir);
  const env = resticEnv(dir, { DAYOPS_RESTIC: join(dir, 'no-restic') });
  const T = Date.parse('2026-11-26T10:00:00Z');
  const first = await listSnapshots(db, stack, { env, now: () => T });
  expect(first).toMatchObject({ refreshed: true, snapshots: [], stale: true, fetchedAt: null });
  expect(first.error).toMatch(/^restic is not installed/);
  // Backing off after the failure: served from the cache without trying.
  const second = await listSnapshots(db, stack, { env, now: () => T + 1000 });
  expect(second).toMatchObject({ refreshed: false, error: first.error });
  expect(new SourcesRepo(db).get('backups:payments')?.failures).toBe(1);
  // Past the backoff it tries again; `refresh: false` never does.
  expect((await listSnapshots(db, stack, { env, now: () => T + 10 * 60_000, refresh: false })).refreshed).toBe(false);
  expect((await listSnapshots(db, stack, { env, now: () => T + 10 * 60_000 })).refreshed).toBe(true);
  expect(new SourcesRepo(db).get('backups:payments')?.failures).toBe(2);
});

it('a backup left running by a dayops that died is marked interrupted by the next one', async () => {
  const { db, dir } = tmpDb();
  const stack = addStack(db, dir);
  const repo = new BackupsRepo(db);
  const id = repo.startEvent({ stackId: stack.id, kind: 'backup', user: 'erin', now: 1000 });
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  db.prepare('UPDATE backup_events SET owner_pid = ? WHERE id = ?').run(Number(dead.stdout), id);
  const live = repo.startEvent({ stackId: stack.id, kind: 'verify', user: 'erin', now: 1000 }); // this process: alive
  // The next backup fails at once (no restic), but first settles what was left running.
  await runBackup(db, stack, { env: resticEnv(dir, { DAYOPS_RESTIC: join(dir, 'no-restic') }) }).catch(() => {});
  expect(repo.event(id)).toMatchObject({
    ok: false,
    error: `interrupted: dayops (pid ${dead.stdout}) stopped before the backup finished`,
  });
  expect(repo.event(live)).toMatchObject({ ok: null, finishedAt: null });
});
