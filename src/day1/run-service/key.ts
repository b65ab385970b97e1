import { isTeamDb } from '../../db/engine.js';
import { serviceKey } from '../../services.js';
import { RunService } from './actions.js';

/** The app's one run service: Day-1 views, Day-2 jobs and flows share it (`services.use(RUN_SERVICE)`). */
export const RUN_SERVICE = serviceKey('runs', (s) => {
  const svc = new RunService(s.db, {
    dbPath: s.dbPath,
    user: s.user,
    readonly: s.readonly,
    env: s.env,
    logThread: true,
  });
  if (isTeamDb(s.db)) holdParkedPlans(svc);
  return svc;
});

/** How often an open app looks for approvals given elsewhere to the runs whose plan it holds. */
const APPLY_HELD_MS = 500;

/**
 * Team mode: a run this app planned and parked for approval keeps its plan here while the app is open, so an
 * approval given from any machine is applied by this app from that plan (as a worker does). Quitting lets the
 * plans go (the runs stay parked, approvable where their plan folder is).
 */
export function holdParkedPlans(svc: RunService): void {
  const plannedHere = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  svc.on('state', (run) => {
    if (run.state === 'PLANNING') plannedHere.add(run.id);
    else if (run.state === 'UNCONFIRMED' && plannedHere.delete(run.id) && svc.holdPlan(run.id)) {
      timer ??= setInterval(() => {
        try {
          svc.applyHeld();
        } catch {
          /* the database is gone or closing: the next tick, or the next start, sees to it */
        }
      }, APPLY_HELD_MS).unref();
    } else if (run.state !== 'UNCONFIRMED') plannedHere.delete(run.id);
  });
  const shutdown = svc.shutdown.bind(svc);
  svc.shutdown = async () => {
    if (timer) clearInterval(timer);
    return shutdown();
  };
}
