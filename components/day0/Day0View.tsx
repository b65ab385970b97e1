/**
 * Day-0: the design wizard. Ten steps, in the order a team plans a cloud-native system (basics, provider,
 * cluster, network, storage, CI/CD, security, success criteria, Day-2 plan, review), each a form of fields and
 * lists; the review runs the audit live and writes the files.
 *
 * Layout: on a wide terminal the steps are listed on the left and, wider still, a column on the right explains
 * the focused field and lists the step's audit findings; on 80x24 one line says "step 3/10 · Cluster". The
 * state lives in the store (store/wizard.ts), so switching days keeps it; the draft is saved as the operator
 * goes (useDraft) and resumed when dayops opens again.
 */
import { Box, type Key } from 'ink';
import { Text } from '../layout/Text.js';
import { useCallback, useEffect, useRef, useState } from 'react';
import { REVIEW_STEP } from '../../src/day0/wizard-steps.js';
import { isKey } from '../../src/keymap/index.js';
import { useAppStore, useAppStoreApi, type AppStore } from '../../store/index.js';
import { findingsOf, focusedRow, rowsOf, type WizardRow, type WizardState } from '../../store/wizard.js';
import { useKeys } from '../layout/KeyInput.js';
import { useKeyContexts } from '../layout/useKeyContexts.js';
import { theme } from '../theme.js';
import { offerDesigns, openChoice, startNewDesign, writeWizardDesign } from './actions.js';
import { useWizardDeps, type WizardDeps } from './deps.js';
import { keys } from './keys.js';
import { MoveDialog, OpenDialog, OverwriteDialog } from './Dialogs.js';
import { SidePanel } from './SidePanel.js';
import { STEP_LIST_WIDTH, StepList } from './StepList.js';
import { useDraft } from './useDraft.js';
import { WizardForm } from './WizardForm.js';
import { editKey } from './TextField.js';

/** From this width the steps are listed on the left. */
export const STEP_LIST_MIN_COLUMNS = 100;
/** From this width a column on the right explains the field and lists the audit's findings. */
export const SIDE_PANEL_MIN_COLUMNS = 140;

/** The key contexts live in the wizard's current state, most specific first. */
export function wizardContexts(w: WizardState, row: WizardRow | undefined): string[] {
  switch (w.mode) {
    case 'edit':
      return ['day0.edit'];
    case 'pick':
      return ['day0.pick'];
    case 'multi':
      return ['day0.multi'];
    case 'confirm':
      return ['day0.confirm'];
    case 'overwrite':
      return ['day0.overwrite'];
    case 'move':
      return ['day0.move'];
    case 'open':
      return ['day0.openList'];
    case 'busy':
      return [];
    default: {
      const ids: string[] = [];
      if (w.written) ids.push('day0.written');
      if (w.editor) ids.push('day0.item');
      if (row?.type === 'next') ids.push('day0.next');
      if (row?.type === 'write') ids.push('day0.writeButton');
      if (w.step === REVIEW_STEP) ids.push('day0.review');
      ids.push('day0.wizard');
      if (w.step < REVIEW_STEP) ids.push('day0.steps');
      if (row?.type === 'item' || row?.type === 'empty') ids.push('day0.list');
      return ids;
    }
  }
}

/** The form: motion, steps, Enter, lists, write, open. Reads the wizard from the store (keys may come in bursts). */
function formKey(store: AppStore, deps: WizardDeps, page: number, input: string, key: Key): void {
  const s = store.getState();
  const cur = s.wizard!;
  if (isKey('nav.down', input, key)) s.wizardMove(1);
  else if (isKey('nav.up', input, key)) s.wizardMove(-1);
  else if (isKey('nav.pageDown', input, key)) s.wizardMove(Math.max(1, page - 1));
  else if (isKey('nav.pageUp', input, key)) s.wizardMove(-Math.max(1, page - 1));
  else if (isKey('nav.top', input, key)) s.wizardMoveTo('top');
  else if (isKey('nav.bottom', input, key)) s.wizardMoveTo('bottom');
  else if (isKey('day0.nextStep', input, key)) {
    if (cur.step < REVIEW_STEP) s.wizardGoto(cur.step + 1);
  } else if (isKey('day0.prevStep', input, key)) {
    if (cur.step > 0) s.wizardGoto(cur.step - 1);
  } else if (isKey('day0.enter', input, key)) {
    if (s.wizardActivate() === 'write') void writeWizardDesign(store, deps);
  } else if (isKey('day0.toggle', input, key)) s.wizardToggle();
  else if (isKey('day0.toReview', input, key)) s.wizardReview();
  else if (isKey('day0.open', input, key)) void offerDesigns(store, deps);
  else if (isKey('day0.list.add', input, key)) s.wizardAdd();
  else if (isKey('day0.list.remove', input, key)) s.wizardAskRemove();
  else if (isKey('day0.item.close', input, key)) s.wizardCancel();
  else if (isKey('day0.write', input, key)) {
    if (cur.step === REVIEW_STEP) void writeWizardDesign(store, deps);
  } else if (isKey('day0.new', input, key)) {
    if (cur.written)
      void startNewDesign(store, deps).then(() =>
        store.getState().wizardSay('info', 'A new design: the written one stays registered'),
      );
  }
}

