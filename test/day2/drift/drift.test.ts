/**
 * Drift checks through the real run engine and the fake tofu replaying recorded Terraform outputs: what is
 * stored, fingerprints, failures, triage (accept, snooze), remediation and auto-remediation.
 */
import { describe, expect, it } from 'vitest';
import { AuditRepo } from '../../../src/db/audit.js';
import { DriftRepo } from '../../../src/db/drift.js';
import { installDay2Hooks } from '../../../src/day2/install.js';
import {
  acceptDrift,
  checkDrift,
  clearTriage,
  driftedResources,
  driftFromPlan,
  driftSummaries,
  reconcileDriftChecks,
  remediate,
  snoozeDrift,
} from '../../../src/day2/drift.js';
import { UserError } from '../../../src/errors.js';
import { tmpDb } from '../../helpers/tmp.js';
import { runService, tfStack } from './helpers.js';

describe('drift checks with the recorded Terraform outputs', () => {
  it('the drift scenario: resource_drift and planned changes are stored per address, with fingerprints', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    const runs = runService(db, path, tf.env);
    const r = await checkDrift(runs, db, stack, { trigger: 'schedule' });
    expect(r.status).toBe('drifted');
    expect(r.error).toBeNull();
    expect(r.drifted).toBe(2);
    const byAddr = Object.fromEntries(r.resources.map((x) => [x.address, x]));
    expect(Object.keys(byAddr).sort()).toEqual(['terraform_data.old', 'terraform_data.web']);
    // old was deleted outside Terraform; the plan would create it again
    expect(byAddr['terraform_data.old']).toMatchObject({ action: 'delete', source: 'both' });
    expect(byAddr['terraform_data.old'].detail.drift?.action).toBe('delete');
    expect(byAddr['terraform_data.old'].detail.plan?.action).toBe('create');
    // web's size was changed by hand: what differs is readable
    expect(byAddr['terraform_data.web']).toMatchObject({ action: 'update', source: 'both' });
    expect(byAddr['terraform_data.web'].detail.fields).toEqual(
      expect.arrayContaining([{ path: 'input.size', before: 'small', after: 'medium' }]),
    );
    for (const x of r.resources) expect(x.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(byAddr['terraform_data.web'].fingerprint).not.toBe(byAddr['terraform_data.old'].fingerprint);

    // the run is a proposed drift run triggered by the schedule, and the check points at it
    const run = runs.get(r.runId!)!;
    expect(run).toMatchObject({ kind: 'proposed', purpose: 'drift', trigger: 'schedule', state: 'FINISHED' });
    const repo = new DriftRepo(db);
    expect(repo.get(r.checkId)).toMatchObject({
      status: 'drifted',
      driftedCount: 2,
      runId: r.runId,
      trigger: 'schedule',
      triggeredBy: 'alice',
    });
    expect(repo.history(stack.id)).toHaveLength(1); // the run's end hook did not record a second check

    const sum = driftSummaries(db).get(stack.id)!;
    expect(sum).toMatchObject({
      status: 'drifted',
      drifted: 2,
      accepted: 0,
      snoozed: 0,
      total: 2,
      runId: r.runId,
      error: null,
    });
    expect(sum.resultAt).toBe(sum.checkedAt);

    // the same drift again: the same fingerprints
    const again = await checkDrift(runs, db, stack, { trigger: 'cli' });
    expect(again.resources.map((x) => x.fingerprint).sort()).toEqual(r.resources.map((x) => x.fingerprint).sort());
  });

  it('the update scenario: a planned change against the real infrastructure counts as drift (source plan)', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'update');
    const r = await checkDrift(runService(db, path, tf.env), db, stack);
    expect(r.status).toBe('drifted');
    expect(r.resources).toHaveLength(1);
    expect(r.resources[0]).toMatchObject({ address: 'terraform_data.web', action: 'update', source: 'plan' });
    expect(r.resources[0].detail.drift).toBeUndefined();
    expect(r.resources[0].detail.fields).toEqual(
      expect.arrayContaining([{ path: 'input.size', before: 'small', after: 'large' }]),
    );
  });

  it('no changes: in sync, nothing stored', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'no-changes');
    const r = await checkDrift(runService(db, path, tf.env), db, stack);
    expect(r).toMatchObject({ status: 'in_sync', drifted: 0, resources: [], error: null });
    expect(driftSummaries(db).get(stack.id)).toMatchObject({ status: 'in_sync', drifted: 0, total: 0 });
    expect(driftedResources(db, stack.id)).toEqual([]);
  });

  it('a tool failure marks the check failed with the error, keeping the last known drift visible as such', async () => {
    const { db, path } = tmpDb();
    const { stack, tf, replay } = tfStack(db, 'drift');
    const first = await checkDrift(runService(db, path, tf.env), db, stack);
    expect(first.status).toBe('drifted');
    const broken = replay('error');
    const r = await checkDrift(runService(db, path, broken.env), db, stack);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/Unsupported block type/);
    expect(new DriftRepo(db).get(r.checkId)).toMatchObject({ status: 'failed', runId: r.runId });
    const sum = driftSummaries(db).get(stack.id)!;
    expect(sum.status).toBe('failed');
    expect(sum.error).toMatch(/Unsupported block type/);
    // the figures of the last good check stay, with their time
    expect(sum).toMatchObject({ drifted: 2, total: 2, runId: r.runId });
    expect(sum.resultAt).toBe(new DriftRepo(db).get(first.checkId)!.finishedAt);
    expect(sum.checkedAt).toBeGreaterThanOrEqual(sum.resultAt!);
    expect(
      driftedResources(db, stack.id)
        .map((x) => x.address)
        .sort(),
    ).toEqual(['terraform_data.old', 'terraform_data.web']);
  });

  it('a never-checked stack is unknown; a stack whose folder is gone fails its check with a one-line error', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    expect(driftSummaries(db).get(stack.id)).toMatchObject({
      status: 'unknown',
      drifted: 0,
      checkedAt: null,
      resultAt: null,
    });
    const { rmSync } = await import('node:fs');
    rmSync(tf.dir, { recursive: true, force: true });
    const r = await checkDrift(runService(db, path, tf.env), db, stack);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/does not exist/);
    expect(r.error).not.toContain('\n');
  });
});

