import type { Key } from 'ink';

/**
 * A key binding: a command id, the keys that trigger it, and what it does. The same table matches keys, draws
 * the footer's hints and the `?` help screen, and generates the README's key list: a binding exists once.
 *
 * Key names: single characters as typed (`q`, `?`, `G`), and `up`, `down`, `left`, `right`, `pgup`, `pgdown`,
 * `home`, `end`, `enter`, `esc`, `tab`, `shift+tab`, `backspace`, `delete`, `space`, `ctrl+<letter>`.
 */
export interface Binding {
  /** `day1.approve`: the context, a dot, the command. */
  id: string;
  keys: string[];
  /** Shown in help: what the command does. */
  description: string;
  /** The short label in the footer; bindings without one appear only in help. */
  hint?: string;
}

export interface KeyContext {
  /** `global`, `nav`, `day1.runs`, ... */
  id: string;
  /** The heading in help. */
  title: string;
  bindings: Binding[];
}

/** Turn an Ink key event into one key name. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

/** How a key is written in hints and help. */
export function keyLabel(k: string): string {
  const labels: Record<string, string> = {
    up: '↑',
    down: '↓',
    left: '←',
    right: '→',
    pgup: 'PgUp',
    pgdown: 'PgDn',
    home: 'Home',
    end: 'End',
    enter: 'Enter',
    esc: 'Esc',
    tab: 'Tab',
    'shift+tab': 'S-Tab',
    backspace: 'Bksp',
    delete: 'Del',
    space: 'Space',
  };
  if (labels[k]) return labels[k];
  if (k.startsWith('ctrl+')) return `^${k.slice(5).toUpperCase()}`;
  return k;
}
