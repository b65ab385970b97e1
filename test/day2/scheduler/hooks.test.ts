/**
 * Day-2's run hooks are installed in every process that applies: a headless `dayops approve` of a stack with
 * `alerting.quietApplies: true` silences its alerts in a REAL Alertmanager during the apply and expires the silence
 * after it (the BUILT cli: `npx tsc -p .` first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { openDatabase } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { SKIP_ALERTMANAGER, startAlertmanager, type RunningAlertmanager } from '../../helpers/alertmanager.js';
import { runCli } from '../../helpers/cli.js';
import { fakeTfStack } from '../../helpers/fake-tf.js';
import { tmpDir } from '../../helpers/tmp.js';

interface AmSilence {
  id: string;
  comment: string;
  status: { state: string };
  matchers: { name: string; value: string }[];
}

describe.skipIf(SKIP_ALERTMANAGER)('quiet applies through the installed run hooks', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('dayops approve silences the stack during the apply and expires the silence after it', async () => {
    const tf = fakeTfStack('update');
    writeFileSync(
      join(tf.dir, 'dayops.yaml'),
      `apiVersion: dayops/v1\nkind: Stack\nname: web\ntool: opentofu\nenvironment: dev\nalerting: { alertmanagerUrl: "${am.url}", quietApplies: true }\n`,
    );
    const dbPath = join(tmpDir(), 'dayops.db');
    const db0 = openDatabase(dbPath);
    new StacksRepo(db0).upsert({ name: 'web', dir: tf.dir, tool: 'opentofu', environment: 'dev' });
    db0.close();
    const env = { ...tf.env, DAYOPS_CANCEL_GRACE_MS: '500' };
    expect((await runCli(['--db', dbPath, 'run', 'web'], { env })).code).toBe(4);
    expect(await am.getJson<AmSilence[]>('/api/v2/silences')).toEqual([]);
    const approved = await runCli(['--db', dbPath, 'approve', '1'], { env });
    expect(approved.code).toBe(0);
    const silences = await am.getJson<AmSilence[]>('/api/v2/silences');
    expect(silences).toHaveLength(1);
    expect(silences[0]).toMatchObject({ comment: 'dayops: apply of run #1', status: { state: 'expired' } });
    expect(silences[0].matchers).toEqual([expect.objectContaining({ name: 'stack', value: 'web' })]);
    const db = openDatabase(dbPath);
    try {
      const actions = new AuditRepo(db).forRun(1).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['approve', 'quiet-apply', 'quiet-apply-end']));
    } finally {
      db.close();
    }
  }, 120_000);
});