describe('triage', () => {
  it('an accepted drift stays accepted until its fingerprint changes; written to the audit log with the note', async () => {
    const { db, path } = tmpDb();
    const { stack, tf, replay } = tfStack(db, 'drift');
    await checkDrift(runService(db, path, tf.env), db, stack);
    acceptDrift(db, stack.id, 'terraform_data.web', 'resized on purpose during the sale', 'bob');
    let sum = driftSummaries(db).get(stack.id)!;
    expect(sum).toMatchObject({ status: 'drifted', drifted: 1, accepted: 1, total: 2 });
    const web = driftedResources(db, stack.id).find((x) => x.address === 'terraform_data.web')!;
    expect(web.triage).toMatchObject({ state: 'accepted', note: 'resized on purpose during the sale', user: 'bob' });
    const audit = new AuditRepo(db).forStack(stack.id).find((e) => e.action === 'drift-accept')!;
    expect(audit).toMatchObject({ user: 'bob', comment: 'resized on purpose during the sale' });
    expect(audit.detail).toMatchObject({ address: 'terraform_data.web', fingerprint: web.fingerprint });

    // the same drift next time: still accepted
    const same = await checkDrift(runService(db, path, tf.env), db, stack);
    expect(same.resources.find((x) => x.address === 'terraform_data.web')!.triage.state).toBe('accepted');
    expect(same.drifted).toBe(1);

    // accept the other one too: no open drift, the stack reads in sync (with 2 accepted)
    acceptDrift(db, stack.id, 'terraform_data.old', 'old is going away', 'bob');
    sum = driftSummaries(db).get(stack.id)!;
    expect(sum).toMatchObject({ status: 'in_sync', drifted: 0, accepted: 2 });

    // web changes again (now only a planned change of another size): open again, and says why
    const changed = await checkDrift(runService(db, path, replay('update').env), db, stack);
    const web2 = changed.resources.find((x) => x.address === 'terraform_data.web')!;
    expect(web2.fingerprint).not.toBe(web.fingerprint);
    expect(web2.triage).toMatchObject({ state: 'open', lapsed: 'changed', note: 'resized on purpose during the sale' });
    expect(driftSummaries(db).get(stack.id)).toMatchObject({ status: 'drifted', drifted: 1, accepted: 0 });
  });

  it('a snooze holds until its time (fake clock), then the drift is open again; clear takes a triage back', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    await checkDrift(runService(db, path, tf.env), db, stack);
    const t0 = Date.now();
    const until = t0 + 3_600_000;
    snoozeDrift(db, stack.id, 'terraform_data.old', until, 'ticket OPS-12', 'carol', t0);
    expect(driftSummaries(db, t0 + 60_000).get(stack.id)).toMatchObject({ status: 'drifted', drifted: 1, snoozed: 1 });
    expect(driftedResources(db, stack.id, t0 + 60_000).map((x) => [x.address, x.triage.state])).toEqual([
      ['terraform_data.web', 'open'],
      ['terraform_data.old', 'snoozed'],
    ]);
    const later = until + 1;
    expect(driftSummaries(db, later).get(stack.id)).toMatchObject({ drifted: 2, snoozed: 0 });
    expect(driftedResources(db, stack.id, later).find((x) => x.address === 'terraform_data.old')!.triage).toMatchObject(
      { state: 'open', lapsed: 'expired', until },
    );
    expect(new AuditRepo(db).forStack(stack.id).map((e) => e.action)).toContain('drift-snooze');

    acceptDrift(db, stack.id, 'terraform_data.web', 'fine', 'carol');
    expect(driftSummaries(db, t0 + 60_000).get(stack.id)).toMatchObject({ drifted: 0, accepted: 1, snoozed: 1 });
    clearTriage(db, stack.id, 'terraform_data.web', 'carol', 'not fine after all');
    expect(driftSummaries(db, t0 + 60_000).get(stack.id)).toMatchObject({ drifted: 1, accepted: 0, snoozed: 1 });
    expect(new AuditRepo(db).forStack(stack.id).map((e) => e.action)).toContain('drift-clear');
  });

  it('refuses to triage what is not drifted, and a snooze in the past', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    expect(() => acceptDrift(db, stack.id, 'terraform_data.web', '', 'bob')).toThrow(UserError);
    await checkDrift(runService(db, path, tf.env), db, stack);
    expect(() => acceptDrift(db, stack.id, 'terraform_data.nope', '', 'bob')).toThrow(/not drifted/);
    expect(() => snoozeDrift(db, stack.id, 'terraform_data.web', Date.now() - 1, '', 'bob')).toThrow(/future/);
    expect(() => clearTriage(db, stack.id, 'terraform_data.web', 'bob')).toThrow(/neither accepted nor snoozed/);
  });
});

