/**
 * Writing the design from the review step: audit, generate and write the files (designStack), ask before
 * overwriting files the team edited, then mark the draft completed, register the stack in the header, and say
 * where the files went.
 */
import { hasErrors } from '../../src/day0/audit.js';
import { designStack } from '../../src/day0/design.js';
import { DraftsRepo } from '../../src/db/drafts.js';
import type { Services } from '../../src/services.js';
import type { AppStore } from '../../store/index.js';
import { findingsOf, outDirOf } from '../../store/wizard.js';

const oneLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

export function writeWizardDesign(store: AppStore, services: Services, force = false): void {
  const s = store.getState();
  const w = s.wizard;
  if (!w || (w.mode !== 'nav' && w.mode !== 'overwrite')) return;
  if (services.readonly) {
    s.showFlash('error', 'Read-only mode: the design cannot be written (start dayops without --readonly)');
    return;
  }
  const findings = findingsOf(w.bp);
  if (hasErrors(findings)) {
    const n = findings.filter((f) => f.severity === 'error').length;
    s.showFlash(
      'error',
      `${n} audit error${n === 1 ? '' : 's'} block writing: fix ${n === 1 ? 'it' : 'them'} first (Enter on a finding goes to its field)`,
    );
    return;
  }
  const dir = outDirOf(w);
  const bp = w.bp;
  s.wizardSetMode('busy');
  try {
    const result = designStack(services.db, bp, dir, { force, user: services.user });
    const st = store.getState();
    if (result.refused.length > 0 && !force) {
      st.wizardSetMode('overwrite', { refused: result.refused, editText: '' });
      return;
    }
    if (hasErrors(result.findings)) {
      st.wizardSetMode('nav');
      st.showFlash('error', `The audit found errors; nothing was written`);
      return;
    }
    const draftId = store.getState().wizard?.draftId;
    if (draftId !== null && draftId !== undefined) new DraftsRepo(services.db).markCompleted(draftId, services.now());
    const written = result.written;
    const unchanged = result.unchanged.length;
    st.wizardDone({ dir: result.dir, files: written, unchanged });
    st.setCurrentStack({ name: bp.metadata.name, environment: bp.metadata.environment });
    st.showFlash(
      'info',
      `Wrote ${written.length} file${written.length === 1 ? '' : 's'} to ${result.dir}${unchanged > 0 ? ` (${unchanged} unchanged)` : ''}; stack ${bp.metadata.name} is registered · n starts a new design`,
    );
  } catch (err) {
    const st = store.getState();
    st.wizardSetMode('nav');
    st.showFlash('error', `Nothing was written: ${oneLine(err)}`);
  }
}
