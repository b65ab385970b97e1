/**
 * The wizard's draft in SQLite: loaded once when the wizard first shows (resuming the step, the field and the
 * values where the operator left them), then saved on every change of the design, the step, the focused field,
 * the open list item or the output folder: synchronously, in the same tick as the change, so a kill loses
 * nothing that was committed. Typing in progress is not committed and not saved.
 */
import { useEffect } from 'react';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { DraftsRepo } from '../../src/db/drafts.js';
import { StacksRepo } from '../../src/db/stacks.js';
import type { Services } from '../../src/services.js';
import { STEPS } from '../../src/day0/wizard-steps.js';
import { draftOf, newWizard, wizardFromDraft, type WizardState } from '../../store/wizard.js';
import type { AppStore } from '../../store/index.js';
import { useAppStoreApi } from '../../store/index.js';
import { useServices } from '../AppContext.js';

/** A stack name not yet registered: my-stack, my-stack-2, ... */
export function freshStackName(services: Services): string {
  const taken = new Set(new StacksRepo(services.db).list().map((s) => s.name));
  if (!taken.has('my-stack')) return 'my-stack';
  for (let n = 2; ; n++) if (!taken.has(`my-stack-${n}`)) return `my-stack-${n}`;
}

/** A new design with the defaults of the default cloud. */
export function startNewDesign(store: AppStore, services: Services, cwd = process.cwd()): void {
  store.getState().wizardInit(newWizard(defaultBlueprint('aws', freshStackName(services), 'dev'), cwd));
}

function loadWizard(store: AppStore, services: Services): void {
  const cwd = process.cwd();
  const draft = new DraftsRepo(services.db).open();
  if (!draft) return startNewDesign(store, services, cwd);
  const resumed = wizardFromDraft(draft, cwd);
  if ('problem' in resumed) {
    startNewDesign(store, services, cwd);
    store
      .getState()
      .showFlash('warning', `The saved design draft could not be resumed (${resumed.problem}): starting a new one`);
    return;
  }
  store.getState().wizardInit(resumed.wizard);
  const w = resumed.wizard;
  store
    .getState()
    .showFlash(
      'info',
      `Resumed the draft of ${w.bp.metadata.name} at step ${w.step + 1}/${STEPS.length} · ${STEPS[w.step].title}`,
    );
}

const persisted = (w: WizardState) => [w.bp, w.step, w.focus, w.editor, w.outDir, w.reached] as const;

function changed(a: WizardState | null, b: WizardState | null): boolean {
  if (!a || !b) return Boolean(b) !== Boolean(a);
  const x = persisted(a);
  const y = persisted(b);
  return x.some((v, i) =>
    typeof v === 'object' && v !== null ? v !== y[i] && JSON.stringify(v) !== JSON.stringify(y[i]) : v !== y[i],
  );
}

/** Load the draft the first time the wizard shows; save it as the operator goes. */
export function useDraft(): void {
  const store = useAppStoreApi();
  const services = useServices();
  useEffect(() => {
    if (!store.getState().wizard) loadWizard(store, services);
  }, [store, services]);
  useEffect(() => {
    if (services.readonly) return;
    const drafts = new DraftsRepo(services.db);
    return store.subscribe((s, prev) => {
      const w = s.wizard;
      if (!w || !changed(prev.wizard, w)) return;
      // Just written: browsing the written design makes no new draft; the next change does.
      if (w.written && w.draftId === null) return;
      // A wizard that was only loaded (nothing moved yet) needs no row.
      if (!prev.wizard) return;
      const d = draftOf(w);
      const state = d.state as unknown as Record<string, unknown>;
      try {
        if (w.draftId === null) {
          const id = drafts.create(d.blueprint, d.step, state, services.now());
          store.setState({ wizard: { ...w, draftId: id } });
        } else {
          drafts.update(w.draftId, d.blueprint, d.step, state, services.now());
        }
      } catch (err) {
        s.showFlash('error', `The design draft could not be saved: ${(err as Error).message}`);
      }
    });
  }, [store, services]);
}