describe('remediation', () => {
  it('remediate starts a tracked remediation run that stops UNCONFIRMED for approval (audited); refused read-only', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    const runs = runService(db, path, tf.env);
    await checkDrift(runs, db, stack);
    const id = await remediate(runs, db, stack, 'dave');
    const run = await runs.wait(id);
    expect(run).toMatchObject({ kind: 'tracked', purpose: 'remediation', state: 'UNCONFIRMED', triggeredBy: 'dave' });
    expect(tf.invocations().some((i) => i.argv[1] === 'apply')).toBe(false);
    expect(new AuditRepo(db).forStack(stack.id).find((e) => e.action === 'drift-remediate')).toMatchObject({
      runId: id,
      user: 'dave',
    });

    const ro = runService(db, path, tf.env, { readonly: true, recover: false });
    await expect(remediate(ro, db, stack, 'dave')).rejects.toThrow(/readonly/);
  });

  it('autoRemediate starts the remediation by itself, never auto-applied (even with autoApply: true); only one at a time', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift', { yaml: 'autoApply: true\ndrift: { autoRemediate: true }' });
    const runs = runService(db, path, tf.env);
    const r = await checkDrift(runs, db, stack, { trigger: 'schedule' });
    expect(r.status).toBe('drifted');
    expect(r.remediation?.runId).toBeGreaterThan(0);
    expect(r.remediation?.state).toBe('UNCONFIRMED');
    const rem = runs.get(r.remediation!.runId!)!;
    expect(rem).toMatchObject({ kind: 'tracked', purpose: 'remediation', trigger: 'auto-remediate', autoApply: false });
    expect(tf.invocations().some((i) => i.argv[1] === 'apply')).toBe(false);

    // the next drifted check does not pile up a second remediation while the first waits
    const again = await checkDrift(runs, db, stack, { trigger: 'schedule' });
    expect(again.remediation?.runId).toBeUndefined();
    expect(again.remediation?.skipped).toMatch(new RegExp(`run ${rem.id}`));
    expect(runs.runs.list().filter((x) => x.purpose === 'remediation')).toHaveLength(1);

    // read-only: not started
    await runs.discard(rem.id, 'alice');
    const ro = runService(db, path, tf.env, { readonly: true, recover: false });
    const third = await checkDrift(ro, db, stack);
    expect(third.remediation?.skipped).toMatch(/read-only/);
  });

  it('no remediation when all drift is accepted', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'update', { yaml: 'drift: { autoRemediate: true }' });
    const runs = runService(db, path, tf.env);
    const first = await checkDrift(runs, db, stack, { autoRemediate: false });
    acceptDrift(db, stack.id, first.resources[0].address, 'ok', 'bob');
    const r = await checkDrift(runs, db, stack);
    expect(r.status).toBe('drifted');
    expect(r.drifted).toBe(0);
    expect(r.remediation).toBeUndefined();
  });
});

