/**
 * The Day-1 views' hooks on the app's run service and live lines (src/day1/live-lines.ts): long-lived services of
 * `Services`, shut down when the app quits (the run service's shutdown interrupts every tool it drives).
 */
import { useEffect, useState } from 'react';
import { LIVE_LINES, type LiveLines } from '../../src/day1/live-lines.js';
import { RUN_SERVICE, type RunService } from '../../src/day1/runs.js';
import type { Services } from '../../src/services.js';
import { useServices } from '../AppContext.js';

/** The app's run service (made on first use). */
export function runService(services: Services): RunService {
  return services.use(RUN_SERVICE);
}

export function liveLines(services: Services): LiveLines {
  return services.use(LIVE_LINES);
}

export function useRunService(): RunService {
  return runService(useServices());
}

/**
 * Re-render when lines of these runs arrive, at most every `everyMs` (a tool printing thousands of lines a
 * second costs a few renders a second, not thousands).
 */
export function useLiveTick(runIds: readonly number[], everyMs = 40): number {
  const services = useServices();
  const [tick, setTick] = useState(0);
  const key = runIds.join(',');
  useEffect(() => {
    const ids = new Set(key ? key.split(',').map(Number) : []);
    if (ids.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = liveLines(services).subscribe((id) => {
      if (!ids.has(id) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        setTick((t) => t + 1);
      }, everyMs);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [key, services, everyMs]);
  return tick;
}
