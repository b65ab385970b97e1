/**
 * One vocabulary for runs (issue 8): `dayops status`, `dayops runs` and `--json` name a run and its state with the
 * same words (src/domain/run-words.ts). A plan-only run is `proposed`, never `deploy`; waiting for approval is `◆`.
 * The BUILT cli (`npx tsc -p .` first).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

function seed(): string {
  const root = tmpDir();
  const dbPath = join(root, 'dayops.db');
  const db = openDatabase(dbPath);
  try {
    const stacks = new StacksRepo(db);
    const mk = (name: string) => {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'dayops.yaml'), `name: ${name}\ntool: custom\ncustom: { plan: [make, plan] }\n`);
      return stacks.upsert({ name, dir, tool: 'custom', environment: 'dev' });
    };
    const web = mk('web');
    const api = mk('api');
    const runs = new RunsRepo(db);
    const owner = { host: 'h', pid: 1, start: null };
    const create = (stackId: number, kind: 'tracked' | 'proposed', purpose: 'deploy' | 'drift' | 'remediation') => {
      const r = runs.create({ stackId, kind, purpose, triggeredBy: 'ops', trigger: 'cli', autoApply: false, owner });
      runs.tryStart(r.id, owner);
      runs.move(r.id, 'plan');
      return r.id;
    };
    // web: a plan-only (proposed) run that failed
    runs.move(create(web.id, 'proposed', 'deploy'), 'fail', { patch: { error: 'plan failed: boom' } });
    // api: a drift check, then a tracked run waiting for approval
    runs.move(create(api.id, 'proposed', 'drift'), 'finish');
    runs.move(create(api.id, 'tracked', 'deploy'), 'park', { patch: { summary: { add: 1, change: 0, destroy: 0 } } });
  } finally {
    db.close();
  }
  return dbPath;
}

describe('runs have one name and one state everywhere', () => {
  it('status: a plan-only run that failed is "proposed ✗ FAILED", not "deploy FAILED"; a waiting run is ◆', async () => {
    const db = seed();
    const r = await runCli(['--db', db, 'status']);
    expect(r.code).toBe(0);
    const web = r.stdout.split('\n').find((l) => l.startsWith('web'))!;
    expect(web).toContain('#1 proposed ✗ FAILED');
    expect(web).not.toContain('deploy');
    const api = r.stdout.split('\n').find((l) => l.startsWith('api'))!;
    expect(api).toContain('#3 tracked ◆ UNCONFIRMED');
  });

  it('runs: KIND is the run name, STATE has the same symbol; --json keeps kind/purpose and adds kindName', async () => {
    const db = seed();
    const r = await runCli(['--db', db, 'runs']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows.find((l) => l.startsWith('3 '))).toMatch(/◆ UNCONFIRMED\s+tracked\s/);
    expect(rows.find((l) => l.startsWith('2 '))).toMatch(/✓ FINISHED\s+drift\s/);
    expect(rows.find((l) => l.startsWith('1 '))).toMatch(/✗ FAILED\s+proposed\s/);
    expect(r.stdout).not.toContain('proposed/drift');

    const j = await runCli(['--db', db, 'runs', '--json']);
    const doc = JSON.parse(j.stdout) as { runs: Record<string, unknown>[] };
    expect(doc.runs.map((x) => [x.id, x.kind, x.purpose, x.kindName, x.state])).toEqual([
      [3, 'tracked', 'deploy', 'tracked', 'UNCONFIRMED'],
      [2, 'proposed', 'drift', 'drift', 'FINISHED'],
      [1, 'proposed', 'deploy', 'proposed', 'FAILED'],
    ]);
    const s = await runCli(['--db', db, 'status', '--json']);
    const st = JSON.parse(s.stdout) as { stacks: { name: string; lastRun: Record<string, unknown> }[] };
    expect(st.stacks.find((x) => x.name === 'web')!.lastRun).toMatchObject({
      kind: 'proposed',
      purpose: 'deploy',
      kindName: 'proposed',
      state: 'FAILED',
    });
  });
});
