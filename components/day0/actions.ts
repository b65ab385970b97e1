/**
 * What the wizard's keys start beyond moving in the form: loading the draft, a new design, opening a written
 * design or another draft, writing (with the overwrite and move questions). Each calls Day-0's application layer
 * and puts the answer in the store; what it says goes to the flash line as the wizard's own (the next key clears
 * it). No React here: the view calls these from its key handler and effects.
 */
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { hasErrors } from '../../src/day0/audit.js';
import { STEPS } from '../../src/day0/wizard-steps.js';
import type { Draft } from '../../src/app/day0/index.js';
import type { AppStore } from '../../store/index.js';
import { findingsOf, newWizard, outDirOf, wizardFromDraft } from '../../store/wizard.js';
import type { WizardDeps } from './deps.js';
import { keys } from './keys.js';

const oneLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A new design with the defaults of the default cloud, under a name not registered yet. */
export async function startNewDesign(store: AppStore, deps: WizardDeps): Promise<void> {
  const name = await deps.day0.newStackName();
  deps.drafts.attach(null);
  store.getState().wizardInit(newWizard(defaultBlueprint('aws', name, 'dev'), deps.cwd));
}

/** The wizard where a draft left it; or why the draft no longer reads. */
function resume(store: AppStore, deps: WizardDeps, draft: Draft): string | undefined {
  const resumed = wizardFromDraft(draft, deps.cwd);
  if ('problem' in resumed) return `The saved design draft could not be resumed (${resumed.problem})`;
  deps.drafts.attach(draft.id);
  const s = store.getState();
  s.wizardInit(resumed.wizard);
  const w = resumed.wizard;
  s.wizardSay(
    'info',
    `Resumed the draft of ${w.bp.metadata.name} at step ${w.step + 1}/${STEPS.length} · ${STEPS[w.step].title}`,
  );
  return undefined;
}

/** The first time the wizard shows: the latest draft, else a new design. */
export async function loadWizard(store: AppStore, deps: WizardDeps): Promise<void> {
  const [draft] = await deps.day0.drafts();
  const problem = draft ? resume(store, deps, draft) : 'none';
  if (!problem) return;
  await startNewDesign(store, deps);
  if (draft) store.getState().wizardSay('warning', `${problem}: starting a new one`);
}

/** Offer the designs that can be opened: the registered stacks' designs, and the drafts not being edited. */
export async function offerDesigns(store: AppStore, deps: WizardDeps): Promise<void> {
  const [stacks, drafts] = await Promise.all([deps.day0.designs(), deps.day0.drafts()]);
  const choices = [
    ...stacks.map((s) => ({ value: `stack:${s.name}`, label: `${s.name} · ${s.environment} · ${s.dir}` })),
    ...drafts
      .filter((d) => d.id !== deps.drafts.current)
      .map((d) => {
        const step = Math.max(
          0,
          STEPS.findIndex((st) => st.id === d.step),
        );
        const name = (d.blueprint as { metadata?: { name?: unknown } })?.metadata?.name;
        return {
          value: `draft:${d.id}`,
          label: `${typeof name === 'string' ? name : 'unnamed'} · draft at step ${step + 1}/${STEPS.length} · ${STEPS[step].title}`,
        };
      }),
  ];
  const s = store.getState();
  if (choices.length === 0)
    s.wizardSay('info', 'Nothing to open yet: no stack has a written design, and no other draft is kept');
  else s.wizardOffer(choices);
}

/** Open what was chosen in the open list. */
export async function openChoice(store: AppStore, deps: WizardDeps, value: string): Promise<void> {
  const s = store.getState();
  s.wizardSetMode('busy', { choices: [] });
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  try {
    if (kind === 'draft') {
      const draft = (await deps.day0.drafts()).find((d) => String(d.id) === id);
      const problem = draft ? resume(store, deps, draft) : 'That draft is gone (written or opened elsewhere)';
      if (problem) {
        store.getState().wizardSetMode('nav');
        store.getState().wizardSay('warning', problem);
      }
      return;
    }
    const opened = await deps.day0.openDesign(id);
    deps.drafts.attach(null);
    const st = store.getState();
    st.wizardInit(newWizard(opened.blueprint, deps.cwd, { outDir: opened.dir }));
    st.setCurrentStack({ name: opened.blueprint.metadata.name, environment: opened.blueprint.metadata.environment });
    st.wizardSay(
      opened.warning ? 'warning' : 'info',
      opened.warning ??
        `Opened the design of ${id} from ${opened.source}: change any step, then write it back to ${opened.dir}`,
    );
  } catch (err) {
    const st = store.getState();
    st.wizardSetMode('nav');
    st.wizardSay('error', `The design of ${id} cannot be opened: ${oneLine(err)}`);
  }
}

/**
 * Write the design from the review: audit, generate, write and register (the application layer), asking before
 * moving a stack registered at another folder and before overwriting files the team edited; then complete the
 * draft, show the stack in the header, and say where the files went.
 */
export async function writeWizardDesign(
  store: AppStore,
  deps: WizardDeps,
  answer: { force?: boolean; move?: boolean } = {},
): Promise<void> {
  const s = store.getState();
  const w = s.wizard;
  if (!w || (w.mode !== 'nav' && w.mode !== 'overwrite' && w.mode !== 'move')) return;
  if (deps.readonly) {
    s.wizardSay(
      'error',
      deps.denied ?? 'Read-only mode: the design cannot be written (start dayops without --readonly)',
    );
    return;
  }
  const findings = findingsOf(w.bp);
  if (hasErrors(findings)) {
    const n = findings.filter((f) => f.severity === 'error').length;
    s.wizardSay(
      'error',
      `${plural(n, 'audit error')} block writing: fix ${n === 1 ? 'it' : 'them'} first (${keys('day0.enter')} on a finding goes to its field)`,
    );
    return;
  }
  const move = Boolean(answer.move || w.move);
  const bp = w.bp;
  s.wizardSetMode('busy', { move });
  try {
    const result = await deps.day0.write(bp, outDirOf(w), { force: answer.force, move });
    const st = store.getState();
    if (result.registeredAt) {
      st.wizardAskMove(result.registeredAt);
      return;
    }
    if (result.refused.length > 0) {
      st.wizardSetMode('overwrite', { refused: result.refused, editText: '', editCursor: 0 });
      return;
    }
    if (hasErrors(result.findings)) {
      st.wizardSetMode('nav');
      st.wizardSay('error', 'The audit found errors; nothing was written');
      return;
    }
    await deps.drafts.complete();
    const unchanged = result.unchanged.length;
    st.wizardDone({ dir: result.dir, files: result.written, unchanged });
    st.setCurrentStack({ name: bp.metadata.name, environment: bp.metadata.environment });
    const moved = result.movedFrom
      ? `; stack ${bp.metadata.name} and its history moved here from ${result.movedFrom}`
      : `; stack ${bp.metadata.name} is registered`;
    st.wizardSay(
      'info',
      `Wrote ${plural(result.written.length, 'file')} to ${result.dir}${unchanged > 0 ? ` (${unchanged} unchanged)` : ''}${moved} · ${keys('day0.new')} starts a new design`,
    );
  } catch (err) {
    const st = store.getState();
    st.wizardSetMode('nav', { move: false });
    const why = oneLine(err);
    st.wizardSay('error', /nothing was written/.test(why) ? why : `Nothing was written: ${why}`);
  }
}
