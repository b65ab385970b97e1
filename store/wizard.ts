/**
 * The Day-0 wizard's state and its moves. The step/field model is in src/day0/wizard-steps.ts; this slice holds
 * where the operator is (step, focused row, an open list item, what is being typed or picked) and the design
 * itself, and turns key commands into new states. It never touches the database: the view (useDraft) saves the
 * draft whenever the persisted part (design, step, focus, item editor, output folder) changes.
 *
 * A value is committed only when it is valid, so `bp` always satisfies the blueprint schema and the audit can
 * run at any time. While a text field, a picker or a prompt has the keyboard, `textInput` is on so the global
 * keys (q, 1/2/3, Tab, ?) stay quiet; every mode change goes through `put`, which keeps the two in step. The
 * state and the pure functions over it are in store/wizard-state.ts.
 */
import type { StateCreator } from 'zustand';
import {
  REVIEW_STEP,
  findList,
  findingTarget,
  getIn,
  parseText,
  setIn,
  valueText,
  type Option,
} from '../src/day0/wizard-steps.js';
import type { AppState } from './index.js';
import type { FlashLevel } from './ui.js';
import {
  advance,
  commit,
  fieldCtx,
  focusedRow,
  focusKey,
  gotoStep,
  outDirTextProblem,
  pickerOptions,
  rowsOf,
  withFocus,
  type WizardEditor,
  type WizardMode,
  type WizardState,
} from './wizard-state.js';

export * from './wizard-state.js';

export interface WizardSlice {
  wizard: WizardState | null;
  wizardInit(state: WizardState): void;
  wizardMove(delta: number): void;
  wizardMoveTo(where: 'top' | 'bottom'): void;
  wizardGoto(step: number, focus?: string, editor?: WizardEditor | null): void;
  /** Enter on the focused row. Returns 'write' when the row is the write button. */
  wizardActivate(): 'write' | undefined;
  /** Space: flip a yes/no field. */
  wizardToggle(): void;
  wizardEditChange(text: string, cursor?: number): void;
  /** Enter in a text field: the reason it is refused, or undefined when it was saved. */
  wizardEditSave(): string | undefined;
  /** Esc: leave a field, a picker or a prompt; in the form, close the list item. */
  wizardCancel(): void;
  wizardPick(value: string | boolean): void;
  /** Move the picker's (or the open list's) highlight by `delta` choices, or to the first or last one. */
  wizardPickMove(delta: number | 'top' | 'bottom'): void;
  wizardMultiToggle(value: string): void;
  wizardMultiDone(): void;
  wizardAdd(): void;
  wizardAskRemove(): void;
  wizardConfirmRemove(): void;
  wizardSetMode(mode: WizardMode, more?: Partial<WizardState>): void;
  wizardDone(written: NonNullable<WizardState['written']>): void;
  /** To the review, keeping what was entered (every step not visited keeps its defaults). */
  wizardReview(): void;
  /** Ask to move the stack registered at `from` (mode move). */
  wizardAskMove(from: string): void;
  /** Offer these designs to open (mode open). */
  wizardOffer(choices: Option[]): void;
  /** Say something on the flash line as the wizard's own: the wizard's next key clears it. */
  wizardSay(level: FlashLevel, text: string): void;
  /** Clear what the wizard said last, if it is still shown. */
  wizardUnsay(): void;
}

// ---------------------------------------------------------------------------------------------------------------
// The slice

