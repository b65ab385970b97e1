import { Box } from 'ink';
import { Text } from './Text.js';
import { contextsById, keyLabel, type Binding } from '../../src/keymap/index.js';
import { useAppStore } from '../../store/index.js';
import { theme } from '../theme.js';

interface Hint {
  keys: string;
  label: string;
}

function hintsOf(bindings: Binding[]): Hint[] {
  return bindings
    .filter((b) => b.hint)
    .map((b) => ({ keys: b.keys.slice(0, 2).map(keyLabel).join('/'), label: b.hint! }));
}

/** The keys that work here: the focused view's first, then the global ones it does not override. */
export function footerHints(contextIds: readonly string[], textInput: boolean): Hint[] {
  if (textInput) {
    // Typing: only the focused field's or dialog's own keys work (global and motion keys type text).
    const view = contextsById(contextIds.filter((c) => c !== 'nav' && c !== 'global')).flatMap((c) => c.bindings);
    const hints = hintsOf(view);
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
  return hintsOf([...own, ...global]);
}

export function Footer({ width }: { width: number }) {
  const contexts = useAppStore((s) => s.keyContexts);
  const textInput = useAppStore((s) => s.textInput);
  const hints = footerHints(contexts, textInput);
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
