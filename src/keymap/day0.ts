import type { KeyContext } from './types.js';

/**
 * Day-0 views' bindings, one context per view or dialog. The wizard names the live contexts, most specific
 * first: a dialog's own context alone (it has the keyboard), or in the form `day0.written`, `day0.item`, the
 * focused button's (`day0.next`, `day0.writeButton`), `day0.review`, `day0.wizard`, `day0.steps` before the
 * review, then `day0.list`. Moving between fields uses the shared motion keys (`nav`: ↑/↓ j/k, PgUp/PgDn,
 * Home/End g/G). Removing is never bound to a motion key and always asks. Every key the wizard names in its
 * texts comes from here.
 */
export const DAY0: KeyContext[] = [
  {
    id: 'day0.wizard',
    title: 'Design wizard',
    bindings: [
      {
        id: 'day0.enter',
        keys: ['enter'],
        description: 'Edit or choose the field; on a list item, edit the item; after the last field, the next step',
        hint: 'edit',
      },
      { id: 'day0.prevStep', keys: ['[', 'left'], description: 'Previous step (what was entered is kept)' },
      { id: 'day0.toggle', keys: ['space'], description: 'Flip a yes/no field' },
      {
        id: 'day0.open',
        keys: ['o'],
        description: "Open a registered stack's design, or another draft, to change it",
        hint: 'open design',
      },
    ],
  },
  {
    id: 'day0.steps',
    title: 'Before the review',
    bindings: [
      { id: 'day0.nextStep', keys: [']', 'right'], description: 'Next step (what was entered is kept)', hint: 'step' },
      {
        id: 'day0.toReview',
        keys: ['R'],
        description: 'Straight to the review with what is entered (every step not visited keeps its defaults)',
        hint: 'review',
      },
    ],
  },
  {
    id: 'day0.next',
    title: 'On "next step"',
    bindings: [
      {
        id: 'day0.next.go',
        keys: ['enter'],
        description:
          'Keep this step as it is and go to the next one (a step opens here: Enter after Enter takes every default)',
        hint: 'next step',
      },
    ],
  },
  {
    id: 'day0.writeButton',
    title: 'On "write files"',
    bindings: [{ id: 'day0.writeButton.write', keys: ['enter'], description: 'Write the files', hint: 'write' }],
  },
  {
    id: 'day0.list',
    title: 'Lists (node pools, subnets, rules, databases, ...)',
    bindings: [
      { id: 'day0.list.add', keys: ['a'], description: 'Add an item to the list and edit it', hint: 'add' },
      {
        id: 'day0.list.remove',
        keys: ['x', 'delete'],
        description: 'Remove the item under the cursor (asks first)',
        hint: 'remove',
      },
    ],
  },
  {
    id: 'day0.item',
    title: 'Editing a list item',
    bindings: [
      {
        id: 'day0.item.close',
        keys: ['esc'],
        description: 'Back to the list (changes are already saved)',
        hint: 'list',
      },
    ],
  },
  {
    id: 'day0.review',
    title: 'Review & write',
    bindings: [
      {
        id: 'day0.write',
        keys: ['w'],
        description: 'Write the files (blocked while the audit finds errors)',
        hint: 'write files',
      },
    ],
  },
  {
    id: 'day0.written',
    title: 'Design written',
    bindings: [{ id: 'day0.new', keys: ['n'], description: 'Start a new design', hint: 'new design' }],
  },
  {
    id: 'day0.edit',
    title: 'Typing a value',
    bindings: [
      {
        id: 'day0.edit.save',
        keys: ['enter'],
        description: 'Keep the value and go to the next field (refused while it is invalid)',
        hint: 'save',
      },
      { id: 'day0.edit.cancel', keys: ['esc'], description: 'Leave the field without changing it', hint: 'cancel' },
      { id: 'day0.edit.clear', keys: ['ctrl+u'], description: 'Clear the field', hint: 'clear' },
      {
        id: 'day0.edit.cursor',
        keys: ['left', 'right', 'home', 'end', 'ctrl+a', 'ctrl+e'],
        description: 'Move the cursor in the field',
      },
      { id: 'day0.edit.erase', keys: ['backspace', 'delete'], description: 'Erase the character before the cursor' },
    ],
  },
  {
    id: 'day0.pick',
    title: 'Choosing a value',
    bindings: [
      { id: 'day0.pick.move', keys: ['down', 'j', 'up', 'k'], description: 'Move between the choices' },
      { id: 'day0.pick.choose', keys: ['enter'], description: 'Choose it and go to the next field', hint: 'choose' },
      { id: 'day0.pick.cancel', keys: ['esc'], description: 'Keep the current value', hint: 'cancel' },
    ],
  },
  {
    id: 'day0.multi',
    title: 'Ticking several values',
    bindings: [
      {
        id: 'day0.multi.tick',
        keys: ['space'],
        description: 'Tick or untick the value under the cursor',
        hint: 'tick',
      },
      {
        id: 'day0.multi.done',
        keys: ['enter'],
        description: 'Tick or untick; on "done", keep the ticks and go on',
        hint: 'tick/done',
      },
      { id: 'day0.multi.cancel', keys: ['esc'], description: 'Keep the values as they were', hint: 'cancel' },
    ],
  },
  {
    id: 'day0.confirm',
    title: 'Removing an item',
    bindings: [
      { id: 'day0.confirm.yes', keys: ['y'], description: 'Yes, remove it', hint: 'remove' },
      { id: 'day0.confirm.no', keys: ['n', 'esc'], description: 'No, keep it', hint: 'keep' },
    ],
  },
  {
    id: 'day0.overwrite',
    title: 'Overwriting edited files',
    bindings: [
      {
        id: 'day0.overwrite.confirm',
        keys: ['enter'],
        description: 'Overwrite the edited files, once "yes" is typed',
        hint: 'overwrite (type yes)',
      },
      {
        id: 'day0.overwrite.cancel',
        keys: ['esc'],
        description: 'Write nothing and keep the edited files',
        hint: 'cancel',
      },
    ],
  },
  {
    id: 'day0.move',
    title: 'Moving a stack registered elsewhere',
    bindings: [
      {
        id: 'day0.move.yes',
        keys: ['y'],
        description: 'Yes: write here, and move the stack and its history from the folder it is registered at',
        hint: 'move',
      },
      { id: 'day0.move.no', keys: ['n', 'esc'], description: 'No: write nothing', hint: 'write nothing' },
    ],
  },
  {
    id: 'day0.openList',
    title: 'Opening a design',
    bindings: [
      { id: 'day0.openList.move', keys: ['down', 'j', 'up', 'k'], description: 'Move between the designs' },
      {
        id: 'day0.openList.choose',
        keys: ['enter'],
        description: 'Open it (changes to the design being edited are kept as a draft, listed here)',
        hint: 'open',
      },
      { id: 'day0.openList.cancel', keys: ['esc'], description: 'Keep the design being edited', hint: 'cancel' },
    ],
  },
];
