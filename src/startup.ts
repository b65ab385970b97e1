/**
 * Work the app does once at start-up, after the database is open and before the first frame: recovering runs
 * a crashed dayops left behind, starting the Day-2 scheduler, and so on. Each area adds its hook here.
 */
import type { AppStore } from '../store/index.js';
import type { Services } from './services.js';
import { day1StartupHook } from '../store/day1.js';

export type StartupHook = (services: Services, store: AppStore) => void;

export const startupHooks: StartupHook[] = [];

// Day-1: runs a crashed dayops left behind are marked interrupted (flash), and `activeRuns` is kept up to date.
startupHooks.push(day1StartupHook);

// Day-2 (after Day-1's, which reports the runs a crashed dayops left behind): the scheduler (drift checks,
// backups, restore tests) and the background refresh (alerts, snapshots), stopped by services.shutdown() on quit.
// Started right after the first frame: both read every stack's dayops.yaml, which takes a second with 1,000 stacks
// (the dashboard reads the rows on screen first and the rest in the background, so by then they are cached).
export const DAY2_START_DELAY_MS = 750;
startupHooks.push((services, store) => {
  const t = setTimeout(() => {
    // Loaded here, not before the first frame: it brings the run engine (tool adapters, the policy engine).
    void import('./day2/refresh.js')
      .then(({ registerDay2Services }) => registerDay2Services(services, store))
      .catch(() => {
        /* the app quit before: nothing to start */
      });
  }, DAY2_START_DELAY_MS);
  t.unref();
});
