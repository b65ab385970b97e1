/**
 * `dayops demo`: what it makes (stacks in each environment with Day-0 designs, runs with logs, drift with an
 * accepted resource, cached alerts, snapshots), that its runnable stack really plans and applies on this machine,
 * that it never writes into a real database, and that running it again refreshes it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertsRepo } from '../../../src/db/alerts.js';
import { AuditRepo } from '../../../src/db/audit.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { LogsRepo } from '../../../src/db/logs.js';
import { openDatabase } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { createDemo, DEMO_LOCAL, demoWorkspace } from '../../../src/demo/index.js';
import { driftedResources } from '../../../src/day2/drift.js';
import { stackStatuses } from '../../../src/day2/status.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('dayops demo', () => {
  it('makes stacks in dev, staging and prod with designs, history, drift, alerts and backups', async () => {
    const dbPath = join(tmpDir(), 'demo.db');
    const r = await createDemo({ dbPath, user: 'tester' });
    expect(r.replaced).toBe(false);
    const db = openDatabase(dbPath);
    try {
      const stacks = new StacksRepo(db).list();
      const byEnv = (e: string) => stacks.filter((s) => s.environment === e).length;
      expect(byEnv('dev')).toBeGreaterThanOrEqual(2);
      expect(byEnv('staging')).toBeGreaterThanOrEqual(2);
      expect(byEnv('prod')).toBeGreaterThanOrEqual(2);
      // Day-0 designs: real files in each designed stack's folder, inside the demo workspace.
      const designed = stacks.filter((s) => s.tool === 'opentofu');
      for (const s of designed) {
        expect(s.dir.startsWith(demoWorkspace(dbPath))).toBe(true);
        for (const f of ['blueprint.yaml', 'dayops.yaml', 'DESIGN.md'])
          expect(existsSync(join(s.dir, f)), `${s.name}/${f}`).toBe(true);
        expect(readFileSync(join(s.dir, 'dayops.yaml'), 'utf8')).toContain('http://127.0.0.1:9093');
      }
      const statuses = new Map(stackStatuses(db, Date.now()).map((s) => [s.name, s]));
      // Past runs with logs and plans; every state a newcomer should see.
      const runs = new RunsRepo(db);
      const all = runs.list({ limit: 1000 });
      const states = new Set(all.map((x) => x.state));
      for (const st of ['FINISHED', 'FAILED', 'POLICY_DENIED', 'DISCARDED'])
        expect(states.has(st as never), st).toBe(true);
      const logs = new LogsRepo(db);
      const deploy = all.find((x) => x.purpose === 'deploy' && x.state === 'FINISHED' && x.stackTool === 'opentofu')!;
      const text = logs
        .page(deploy.id, 1, 1000)
        .map((l) => l.text)
        .join('\n');
      expect(text).toContain('Initializing provider plugins...');
      expect(text).toMatch(/Plan: \d+ to add, \d+ to change, \d+ to destroy\./);
      expect(text).toMatch(/Apply complete! Resources:/);
      expect(runs.detail(deploy.id)!.plan!.changes.length).toBeGreaterThan(0);
      // Drift: some drifted, one accepted, a failed check.
      const shop = statuses.get('shop-prod')!;
      expect(shop.drift.status).toBe('drifted');
      expect(shop.drift.accepted).toBe(1);
      const accepted = driftedResources(db, shop.stackId).find((x) => x.triage.state === 'accepted');
      expect(accepted?.triage.note).toMatch(/FinOps/);
      expect(statuses.get('identity-prod')!.drift.status).toBe('failed');
      expect(statuses.get('shop-dev')!.drift.status).toBe('unknown');
      // Alerts: cached with severities, one acknowledged, one silenced.
      const alerts = new AlertsRepo(db).list();
      expect(alerts.some((a) => a.severity === 'critical')).toBe(true);
      expect(alerts.some((a) => a.severity === 'warning')).toBe(true);
      expect(alerts.some((a) => a.acknowledged)).toBe(true);
      expect(alerts.some((a) => a.state === 'silenced')).toBe(true);
      // Backups: on time, late, missing, a failed restore test.
      const backup = (n: string) => statuses.get(n)!.backup;
      expect(backup('shop-prod').status).toBe('on-time');
      expect(backup('analytics-prod').status).toBe('late');
      expect(backup('analytics-prod').lastRestoreTest?.ok).toBe(false);
      expect(backup('shop-staging').status).toBe('missing');
      expect(new BackupsRepo(db).snapshots(shop.stackId).length).toBeGreaterThan(10);
      // demo-local really ran here: deployed, then drifted by hand, found by a real drift check.
      const local = statuses.get(DEMO_LOCAL)!;
      expect(local.tool).toBe('custom');
      expect(local.drift.status).toBe('drifted');
      const localRuns = runs.list({ stack: DEMO_LOCAL });
      expect(localRuns.map((x) => `${x.purpose}:${x.state}`).sort()).toEqual(['deploy:FINISHED', 'drift:FINISHED']);
      expect(readFileSync(join(local.dir, 'managed', 'motd.txt'), 'utf8')).toContain('dayops demo');
      expect(driftedResources(db, local.stackId).map((x) => x.address)).toEqual(['local_file.app_env']);
      // The audit log has what the demo's operators did.
      const actions = new Set(new AuditRepo(db).list(1000).map((e) => e.action));
      for (const a of ['design', 'approve', 'drift-accept', 'acknowledge']) expect(actions.has(a), a).toBe(true);
    } finally {
      db.close();
    }
  });

  it('refuses a database that has stacks of its own, and changes nothing there', async () => {
    const dir = tmpDir();
    const dbPath = join(dir, 'real.db');
    const db = openDatabase(dbPath);
    new StacksRepo(db).upsert({ name: 'payments', dir: join(dir, 'payments'), tool: 'opentofu', environment: 'prod' });
    db.close();
    await expect(createDemo({ dbPath, user: 'tester', runLocal: false })).rejects.toThrow(
      /has stacks that are not demo stacks \(payments\)/,
    );
    const again = openDatabase(dbPath);
    try {
      expect(new StacksRepo(again).list().map((s) => s.name)).toEqual(['payments']);
    } finally {
      again.close();
    }
    // A folder in the workspace's place that is not a demo workspace is refused too.
    const other = join(tmpDir(), 'demo.db');
    const ws = demoWorkspace(other);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'notes.txt'), 'mine');
    await expect(createDemo({ dbPath: other, user: 'tester', runLocal: false })).rejects.toThrow(
      /is not a dayops demo workspace/,
    );
    expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('run again, it replaces the previous demo (the database and the workspace)', async () => {
    const dbPath = join(tmpDir(), 'demo.db');
    await createDemo({ dbPath, user: 'tester', runLocal: false });
    const marker = join(demoWorkspace(dbPath), 'stacks', 'shop-prod', 'left-over.txt');
    writeFileSync(marker, 'x');
    const r = await createDemo({ dbPath, user: 'tester', runLocal: false });
    expect(r.replaced).toBe(true);
    expect(existsSync(marker)).toBe(false);
    const db = openDatabase(dbPath);
    try {
      const names = new StacksRepo(db).list().map((s) => s.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names).toContain(DEMO_LOCAL);
      expect(new RunsRepo(db).list({ stack: 'shop-prod' }).length).toBe(3);
    } finally {
      db.close();
    }
  });
});

describe('dayops demo (the command)', () => {
  it('goes to its own database by default, prints what it made, and its runnable stack plans and applies', async () => {
    const home = tmpDir();
    const env = { XDG_DATA_HOME: home, DAYOPS_DB: join(home, 'real', 'dayops.db') };
    const r = await runCli(['demo'], { env });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const dbPath = join(home, 'dayops', 'demo', 'demo.db');
    expect(r.stdout).toContain(`Open it: dayops --db ${dbPath}`);
    expect(r.stdout).toMatch(/shop-prod\s+prod\s+opentofu/);
    expect(r.stdout).toMatch(/demo-local\s+dev\s+custom/);
    expect(existsSync(dbPath)).toBe(true);
    // Neither the real database nor the default one was touched.
    expect(existsSync(join(home, 'real', 'dayops.db'))).toBe(false);
    expect(existsSync(join(home, 'dayops', 'dayops.db'))).toBe(false);
    const run = await runCli(['--db', dbPath, 'run', DEMO_LOCAL, '--auto-approve', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    // The JSON document ends the output (the log may stream before it).
    const json = JSON.parse(run.stdout.slice(run.stdout.indexOf('\n{\n') + 1)) as {
      state: string;
      changes: { address: string; action: string }[];
      applied: { changes: unknown[] };
    };
    expect(json.state).toBe('FINISHED');
    expect(json.changes).toEqual([expect.objectContaining({ address: 'local_file.app_env', action: 'update' })]);
    expect(json.applied.changes).toHaveLength(1);
    // The file edited by hand is back as the code says.
    const db = openDatabase(dbPath);
    try {
      const local = new StacksRepo(db).get(DEMO_LOCAL)!;
      expect(readFileSync(join(local.dir, 'managed', 'app.env'), 'utf8')).toContain('LOG_LEVEL=info');
    } finally {
      db.close();
    }
    // --json says the same in a machine's words.
    const again = await runCli(['demo', '--json', '--db', join(tmpDir(), 'x', 'demo.db')], { env });
    expect(again.code).toBe(0);
    const made = JSON.parse(again.stdout) as { stacks: { name: string }[]; openCommand: string };
    expect(made.stacks.map((s) => s.name)).toContain('analytics-staging');
    expect(made.openCommand).toMatch(/^dayops --db /);
  });

  it('refuses --readonly', async () => {
    const r = await runCli(['demo', '--readonly', '--db', join(tmpDir(), 'demo.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
