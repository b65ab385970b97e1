/**
 * What the wizard shows, one row per line: a step's fields and lists, a list item's fields, the review (the
 * output folder, the write button, the live audit, the design summarised), and which row fixes an audit finding.
 */
import { resolve } from 'node:path';
import type { Finding } from '../audit.js';
import type { Blueprint } from '../blueprint.js';
import { getIn, valueText, type Field, type ListField, type Path, type Step } from './fields.js';
import { STEPS, stepIndex } from './steps.js';

// ---------------------------------------------------------------------------------------------------------------
// Rows: what a step shows, one line each

export type Row =
  | { key: 'next'; type: 'next'; focusable: true }
  | { key: string; type: 'field'; field: Exclude<Field, ListField>; path: Path; focusable: true }
  | { key: string; type: 'list-head'; list: ListField; path: Path; focusable: false }
  | { key: string; type: 'item'; list: ListField; path: Path; index: number; focusable: true }
  | { key: string; type: 'empty'; list: ListField; path: Path; focusable: true };

/**
 * The rows of a form step: first the button that keeps the step as it is and goes on (where a step opens, so
 * Enter after Enter walks through the defaults), then a row per field; a list is a heading, then a row per item
 * (or an "empty" row).
 */
export function stepRows(step: Step, bp: Blueprint): Row[] {
  const rows: Row[] = [{ key: 'next', type: 'next', focusable: true }];
  for (const f of step.fields) {
    if (f.kind !== 'list') {
      rows.push({ key: f.id, type: 'field', field: f, path: f.path, focusable: true });
      continue;
    }
    const items = (getIn(bp, f.path) as unknown[] | undefined) ?? [];
    rows.push({ key: `${f.id}:head`, type: 'list-head', list: f, path: f.path, focusable: false });
    if (items.length === 0) rows.push({ key: `${f.id}:empty`, type: 'empty', list: f, path: f.path, focusable: true });
    items.forEach((_, i) =>
      rows.push({ key: `${f.id}[${i}]`, type: 'item', list: f, path: [...f.path, i], index: i, focusable: true }),
    );
  }
  return rows;
}

