/**
 * `dayops demo`: a workspace a newcomer can explore at once, in its own database.
 *
 * - Designed stacks in dev, staging and prod (Day-0 designs written by `designStack`, so their folders hold real
 *   blueprint.yaml, dayops.yaml and OpenTofu code), with a history made through the repositories: deploys with
 *   Terraform-like logs and plans, approvals, a failed apply, a policy denial, drift checks (some drifted
 *   resources, one accepted), a failed check, cached alerts of every severity (one acknowledged, one silenced),
 *   snapshots and restore tests (on time, late, missing, a failed restore test).
 * - One stack that really runs here with nothing else installed (`demo-local`, tool `custom`): its plan and
 *   apply are node scripts shipped with dayops (demo/stack/), managing a few files under its folder. It is
 *   deployed for real while the demo is made, then one of its files is edited "by hand" and a real drift check
 *   finds it, so a newcomer can remediate it: a real plan, an approval, an apply. When restic is installed it
 *   also gets a real restic repository with one snapshot.
 *
 * Alerts point at http://127.0.0.1:9093: when nothing listens there they show as stale with the error, which is
 * what dayops shows for any Alertmanager that is down. The prod stacks' SLOs point at a Prometheus on
 * http://127.0.0.1:9090 in the same way (src/demo/slo.ts). The demo never writes into a database that has stacks
 * outside its workspace; run again, it replaces the previous demo (database, workspace, run folders).
 *
 * Split: workspace.ts (paths, options, safety), history.ts (past runs), records.ts (Day-2 records), seed.ts (the
 * designed stacks), local.ts (demo-local); this file makes the demo.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultBlueprint } from '../day0/defaults.js';
import { designStack } from '../app/day0/design.js';
import { DriftRepo } from '../db/drift.js';
import { openDatabase } from '../db/open.js';
import { packageRoot } from '../paths.js';
import {
  DEMO_ALERTMANAGER,
  DEMO_MARKER,
  checkReplaceable,
  demoWorkspace,
  removeOld,
  type DemoOptions,
  type DemoResult,
} from './workspace.js';
import { SPECS } from './seed.js';
import { addressesOf, type Designed } from './history.js';
import { makeLocal } from './local.js';
import { seedSlos } from './slo.js';

export {
  DEMO_ALERTMANAGER,
  DEMO_LOCAL,
  DEMO_MARKER,
  defaultDemoDbPath,
  demoWorkspace,
  type DemoOptions,
  type DemoResult,
  type DemoStack,
} from './workspace.js';

/** Make (or remake) the demo. Throws UserError when the database or folder is not the demo's. */
export async function createDemo(opts: DemoOptions): Promise<DemoResult> {
  const dbPath = resolve(opts.dbPath);
  const workspace = demoWorkspace(dbPath);
  const { existed, runIds } = checkReplaceable(dbPath, workspace);
  removeOld(dbPath, workspace, runIds);
  mkdirSync(join(workspace, 'stacks'), { recursive: true });
  writeFileSync(
    join(workspace, DEMO_MARKER),
    'This folder was made by `dayops demo` and is replaced when it runs again.\n',
  );
  const now = opts.now ?? Date.now();
  const result: DemoResult = {
    dbPath,
    workspace,
    replaced: existed,
    stacks: [],
    local: { deployRunId: null, driftRunId: null, snapshot: null, notes: [] },
    openCommand: `dayops --db ${dbPath}`,
  };
  const db = openDatabase(dbPath);
  try {
    const drift = new DriftRepo(db);
    for (const spec of SPECS) {
      const bp = defaultBlueprint(spec.cloud, spec.name, spec.env);
      bp.metadata.owner = spec.name.startsWith('shop')
        ? 'shop-team'
        : spec.name.startsWith('analytics')
          ? 'data-team'
          : 'platform-team';
      bp.metadata.description = `dayops demo: ${spec.shows}`;
      bp.day2.alerting.alertmanagerUrl = DEMO_ALERTMANAGER;
      opts.onProgress?.(`designing ${spec.name} (${spec.env}, ${spec.cloud}) and its history`);
      const r = designStack(db, bp, join(workspace, 'stacks', spec.name), { user: 'alice' });
      if (!r.stack) {
        const why =
          r.findings.filter((f) => f.severity === 'error').map((f) => f.message)[0] ??
          `refused files ${r.refused.join(', ')}`;
        throw new Error(`the demo design of ${spec.name} was not written: ${why}`);
      }
      const d: Designed = { stack: r.stack, bp, addresses: addressesOf(r.files) };
      spec.fill(db, d, now);
      seedSlos(db, r.stack, now);
      // The schedules in its dayops.yaml start from now, so opening the demo does not run every job at once.
      for (const job of ['drift', 'backup', 'restore-test'] as const) {
        drift.recordScheduleRun({ stackId: r.stack.id, job, lastRunAt: now, finishedAt: now, ok: true, error: null });
      }
      result.stacks.push({
        name: spec.name,
        environment: spec.env,
        tool: r.stack.tool,
        dir: r.stack.dir,
        shows: spec.shows,
      });
    }
    result.stacks.push(await makeLocal(db, workspace, opts, result));
  } finally {
    db.close();
  }
  return result;
}

/** The demo's files shipped with dayops (a fresh checkout or install must have them). */
export function demoAssetsPresent(): boolean {
  const dir = join(packageRoot(), 'demo', 'stack');
  return ['plan.mjs', 'apply.mjs', 'lib.mjs'].every((f) => existsSync(join(dir, f)));
}
