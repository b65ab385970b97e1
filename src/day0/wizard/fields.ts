/**
 * The wizard's field model, free of React: what a field is (where its value lives in the blueprint, how it is
 * typed or chosen, how it is validated while it is typed), paths into the design, and text turned into values.
 *
 * Field values are only committed when they are valid, so the wizard's blueprint always satisfies the schema
 * and the audit can run on it at any time. Whether values make sense together is the audit's job.
 */
import { STACK_NAME_RE } from '../../domain/stack.js';
import { cronProblem, parseCidr } from '../audit.js';
import type { Blueprint } from '../blueprint.js';
import { CATALOG, regionOf } from '../catalog.js';
export type Path = readonly (string | number)[];
export type Value = unknown;

export interface Option {
  value: string | boolean;
  label: string;
}

/** What a field's options or validation may look at: the whole design, and the item when inside a list. */
export interface FieldCtx {
  bp: Blueprint;
  item?: unknown;
}

interface FieldBase {
  /** Unique within its step (or within its list's item fields). */
  id: string;
  label: string;
  /** Where the value lives: in the blueprint, or (for a list's item fields) in the item; [] is the item itself. */
  path: Path;
  /** One line: what the field means and what to enter. */
  help: string;
}

export interface TextField extends FieldBase {
  kind: 'text';
  /** Why the text is not acceptable, or undefined. */
  validate?: (text: string, ctx: FieldCtx) => string | undefined;
  /** An empty value is allowed. */
  optional?: boolean;
}

export interface NumberField extends FieldBase {
  kind: 'number';
  integer?: boolean;
  min?: number;
  max?: number;
  /** Strictly greater than. */
  above?: number;
  unit?: string;
  /** An empty value is allowed (stored as absent). */
  optional?: boolean;
}

export interface ChoiceField extends FieldBase {
  kind: 'choice';
  options: (ctx: FieldCtx) => Option[];
  /** A choice that re-derives other fields (the cloud, the region, the environment). */
  apply?: (bp: Blueprint, value: string) => Blueprint;
}

export interface BoolField extends FieldBase {
  kind: 'bool';
  yes?: string;
  no?: string;
}

export interface MultiField extends FieldBase {
  kind: 'multi';
  options: (ctx: FieldCtx) => Option[];
}

/** A short list of values typed on one line, separated by commas (CIDRs, ports, namespaces). */
export interface CsvField extends FieldBase {
  kind: 'csv';
  element: (text: string) => string | undefined;
  numeric?: boolean;
  /** At least this many values. */
  minItems?: number;
  /** The value is left out of the item when empty (optional keys such as rbac namespaces). */
  omitEmpty?: boolean;
}

export type ItemField = TextField | NumberField | ChoiceField | BoolField | CsvField;

export interface ListField extends FieldBase {
  kind: 'list';
  /** "node pool", for prompts and titles. */
  noun: string;
  /** The fields of one item; for a list of plain strings, one field with path []. */
  fields: ItemField[];
  /** A new item with sensible values, named so it does not clash with the others. */
  make: (bp: Blueprint, items: unknown[]) => unknown;
  /** One line about an item, for the list and the review. */
  summary: (item: unknown, bp: Blueprint) => string;
  /** The schema needs at least this many items: removing below it is refused. */
  minItems?: number;
}

export type Field = TextField | NumberField | ChoiceField | BoolField | MultiField | CsvField | ListField;

export interface Step {
  id: string;
  title: string;
  /** One line under the title: what this step decides. */
  intro: string;
  fields: Field[];
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

export function getIn(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** A copy of obj with the value at path replaced (undefined removes an object key). */
export function setIn<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path;
  if (Array.isArray(obj)) {
    const copy = [...obj];
    copy[k as number] = setIn(copy[k as number], rest, value);
    return copy as T;
  }
  const copy = { ...(obj as Record<string, unknown>) };
  const next = setIn(copy[k as string], rest, value);
  if (next === undefined) delete copy[k as string];
  else copy[k as string] = next;
  return copy as T;
}

export function formatPath(path: Path): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Validators (what is shown beside a field while it is typed)

export function nameProblem(text: string): string | undefined {
  if (!text) return 'a name is needed';
  if (text.length > 63) return 'at most 63 characters';
  if (/[A-Z]/.test(text)) return 'lowercase only';
  if (!STACK_NAME_RE.test(text)) return 'lowercase letters, digits and dashes; start and end with a letter or digit';
  return undefined;
}

export function cidrProblem(text: string): string | undefined {
  if (!text.trim()) return 'a CIDR such as 10.0.0.0/16 is needed';
  const c = parseCidr(text);
  return 'error' in c ? c.error : undefined;
}

export function cronFieldProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  const p = cronProblem(text);
  return p ? `not a cron schedule: ${p}` : undefined;
}