describe('drift runs started elsewhere, and interrupted checks', () => {
  it('a drift run started directly on the run service is recorded by the run end hook', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    const runs = runService(db, path, tf.env);
    const id = await runs.start(stack.name, { purpose: 'drift', trigger: 'tui' });
    await runs.wait(id);
    await new Promise((r) => setTimeout(r, 50));
    const check = new DriftRepo(db).byRunId(id)!;
    expect(check).toMatchObject({ status: 'drifted', driftedCount: 2, trigger: 'tui' });
    expect(driftSummaries(db).get(stack.id)).toMatchObject({ status: 'drifted', drifted: 2, runId: id });
  });

  it('a check left checking by a stopped dayops reads as failed and is reconciled from its run', async () => {
    const { db, path } = tmpDb();
    const { stack, tf } = tfStack(db, 'drift');
    const runs = runService(db, path, tf.env);
    const first = await checkDrift(runs, db, stack);
    const repo = new DriftRepo(db);
    // a check whose process died before its run started
    const orphan = repo.startCheck({
      stackId: stack.id,
      trigger: 'schedule',
      triggeredBy: 'alice',
      now: Date.now() - 120_000,
    });
    expect(driftSummaries(db).get(stack.id)).toMatchObject({ status: 'checking', drifted: 2 });
    expect(reconcileDriftChecks(db)).toBe(1);
    expect(repo.get(orphan)).toMatchObject({ status: 'failed' });
    expect(repo.get(orphan)!.error).toMatch(/interrupted/);
    // a check whose run ended without the check being recorded (the hooks are off, as in a dayops that died)
    const off = installDay2Hooks();
    off();
    try {
      const id = await runs.start(stack.name, { purpose: 'drift' });
      await runs.wait(id);
      expect(repo.byRunId(id)).toBeUndefined();
      const stuck = repo.startCheck({
        stackId: stack.id,
        runId: id,
        trigger: 'schedule',
        triggeredBy: 'alice',
        now: Date.now(),
      });
      const sum = driftSummaries(db).get(stack.id)!;
      expect(sum.status).toBe('failed');
      expect(sum.error).toMatch(/ended FINISHED before its check was recorded/);
      expect(reconcileDriftChecks(db)).toBe(1);
      expect(repo.get(stuck)).toMatchObject({ status: 'drifted', driftedCount: 2 });
      expect(driftSummaries(db).get(stack.id)).toMatchObject({ status: 'drifted', runId: id });
      expect(first.status).toBe('drifted');
    } finally {
      installDay2Hooks();
    }
  });
});

describe('driftFromPlan', () => {
  it('Ansible check-mode changes are the drift, with their diff; failed/unreachable rows and reads are not', () => {
    const found = driftFromPlan({
      drift: [],
      changes: [
        {
          address: 'web1: Ensure config',
          action: 'update',
          actions: ['update'],
          host: 'web1',
          task: 'Ensure config',
          status: 'changed',
          diff: '--- before\n+++ after\n-a\n+b\n',
        },
        {
          address: 'web2: Ensure config',
          action: 'no-op',
          actions: [],
          host: 'web2',
          task: 'Ensure config',
          status: 'failed',
        },
        { address: 'data.x', action: 'read', actions: ['read'] },
        {
          address: 'web1: Ensure config',
          action: 'update',
          actions: ['update'],
          host: 'web1',
          task: 'Ensure config',
          status: 'changed',
          diff: 'other',
        },
      ],
    });
    expect(found.map((f) => [f.address, f.action, f.source])).toEqual([
      ['web1: Ensure config', 'update', 'plan'],
      ['web1: Ensure config (2)', 'update', 'plan'],
    ]);
    expect(found[0].detail).toMatchObject({
      host: 'web1',
      task: 'Ensure config',
      diff: '--- before\n+++ after\n-a\n+b\n',
    });
    expect(found[0].fingerprint).not.toBe(found[1].fingerprint);
  });

  it('the same Ansible drift keeps its fingerprint although the diff names a new temporary file each run', () => {
    const diff = (tmp: string, extra = '') =>
      `--- before: /srv/stack/managed.txt\n+++ after: /home/ops/.ansible/tmp/ansible-local-${tmp}\n@@ -1,3 +1,2 @@\n managed by dayops\n version=1\n-tampered${extra}\n`;
    const one = (d: string) =>
      driftFromPlan({
        drift: [],
        changes: [{ address: 'localhost: Ensure config file', action: 'update', actions: ['update'], diff: d }],
      })[0];
    expect(one(diff('216150vo7x0t0/tmpeoyj6gj3')).fingerprint).toBe(one(diff('99999abcdefg/tmpzzzz')).fingerprint);
    expect(one(diff('216150vo7x0t0/tmpeoyj6gj3')).fingerprint).not.toBe(
      one(diff('216150vo7x0t0/tmpeoyj6gj3', ' twice')).fingerprint,
    );
    // the stored diff keeps its headers for display
    expect(one(diff('x/y')).detail.diff).toContain('+++ after: /home/ops/.ansible/tmp/ansible-local-x/y');
  });
});
