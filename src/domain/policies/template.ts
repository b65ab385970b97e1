/** Policy messages: `{{ expr }}` placeholders compiled once and rendered per evaluation. */
import { isCelError, type CelInput, type CelValue } from '@bufbuild/cel';
import { errorMessage } from '../../errors.js';
import { ExprProblem, compile, display, short, type Program } from './compile.js';

/** Text, or a `{{ expr }}` whose program is compiled at load (user policies) or on first use (the shipped set). */
export type TemplatePart = string | { source: string; program?: Program };

const TEMPLATE_RE = /\{\{([\s\S]*?)\}\}/g;

export function splitTemplate(message: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of message.matchAll(TEMPLATE_RE)) {
    if (m.index > last) parts.push(message.slice(last, m.index));
    const source = m[1].trim();
    if (!source) throw new ExprProblem('message: empty {{ }}');
    parts.push({ source });
    last = m.index + m[0].length;
  }
  if (last < message.length) parts.push(message.slice(last));
  return parts;
}

export function compileTemplate(message: string): TemplatePart[] {
  const parts = splitTemplate(message);
  for (const p of parts) {
    if (typeof p === 'string') continue;
    try {
      p.program = compile(p.source, false);
    } catch (err) {
      throw new ExprProblem(`message: {{ ${short(p.source)} }} ${errorMessage(err)}`);
    }
  }
  return parts;
}

export function render(parts: readonly TemplatePart[], bindings: Record<string, CelInput>): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    let v: CelValue | Error;
    try {
      p.program ??= compile(p.source, false);
      v = p.program(bindings);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    out += isCelError(v) || v instanceof Error ? '(?)' : display(v);
  }
  return out;
}

/** A template with every `{{ }}` shown as `…`: the message of a policy that did not fire. */
export function placeholderText(parts: readonly TemplatePart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : '…')).join('');
}
