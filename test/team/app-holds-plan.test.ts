/**
 * Team mode: a run the open app planned and parked keeps its plan in that app; an approval given from another
 * machine (which has no plan folder) is applied by the app, from the same plan, and `approve` sees it end.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../src/db/open.js';
import { RunService } from '../../src/day1/runs.js';
import { runDirFor } from '../../src/day1/runner/rundir.js';
import { teamLocalPath } from '../../src/db/pg/database.js';
import { SKIP_POSTGRES } from '../helpers/postgres.js';
import { startTeamServer, type TeamServer } from '../helpers/team-server.js';
import { tmpDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';
import { appliedCount, customStack, until } from '../day1/runs/helpers.js';

describe.skipIf(SKIP_POSTGRES)('the open app holds the plans it parked (team mode)', () => {
  let team: TeamServer;
  const dbs: DB[] = [];
  const services: RunService[] = [];
  beforeAll(async () => {
    team = await startTeamServer(tmpDir('dayops-hold-'));
  }, 60_000);
  afterAll(async () => {
    for (const s of services) await s.shutdown();
    for (const d of dbs) d.close();
    await team?.stop();
  });

  function serviceOn(url: string, machine: string): RunService {
    const db = openDatabase(url);
    dbs.push(db);
    const svc = new RunService(db, {
      dbPath: teamLocalPath(url, machine),
      user: 'ignored-in-team-mode',
      handleSignals: false,
      pollMs: 40,
      graceMs: 300,
      holdParkedPlans: true,
    });
    services.push(svc);
    return svc;
  }

  it('an approval from a machine without the plan is applied by the app that planned it', async () => {
    const url = team.fresh();
    const app = serviceOn(url, tmpDir('machine-a-'));
    const stack = customStack({ db: dbs[0] });
    const id = await app.start(stack.name);
    await until(() => app.get(id)?.state === 'UNCONFIRMED' && app.get(id)?.owner !== null, 30_000);
    expect(existsSync(runDirFor(app.dbPath, id))).toBe(true);

    // Another machine: another process, whose data folder (and so run folders) is its own.
    const other = tmpDir('machine-b-');
    expect(existsSync(runDirFor(teamLocalPath(url, `${other}/dayops/team`), id))).toBe(false);
    const r = await runCli(['--db', url, 'approve', String(id)], { env: { XDG_DATA_HOME: other } });
    expect(r.stderr).not.toMatch(/plan folder .* is gone/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete!');
    expect(app.get(id)?.state).toBe('FINISHED');
    expect(appliedCount(stack.dir)).toBe(1);
    // Applied where the plan was: the folder is gone with the run's end, and the other machine made none.
    expect(existsSync(runDirFor(app.dbPath, id))).toBe(false);
  }, 90_000);
});
