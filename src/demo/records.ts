/** The demo's Day-2 records: alerts, snapshots and restore tests, drift checks. */
import { AlertsRepo, type AlertRecord } from '../db/alerts.js';
import { BackupsRepo } from '../db/backups.js';
import { type DB } from '../db/open.js';
import { SourcesRepo } from '../db/sources.js';
import { type ResourceChange } from '../domain/plan.js';
import type { Stack } from '../domain/stack.js';
import { recordDriftRun } from '../day2/drift.js';
import { alertsSourceKey, severityRank } from '../day2/alerts.js';
import { backupSourceKey } from '../day2/backups.js';
import type { Snapshot } from '../day2/restic.js';
import { MIN, change, hex, insertRun, plan, type Designed } from './history.js';

export function pick(addresses: string[], re: RegExp, fallback: number): string {
  return (
    addresses.find((a) => re.test(a)) ??
    addresses[Math.min(fallback, addresses.length - 1)] ??
    `null_resource.r${fallback}`
  );
}

/** An alert as Alertmanager would have sent it. */
export function alert(
  stack: string,
  name: string,
  severity: string,
  startsAgoMin: number,
  now: number,
  extra: {
    labels?: Record<string, string>;
    summary: string;
    description: string;
    state?: AlertRecord['state'];
    silencedBy?: string[];
  },
): AlertRecord {
  const labels: Record<string, string> = { alertname: name, severity, stack, ...extra.labels };
  const startsAt = now - startsAgoMin * MIN;
  return {
    fingerprint: hex(JSON.stringify(labels), 16),
    alertname: name,
    severity,
    severityRank: severityRank(severity),
    state: extra.state ?? 'active',
    amState: extra.state && extra.state !== 'active' ? 'suppressed' : 'active',
    silencedBy: extra.silencedBy ?? [],
    inhibitedBy: [],
    labels,
    annotations: {
      summary: extra.summary,
      description: extra.description,
      runbook_url: `https://runbooks.example.com/${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
    },
    receivers: ['default'],
    startsAt,
    endsAt: now + 4 * MIN,
    updatedAt: now - 13 * MIN,
    generatorUrl: `http://prometheus.${stack}.internal:9090/graph?g0.expr=${encodeURIComponent(name)}`,
  };
}

export function snapshots(
  stack: string,
  newestAgoMin: number,
  count: number,
  everyMin: number,
  now: number,
  paths: string[],
): Snapshot[] {
  const out: Snapshot[] = [];
  let parent: string | null = null;
  for (let i = count - 1; i >= 0; i--) {
    const time = now - (newestAgoMin + i * everyMin) * MIN;
    const id = hex(`${stack}:${time}`, 64);
    out.push({
      id,
      shortId: id.slice(0, 8),
      time,
      hostname: 'dayops',
      username: 'dayops',
      paths,
      tags: ['dayops', `stack:${stack}`],
      parent,
      tree: hex(`tree:${id}`, 64),
      programVersion: null,
      summary: null,
    });
    parent = id;
  }
  return out.reverse();
}

interface BackupScenario {
  snapshots: Snapshot[];
  fetchedAgoMin: number;
  backups?: { agoMin: number; ok: boolean; error?: string }[];
  restoreTests?: { agoMin: number; ok: boolean; error?: string }[];
}

export function insertBackups(db: DB, stack: Stack, b: BackupScenario, now: number): void {
  const repo = new BackupsRepo(db);
  const sources = new SourcesRepo(db);
  for (const e of b.backups ?? []) {
    const id = repo.startEvent({
      stackId: stack.id,
      kind: 'backup',
      user: 'dayops',
      trigger: 'schedule',
      now: now - e.agoMin * MIN,
    });
    const snap = b.snapshots.find((s) => Math.abs(s.time - (now - e.agoMin * MIN)) < MIN);
    repo.finish(
      id,
      {
        ok: e.ok,
        snapshotId: e.ok ? (snap?.id ?? null) : null,
        error: e.error ?? null,
        detail: e.ok ? { filesNew: 0, filesChanged: 2, dataAdded: 18_432 } : undefined,
      },
      now - e.agoMin * MIN + 40_000,
    );
  }
  for (const e of b.restoreTests ?? []) {
    const id = repo.startEvent({
      stackId: stack.id,
      kind: 'verify',
      user: 'dayops',
      trigger: 'schedule',
      now: now - e.agoMin * MIN,
    });
    const snap = b.snapshots.find((s) => s.time <= now - e.agoMin * MIN);
    repo.finish(
      id,
      { ok: e.ok, snapshotId: snap?.id ?? null, error: e.error ?? null, detail: { files: 3, restored: e.ok } },
      now - e.agoMin * MIN + 95_000,
    );
  }
  repo.replaceSnapshots(stack.id, b.snapshots, now - b.fetchedAgoMin * MIN, () =>
    sources.recordOk(backupSourceKey(stack.name), now - b.fetchedAgoMin * MIN),
  );
}

export function insertAlerts(db: DB, stack: Stack, alerts: AlertRecord[], fetchedAgoMin: number, now: number): void {
  const repo = new AlertsRepo(db);
  const sources = new SourcesRepo(db);
  const at = now - fetchedAgoMin * MIN;
  db.transaction(() => {
    repo.replace(stack.id, alerts, at);
    sources.recordOk(alertsSourceKey(stack.name), at);
  }).immediate();
}

/** A drift check run (proposed, purpose drift) whose plan holds the drift, recorded as a check. */
export function driftCheck(
  db: DB,
  d: Designed,
  agoMin: number,
  now: number,
  drift: ResourceChange[],
  outcome: 'planned' | 'plan-failed' = 'planned',
  error?: { message: string; lines: string[] },
): number {
  const changes = drift.map((x) => ({
    ...change(x.address, x.action === 'create' ? 'delete' : 'update', x.after, x.before),
  }));
  const id = insertRun(
    db,
    d,
    {
      startedAgo: agoMin,
      kind: 'proposed',
      purpose: 'drift',
      outcome,
      user: 'dayops',
      trigger: 'schedule',
      plan: plan(changes, drift),
      error: error?.message,
      errorLines: error?.lines,
    },
    now,
  );
  recordDriftRun(db, id, now - agoMin * MIN + 90_000);
  return id;
}
