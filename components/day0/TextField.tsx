/**
 * The wizard's text field. Its text and cursor live in the store, not in component state, so keys that arrive
 * in one chunk (a paste, a fast typist, tmux) each see the previous key's result. The keys are the usual line
 * editing ones: ←/→, Home/End (Ctrl-A/Ctrl-E), Backspace, Ctrl-U clears, Enter keeps, Esc leaves.
 */
import { type Key } from 'ink';
import { Text } from '../layout/Text.js';
import { theme } from '../theme.js';

export interface EditState {
  text: string;
  cursor: number;
}

export type EditResult = EditState & { submit?: boolean; cancel?: boolean };

// Control characters never enter a field (a paste may bring tabs or escapes).

const CONTROL = /[\u0000-\u001f\u007f]/g;

/** The field after one key event. */
export function editKey(s: EditState, input: string, key: Key): EditResult {
  const cursor = Math.max(0, Math.min(s.cursor, s.text.length));
  if (key.escape) return { ...s, cursor, cancel: true };
  if (key.return) return { ...s, cursor, submit: true };
  if (key.leftArrow) return { text: s.text, cursor: Math.max(0, cursor - 1) };
  if (key.rightArrow) return { text: s.text, cursor: Math.min(s.text.length, cursor + 1) };
  if (key.home || (key.ctrl && input === 'a')) return { text: s.text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text: s.text, cursor: s.text.length };
  if (key.backspace || key.delete) {
    if (cursor === 0) return { text: s.text, cursor };
    return { text: s.text.slice(0, cursor - 1) + s.text.slice(cursor), cursor: cursor - 1 };
  }
  if (key.ctrl && input === 'u') return { text: '', cursor: 0 };
  if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.tab || key.pageUp || key.pageDown)
    return { text: s.text, cursor };
  // A paste that ends in a newline types the text, then presses Enter.
  const newline = /[\r\n]/.exec(input);
  const typed = (newline ? input.slice(0, newline.index) : input).replace(CONTROL, '');
  const text = s.text.slice(0, cursor) + typed + s.text.slice(cursor);
  return { text, cursor: cursor + typed.length, submit: Boolean(newline) };
}

/** The text with the cursor shown as an inverted cell (readable without colour). */
export function TextFieldView({ text, cursor }: EditState) {
  const c = Math.max(0, Math.min(cursor, text.length));
  return (
    <Text>
      <Text color={theme.text.primary}>{text.slice(0, c)}</Text>
      <Text inverse>{text[c] ?? ' '}</Text>
      <Text color={theme.text.primary}>{text.slice(c + 1)}</Text>
    </Text>
  );
}