export const createWizardSlice: StateCreator<AppState, [], [], WizardSlice> = (set, get) => {
  /** Replace the wizard; textInput follows the mode (a field or a dialog has the keyboard). */
  const put = (w: WizardState) => {
    const textInput = w.mode !== 'nav' && w.mode !== 'busy';
    if (get().textInput !== textInput) set({ wizard: w, textInput });
    else set({ wizard: w });
  };
  const cur = () => get().wizard;
  /** The flash the wizard raised last. */
  let said: number | null = null;
  const say = (level: FlashLevel, text: string) => {
    said = get().showFlash(level, text);
  };

  return {
    wizard: null,

    wizardInit: (w) => put(w),

    wizardMove: (delta) => {
      const w = cur();
      if (!w || w.mode !== 'nav') return;
      const rows = rowsOf(w).filter((r) => r.focusable);
      if (rows.length === 0) return;
      const i = Math.max(
        0,
        rows.findIndex((r) => r.key === focusKey(w)),
      );
      const j = Math.max(0, Math.min(rows.length - 1, i + delta));
      if (j !== i || rows[i].key !== focusKey(w)) put(withFocus(w, rows[j].key));
    },

    wizardMoveTo: (where) => {
      const w = cur();
      if (!w || w.mode !== 'nav') return;
      const rows = rowsOf(w).filter((r) => r.focusable);
      const r = where === 'top' ? rows[0] : rows[rows.length - 1];
      if (r) put(withFocus(w, r.key));
    },

    wizardGoto: (step, focus, editor = null) => {
      const w = cur();
      if (!w) return;
      put(gotoStep(w, step, focus, editor));
    },

    wizardActivate: () => {
      const w = cur();
      if (!w || w.mode !== 'nav') return undefined;
      const row = focusedRow(w);
      if (!row) return undefined;
      switch (row.type) {
        case 'field': {
          const f = row.field;
          const value = getIn(w.bp, row.path);
          if (f.kind === 'text' || f.kind === 'number' || f.kind === 'csv') {
            const text = valueText(f, value);
            put({ ...w, mode: 'edit', editText: text, editCursor: text.length });
          } else if (f.kind === 'choice' || f.kind === 'bool') {
            // The picker opens on the current value, or on the first choice when the value is not one of them.
            const options = pickerOptions(w, row);
            const pickValue = options.find((o) => o.value === value)?.value ?? options[0]?.value ?? null;
            put({ ...w, mode: 'pick', pickValue });
          } else put({ ...w, mode: 'multi', picked: [...((value as string[]) ?? [])], pickValue: null });
          return undefined;
        }
        case 'item': {
          const list = row.list;
          put({ ...w, focus: row.key, editor: { list: list.id, index: row.index, focus: list.fields[0].id } });
          return undefined;
        }
        case 'next':
          put(gotoStep(w, w.step + 1));
          return undefined;
        case 'empty':
          get().wizardAdd();
          return undefined;
        case 'outDir': {
          const text = w.outDir ?? `./${w.bp.metadata.name}`;
          put({ ...w, mode: 'edit', editText: text, editCursor: text.length });
          return undefined;
        }
        case 'write':
          return 'write';
        case 'finding': {
          const t = findingTarget(row.finding);
          if (t) put(gotoStep(w, t.step, t.focus, t.editor ?? null));
          return undefined;
        }
        case 'summary':
          put(gotoStep(w, row.line.step, row.line.focus));
          return undefined;
        default:
          return undefined;
      }
    },

    wizardToggle: () => {
      const w = cur();
      if (!w || w.mode !== 'nav') return;
      const row = focusedRow(w);
      if (row?.type !== 'field' || row.field.kind !== 'bool') return;
      put(commit(w, row, !getIn(w.bp, row.path)));
    },

    wizardEditChange: (text, cursor = text.length) => {
      const w = cur();
      if (!w || (w.mode !== 'edit' && w.mode !== 'overwrite')) return;
      set({ wizard: { ...w, editText: text, editCursor: Math.max(0, Math.min(cursor, text.length)) } });
    },

    wizardEditSave: () => {
      const w = cur();
      if (!w || w.mode !== 'edit') return undefined;
      const row = focusedRow(w);
      if (row?.type === 'outDir') {
        const problem = outDirTextProblem(w, w.editText);
        if (problem) return problem;
        const typed = w.editText.trim();
        const outDir = !typed || typed === `./${w.bp.metadata.name}` ? null : typed;
        put(advance({ ...w, outDir, mode: 'nav', written: outDir === w.outDir ? w.written : null }));
        return undefined;
      }
      if (
        row?.type !== 'field' ||
        (row.field.kind !== 'text' && row.field.kind !== 'number' && row.field.kind !== 'csv')
      )
        return undefined;
      const parsed = parseText(row.field, w.editText, fieldCtx(w));
      if (!parsed.ok) return parsed.error;
      put(advance({ ...commit(w, row, parsed.value), mode: 'nav' }));
      return undefined;
    },

    wizardCancel: () => {
      const w = cur();
      if (!w) return;
      if (w.mode !== 'nav' && w.mode !== 'busy') {
        put({
          ...w,
          mode: 'nav',
          editText: '',
          editCursor: 0,
          picked: [],
          confirm: null,
          choices: [],
          moveFrom: null,
          // Saying no to the move or to the overwrite writes nothing: the next write asks again.
          move: w.mode === 'overwrite' || w.mode === 'move' ? false : w.move,
          refused: w.mode === 'overwrite' ? [] : w.refused,
        });
      } else if (w.mode === 'nav' && w.editor) {
        put({ ...w, focus: `${w.editor.list}[${w.editor.index}]`, editor: null });
      }
    },

    wizardPick: (value) => {
      const w = cur();
      if (!w || w.mode !== 'pick') return;
      const row = focusedRow(w);
      if (row?.type !== 'field') return;
      put(advance({ ...commit(w, row, value), mode: 'nav' }));
    },

    wizardPickMove: (delta) => {
      const w = cur();
      if (!w || (w.mode !== 'pick' && w.mode !== 'multi' && w.mode !== 'open')) return;
      // The multi-select's list starts with "done" (null).
      const values: (string | boolean | null)[] =
        w.mode === 'open'
          ? w.choices.map((c) => c.value)
          : [...(w.mode === 'multi' ? [null] : []), ...pickerOptions(w, focusedRow(w)).map((o) => o.value)];
      if (values.length === 0) return;
      const at = Math.max(0, values.indexOf(w.pickValue));
      const to =
        delta === 'top'
          ? 0
          : delta === 'bottom'
            ? values.length - 1
            : Math.max(0, Math.min(values.length - 1, at + delta));
      if (values[to] !== w.pickValue) set({ wizard: { ...w, pickValue: values[to] } });
    },

    wizardMultiToggle: (value) => {
      const w = cur();
      if (!w || w.mode !== 'multi') return;
      const picked = w.picked.includes(value) ? w.picked.filter((v) => v !== value) : [...w.picked, value];
      set({ wizard: { ...w, picked } });
    },

    wizardMultiDone: () => {
      const w = cur();
      if (!w || w.mode !== 'multi') return;
      const row = focusedRow(w);
      if (row?.type !== 'field' || row.field.kind !== 'multi') return;
      // Keep the options' order, and any value the options no longer offer (the audit reports it).
      const order = row.field.options(fieldCtx(w)).map((o) => String(o.value));
      const picked = [...order.filter((v) => w.picked.includes(v)), ...w.picked.filter((v) => !order.includes(v))];
      put(advance({ ...commit(w, row, picked), mode: 'nav', picked: [] }));
    },

    wizardAdd: () => {
      const w = cur();
      if (!w || w.mode !== 'nav' || w.editor) return;
      const row = focusedRow(w);
      if (row?.type !== 'item' && row?.type !== 'empty') return;
      const list = row.list;
      const items = (getIn(w.bp, list.path) as unknown[]) ?? [];
      const item = list.make(w.bp, items);
      const bp = setIn(w.bp, list.path, [...items, item]);
      put({
        ...w,
        bp,
        written: null,
        focus: `${list.id}[${items.length}]`,
        editor: { list: list.id, index: items.length, focus: list.fields[0].id },
      });
    },

    wizardAskRemove: () => {
      const w = cur();
      if (!w || w.mode !== 'nav' || w.editor) return;
      const row = focusedRow(w);
      if (row?.type !== 'item') return;
      const items = getIn(w.bp, row.list.path) as unknown[];
      if (row.list.minItems && items.length <= row.list.minItems) {
        say(
          'warning',
          `A design needs at least ${row.list.minItems} ${row.list.noun}: add another before removing this one`,
        );
        return;
      }
      const item = items[row.index];
      const label =
        typeof item === 'string'
          ? item
          : String(
              (item as { name?: string; group?: string }).name ??
                (item as { group?: string }).group ??
                `#${row.index + 1}`,
            );
      put({ ...w, mode: 'confirm', confirm: { list: row.list.id, index: row.index, label } });
    },

    wizardConfirmRemove: () => {
      const w = cur();
      if (!w || w.mode !== 'confirm' || !w.confirm) return;
      const found = findList(w.confirm.list);
      if (!found) return put({ ...w, mode: 'nav', confirm: null });
      const { list } = found;
      const items = getIn(w.bp, list.path) as unknown[];
      const rest = items.filter((_, i) => i !== w.confirm!.index);
      const focus = rest.length ? `${list.id}[${Math.min(w.confirm.index, rest.length - 1)}]` : `${list.id}:empty`;
      const label = w.confirm.label;
      put({ ...w, bp: setIn(w.bp, list.path, rest), written: null, mode: 'nav', confirm: null, editor: null, focus });
      say('info', `Removed ${list.noun} ${label}`);
    },

    wizardSetMode: (mode, more = {}) => {
      const w = cur();
      if (!w) return;
      put({ ...w, ...more, mode });
    },

    wizardDone: (written) => {
      const w = cur();
      if (!w) return;
      put({
        ...w,
        mode: 'nav',
        written,
        refused: [],
        move: false,
        moveFrom: null,
        editText: '',
        editCursor: 0,
        focus: 'write',
      });
    },

    wizardReview: () => {
      const w = cur();
      if (!w || w.mode !== 'nav' || w.step === REVIEW_STEP) return;
      put(gotoStep(w, REVIEW_STEP));
    },

    wizardAskMove: (from) => {
      const w = cur();
      if (!w) return;
      put({ ...w, mode: 'move', moveFrom: from });
    },

    wizardOffer: (choices) => {
      const w = cur();
      if (!w || choices.length === 0) return;
      put({ ...w, mode: 'open', choices, pickValue: choices[0].value });
    },

    wizardSay: (level, text) => say(level, text),

    wizardUnsay: () => {
      if (said === null) return;
      get().clearFlash(said);
      said = null;
    },
  };
};
