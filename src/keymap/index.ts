/**
 * Every key binding of dayops, by context. Each view names the contexts that are live (`useKeyContexts`), and
 * the footer, the help screen, and the README's key list are drawn from here.
 */
import type { Key } from 'ink';
import { GLOBAL, NAV, QUIT } from './global.js';
import { DAY0 } from './day0.js';
import { DAY1, DAY1_HELP_ALSO } from './day1.js';
import { DAY2 } from './day2.js';
import { keyName, type Binding, type KeyContext } from './types.js';

export { keyName, keyLabel } from './types.js';
export type { Binding, KeyContext } from './types.js';

export const CONTEXTS: KeyContext[] = [GLOBAL, NAV, QUIT, ...DAY0, ...DAY1, ...DAY2];

const byId = new Map<string, Binding>();
for (const ctx of CONTEXTS) {
  for (const b of ctx.bindings) {
    if (byId.has(b.id)) throw new Error(`keymap: binding ${b.id} is defined twice`);
    byId.set(b.id, b);
  }
}

export function binding(id: string): Binding {
  const b = byId.get(id);
  if (!b) throw new Error(`keymap: no binding ${id}`);
  return b;
}

/** Does this key event trigger the command? */
export function isKey(id: string, input: string, key: Key): boolean {
  return binding(id).keys.includes(keyName(input, key));
}

/** The command a key triggers among the given contexts (first context wins). */
export function commandFor(contextIds: readonly string[], input: string, key: Key): string | undefined {
  const name = keyName(input, key);
  for (const id of contextIds) {
    const ctx = CONTEXTS.find((c) => c.id === id);
    const b = ctx?.bindings.find((x) => x.keys.includes(name));
    if (b) return b.id;
  }
  return undefined;
}

export function contextsById(ids: readonly string[]): KeyContext[] {
  return ids.map((id) => CONTEXTS.find((c) => c.id === id)).filter((c): c is KeyContext => Boolean(c));
}

/** The contexts help lists for the live ones: those, and the ones of the same view that apply to other items. */
export function helpContexts(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) for (const c of [id, ...(DAY1_HELP_ALSO[id] ?? [])]) if (!out.includes(c)) out.push(c);
  return out;
}
