/**
 * What the Day-2 views read, from SQLite only (no network, no tool): every stack's status for the dashboard, and
 * the open stack's sections. Reloaded whenever the database changes (`dataVersion`, bumped by the shell for this
 * process's writes and other processes' alike) and on a slow clock, so ages ("5m") and staleness move on.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AuditEntry } from '../../src/db/audit.js';
import type { BackupEvent } from '../../src/db/backups.js';
import type { DB } from '../../src/db/open.js';
import { repos } from '../../src/db/repos.js';
import type { RunRecord } from '../../src/db/runs.js';
import { listAlerts, liveSilences, type AlertView, type SilenceRecord } from '../../src/day2/alerts.js';
import { driftedResources, driftHistory, type DriftCheckRecord, type DriftedResource } from '../../src/day2/drift.js';
import type { Snapshot } from '../../src/day2/restic.js';
import { stackConfigOf } from '../../src/day2/configs.js';
import { stackStatuses, type StackStatus } from '../../src/day2/status.js';
import { errorMessage } from '../../src/errors.js';
import type { Day2Section } from '../../store/day2.js';
import { useAppStore } from '../../store/index.js';
import { useServices } from '../AppContext.js';

/** How often ages and staleness are recomputed without a database change. */
export const CLOCK_MS = 15_000;

/** A clock that ticks every `everyMs` (the time of the tick). */
export function useClock(everyMs = CLOCK_MS): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** dayops.yaml folders read in this process (stackConfigOf keeps them, and re-reads one only when it changed). */
const readDirs = new Set<string>();
/**
 * dayops.yaml files read before the first frame: none. Parsing one costs several milliseconds while the process is
 * cold (yaml and zod compile), so 100 of them would double the first frame; the figures that need it (backups
 * against the RPO, whether alerting is configured) show "…" until the background read gets to them.
 */
export const FIRST_FRAME_CONFIGS = 0;
/** The background read shows what it has after this many files (the rows on screen), then again at the end. */
const FIRST_BATCH = 60;
/** Files read per turn of the event loop (keys are handled between turns). */
const CHUNK = 10;
const NOT_READ = { config: null, error: null };

/**
 * Every stack's status. The first read parses no dayops.yaml it has not seen (1,000 files take a second or more on
 * a busy machine); those are read in the background in small chunks, in the order of the rows (the ones on screen
 * first), with keys handled between chunks, and their rows say "…" until then (`pending`). The last good read is
 * kept when the database is busy.
 */
export function useStatuses(): {
  statuses: StackStatus[];
  pending: ReadonlySet<string>;
  now: number;
  error: string | null;
} {
  const { db } = useServices();
  const dataVersion = useAppStore((s) => s.dataVersion);
  const clock = useClock();
  const last = useRef<StackStatus[]>([]);
  const [configsRead, setConfigsRead] = useState(0);
  const result = useMemo(() => {
    const now = Date.now();
    const pending = new Set<string>();
    try {
      let budget = FIRST_FRAME_CONFIGS;
      last.current = stackStatuses(db, now, {
        configOf: (dir) => {
          if (readDirs.has(dir) || budget-- > 0) {
            readDirs.add(dir);
            return stackConfigOf(dir);
          }
          pending.add(dir);
          return NOT_READ;
        },
      });
      const names = new Set(last.current.filter((s) => pending.has(s.dir)).map((s) => s.name));
      return { statuses: last.current, pending: names, pendingDirs: pending, now, error: null };
    } catch (err) {
      return {
        statuses: last.current,
        pending: new Set<string>(),
        pendingDirs: pending,
        now,
        error: errorMessage(err),
      };
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [db, dataVersion, clock, configsRead]);
  // Read the remaining dayops.yaml files in the background, a few per turn of the event loop.
  const pendingKey = result.pendingDirs.size;
  useEffect(() => {
    if (pendingKey === 0) return;
    const dirs = [...result.pendingDirs];
    let stopped = false;
    let i = 0;
    const step = () => {
      if (stopped) return;
      const before = i;
      // The rows on screen in one go, right after the first frame; the rest a few at a time.
      for (const end = Math.min(dirs.length, i + (i < FIRST_BATCH ? FIRST_BATCH : CHUNK)); i < end; i++) {
        stackConfigOf(dirs[i]);
        readDirs.add(dirs[i]);
      }
      if (i >= dirs.length || (before < FIRST_BATCH && i >= FIRST_BATCH)) setConfigsRead((n) => n + 1);
      if (i < dirs.length) setImmediate(step);
    };
    const t = setTimeout(step, 0);
    return () => {
      stopped = true;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pendingKey, configsRead]);
  return { statuses: result.statuses, pending: result.pending, now: result.now, error: result.error };
}

export interface SectionData {
  drift: { resources: DriftedResource[]; checks: DriftCheckRecord[] };
  alerts: { alerts: AlertView[]; silences: SilenceRecord[] };
  snapshots: { snapshots: Snapshot[]; events: BackupEvent[] };
  runs: RunRecord[];
  audit: AuditEntry[];
}

export type SectionItems<S extends Day2Section> = SectionData[S];

const reposOf = repos;

/** One section of a stack, read now. */
export function readSection(db: DB, stack: StackStatus, section: Day2Section, now: number): SectionData[Day2Section] {
  const r = reposOf(db);
  switch (section) {
    case 'drift':
      return { resources: driftedResources(db, stack.stackId, now), checks: driftHistory(db, stack.stackId, 20) };
    case 'alerts':
      return { alerts: listAlerts(db, stack.name, { now }), silences: liveSilences(db, stack.name, now) };
    case 'snapshots':
      return { snapshots: r.backups.snapshots(stack.stackId), events: r.backups.events(stack.stackId, 30) };
    case 'runs':
      return r.runs.list({ stack: stack.name, limit: 200 });
    case 'audit':
      // Newest first by time (entries written later may record an earlier time, e.g. an approval given offline).
      return r.audit.forStack(stack.stackId, 300).sort((a, b) => b.at - a.at || b.id - a.id);
  }
}

/** The open section of the stack, reloaded on database changes. */
export function useSection<S extends Day2Section>(
  stack: StackStatus | undefined,
  section: S,
  now: number,
): { data: SectionData[S] | null; error: string | null } {
  const { db } = useServices();
  const dataVersion = useAppStore((s) => s.dataVersion);
  return useMemo(() => {
    if (!stack) return { data: null, error: null };
    try {
      return { data: readSection(db, stack, section, now) as SectionData[S], error: null };
    } catch (err) {
      return { data: null, error: errorMessage(err) };
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [db, stack?.stackId, stack?.name, section, dataVersion, now]);
}
