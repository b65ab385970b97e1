/**
 * The Day-2 views' hooks onto the readers of src/app/day2/readers.ts: every stack's status for the dashboard, and
 * the open stack's sections. Reloaded whenever the database changes (`dataVersion`, bumped by the shell for this
 * process's writes and other processes' alike) and on a slow clock, so ages ("5m") and staleness move on.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  readPendingConfigs,
  readSection,
  readStatuses,
  type Day2Section,
  type SectionData,
} from '../../src/app/day2/readers.js';
import type { StackStatus } from '../../src/day2/status.js';
import { errorMessage } from '../../src/errors.js';
import { useAppStore } from '../../store/index.js';
import { useServices } from '../AppContext.js';

export type { SectionData, SectionItems } from '../../src/app/day2/readers.js';

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

/** The background read shows what it has after this many files (the rows on screen), then again at the end. */
const FIRST_BATCH = 60;
/** Files read per turn of the event loop (keys are handled between turns). */
const CHUNK = 10;

/**
 * Every stack's status. The first read parses no dayops.yaml it has not seen; those are read in the background in
 * small chunks, in the order of the rows (the ones on screen first), with keys handled between chunks, and their
 * rows say "…" until then (`pending`). The last good read is kept when the database is busy.
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
    try {
      const r = readStatuses(db, now);
      last.current = r.statuses;
      return { ...r, now, error: null };
    } catch (err) {
      return {
        statuses: last.current,
        pending: new Set<string>(),
        pendingDirs: new Set<string>(),
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
      i = readPendingConfigs(dirs, i, i < FIRST_BATCH ? FIRST_BATCH : CHUNK);
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
