/**
 * The Day-0 wizard's state, and the pure functions over it that the slice (store/wizard.ts), the views and the
 * tests share: the rows on screen, the focused row, moving the focus, committing a value, drafts.
 */
import { statSync } from 'node:fs';
import { audit, type Finding } from '../src/day0/audit.js';
import { blueprintSchema, type Blueprint } from '../src/day0/blueprint.js';
import {
  REVIEW_STEP,
  STEPS,
  findList,
  getIn,
  itemRows,
  outputDir,
  outDirProblem,
  reviewRows,
  setIn,
  stepIndex,
  stepRows,
  type FieldCtx,
  type ListField,
  type Option,
  type ReviewRow,
  type Row,
} from '../src/day0/wizard-steps.js';

/**
 * nav: moving in the form; edit: typing a value; pick/multi: choosing one or several values; confirm: asked to
 * remove a list item; overwrite: asked to overwrite edited files; move: asked to move a stack registered at
 * another folder; open: choosing a design to open; busy: writing or loading.
 */
export type WizardMode = 'nav' | 'edit' | 'pick' | 'multi' | 'confirm' | 'overwrite' | 'move' | 'open' | 'busy';

/** A list item open for editing. */
export interface WizardEditor {
  list: string;
  index: number;
  /** The focused row among the item's fields. */
  focus: string;
}

export interface WizardState {
  bp: Blueprint;
  /** Bumped each time another design is loaded (new, opened, resumed): a load is not a change to save. */
  gen: number;
  step: number;
  /** The furthest step reached: the steps before it are shown as done. */
  reached: number;
  /** The focused row of the step. */
  focus: string;
  editor: WizardEditor | null;
  /** The output folder as typed; null follows the name (./<name>). */
  outDir: string | null;
  /** What a relative output folder is resolved against. */
  cwd: string;
  mode: WizardMode;
  /** The text being typed (mode edit or overwrite), and the cursor in it. */
  editText: string;
  editCursor: number;
  /** The ticks of a multi-select while it is open. */
  picked: string[];
  /** The choice under the picker's cursor (null: the multi-select's "done"). */
  pickValue: string | boolean | null;
  /** The item a remove is asked for. */
  confirm: { list: string; index: number; label: string } | null;
  /** Files the team edited that a write would overwrite (mode overwrite). */
  refused: string[];
  /** Where the stack is registered when writing would move it (mode move). */
  moveFrom: string | null;
  /** The operator agreed to move the stack here: the next write (and its overwrite question) moves it. */
  move: boolean;
  /** The designs that can be opened (mode open): registered stacks and drafts, as picker options. */
  choices: Option[];
  /** The last write: where, and which files. */
  written: { dir: string; files: string[]; unchanged: number } | null;
}

export type WizardRow = Row | ReviewRow;

// ---------------------------------------------------------------------------------------------------------------
// Pure helpers (exported for the view and tests)

const findingsCache = new WeakMap<Blueprint, Finding[]>();

/** The audit of the design, once per version of it. */
export function findingsOf(bp: Blueprint): Finding[] {
  let f = findingsCache.get(bp);
  if (!f) {
    f = audit(bp);
    findingsCache.set(bp, f);
  }
  return f;
}

export function editorList(w: WizardState): ListField | undefined {
  return w.editor ? findList(w.editor.list)?.list : undefined;
}

/** The rows on screen: the open item's fields, the review, or the step's fields and lists. */
export function rowsOf(w: WizardState): WizardRow[] {
  const list = editorList(w);
  if (w.editor && list) return itemRows(list, w.editor.index);
  if (w.step === REVIEW_STEP) return reviewRows(w.bp, findingsOf(w.bp), w.written?.files);
  return stepRows(STEPS[w.step], w.bp);
}

export const focusKey = (w: WizardState): string => (w.editor ? w.editor.focus : w.focus);

export function focusedRow(w: WizardState, rows = rowsOf(w)): WizardRow | undefined {
  return rows.find((r) => r.key === focusKey(w) && r.focusable) ?? rows.find((r) => r.focusable);
}

export function fieldCtx(w: WizardState): FieldCtx {
  return { bp: w.bp, item: w.editor ? getIn(w.bp, [...(editorList(w)?.path ?? []), w.editor.index]) : undefined };
}

export const outDirOf = (w: WizardState): string => outputDir(w.outDir, w.bp, w.cwd);

/** The choices of a choice, yes/no or multi-select row. */
export function pickerOptions(w: WizardState, row: WizardRow | undefined): Option[] {
  if (!row || row.type !== 'field') return [];
  const f = row.field;
  if (f.kind === 'bool')
    return [
      { value: true, label: f.yes ?? 'yes' },
      { value: false, label: f.no ?? 'no' },
    ];
  if (f.kind === 'choice' || f.kind === 'multi') return f.options(fieldCtx(w));
  return [];
}

function kindOf(p: string): 'dir' | 'file' | 'none' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
}

/** Why the typed output folder cannot be used, or undefined. */
export function outDirTextProblem(w: WizardState, text: string): string | undefined {
  return outDirProblem(outputDir(text, w.bp, w.cwd), kindOf);
}