/** The motion keys in a list of choices (a picker, the open list); true when the key was one. */
function pickMove(store: AppStore, page: number, input: string, key: Key): boolean {
  const s = store.getState();
  if (isKey('nav.down', input, key)) s.wizardPickMove(1);
  else if (isKey('nav.up', input, key)) s.wizardPickMove(-1);
  else if (isKey('nav.pageDown', input, key)) s.wizardPickMove(Math.max(1, page - 1));
  else if (isKey('nav.pageUp', input, key)) s.wizardPickMove(-Math.max(1, page - 1));
  else if (isKey('nav.top', input, key)) s.wizardPickMove('top');
  else if (isKey('nav.bottom', input, key)) s.wizardPickMove('bottom');
  else return false;
  return true;
}

/** Enter in a text field, or in the overwrite question. */
function submitText(store: AppStore, deps: WizardDeps): void {
  const s = store.getState();
  const cur = s.wizard;
  if (!cur) return;
  if (cur.mode === 'overwrite') {
    if (cur.editText.trim().toLowerCase() === 'yes') void writeWizardDesign(store, deps, { force: true });
    else
      s.wizardSay(
        'warning',
        `Type yes and press ${keys('day0.overwrite.confirm')} to overwrite the edited files, or ${keys('day0.overwrite.cancel')} to keep them`,
      );
    return;
  }
  const problem = s.wizardEditSave();
  if (problem)
    s.wizardSay(
      'warning',
      `Not saved: ${problem} (fix it, or ${keys('day0.edit.cancel')} to leave the field unchanged)`,
    );
}

/** Where a stack of this name is registered (for the review's warning), read again when the database changes. */
function useRegisteredAt(deps: WizardDeps, name: string | undefined, active: boolean): string | undefined {
  const dataVersion = useAppStore((s) => s.dataVersion);
  const [found, setFound] = useState<{ name: string; dir: string | undefined }>();
  useEffect(() => {
    if (!active || !name) return;
    let live = true;
    void deps.day0.registeredAt(name).then((dir) => {
      if (live) setFound({ name, dir });
    });
    return () => {
      live = false;
    };
  }, [deps, name, active, dataVersion]);
  return active && found && found.name === name ? found.dir : undefined;
}

