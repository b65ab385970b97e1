/**
 * `dayops drift STACK...|--all [--json]` as a user runs it (the BUILT cli: `npx tsc -p .` first), with stacks
 * replayed by the fake tofu: exit 0 no drift, 2 drift found, 1 a check failed (1 wins over 2), and the --json
 * shape.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { DriftRepo } from '../../../src/db/drift.js';
import { runCli } from '../../helpers/cli.js';
import { fakeTfStack, type TfScenario } from '../../helpers/fake-tf.js';
import { tmpDir } from '../../helpers/tmp.js';

interface Home {
  db: string;
  env: Record<string, string>;
  add(name: string, scenario: TfScenario, yaml?: string): string;
}

/** A database with OpenTofu stacks, each replaying its own scenario (given to the tool by its dayops.yaml `env`). */
function home(): Home {
  const db = join(tmpDir(), 'dayops.db');
  let env: Record<string, string> = {};
  return {
    db,
    get env() {
      return env;
    },
    add(name, scenario, yaml = '') {
      const tf = fakeTfStack(scenario);
      env = { PATH: tf.env.PATH, DAYOPS_CANCEL_GRACE_MS: '500' };
      writeFileSync(
        join(tf.dir, 'dayops.yaml'),
        `apiVersion: dayops/v1\nkind: Stack\nname: ${name}\ntool: opentofu\nenvironment: dev\nenv:\n  FAKE_TF_SCENARIO: ${JSON.stringify(tf.scenarioDir)}\n  FAKE_TF_LOG: ${JSON.stringify(tf.logFile)}\n${yaml}`,
      );
      const h = openDatabase(db);
      try {
        new StacksRepo(h).upsert({ name, dir: tf.dir, tool: 'opentofu', environment: 'dev' });
      } finally {
        h.close();
      }
      return tf.dir;
    },
  };
}

interface DriftJson {
  stacks: {
    name: string;
    drifted: boolean;
    status: string;
    resources: { address: string; action: string; detail: Record<string, unknown>; source: string }[];
    error?: string;
    runId: number;
  }[];
}

describe('dayops drift', () => {
  it('exit 2 when a stack drifted, with the resources; the --json shape; read-only is allowed', async () => {
    const h = home();
    h.add('payments', 'drift');
    const text = await runCli(['--db', h.db, 'drift', 'payments'], { env: h.env });
    expect(text.stderr).toContain('dayops: checking payments for drift');
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^payments: drifted: 2 open \[run 1\]$/m);
    expect(text.stdout).toContain('~ terraform_data.web (input.size: "small" -> "medium"');
    expect(text.stdout).toContain('- terraform_data.old');

    const json = await runCli(['--db', h.db, '--readonly', 'drift', 'payments', '--json'], { env: h.env });
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as DriftJson;
    expect(doc.stacks).toHaveLength(1);
    const s = doc.stacks[0];
    expect(s).toMatchObject({ name: 'payments', drifted: true, status: 'drifted', runId: 2 });
    expect(s.error).toBeUndefined();
    expect(s.resources.map((r) => [r.address, r.action, r.source]).sort()).toEqual([
      ['terraform_data.old', 'delete', 'both'],
      ['terraform_data.web', 'update', 'both'],
    ]);
    const web = s.resources.find((r) => r.address === 'terraform_data.web')!;
    expect(web.detail).toMatchObject({
      fields: expect.arrayContaining([{ path: 'input.size', before: 'small', after: 'medium' }]),
    });

    // recorded like any check
    const db = openDatabase(h.db);
    try {
      expect(new DriftRepo(db).history(1).map((c) => [c.status, c.trigger])).toEqual([
        ['drifted', 'cli'],
        ['drifted', 'cli'],
      ]);
    } finally {
      db.close();
    }
  }, 120_000);

  it('exit 0 when in sync; exit 1 when the check fails, with the error', async () => {
    const h = home();
    h.add('quiet', 'no-changes');
    h.add('broken', 'error');
    const ok = await runCli(['--db', h.db, 'drift', 'quiet', '--json'], { env: h.env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      stacks: [{ name: 'quiet', drifted: false, status: 'in_sync', resources: [] }],
    });
    const bad = await runCli(['--db', h.db, 'drift', 'broken'], { env: h.env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^broken: check failed: plan failed: .*Unsupported block type/m);
    const badJson = JSON.parse(
      (await runCli(['--db', h.db, 'drift', 'broken', '--json'], { env: h.env })).stdout,
    ) as DriftJson;
    expect(badJson.stacks[0]).toMatchObject({ name: 'broken', drifted: false, status: 'failed' });
    expect(badJson.stacks[0].error).toMatch(/Unsupported block type/);
  }, 120_000);

  it('--all checks every stack: 1 (a failure) wins over 2 (drift); 2 wins over 0', async () => {
    const h = home();
    h.add('a-drifted', 'drift');
    h.add('b-quiet', 'no-changes');
    const two = await runCli(['--db', h.db, 'drift', '--all', '--json'], { env: h.env });
    expect(two.code).toBe(2);
    expect((JSON.parse(two.stdout) as DriftJson).stacks.map((s) => [s.name, s.drifted])).toEqual([
      ['a-drifted', true],
      ['b-quiet', false],
    ]);
    h.add('c-broken', 'error');
    const one = await runCli(['--db', h.db, 'drift', '--all'], { env: h.env });
    expect(one.code).toBe(1);
    expect(one.stdout).toMatch(/^a-drifted: drifted/m);
    expect(one.stdout).toMatch(/^b-quiet: in sync/m);
    expect(one.stdout).toMatch(/^c-broken: check failed/m);
  }, 180_000);

  it('accepted drift is not open drift: exit 0, shown as accepted', async () => {
    const h = home();
    h.add('api', 'update');
    const first = await runCli(['--db', h.db, 'drift', 'api'], { env: h.env });
    expect(first.code, first.stdout + first.stderr).toBe(2);
    const db = openDatabase(h.db);
    try {
      const { acceptDrift } = await import('../../../src/day2/drift.js');
      acceptDrift(db, 1, 'terraform_data.web', 'large is right', 'bob');
    } finally {
      db.close();
    }
    const r = await runCli(['--db', h.db, 'drift', 'api'], { env: h.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^api: no open drift, 1 accepted or snoozed/m);
    expect(r.stdout).toContain('accepted by bob: large is right');
  }, 120_000);

  it('bad usage and unknown stacks exit 1 (never 2, which means drift) with one line', async () => {
    const h = home();
    h.add('real', 'no-changes');
    for (const args of [['drift'], ['drift', 'nope'], ['drift', 'real', '--all'], ['drift', '--bogus']]) {
      const r = await runCli(['--db', h.db, ...args], { env: h.env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect((await runCli(['--db', h.db, 'drift', 'nope'], { env: h.env })).stderr).toContain('no stack named "nope"');
  }, 60_000);
});
