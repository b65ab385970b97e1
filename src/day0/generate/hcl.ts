/**
 * A small HCL writer for the generated root modules: values are always escaped (strings, template sequences,
 * object keys), `=` signs are aligned by the rules `terraform fmt` follows (see `assignments`), and expressions
 * that must stay code (`var.region`, `aws_vpc.main.id`) are marked with `expr()`.
 */
import { maxOf } from '../../arrays.js';

export class Expr {
  constructor(readonly code: string) {}
}
/** Code written as is: a reference, a function call, a conditional. */
export const expr = (code: string): Expr => new Expr(code);

export type HclValue =
  string | number | boolean | null | Expr | readonly HclValue[] | { readonly [key: string]: HclValue | undefined };

export interface Attr {
  kind: 'attr';
  name: string;
  value: HclValue;
}
export interface Block {
  kind: 'block';
  type: string;
  labels: string[];
  body: Item[];
}
export interface Comment {
  kind: 'comment';
  text: string;
}
export interface Blank {
  kind: 'blank';
}
export type Item = Attr | Block | Comment | Blank;

/** An attribute; `undefined` leaves it out, so optional settings can be written inline. */
export const attr = (name: string, value: HclValue | undefined): Attr | undefined =>
  value === undefined ? undefined : { kind: 'attr', name, value };
export const block = (type: string, labels: string[], body: (Item | undefined | false)[]): Block => ({
  kind: 'block',
  type,
  labels,
  body: body.filter((i): i is Item => Boolean(i)),
});
export const comment = (text: string): Comment => ({ kind: 'comment', text });
export const blank: Blank = { kind: 'blank' };

/** A quoted HCL string: escapes quotes, backslashes, control characters and template sequences. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const next = s[i + 1];
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if ((ch === '$' || ch === '%') && next === '{') out += ch + ch;
    else if (ch < ' ' || ch === '\u007f') out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A resource name from a design name: `orders-db` -> `orders_db`; a leading digit gets an underscore. */
export function ident(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return IDENT.test(cleaned) ? cleaned : `_${cleaned}`;
}

const objectKey = (k: string) => (IDENT.test(k) && !/^(true|false|null)$/.test(k) ? k : quote(k));

function isScalar(v: HclValue): boolean {
  return v === null || typeof v !== 'object' || v instanceof Expr;
}

/** Scalars, and lists of scalars, fit on one line inside an object. */
const isSimple = (v: HclValue): boolean =>
  isScalar(v) || (Array.isArray(v) && (v as readonly HclValue[]).every(isScalar));

export function renderValue(v: HclValue, indent: string): string {
  if (v === null) return 'null';
  if (v instanceof Expr) return v.code;
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`HCL cannot hold the number ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    const items = v as readonly HclValue[];
    if (items.length === 0) return '[]';
    const flat = items.every(isScalar) ? `[${items.map((i) => renderValue(i, inner)).join(', ')}]` : undefined;
    if (flat && !flat.includes('\n') && flat.length + indent.length <= 100) return flat;
    return `[\n${items.map((i) => `${inner}${renderValue(i, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, HclValue | undefined>).filter(
    (e): e is [string, HclValue] => e[1] !== undefined,
  );
  if (entries.length === 0) return '{}';
  const keys = entries.map(([k]) => objectKey(k));
  const flat = entries.every(([, x]) => isSimple(x))
    ? `{ ${entries.map(([, x], i) => `${keys[i]} = ${renderValue(x, inner)}`).join(', ')} }`
    : undefined;
  if (flat && !flat.includes('\n') && flat.length + indent.length <= 100) return flat;
  const lines = assignments(
    entries.map(([, x], i) => ({ name: keys[i], value: renderValue(x, inner) })),
    inner,
  );
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/**
 * Whether the first line of a rendered value opens more brackets than it closes (`{`, `[`, `(`), counting none
 * inside quoted strings: such a line starts a multi-line value.
 */
function opensBracket(value: string): boolean {
  const first = value.split('\n', 1)[0];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < first.length; i++) {
    const ch = first[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') depth--;
  }
  return depth > 0;
}

/**
 * `name = value` lines with their `=` aligned as `terraform fmt` (hclwrite) aligns them: consecutive lines that
 * each assign a whole value form a group, padded to its longest name. A line whose value opens a bracket it does
 * not close (a multi-line object or list) belongs to no group and ends the one before it, with one space before
 * its `=`; the lines inside such a value are aligned among themselves; the line after a multi-line value starts a
 * new group. Anything else between attributes (a blank line, a comment, a nested block) also ends a group: the
 * caller passes each run of attributes on its own.
 */
function assignments(entries: { name: string; value: string }[], indent: string): string[] {
  const out: string[] = [];
  let group: { name: string; value: string }[] = [];
  const flush = () => {
    const width = maxOf(
      group.map((e) => e.name.length),
      0,
    );
    for (const e of group) out.push(`${indent}${e.name.padEnd(width)} = ${e.value}`);
    group = [];
  };
  for (const e of entries) {
    if (opensBracket(e.value)) {
      flush();
      out.push(`${indent}${e.name} = ${e.value}`);
      continue;
    }
    group.push(e);
    // Its continuation lines assign nothing, so the next attribute starts afresh.
    if (e.value.includes('\n')) flush();
  }
  flush();
  return out;
}

function renderItems(items: Item[], indent: string): string[] {
  const lines: string[] = [];
  let i = 0;
  while (i < items.length) {
    const item = items[i];
    // A blank line after a nested block, as terraform fmt keeps them apart.
    if (i > 0 && items[i - 1].kind === 'block' && item.kind !== 'blank' && lines.length > 0) lines.push('');
    if (item.kind === 'attr') {
      // A run of attributes gets its `=` aligned.
      let j = i;
      while (j < items.length && items[j].kind === 'attr') j++;
      const run = items.slice(i, j) as Attr[];
      lines.push(
        ...assignments(
          run.map((a) => ({ name: a.name, value: renderValue(a.value, indent) })),
          indent,
        ),
      );
      i = j;
      continue;
    }
    if (item.kind === 'comment') {
      for (const l of item.text.split('\n')) lines.push(`${indent}# ${l}`.trimEnd());
    } else if (item.kind === 'blank') {
      lines.push('');
    } else {
      const head = [item.type, ...item.labels.map(quote)].join(' ');
      if (item.body.length === 0) lines.push(`${indent}${head} {}`);
      else {
        // A nested block after attributes reads better with a blank line before it, as terraform fmt keeps.
        if (lines.length > 0 && i > 0 && items[i - 1].kind === 'attr') lines.push('');
        lines.push(`${indent}${head} {`, ...renderItems(item.body, `${indent}  `), `${indent}}`);
      }
    }
    i++;
  }
  return lines;
}

/**
 * A whole file: top-level items separated by blank lines, ending with a newline. Consecutive top-level
 * attributes (a `.tfvars` or `-backend-config` file) stay together, aligned.
 */
export function renderFile(header: string, items: Item[]): string {
  const parts: string[] = [];
  for (const l of header.split('\n')) parts.push(`# ${l}`.trimEnd());
  let i = 0;
  while (i < items.length) {
    // A comment stays attached to what follows it.
    if (i === 0 || items[i - 1].kind !== 'comment') parts.push('');
    let j = i + 1;
    if (items[i].kind === 'attr') while (j < items.length && items[j].kind === 'attr') j++;
    parts.push(...renderItems(items.slice(i, j), ''));
    i = j;
  }
  return `${parts.join('\n')}\n`;
}
