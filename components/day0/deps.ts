/**
 * What the wizard's key handlers and effects use besides the store: Day-0's application layer, the draft keeper,
 * whether writing is allowed, and the user's working folder. Made once per app (per store).
 */
import { createDay0, workDir, type Day0 } from '../../src/app/day0/index.js';
import { DraftKeeper } from '../../src/app/day0/drafts.js';
import type { Services } from '../../src/services.js';
import { roleRefusal } from '../../src/app/permissions.js';
import { useAppStoreApi, type AppStore } from '../../store/index.js';
import { useServices } from '../AppContext.js';

export interface WizardDeps {
  day0: Day0;
  drafts: DraftKeeper;
  readonly: boolean;
  /** Why writing is refused besides read-only mode (team mode: a role that may not write designs), or null. */
  denied: string | null;
  /** What relative output folders are resolved against: where the user started dayops (or ran npm). */
  cwd: string;
}

const made = new WeakMap<AppStore, WizardDeps>();

export function wizardDeps(store: AppStore, services: Services): WizardDeps {
  let deps = made.get(store);
  if (!deps) {
    const day0 = createDay0({ db: services.db, user: services.user, now: services.now });
    const drafts = new DraftKeeper(day0, (err) =>
      store.getState().wizardSay('error', `The design draft could not be saved: ${(err as Error)?.message ?? err}`),
    );
    const denied = roleRefusal(services.db, 'design');
    deps = { day0, drafts, readonly: services.readonly || denied !== null, denied, cwd: workDir(services.env) };
    made.set(store, deps);
  }
  return deps;
}

export function useWizardDeps(): WizardDeps {
  return wizardDeps(useAppStoreApi(), useServices());
}