export function withFocus(w: WizardState, key: string): WizardState {
  return w.editor ? { ...w, editor: { ...w.editor, focus: key } } : { ...w, focus: key };
}

export function firstFocus(w: WizardState, step: number): string {
  if (step === REVIEW_STEP) return 'write';
  return stepRows(STEPS[step], w.bp).find((r) => r.focusable)?.key ?? '';
}

export function gotoStep(
  w: WizardState,
  step: number,
  focus?: string,
  editor: WizardEditor | null = null,
): WizardState {
  const s = Math.max(0, Math.min(REVIEW_STEP, step));
  return { ...w, step: s, reached: Math.max(w.reached, s), editor, mode: 'nav', focus: focus ?? firstFocus(w, s) };
}

const isListRow = (r: WizardRow): r is Extract<Row, { type: 'item' | 'empty' }> =>
  r.type === 'item' || r.type === 'empty';

/**
 * After a value is kept: the next field. Lists are passed over (Enter opens an item explicitly); after an item's
 * last field the item closes and the form goes on after its list. After the last field, the next step.
 */
export function advance(w: WizardState): WizardState {
  const rows = rowsOf(w);
  const i = rows.findIndex((r) => r.key === focusKey(w));
  const next = rows.slice(i + 1).find((r) => r.focusable && !isListRow(r));
  if (next) return withFocus(w, next.key);
  if (w.editor) {
    const list = w.editor.list;
    const closed = { ...w, editor: null, focus: `${list}[${w.editor.index}]` };
    const mine = rowsOf(closed).filter((r) => isListRow(r) && r.list.id === list);
    return advance({ ...closed, focus: mine.at(-1)?.key ?? closed.focus });
  }
  if (w.step < REVIEW_STEP) return gotoStep(w, w.step + 1);
  return w;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The design with a value committed at a field row (choices such as the cloud re-derive other fields). */
export function commit(w: WizardState, row: Row, value: unknown): WizardState {
  if (row.type !== 'field') return w;
  if (same(getIn(w.bp, row.path), value)) return w;
  const f = row.field;
  const bp = f.kind === 'choice' && f.apply && !w.editor ? f.apply(w.bp, String(value)) : setIn(w.bp, row.path, value);
  return { ...w, bp, written: null };
}

// ---------------------------------------------------------------------------------------------------------------
// Drafts

export interface DraftState {
  focus: string;
  editor: WizardEditor | null;
  outDir: string | null;
  reached: number;
}

/** What a draft stores: the design, the step's id, and where the operator was. */
export function draftOf(w: WizardState): { blueprint: Blueprint; step: string; state: DraftState } {
  return {
    blueprint: w.bp,
    step: STEPS[w.step].id,
    state: { focus: w.focus, editor: w.editor, outDir: w.outDir, reached: w.reached },
  };
}

let generation = 0;

/** A fresh wizard on a design; an opened design writes back to its folder (`outDir`) and starts on the review. */
export function newWizard(bp: Blueprint, cwd: string, opened: { outDir: string } | null = null): WizardState {
  const w: WizardState = {
    bp,
    gen: ++generation,
    step: 0,
    reached: 0,
    focus: '',
    editor: null,
    outDir: null,
    cwd,
    mode: 'nav',
    editText: '',
    editCursor: 0,
    picked: [],
    pickValue: null,
    confirm: null,
    refused: [],
    moveFrom: null,
    move: false,
    choices: [],
    written: null,
  };
  if (opened) return { ...w, outDir: opened.outDir, step: REVIEW_STEP, reached: REVIEW_STEP, focus: 'write' };
  return { ...w, focus: firstFocus(w, 0) };
}

/** The wizard as a saved draft left it; a draft that no longer reads gives a fresh wizard and the reason. */
export function wizardFromDraft(
  draft: { blueprint: unknown; step: string; state: Record<string, unknown> },
  cwd: string,
): { wizard: WizardState } | { problem: string } {
  const parsed = blueprintSchema.safeParse(draft.blueprint);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `${issue.path.join('.') || 'the design'}: ${issue.message}` };
  }
  const st = draft.state as Partial<DraftState>;
  const step = Math.max(0, stepIndex(draft.step));
  let w: WizardState = {
    ...newWizard(parsed.data, cwd),
    step,
    reached: Math.max(step, Number(st.reached) || 0),
    outDir: typeof st.outDir === 'string' ? st.outDir : null,
  };
  w = { ...w, focus: typeof st.focus === 'string' ? st.focus : firstFocus(w, step) };
  const ed = st.editor;
  if (ed && typeof ed.list === 'string' && typeof ed.index === 'number') {
    const list = findList(ed.list);
    const items = list ? (getIn(w.bp, list.list.path) as unknown[]) : [];
    if (list && list.step === step && ed.index < items.length)
      w = { ...w, editor: { list: ed.list, index: ed.index, focus: String(ed.focus ?? '') } };
  }
  const rows = rowsOf(w);
  if (!rows.some((r) => r.key === focusKey(w) && r.focusable))
    w = withFocus(w, rows.find((r) => r.focusable)?.key ?? '');
  return { wizard: w };
}
