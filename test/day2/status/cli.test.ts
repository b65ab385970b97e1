/**
 * `dayops status [--json]` as a user runs it (the BUILT cli: `npx tsc -p .` first): one object per stack with
 * its last run, drift, alerts and backup figures, stale ones marked with their error; always exit 0.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertsRepo, type AlertRecord } from '../../../src/db/alerts.js';
import { DriftRepo } from '../../../src/db/drift.js';
import { openDatabase } from '../../../src/db/open.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

function alert(fp: string, severity: string): AlertRecord {
  return {
    fingerprint: fp,
    alertname: fp,
    severity,
    severityRank: severity === 'critical' ? 0 : 1,
    state: 'active',
    amState: 'active',
    silencedBy: [],
    inhibitedBy: [],
    labels: { alertname: fp },
    annotations: {},
    receivers: [],
    startsAt: Date.now(),
    endsAt: null,
    updatedAt: null,
    generatorUrl: null,
  };
}

interface StatusDoc {
  generatedAt: string;
  stacks: {
    name: string;
    environment: string;
    lastRun: { id: number; state: string; purpose: string; finishedAt: string | null } | null;
    drift: { status: string; drifted: number; stale: boolean; error: string | null; fetchedAt: string | null };
    alerts: { critical: number; warning: number; stale: boolean; error: string | null; fetchedAt: string | null };
    backup: { status: string };
  }[];
}

describe('dayops status', () => {
  it('--json: one object per stack with lastRun, drift, alerts (critical, warning) and backup; exit 0; a table otherwise', async () => {
    const root = tmpDir();
    const dbPath = join(root, 'dayops.db');
    const db = openDatabase(dbPath);
    const now = Date.now();
    try {
      const mk = (name: string, yaml: string, environment: 'dev' | 'prod') => {
        const dir = join(root, name);
        mkdirSync(dir);
        writeFileSync(join(dir, 'dayops.yaml'), `name: ${name}\ntool: custom\ncustom: { plan: [make, plan] }\n${yaml}`);
        return new StacksRepo(db).upsert({ name, dir, tool: 'custom', environment });
      };
      const pay = mk(
        'payments',
        'alerting: { alertmanagerUrl: "http://127.0.0.1:9" }\nbackups: { repository: ./r }\n',
        'prod',
      );
      mk('web', '', 'dev');
      new AlertsRepo(db).replace(
        pay.id,
        [alert('a', 'critical'), alert('b', 'warning'), alert('c', 'warning')],
        now - 120_000,
      );
      const sources = new SourcesRepo(db);
      sources.recordOk('alerts:payments', now - 120_000);
      sources.recordFailure('alerts:payments', 'connect ECONNREFUSED 127.0.0.1:9', now - 10_000);
      const runs = new RunsRepo(db);
      const owner = { host: 'h', pid: 1, start: null };
      const r = runs.create({
        stackId: pay.id,
        kind: 'proposed',
        purpose: 'drift',
        triggeredBy: 'ops',
        trigger: 'schedule',
        autoApply: false,
        owner,
      });
      runs.tryStart(r.id, owner);
      runs.move(r.id, 'plan');
      runs.move(r.id, 'finish', { patch: { summary: { add: 0, change: 1, destroy: 0 } } });
      const drift = new DriftRepo(db);
      const c = drift.startCheck({
        stackId: pay.id,
        runId: r.id,
        trigger: 'schedule',
        triggeredBy: 'ops',
        now: now - 60_000,
      });
      drift.finish(c, {
        status: 'drifted',
        now: now - 50_000,
        resources: [{ address: 'x', action: 'update', source: 'drift', detail: {}, fingerprint: 'f' }],
      });
    } finally {
      db.close();
    }

    const j = await runCli(['--db', dbPath, 'status', '--json']);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as StatusDoc;
    expect(new Date(doc.generatedAt).getTime()).toBeGreaterThanOrEqual(now);
    expect(doc.stacks.map((s) => s.name)).toEqual(['payments', 'web']);
    const p = doc.stacks[0];
    expect(p).toMatchObject({
      name: 'payments',
      environment: 'prod',
      lastRun: { id: 1, state: 'FINISHED', purpose: 'drift' },
      drift: {
        status: 'drifted',
        drifted: 1,
        stale: false,
        error: null,
        fetchedAt: new Date(now - 50_000).toISOString(),
      },
      alerts: {
        critical: 1,
        warning: 2,
        stale: true,
        error: 'connect ECONNREFUSED 127.0.0.1:9',
        fetchedAt: new Date(now - 120_000).toISOString(),
      },
      backup: { status: 'missing' },
    });
    expect(typeof p.lastRun!.finishedAt).toBe('string');
    expect(doc.stacks[1]).toMatchObject({
      name: 'web',
      lastRun: null,
      drift: { status: 'unknown' },
      alerts: { critical: 0, warning: 0 },
      backup: { status: 'unconfigured' },
    });

    const t = await runCli(['--db', dbPath, 'status']);
    expect(t.code).toBe(0);
    const lines = t.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STACK\s+ENV\s+TOOL\s+LAST RUN\s+DRIFT\s+ALERTS\s+BACKUP$/);
    expect(lines[1]).toMatch(
      /^payments\s+prod\s+custom\s+#1 drift ✓ FINISHED \+0 ~1 -0 .*drifted 1 .*1 crit, 2 warn 2m ago \[stale: connect ECONNREFUSED 127\.0\.0\.1:9\]\s+missing/,
    );
    expect(lines[2]).toMatch(/^web\s+dev\s+custom\s+-\s+-\s+-\s+-$/);
  }, 60_000);

  it('no stacks: says how to add one, exit 0; a stray argument is a usage error', async () => {
    const dbPath = join(tmpDir(), 'dayops.db');
    const r = await runCli(['--db', dbPath, 'status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No stacks yet');
    expect(JSON.parse((await runCli(['--db', dbPath, 'status', '--json'])).stdout).stacks).toEqual([]);
    const bad = await runCli(['--db', dbPath, 'status', 'payments']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