export function Day0View({ width, height }: { width: number; height: number }) {
  const store = useAppStoreApi();
  const deps = useWizardDeps();
  useDraft();
  const w = useAppStore((s) => s.wizard);
  const rows = w ? rowsOf(w) : [];
  const row = w ? focusedRow(w, rows) : undefined;
  useKeyContexts(w ? wizardContexts(w, row) : []);
  const page = useRef(10);
  const registeredAt = useRegisteredAt(deps, w?.bp.metadata.name, w?.step === REVIEW_STEP);

  // One handler for every mode, subscribed once and always listening while the wizard is shown. It reads the mode
  // and the highlighted choice from the store, so a key that arrives before React re-rendered (right after Enter
  // opened a field, or a second arrow in a picker) acts on what the previous key left; and it alone acts on the
  // wizard's keys (the pickers only draw), so one key press is never handled twice.
  const onKey = useCallback(
    (input: string, key: Key) => {
      const s = store.getState();
      const cur = s.wizard;
      if (!cur || s.quitConfirm || s.helpOpen) return;
      // What the wizard said belongs to the key that said it: the next key clears it.
      s.wizardUnsay();
      switch (cur.mode) {
        case 'nav':
          if (s.textInput) return;
          // The shell hands keys on one at a time, however they arrived (components/layout/keyFeed.ts).
          formKey(store, deps, page.current, input, key);
          return;
        case 'edit':
        case 'overwrite': {
          const r = editKey({ text: cur.editText, cursor: cur.editCursor }, input, key);
          if (r.cancel) {
            if (cur.mode === 'overwrite') s.wizardSay('info', 'Nothing was written; the edited files are kept');
            s.wizardCancel();
            return;
          }
          if (r.text !== cur.editText || r.cursor !== cur.editCursor) s.wizardEditChange(r.text, r.cursor);
          if (r.submit) submitText(store, deps);
          return;
        }
        case 'confirm':
          if (isKey('day0.confirm.yes', input, key)) s.wizardConfirmRemove();
          else if (isKey('day0.confirm.no', input, key)) s.wizardCancel();
          return;
        case 'move':
          if (isKey('day0.move.yes', input, key)) void writeWizardDesign(store, deps, { move: true });
          else if (isKey('day0.move.no', input, key)) {
            s.wizardSay(
              'info',
              `Nothing was written; ${cur.bp.metadata.name} stays registered at ${cur.moveFrom ?? 'its folder'}`,
            );
            s.wizardCancel();
          }
          return;
        case 'open':
          if (pickMove(store, page.current, input, key)) return;
          if (isKey('day0.openList.choose', input, key) && cur.pickValue !== null)
            void openChoice(store, deps, String(cur.pickValue));
          else if (isKey('day0.openList.cancel', input, key)) s.wizardCancel();
          return;
        case 'pick':
          if (pickMove(store, page.current, input, key)) return;
          if (isKey('day0.pick.choose', input, key) && cur.pickValue !== null) s.wizardPick(cur.pickValue);
          else if (isKey('day0.pick.cancel', input, key)) s.wizardCancel();
          return;
        case 'multi':
          if (pickMove(store, page.current, input, key)) return;
          if (isKey('day0.multi.done', input, key)) {
            if (cur.pickValue === null) s.wizardMultiDone();
            else s.wizardMultiToggle(String(cur.pickValue));
          } else if (isKey('day0.multi.tick', input, key)) {
            if (cur.pickValue !== null) s.wizardMultiToggle(String(cur.pickValue));
          } else if (isKey('day0.multi.cancel', input, key)) s.wizardCancel();
          return;
        default:
          return;
      }
    },
    [store, deps],
  );
  useKeys(onKey, { isActive: Boolean(w) });

  if (!w) {
    return (
      <Box width={width} height={height} paddingX={1}>
        <Text color={theme.text.secondary}>Loading the design draft…</Text>
      </Box>
    );
  }

  const findings = findingsOf(w.bp);

  const showSteps = width >= STEP_LIST_MIN_COLUMNS;
  const showSide = width >= SIDE_PANEL_MIN_COLUMNS;
  const sideWidth = showSide ? Math.max(40, Math.floor(width * 0.32)) : 0;
  const formWidth = width - (showSteps ? STEP_LIST_WIDTH + 1 : 0) - sideWidth - (showSide ? 1 : 0) - 1;

  const form =
    w.mode === 'overwrite' ? (
      <OverwriteDialog w={w} width={formWidth} height={height} />
    ) : w.mode === 'move' ? (
      <MoveDialog w={w} width={formWidth} height={height} />
    ) : w.mode === 'open' ? (
      <OpenDialog w={w} width={formWidth} height={height} />
    ) : (
      <WizardForm
        w={w}
        rows={rows}
        row={row}
        findings={findings}
        width={formWidth}
        height={height}
        compact={!showSteps}
        narrow={!showSide}
        readonly={deps.readonly}
        registeredAt={registeredAt}
        onPageSize={(n) => {
          page.current = n;
        }}
      />
    );

  return (
    <Box width={width} height={height} flexDirection="row">
      {showSteps ? <StepList w={w} findings={findings} height={height} /> : null}
      <Box width={1} flexShrink={0} />
      {form}
      {showSide ? (
        <>
          <Box width={1} flexShrink={0} />
          <SidePanel
            w={w}
            row={row}
            findings={findings}
            width={sideWidth}
            height={height}
            registeredAt={registeredAt}
          />
        </>
      ) : null}
    </Box>
  );
}
