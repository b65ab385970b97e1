import type { KeyContext } from './types.js';

export const GLOBAL: KeyContext = {
  id: 'global',
  title: 'Everywhere',
  bindings: [
    { id: 'global.help', keys: ['?'], description: 'Show or hide this help', hint: 'help' },
    { id: 'global.day0', keys: ['1'], description: 'Day-0: design a stack' },
    { id: 'global.day1', keys: ['2'], description: 'Day-1: runs, plans and approvals' },
    { id: 'global.day2', keys: ['3'], description: 'Day-2: drift, alerts and backups' },
    { id: 'global.nextView', keys: ['tab'], description: 'Next day (Day-0, Day-1, Day-2)', hint: 'day' },
    { id: 'global.prevView', keys: ['shift+tab'], description: 'Previous day' },
    // No footer hint: Esc does what each view says it does (its own bindings name it where it works).
    { id: 'global.back', keys: ['esc'], description: 'Leave a text field, close a dialog, or go back' },
    { id: 'global.quit', keys: ['q'], description: 'Quit (asks first while a run is active)', hint: 'quit' },
    { id: 'global.forceQuit', keys: ['ctrl+c'], description: 'Quit now: active runs are interrupted cleanly' },
  ],
};

/** Asked before quitting while runs are active (any key but these stays). */
export const QUIT: KeyContext = {
  id: 'quit',
  title: 'Quitting while runs are active',
  bindings: [
    { id: 'quit.yes', keys: ['y', 'Y'], description: 'Quit: active runs are interrupted cleanly', hint: 'quit' },
    { id: 'quit.no', keys: ['n', 'esc'], description: 'Stay (so does any other key)', hint: 'stay' },
  ],
};

/** Motion keys every list shares. No destructive action is ever bound to one of these. */
export const NAV: KeyContext = {
  id: 'nav',
  title: 'Moving',
  bindings: [
    { id: 'nav.up', keys: ['up', 'k'], description: 'Move up', hint: 'move' },
    { id: 'nav.down', keys: ['down', 'j'], description: 'Move down' },
    { id: 'nav.pageUp', keys: ['pgup', 'ctrl+u'], description: 'Page up' },
    { id: 'nav.pageDown', keys: ['pgdown', 'ctrl+d'], description: 'Page down' },
    { id: 'nav.top', keys: ['home', 'g'], description: 'Go to the top' },
    { id: 'nav.bottom', keys: ['end', 'G'], description: 'Go to the bottom' },
    { id: 'nav.open', keys: ['enter'], description: 'Open or choose', hint: 'open' },
  ],
};
