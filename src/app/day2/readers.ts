/**
 * What the Day-2 views read, from SQLite only (no network, no tool), React-free: every stack's status for the
 * dashboard (reading the dayops.yaml files it has not seen yet in the background, a few at a time), the open
 * stack's sections, the run being followed and the changes that came before an alert. The TUI's hooks
 * (components/day2/data.ts) call these when the database changes; headless commands can call them as they are.
 */
import type { AuditEntry } from '../../db/audit.js';
import type { BackupEvent } from '../../db/backups.js';
import { ChecksRepo, type CheckRecord } from '../../db/checks.js';
import type { DB } from '../../db/open.js';
import { repos } from '../../db/repos.js';
import type { RunRecord } from '../../db/runs.js';
import {
  changesBefore,
  listAlerts,
  liveSilences,
  type AlertView,
  type ApplyBeforeAlert,
  type SilenceRecord,
} from '../../day2/alerts.js';
import { driftedResources, driftHistory, type DriftCheckRecord, type DriftedResource } from '../../day2/drift.js';
import type { Snapshot } from '../../day2/restic.js';
import { stackConfigOf } from '../../day2/configs.js';
import { stackStatuses, type StackStatus } from '../../day2/status.js';
import { sloChangesBefore, type SloEvent } from '../../day2/slo.js';
import type { Services } from '../../services.js';

/** The sections of a stack's detail, in the order the section keys cycle through them. */
export const DAY2_SECTIONS = ['drift', 'alerts', 'snapshots', 'runs', 'audit'] as const;
export type Day2Section = (typeof DAY2_SECTIONS)[number];

// ------------------------------------------------------------------------------------------------ statuses

/**
 * dayops.yaml files read before the first frame: none. Parsing one costs several milliseconds while the process is
 * cold (yaml and zod compile), so 100 of them would double the first frame; the figures that need it (backups
 * against the RPO, whether alerting is configured) show "…" until the background read gets to them.
 */
export const FIRST_FRAME_CONFIGS = 0;
const NOT_READ = { config: null, error: null };

/** The dayops.yaml folders read in this process (stackConfigOf keeps them, and re-reads one only when it changed). */
export class ConfigsRead {
  private readonly dirs = new Set<string>();
  has(dir: string): boolean {
    return this.dirs.has(dir);
  }
  /** Read (or re-read when it changed) one stack's dayops.yaml, and remember it was read. */
  read(dir: string): ReturnType<typeof stackConfigOf> {
    const c = stackConfigOf(dir);
    this.dirs.add(dir);
    return c;
  }
}

/** The folders read in this process: one set for the app, as the configs' cache is one. */
export const configsRead = new ConfigsRead();

export interface StatusesRead {
  statuses: StackStatus[];
  /** Stacks whose dayops.yaml is not read yet (their figures that need it say "…"). */
  pending: Set<string>;
  /** Their folders, in the order of the rows (the ones on screen first). */
  pendingDirs: Set<string>;
}

/**
 * Every stack's status, parsing at most `budget` dayops.yaml files it has not read before (1,000 files take a
 * second or more on a busy machine); the others are `pending` until `readPendingConfigs` gets to them.
 */
export function readStatuses(
  db: DB,
  now: number,
  budget = FIRST_FRAME_CONFIGS,
  read: ConfigsRead = configsRead,
): StatusesRead {
  const pendingDirs = new Set<string>();
  const statuses = stackStatuses(db, now, {
    configOf: (dir) => {
      if (read.has(dir) || budget-- > 0) return read.read(dir);
      pendingDirs.add(dir);
      return NOT_READ;
    },
  });
  const pending = new Set(statuses.filter((s) => pendingDirs.has(s.dir)).map((s) => s.name));
  return { statuses, pending, pendingDirs };
}

/** Read the dayops.yaml files of `dirs` from index `from`, at most `count` of them; returns the next index. */
export function readPendingConfigs(
  dirs: readonly string[],
  from: number,
  count: number,
  read: ConfigsRead = configsRead,
): number {
  let i = from;
  for (const end = Math.min(dirs.length, from + count); i < end; i++) read.read(dirs[i]);
  return i;
}

// ------------------------------------------------------------------------------------------------ sections

export interface SectionData {
  drift: { resources: DriftedResource[]; checks: DriftCheckRecord[] };
  alerts: { alerts: AlertView[]; silences: SilenceRecord[] };
  snapshots: { snapshots: Snapshot[]; events: BackupEvent[] };
  runs: RunRecord[];
  audit: AuditEntry[];
}

export type SectionItems<S extends Day2Section> = SectionData[S];

/** Runs a stack's runs section lists. */
const RUNS_SHOWN = 200;

/** One section of a stack, read now. */
export function readSection(
  db: DB,
  stack: Pick<StackStatus, 'stackId' | 'name'>,
  section: Day2Section,
  now: number,
): SectionData[Day2Section] {
  const r = repos(db);
  switch (section) {
    case 'drift':
      return { resources: driftedResources(db, stack.stackId, now), checks: driftHistory(db, stack.stackId, 20) };
    case 'alerts':
      return { alerts: listAlerts(db, stack.name, { now }), silences: liveSilences(db, stack.name, now) };
    case 'snapshots':
      return { snapshots: r.backups.snapshots(stack.stackId), events: r.backups.events(stack.stackId, 30) };
    case 'runs':
      return r.runs.list({ stack: stack.name, limit: RUNS_SHOWN });
    case 'audit':
      // Newest first by time (entries written later may record an earlier time, e.g. an approval given offline).
      return r.audit.forStack(stack.stackId, 300).sort((a, b) => b.at - a.at || b.id - a.id);
  }
}

/** The applies and remediations of the alert's stack in the hours before it started (the alert's detail). */
export function changesBeforeAlert(db: DB, a: Pick<AlertView, 'stackId' | 'startsAt'>): ApplyBeforeAlert[] {
  return changesBefore(db, a.stackId, a.startsAt, 6);
}

/** The SLO status changes (breaches, recoveries) of the alert's stack in the hours before it started. */
export function sloChangesBeforeAlert(db: DB, a: Pick<AlertView, 'stackId' | 'startsAt'>): SloEvent[] {
  return sloChangesBefore(db, a.stackId, a.startsAt, 6);
}

/** The scheduled checks of the alert's stack that failed in the hours before it started. */
export function checkFailuresBeforeAlert(db: DB, a: Pick<AlertView, 'stackId' | 'startsAt'>): CheckRecord[] {
  return new ChecksRepo(db).failedScheduledBetween(a.stackId, a.startsAt - 6 * 3_600_000, a.startsAt);
}

// ------------------------------------------------------------------------------------------------ runs, stacks

/** A run, or undefined when it is gone. */
export function runOf(services: Services, runId: number): RunRecord | undefined {
  return services.repos.runs.get(runId);
}

/** Where a run sits in its stack's runs section (-1 when it is not listed). */
export function runIndexInSection(services: Services, stack: string, runId: number): number {
  return services.repos.runs.list({ stack, limit: RUNS_SHOWN }).findIndex((r) => r.id === runId);
}

/** Whether a registered stack is a prod one (its confirms are given by typing its name). */
export function isProdStack(services: Services, stack: string): boolean {
  return services.repos.stacks.get(stack)?.environment === 'prod';
}
