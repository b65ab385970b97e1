/**
 * The wizard's draft: loaded once when the wizard first shows (resuming the step, the field and the values where
 * the operator left them), then saved on every change of the design, the step, the focused field, the open list
 * item or the output folder, through the draft keeper (src/app/day0/drafts.ts), which saves in order. Typing in
 * progress is not committed and not saved; loading another design is not a change.
 */
import { useEffect } from 'react';
import { draftOf, type WizardState } from '../../store/wizard.js';
import { useAppStoreApi } from '../../store/index.js';
import { loadWizard } from './actions.js';
import { useWizardDeps } from './deps.js';

const persisted = (w: WizardState) => [w.bp, w.step, w.focus, w.editor, w.outDir, w.reached] as const;

function changed(a: WizardState, b: WizardState): boolean {
  const x = persisted(a);
  const y = persisted(b);
  return x.some((v, i) =>
    typeof v === 'object' && v !== null ? v !== y[i] && JSON.stringify(v) !== JSON.stringify(y[i]) : v !== y[i],
  );
}

/** Load the draft the first time the wizard shows; save it as the operator goes. */
export function useDraft(): void {
  const store = useAppStoreApi();
  const deps = useWizardDeps();
  useEffect(() => {
    if (!store.getState().wizard) void loadWizard(store, deps);
  }, [store, deps]);
  useEffect(() => {
    if (deps.readonly) return;
    return store.subscribe((s, prev) => {
      const w = s.wizard;
      // A design just loaded (new, opened, resumed) is not a change; nor is browsing one just written.
      if (!w || !prev.wizard || prev.wizard.gen !== w.gen || w.written || !changed(prev.wizard, w)) return;
      const d = draftOf(w);
      void deps.drafts.save({
        blueprint: d.blueprint,
        step: d.step,
        state: d.state as unknown as Record<string, unknown>,
      });
    });
  }, [store, deps]);
}
