import { Box } from 'ink';
import { useContext, useMemo } from 'react';
import { ServicesContext } from '../AppContext.js';
import { deniedActions, type Action } from '../../src/app/permissions.js';
import { bindingShown } from '../../src/keymap/permissions.js';
import { Text } from './Text.js';
import { binding, contextsById, keyLabel, type Binding } from '../../src/keymap/index.js';
import { useAppStore } from '../../store/index.js';
import { theme } from '../theme.js';

interface Hint {
  keys: string;
  label: string;
}

function hintsOf(bindings: Binding[], denied: ReadonlySet<Action> = NONE): Hint[] {
  return bindings
    .filter((b) => b.hint && bindingShown(b.id, denied))
    .map((b) => ({ keys: b.keys.slice(0, 2).map(keyLabel).join('/'), label: b.hint! }));
}

const NONE: ReadonlySet<Action> = new Set();

/** What the acting user's team role may not do (empty in SQLite mode): the keys the footer and help leave out. */
export function useDeniedActions(): ReadonlySet<Action> {
  const services = useContext(ServicesContext);
  return useMemo(() => (services ? deniedActions(services.db) : NONE), [services]);
}

/**
 * The keys that work here: the focused view's first, then the global ones it does not override. Keys of actions
 * the team role may not take (`denied`) are left out; they still answer, with why not.
 */
export function footerHints(
  contextIds: readonly string[],
  textInput: boolean,
  denied: ReadonlySet<Action> = NONE,
): Hint[] {
  if (textInput) {
    // Typing: only the focused field's or dialog's own keys work (global and motion keys type text).
    const view = contextsById(contextIds.filter((c) => c !== 'nav' && c !== 'global')).flatMap((c) => c.bindings);
    const hints = hintsOf(view, denied);
    if (!hints.some((h) => h.keys.includes('Esc'))) hints.push({ keys: 'Esc', label: 'leave field' });
    return hints;
  }
  // `nav` is listed last among the view's own contexts so its hints come after the view's commands.
  // A key is named once: the most specific context's binding for it wins (on "next step", Enter says so).
  const seen = new Set<string>();
  const own = contextsById([
    ...contextIds.filter((c) => c !== 'nav' && c !== 'global'),
    ...contextIds.filter((c) => c === 'nav'),
  ])
    .flatMap((c) => c.bindings)
    .filter((b) => {
      const fresh = b.keys.some((k) => !seen.has(k));
      for (const k of b.keys) seen.add(k);
      return fresh;
    });
  const taken = seen;
  const global = contextsById(['global']).flatMap((c) => c.bindings.filter((b) => !b.keys.some((k) => taken.has(k))));
  return hintsOf([...own, ...global], denied);
}

/**
 * The keys that work on what covers the view: the quit question takes only its own keys; the help screen scrolls,
 * closes (Esc, `?`) and quits, and none of the view's keys (its `Esc back` included) work under it.
 */
export function overlayHints(helpOpen: boolean, quitConfirm: boolean): Hint[] | null {
  if (quitConfirm) return hintsOf(contextsById(['quit']).flatMap((c) => c.bindings));
  if (helpOpen)
    return hintsOf([
      ...contextsById(['help']).flatMap((c) => c.bindings),
      binding('global.help'),
      binding('global.quit'),
    ]);
  return null;
}

export function Footer({ width }: { width: number }) {
  const contexts = useAppStore((s) => s.keyContexts);
  const textInput = useAppStore((s) => s.textInput);
  const helpOpen = useAppStore((s) => s.helpOpen);
  const quitConfirm = useAppStore((s) => s.quitConfirm);
  const denied = useDeniedActions();
  const hints = overlayHints(helpOpen, quitConfirm) ?? footerHints(contexts, textInput, denied);
  // Fit as many hints as the width allows, keeping `? help` visible.
  const parts: Hint[] = [];
  let used = 0;
  const help = hints.find((h) => h.label === 'help');
  const reserve = help ? help.keys.length + help.label.length + 3 : 0;
  for (const h of hints) {
    if (h === help) continue;
    const w = h.keys.length + h.label.length + 3;
    if (used + w + reserve > width) break;
    parts.push(h);
    used += w;
  }
  if (help) parts.push(help);
  return (
    <Box width={width} flexShrink={0} overflow="hidden">
      {parts.map((h, i) => (
        <Text key={`${h.keys}-${i}`} wrap="truncate">
          <Text bold color={theme.text.accent}>
            {h.keys}
          </Text>
          <Text color={theme.text.secondary}> {h.label}</Text>
          {i < parts.length - 1 ? <Text> </Text> : null}
        </Text>
      ))}
    </Box>
  );
}
