/** Stacks with Day-2 figures (drift, cached alerts, snapshots) written through the repositories, for the view tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AlertsRepo, type AlertRecord } from '../../../src/db/alerts.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { DriftRepo } from '../../../src/db/drift.js';
import type { DB } from '../../../src/db/open.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { alertsSourceKey, severityRank } from '../../../src/day2/alerts.js';
import { backupSourceKey } from '../../../src/day2/backups.js';
import { driftFingerprint, type DriftDetail } from '../../../src/day2/drift.js';
import type { Environment, Stack } from '../../../src/domain/stack.js';

export interface StackOptions {
  environment?: Environment;
  /** An Alertmanager URL for `alerting`. */
  alerting?: string;
  /** Give it a `backups:` block (restic is not run by these tests). */
  backups?: boolean;
  rpoMinutes?: number;
}

export function addStack(db: DB, root: string, name: string, opts: StackOptions = {}): Stack {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const env = opts.environment ?? 'dev';
  const config: Record<string, unknown> = {
    apiVersion: 'dayops/v1',
    kind: 'Stack',
    name,
    environment: env,
    tool: 'opentofu',
  };
  if (opts.alerting) config.alerting = { alertmanagerUrl: opts.alerting };
  if (opts.backups) config.backups = { repository: './backups/restic', passwordEnv: 'NO_SUCH_PASSWORD_VAR' };
  if (opts.rpoMinutes) config.rpoMinutes = opts.rpoMinutes;
  writeFileSync(join(dir, 'dayops.yaml'), stringify(config));
  return new StacksRepo(db).upsert({ name, dir, tool: 'opentofu', environment: env });
}

/** A finished drift check of the stack that found these resources changed (`size: 1 -> 2`). */
export function addDrift(db: DB, stack: Stack, addresses: string[], at = Date.now()): number {
  const repo = new DriftRepo(db);
  const id = repo.startCheck({ stackId: stack.id, trigger: 'cli', triggeredBy: 'test', now: at - 1000 });
  repo.finish(id, {
    status: addresses.length ? 'drifted' : 'in_sync',
    now: at,
    resources: addresses.map((address) => {
      const detail: DriftDetail = {
        drift: { action: 'update', actions: ['update'], before: { size: 1 }, after: { size: 2 } },
        fields: [{ path: 'size', before: 1, after: 2 }],
      };
      return {
        address,
        action: 'update',
        source: 'drift' as const,
        detail,
        fingerprint: driftFingerprint(address, detail),
      };
    }),
  });
  return id;
}

export function alertRecord(
  stack: string,
  name: string,
  severity: string,
  labels: Record<string, string> = {},
  startsAt = Date.now() - 600_000,
): AlertRecord {
  const all = { alertname: name, severity, stack, ...labels };
  return {
    fingerprint: Buffer.from(JSON.stringify(all)).toString('hex').slice(-16),
    alertname: name,
    severity,
    severityRank: severityRank(severity),
    state: 'active',
    amState: 'active',
    silencedBy: [],
    inhibitedBy: [],
    labels: all,
    annotations: { summary: `${name} on ${stack}` },
    receivers: ['null'],
    startsAt,
    endsAt: null,
    updatedAt: null,
    generatorUrl: null,
  };
}

/** Cache alerts as if the stack's Alertmanager had just answered (at `at`). */
export function cacheAlerts(db: DB, stack: Stack, alerts: AlertRecord[], at = Date.now()): void {
  db.transaction(() => {
    new AlertsRepo(db).replace(stack.id, alerts, at);
    new SourcesRepo(db).recordOk(alertsSourceKey(stack.name), at);
  }).immediate();
}

/** Cache one snapshot taken `ageMinutes` ago. */
export function cacheSnapshot(db: DB, stack: Stack, ageMinutes: number, now = Date.now()): void {
  const time = now - ageMinutes * 60_000;
  const id = `${stack.id}`.padStart(8, '0').repeat(8);
  new BackupsRepo(db).replaceSnapshots(
    stack.id,
    [
      {
        id,
        shortId: id.slice(0, 8),
        time,
        hostname: 'dayops',
        username: 'test',
        paths: ['dayops.yaml'],
        tags: ['dayops', `stack:${stack.name}`],
        parent: null,
        tree: id,
        programVersion: null,
        summary: null,
      },
    ],
    now,
    () => new SourcesRepo(db).recordOk(backupSourceKey(stack.name), now),
  );
}

/** The row of a stack in a frame (the line that holds its name). */
export function rowOf(frame: string, name: string): string {
  return frame.split('\n').find((l) => new RegExp(`^(›| ) ${name}\\s`).test(l)) ?? '';
}

/** Stack names in the order they appear in the frame. */
export function order(frame: string, names: string[]): string[] {
  return names
    .map((n) => ({ n, i: frame.split('\n').findIndex((l) => new RegExp(`^(›| ) ${n}\\s`).test(l)) }))
    .filter((x) => x.i >= 0)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.n);
}

/** Wait until no row shows "…" (its dayops.yaml not read yet: the dashboard reads them just after the first frame). */
export async function configsRead(app: {
  waitFor(what: (f: string) => boolean, timeoutMs?: number): Promise<string>;
}): Promise<string> {
  return app.waitFor((f) => f.includes('STACK') && !/ {2}… /.test(f), 10_000);
}
