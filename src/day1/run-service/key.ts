import { isTeamDb } from '../../db/engine.js';
import { serviceKey } from '../../services.js';
import { RunService } from './actions.js';

/**
 * The app's one run service: Day-1 views, Day-2 jobs and flows share it (`services.use(RUN_SERVICE)`). In team mode
 * the runs it parks keep their plan in the app while it is open, so an approval from any machine is applied here.
 */
export const RUN_SERVICE = serviceKey(
  'runs',
  (s) =>
    new RunService(s.db, {
      dbPath: s.dbPath,
      user: s.user,
      readonly: s.readonly,
      env: s.env,
      logThread: true,
      holdParkedPlans: isTeamDb(s.db),
    }),
);