/** The rows of one list item's editor: a row per item field, paths absolute. */
export function itemRows(list: ListField, index: number): Row[] {
  return list.fields.map((f) => ({
    key: f.id,
    type: 'field' as const,
    field: f,
    path: [...list.path, index, ...f.path],
    focusable: true as const,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Findings: which step and field an audit finding is about

const STEP_OF_ROOT: Record<string, string> = {
  metadata: 'basics',
  iac: 'basics',
  provider: 'provider',
  cluster: 'cluster',
  network: 'network',
  storage: 'storage',
  cicd: 'cicd',
  security: 'security',
  successCriteria: 'success',
  day2: 'day2',
};

/** Parse `network.subnets[2].cidr` back into ['network', 'subnets', 2, 'cidr']. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((k, i) => path[i] === k);

export interface FindingTarget {
  step: number;
  /** The row to focus in the step. */
  focus: string;
  /** When the finding is about a list item's field: open that item's editor on this field. */
  editor?: { list: string; index: number; focus: string };
}

/** Where to go to fix a finding. */
export function findingTarget(f: Pick<Finding, 'path'>): FindingTarget | undefined {
  const path = parsePath(f.path);
  const step = stepIndex(STEP_OF_ROOT[String(path[0])] ?? '');
  if (step < 0) return undefined;
  const fields = STEPS[step].fields;
  // The most specific field whose path the finding's path starts with.
  const field = [...fields].sort((a, b) => b.path.length - a.path.length).find((fl) => startsWith(path, fl.path));
  if (!field) {
    const parent = fields.find((fl) => startsWith(fl.path, path));
    return { step, focus: parent ? (parent.kind === 'list' ? `${parent.id}:head` : parent.id) : (fields[0]?.id ?? '') };
  }
  if (field.kind !== 'list') return { step, focus: field.id };
  const index = path[field.path.length];
  if (typeof index !== 'number') return { step, focus: `${field.id}:head` };
  const rest = path.slice(field.path.length + 1);
  const itemField = field.fields.find((x) => (x.path.length === 0 ? true : startsWith(rest, x.path)));
  return {
    step,
    focus: `${field.id}[${index}]`,
    editor: { list: field.id, index, focus: itemField?.id ?? field.fields[0].id },
  };
}

/** The findings about a row (a field, a list, or one item of a list). */
export function findingsFor(findings: readonly Finding[], path: Path): Finding[] {
  return findings.filter((f) => startsWith(parsePath(f.path), path));
}

/** The step of each finding, for the step list's marks. */
export function findingsByStep(findings: readonly Finding[]): Map<number, Finding[]> {
  const map = new Map<number, Finding[]>();
  for (const f of findings) {
    const step = stepIndex(STEP_OF_ROOT[String(parsePath(f.path)[0])] ?? '');
    if (step < 0) continue;
    map.set(step, [...(map.get(step) ?? []), f]);
  }
  return map;
}

// ---------------------------------------------------------------------------------------------------------------
// The review: the design summarised, field by field

export interface SummaryLine {
  step: number;
  /** A row key of that step, to jump to. */
  focus: string;
  label: string;
  value: string;
  heading?: boolean;
}

export function displayValue(field: Field, value: unknown, bp: Blueprint): string {
  if (field.kind === 'bool') return valueText(field, value);
  if (field.kind === 'list') {
    const items = (value as unknown[] | undefined) ?? [];
    return items.length ? items.map((i) => field.summary(i, bp)).join('; ') : 'none';
  }
  const t = valueText(field, value);
  if ((field.kind === 'multi' || field.kind === 'csv') && !t) return 'none';
  // A choice shows its label (eu-west-1 · Europe (Ireland) · EU), and says when the value is not one of them.
  if (field.kind === 'choice') {
    const options = field.options({ bp });
    const o = options.find((x) => x.value === value);
    return o ? o.label : `${t} (not a choice here)`;
  }
  if (field.kind === 'number' && t && field.unit) return field.unit === '%' ? `${t}%` : `${t} ${field.unit}`;
  return t === '' ? (field.kind === 'number' ? 'none' : '(empty)') : t;
}

export function summaryLines(bp: Blueprint): SummaryLine[] {
  const lines: SummaryLine[] = [];
  STEPS.forEach((step, s) => {
    if (step.id === 'review') return;
    lines.push({
      step: s,
      focus: step.fields[0]?.id ?? '',
      label: `${s + 1}. ${step.title}`,
      value: '',
      heading: true,
    });
    for (const f of step.fields) {
      if (f.kind === 'list') {
        const items = (getIn(bp, f.path) as unknown[] | undefined) ?? [];
        if (items.length === 0) lines.push({ step: s, focus: `${f.id}:empty`, label: f.label, value: 'none' });
        items.forEach((item, i) =>
          lines.push({ step: s, focus: `${f.id}[${i}]`, label: i === 0 ? f.label : '', value: f.summary(item, bp) }),
        );
      } else {
        lines.push({ step: s, focus: f.id, label: f.label, value: displayValue(f, getIn(bp, f.path), bp) });
      }
    }
  });
  return lines;
}

/** The output folder: what the operator typed, or ./<name>, made absolute against the current folder. */
export function outputDir(typed: string | null, bp: Blueprint, cwd: string): string {
  const t = typed?.trim();
  return resolve(cwd, t ? t : `./${bp.metadata.name}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The review step's rows

export type ReviewRow =
  | { key: 'outDir'; type: 'outDir'; focusable: true }
  | { key: 'write'; type: 'write'; focusable: true }
  | { key: string; type: 'audit-head'; focusable: false }
  | { key: string; type: 'finding'; finding: Finding; focusable: true }
  | { key: string; type: 'summary'; line: SummaryLine; focusable: boolean }
  | { key: string; type: 'file'; file: string; focusable: false }
  | { key: string; type: 'gap'; focusable: false };

/** The output folder and the write button first, then the live audit, then the design summarised. */
export function reviewRows(bp: Blueprint, findings: readonly Finding[], written: readonly string[] = []): ReviewRow[] {
  const rows: ReviewRow[] = [
    { key: 'outDir', type: 'outDir', focusable: true },
    { key: 'write', type: 'write', focusable: true },
  ];
  written.forEach((file, i) => rows.push({ key: `file:${i}`, type: 'file', file, focusable: false }));
  rows.push({ key: 'gap:1', type: 'gap', focusable: false }, { key: 'audit', type: 'audit-head', focusable: false });
  findings.forEach((f, i) =>
    rows.push({ key: `finding:${f.code}:${f.path}:${i}`, type: 'finding', finding: f, focusable: true }),
  );
  rows.push({ key: 'gap:2', type: 'gap', focusable: false });
  summaryLines(bp).forEach((line, i) =>
    rows.push({ key: `summary:${i}`, type: 'summary', line, focusable: !line.heading }),
  );
  return rows;
}

/** Why the output folder cannot be used, or undefined. */
export function outDirProblem(abs: string, exists: (p: string) => 'dir' | 'file' | 'none'): string | undefined {
  const kind = exists(abs);
  return kind === 'file' ? `${abs} is a file, not a folder` : undefined;
}
