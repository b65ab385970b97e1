import type { KeyContext } from './types.js';

/**
 * Day-1 views' bindings, one context per view or dialog. The view names the live contexts, most specific first:
 * a dialog's own context alone (it has the keyboard), else `day1.pane` or `day1.plan` (the run view's focused
 * part) or `day1.list`, then `day1.run` (actions on the run under the cursor) and `day1.view`. Approve, discard
 * and cancel always ask first (for a prod stack, by typing its name) and none sits on a motion key.
 */
/** Contexts help lists beside a live one, even when they do not apply right now (no run waiting, say). */
export const DAY1_HELP_ALSO: Record<string, string[]> = {
  'day1.list': ['day1.run', 'day1.live', 'day1.validationFailed'],
  'day1.pane': ['day1.run', 'day1.live', 'day1.validationFailed'],
  'day1.plan': ['day1.run', 'day1.live', 'day1.validationFailed'],
};

export const DAY1: KeyContext[] = [
  {
    id: 'day1.list',
    title: 'Runs list',
    bindings: [
      { id: 'day1.list.down', keys: ['down', 'j'], description: 'Next run' },
      { id: 'day1.list.up', keys: ['up', 'k'], description: 'Previous run', hint: 'move' },
      { id: 'day1.list.pageDown', keys: ['pgdown', 'ctrl+d'], description: 'Down a page' },
      { id: 'day1.list.pageUp', keys: ['pgup', 'ctrl+u'], description: 'Up a page' },
      { id: 'day1.list.top', keys: ['home', 'g'], description: 'Newest run' },
      { id: 'day1.list.bottom', keys: ['end', 'G'], description: 'Oldest run loaded (more load as you go down)' },
      { id: 'day1.list.open', keys: ['enter'], description: 'Open the run: its live log and its plan', hint: 'open' },
      {
        id: 'day1.list.split',
        keys: ['s'],
        description: 'Add the run to the split view (several logs side by side)',
        hint: 'split',
      },
      {
        id: 'day1.list.nextStack',
        keys: ['right', 'l'],
        description: "Show only the next stack's runs (filter)",
        hint: 'stack',
      },
      { id: 'day1.list.prevStack', keys: ['left', 'h'], description: "Show only the previous stack's runs (filter)" },
      { id: 'day1.list.allStacks', keys: ['esc'], description: "Show every stack's runs again (clear the filter)" },
      {
        id: 'day1.list.proposed',
        keys: ['p'],
        description: 'Start a proposed run (plan only) on the filtered or chosen stack',
        hint: 'plan',
      },
      {
        id: 'day1.list.tracked',
        keys: ['t'],
        description: 'Start a tracked run (plan, approval, apply) on a stack',
        hint: 'deploy',
      },
    ],
  },
  {
    id: 'day1.pane',
    title: 'Run log',
    bindings: [
      { id: 'day1.pane.up', keys: ['up', 'k'], description: 'Scroll up a line (stops following)', hint: 'scroll' },
      { id: 'day1.pane.down', keys: ['down', 'j'], description: 'Scroll down a line' },
      { id: 'day1.pane.pageUp', keys: ['pgup', 'ctrl+u'], description: 'Up a page (stops following)' },
      { id: 'day1.pane.pageDown', keys: ['pgdown', 'ctrl+d'], description: 'Down a page' },
      { id: 'day1.pane.top', keys: ['home', 'g'], description: 'First line of the log' },
      {
        id: 'day1.pane.bottom',
        keys: ['end', 'G'],
        description: 'Last line, and follow new lines as they come',
        hint: 'follow',
      },
      { id: 'day1.pane.left', keys: ['left', 'h'], description: 'Scroll long lines left' },
      {
        id: 'day1.pane.right',
        keys: ['right', 'l'],
        description: "Scroll long lines right (they are cut at the pane's edge)",
      },
      {
        id: 'day1.pane.wrap',
        keys: ['w'],
        description: "Wrap long lines onto the next rows, or cut them at the pane's edge again",
        hint: 'wrap',
      },
      {
        id: 'day1.pane.search',
        keys: ['/'],
        description: 'Search the whole log (Enter finds the next match)',
        hint: 'search',
      },
      { id: 'day1.pane.next', keys: ['n'], description: 'Next match of the search' },
      { id: 'day1.pane.prev', keys: ['N'], description: 'Previous match of the search' },
      { id: 'day1.pane.phase', keys: ['P'], description: 'Jump to the start of the next phase (init, plan, apply)' },
      { id: 'day1.pane.close', keys: ['x'], description: 'Close this pane (the run goes on)' },
      {
        id: 'day1.pane.back',
        keys: ['esc'],
        description: 'Clear the search, else back to the runs list',
        hint: 'runs',
      },
    ],
  },
  {
    id: 'day1.plan',
    title: 'Plan panel',
    bindings: [
      { id: 'day1.plan.down', keys: ['down', 'j'], description: 'Scroll down', hint: 'scroll' },
      { id: 'day1.plan.up', keys: ['up', 'k'], description: 'Scroll up' },
      { id: 'day1.plan.pageDown', keys: ['pgdown', 'ctrl+d'], description: 'Down a page' },
      { id: 'day1.plan.pageUp', keys: ['pgup', 'ctrl+u'], description: 'Up a page' },
      { id: 'day1.plan.top', keys: ['home', 'g'], description: 'Top of the plan' },
      { id: 'day1.plan.bottom', keys: ['end', 'G'], description: 'Bottom of the plan' },
      { id: 'day1.plan.back', keys: ['esc'], description: 'Back to the runs list', hint: 'runs' },
    ],
  },
  {
    id: 'day1.run',
    title: 'A run waiting for approval',
    bindings: [
      {
        id: 'day1.run.approve',
        keys: ['a'],
        description: 'Approve a waiting run (comment, confirm; prod: type its name)',
        hint: 'approve',
      },
      {
        id: 'day1.run.discard',
        keys: ['d'],
        description: 'Discard a waiting run (confirm; prod: type its name)',
        hint: 'discard',
      },
    ],
  },
  {
    // Offered for a run that has not ended (queued, running or waiting); a finished run offers none of these.
    id: 'day1.live',
    title: 'A run that has not ended',
    bindings: [
      {
        id: 'day1.run.cancel',
        keys: ['c'],
        description: 'Cancel a queued or running run, interrupting its tool (confirm)',
        hint: 'cancel',
      },
    ],
  },
  {
    // Offered for a finished run whose post-deploy validation failed, when the stack is a git checkout with a
    // successful run before it: the rollback is proposed (it waits for approval), never applied by the key.
    id: 'day1.validationFailed',
    title: 'A run whose validation failed',
    bindings: [
      {
        id: 'day1.run.rollback',
        keys: ['b'],
        description: 'Propose a rollback: a run at the previous successful commit, waiting for approval',
        hint: 'rollback',
      },
    ],
  },
  {
    id: 'day1.view',
    title: 'Run view',
    bindings: [
      {
        id: 'day1.view.nextPane',
        keys: [']'],
        description: 'Focus the next part: runs list, log panes, plan panel',
        hint: 'pane',
      },
      { id: 'day1.view.prevPane', keys: ['['], description: 'Focus the previous part' },
      {
        id: 'day1.view.plan',
        keys: ['v'],
        description: 'Plan panel: show it instead of the logs (narrow), or focus it',
        hint: 'plan',
      },
    ],
  },
  {
    id: 'day1.search',
    title: 'Searching the log',
    bindings: [
      {
        id: 'day1.search.find',
        keys: ['enter'],
        description: 'Find the next match (the search stays for n and N)',
        hint: 'find',
      },
      { id: 'day1.search.cancel', keys: ['esc'], description: 'Stop typing the search', hint: 'cancel' },
    ],
  },
  {
    id: 'day1.comment',
    title: 'Comment',
    bindings: [
      {
        id: 'day1.comment.next',
        keys: ['enter'],
        description: 'Keep the comment (may be empty) and go to the confirm',
        hint: 'next',
      },
      { id: 'day1.comment.cancel', keys: ['esc'], description: 'Do nothing', hint: 'cancel' },
      { id: 'day1.comment.down', keys: ['down'], description: 'Scroll down what is being approved or discarded' },
      { id: 'day1.comment.up', keys: ['up'], description: 'Scroll up what is being approved or discarded' },
    ],
  },
  {
    id: 'day1.confirm',
    title: 'Confirm',
    bindings: [
      { id: 'day1.confirm.yes', keys: ['y'], description: 'Yes: do it', hint: 'yes' },
      { id: 'day1.confirm.no', keys: ['n', 'esc'], description: 'No: nothing changes', hint: 'no' },
      { id: 'day1.confirm.down', keys: ['down'], description: 'Scroll down what is being confirmed (the changes)' },
      { id: 'day1.confirm.up', keys: ['up'], description: 'Scroll up what is being confirmed' },
    ],
  },
  {
    id: 'day1.typeName',
    title: "Confirm on a prod stack (type the stack's name)",
    bindings: [
      {
        id: 'day1.typeName.confirm',
        keys: ['enter'],
        description: "Confirm, when what is typed is the stack's name",
        hint: 'confirm',
      },
      { id: 'day1.typeName.cancel', keys: ['esc'], description: 'Nothing changes', hint: 'cancel' },
      { id: 'day1.typeName.down', keys: ['down'], description: 'Scroll down what is being confirmed (the changes)' },
      { id: 'day1.typeName.up', keys: ['up'], description: 'Scroll up what is being confirmed' },
    ],
  },
  {
    id: 'day1.pick',
    title: 'Choose a stack',
    bindings: [
      { id: 'day1.pick.down', keys: ['down', 'j'], description: 'Next stack', hint: 'move' },
      { id: 'day1.pick.up', keys: ['up', 'k'], description: 'Previous stack' },
      { id: 'day1.pick.choose', keys: ['enter'], description: 'Start the run on this stack', hint: 'start' },
      { id: 'day1.pick.cancel', keys: ['esc'], description: 'Start nothing', hint: 'cancel' },
    ],
  },
];