export function urlProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  try {
    const u = new URL(text.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'use an http:// or https:// URL';
    if (!u.hostname) return 'the URL needs a host';
    return undefined;
  } catch {
    return 'not a URL such as http://127.0.0.1:9093';
  }
}

export function portProblem(text: string): string | undefined {
  if (!/^\d+$/.test(text)) return `${text} is not a port number`;
  const n = Number(text);
  return n > 65535 ? `${text} is above 65535` : undefined;
}

export function wordProblem(what: string): (text: string) => string | undefined {
  return (text) =>
    !text.trim() ? `a ${what} is needed` : /\s/.test(text.trim()) ? `a ${what} has no spaces` : undefined;
}

export function patchWindowProblem(text: string): string | undefined {
  if (!text.trim()) return undefined;
  return /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun|daily)\s+([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/i.test(text.trim())
    ? undefined
    : 'like "Sun 02:00-04:00" (a day, or daily, and a time range)';
}

// ---------------------------------------------------------------------------------------------------------------
// Values as text, and text back to values

export function valueText(field: Field, value: unknown): string {
  switch (field.kind) {
    case 'text':
      return typeof value === 'string' ? value : value === undefined ? '' : String(value);
    case 'number':
      return value === undefined || value === null ? '' : String(value);
    case 'csv':
    case 'multi':
      return Array.isArray(value) ? value.join(', ') : '';
    case 'bool':
      return value ? (field.yes ?? 'yes') : (field.no ?? 'no');
    case 'choice': {
      return value === undefined ? '' : String(value);
    }
    case 'list':
      return Array.isArray(value) ? `${value.length}` : '0';
  }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** The typed text as the field's value, or why it is not acceptable. */
export function parseText(field: TextField | NumberField | CsvField, text: string, ctx: FieldCtx): Parsed {
  if (field.kind === 'text') {
    if (!field.optional && !text.trim() && !field.validate) return { ok: false, error: 'a value is needed' };
    const error = field.validate?.(text, ctx);
    return error ? { ok: false, error } : { ok: true, value: text.trim() };
  }
  if (field.kind === 'number') {
    const t = text.trim();
    if (!t) return field.optional ? { ok: true, value: undefined } : { ok: false, error: 'a number is needed' };
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(t)) return { ok: false, error: `${t} is not a number` };
    const n = Number(t);
    if (field.integer && !Number.isInteger(n)) return { ok: false, error: 'a whole number is needed' };
    if (field.min !== undefined && n < field.min) return { ok: false, error: `at least ${field.min}` };
    if (field.max !== undefined && n > field.max) return { ok: false, error: `at most ${field.max}` };
    if (field.above !== undefined && n <= field.above) return { ok: false, error: `must be above ${field.above}` };
    return { ok: true, value: n };
  }
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    const error = field.element(p);
    if (error) return { ok: false, error };
  }
  if (field.minItems && parts.length < field.minItems)
    return { ok: false, error: `at least ${field.minItems} value${field.minItems > 1 ? 's' : ''} needed` };
  if (parts.length === 0 && field.omitEmpty) return { ok: true, value: undefined };
  return { ok: true, value: field.numeric ? parts.map(Number) : parts };
}

// ---------------------------------------------------------------------------------------------------------------
// Options

export const opts = (values: readonly string[], labels: Record<string, string> = {}): Option[] =>
  values.map((v) => ({ value: v, label: labels[v] ? `${v} · ${labels[v]}` : v }));

export const regionOptions = (bp: Blueprint): Option[] =>
  CATALOG[bp.provider.cloud].regions.map((r) => ({ value: r.id, label: `${r.id} · ${r.label}${r.eu ? ' · EU' : ''}` }));

export const zoneOptions = (bp: Blueprint): Option[] =>
  (regionOf(bp.provider.cloud, bp.provider.region)?.zones ?? []).map((z) => ({ value: z, label: z }));

/** `base`, or `base-2`, `base-3`... when an item already has that name. */
export function uniqueName(base: string, items: unknown[]): string {
  const names = new Set(items.map((i) => (i as { name?: string }).name));
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) if (!names.has(`${base}-${n}`)) return `${base}-${n}`;
}
