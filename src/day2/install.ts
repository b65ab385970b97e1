/**
 * Day-2's hooks into the Day-1 run engine, installed once per process by importing this module (src/main.ts does,
 * so the app and every headless command that drives runs have them):
 *
 * - quiet applies: before an approved apply, silence the stack's alerts when its dayops.yaml says
 *   `alerting.quietApplies: true` (`beginQuietApply`); after it, whatever its outcome, expire that silence
 *   (`endQuietApply`). A problem is written to the run's log ("apply hook failed: ...") and never stops the apply.
 * - drift: a drift run that ends in this process is recorded as a drift check (`recordDriftRun`), also when it
 *   was started without `checkDrift` or cancelled on quit.
 */
import { registerRunHooks } from '../day1/runner/hooks.js';
import { errorMessage } from '../errors.js';
import { beginQuietApply, endQuietApply } from './alerts.js';
import { recordDriftRun } from './drift.js';

let uninstall: (() => void) | undefined;

/** Register the hooks (idempotent); returns a function that removes them. */
export function installDay2Hooks(): () => void {
  if (uninstall) return uninstall;
  const off = registerRunHooks({
    onApplyStart: async ({ db, stack, runId, user }) => {
      const r = await beginQuietApply(db, stack, runId, user);
      if (r.warning) throw new Error(r.warning);
    },
    onApplyEnd: async ({ db, runId }) => {
      const r = await endQuietApply(db, runId);
      if (r.warning) throw new Error(r.warning);
    },
    onRunEnd: ({ db, run }) => {
      if (run.purpose !== 'drift') return;
      try {
        recordDriftRun(db, run.id);
      } catch (err) {
        // The database may be closing on quit: the scheduler's next start reconciles the check.
        throw new Error(`the drift check of run ${run.id} was not recorded: ${errorMessage(err)}`, { cause: err });
      }
    },
  });
  uninstall = () => {
    off();
    uninstall = undefined;
  };
  return uninstall;
}

installDay2Hooks();
