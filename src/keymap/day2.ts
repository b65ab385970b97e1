import type { KeyContext } from './types.js';

/**
 * Day-2 views' bindings, one context per view, section or dialog. The dashboard names `day2.dashboard` then
 * `nav`; a stack's detail names its section's context (`day2.drift`, `day2.alerts`, ...), then `day2.detail` and
 * `nav`; a dialog names its own context alone (it has the keyboard). No action sits on a motion key
 * (j/k/g/G/Ctrl-D/Ctrl-U) or a global one (q ? 1 2 3 Tab); remediate, silence, accept, approve and expire ask first.
 */
export const DAY2: KeyContext[] = [
  {
    id: 'day2.dashboard',
    title: 'Stacks dashboard',
    bindings: [
      {
        id: 'day2.dashboard.open',
        keys: ['enter'],
        description: "Open the stack's Day-2 detail: drift, alerts, snapshots, runs, audit",
      },
      {
        id: 'day2.dashboard.filter',
        keys: ['/'],
        description:
          'Filter by name, environment or status word (drifted, failed, critical, warning, late, missing, stale); a leading ! inverts',
        hint: 'filter',
      },
      {
        id: 'day2.dashboard.invert',
        keys: ['!'],
        description: 'Invert the filter (show the stacks it does not match)',
      },
      {
        id: 'day2.dashboard.sort',
        keys: ['s'],
        description: 'Sort by the next column: name, environment, status (worst first), last run',
        hint: 'sort',
      },
      { id: 'day2.dashboard.reverse', keys: ['o'], description: 'Reverse the sort order' },
      {
        id: 'day2.dashboard.refresh',
        keys: ['R'],
        description: "Refresh every stack's alerts, SLOs and snapshot lists now (in the background)",
        hint: 'refresh',
      },
      {
        id: 'day2.dashboard.check',
        keys: ['D'],
        description: 'Check the stack under the cursor for drift now (a proposed run, plan only)',
      },
      { id: 'day2.dashboard.clear', keys: ['esc'], description: 'Clear the filter' },
    ],
  },
  {
    id: 'day2.detail',
    title: 'Stack detail',
    bindings: [
      {
        id: 'day2.detail.next',
        keys: ['right', 'l'],
        description: 'Next section: drift, alerts, snapshots, runs, audit',
        hint: 'section',
      },
      { id: 'day2.detail.prev', keys: ['left', 'h'], description: 'Previous section' },
      {
        id: 'day2.detail.refresh',
        keys: ['R'],
        description: "Refresh this stack's alerts, SLOs and snapshot list now",
        hint: 'refresh',
      },
      { id: 'day2.detail.back', keys: ['esc'], description: 'Back to the dashboard', hint: 'back' },
    ],
  },
  {
    id: 'day2.drift',
    title: 'Drifted resources',
    bindings: [
      {
        id: 'day2.drift.accept',
        keys: ['A'],
        description: 'Accept the drift of the resource as it is now, with a note (asks first)',
        hint: 'accept',
      },
      {
        id: 'day2.drift.snooze',
        keys: ['z'],
        description: 'Snooze the resource until a chosen time (4h, 2d, 1w or a date)',
        hint: 'snooze',
      },
      {
        id: 'day2.drift.clear',
        keys: ['U'],
        description: 'Take back an accept or a snooze: the resource is open drift again',
      },
      {
        id: 'day2.drift.remediate',
        keys: ['r'],
        description:
          'Remediate: a tracked run that plans the code against reality, checks policies and waits for approval (asks first)',
        hint: 'remediate',
      },
      { id: 'day2.drift.check', keys: ['D'], description: 'Check the stack for drift now (a proposed run, plan only)' },
      {
        id: 'day2.drift.open',
        keys: ['enter'],
        description: 'Show the whole change of the resource, attribute by attribute, to scroll through',
        hint: 'changes',
      },
    ],
  },
  {
    id: 'day2.change',
    title: 'Change of a drifted resource',
    bindings: [{ id: 'day2.change.back', keys: ['esc'], description: 'Back to the drifted resources', hint: 'back' }],
  },
  {
    id: 'day2.alerts',
    title: 'Alerts',
    bindings: [
      {
        id: 'day2.alerts.open',
        keys: ['enter'],
        description: 'Show the alert: labels, annotations, and what changed before it fired',
      },
      {
        id: 'day2.alerts.silence',
        keys: ['S'],
        description:
          'Silence the alert, or every alert matching its labels, for a chosen time with a comment (a real Alertmanager silence; asks first)',
        hint: 'silence',
      },
      {
        id: 'day2.alerts.expire',
        keys: ['e'],
        description: 'Expire the silence under the cursor, or the silences muting the alert (asks first)',
        hint: 'expire',
      },
      {
        id: 'day2.alerts.ack',
        keys: ['K'],
        description: "Acknowledge the alert (I'm on it), or take the acknowledgement back",
        hint: 'ack',
      },
    ],
  },
  {
    id: 'day2.alert',
    title: 'Alert detail',
    bindings: [
      {
        id: 'day2.alert.silence',
        keys: ['S'],
        description: 'Silence this alert or every alert matching its labels (asks first)',
        hint: 'silence',
      },
      { id: 'day2.alert.expire', keys: ['e'], description: 'Expire the silences muting this alert (asks first)' },
      {
        id: 'day2.alert.ack',
        keys: ['K'],
        description: 'Acknowledge the alert, or take the acknowledgement back',
        hint: 'ack',
      },
      { id: 'day2.alert.back', keys: ['esc'], description: 'Back to the alerts', hint: 'back' },
    ],
  },
  {
    id: 'day2.snapshots',
    title: 'Snapshots',
    bindings: [
      {
        id: 'day2.snapshots.backup',
        keys: ['b'],
        description: 'Back up the stack now (restic, in the background)',
        hint: 'back up',
      },
      {
        id: 'day2.snapshots.verify',
        keys: ['v'],
        description: 'Verify the snapshot under the cursor: a restore test (in the background)',
        hint: 'verify',
      },
    ],
  },
  {
    id: 'day2.runs',
    title: 'Recent runs',
    bindings: [
      { id: 'day2.runs.open', keys: ['enter'], description: 'Open the run in the Day-1 view (its log and plan)' },
      {
        id: 'day2.runs.approve',
        keys: ['a'],
        description: 'Approve the run under the cursor when it waits for approval (asks first)',
        hint: 'approve',
      },
      {
        id: 'day2.runs.discard',
        keys: ['x'],
        description: 'Discard the run under the cursor when it waits for approval (asks first)',
        hint: 'discard',
      },
    ],
  },
  {
    id: 'day2.filter',
    title: 'Filtering stacks',
    bindings: [
      { id: 'day2.filter.keep', keys: ['enter'], description: 'Keep the filter and go back to the list', hint: 'keep' },
      { id: 'day2.filter.cancel', keys: ['esc'], description: 'Clear the filter', hint: 'clear' },
    ],
  },
  {
    id: 'day2.prompt',
    title: 'Typing a value',
    bindings: [
      { id: 'day2.prompt.next', keys: ['enter'], description: 'Keep what is typed and go on', hint: 'next' },
      { id: 'day2.prompt.cancel', keys: ['esc'], description: 'Do nothing', hint: 'cancel' },
    ],
  },
  {
    id: 'day2.choose',
    title: 'Choosing',
    bindings: [
      { id: 'day2.choose.down', keys: ['down', 'j'], description: 'Next choice' },
      { id: 'day2.choose.up', keys: ['up', 'k'], description: 'Previous choice', hint: 'move' },
      { id: 'day2.choose.pick', keys: ['enter'], description: 'Take this choice', hint: 'choose' },
      { id: 'day2.choose.cancel', keys: ['esc'], description: 'Do nothing', hint: 'cancel' },
    ],
  },
  {
    id: 'day2.confirm',
    title: 'Confirm',
    bindings: [
      {
        id: 'day2.confirm.yes',
        keys: ['y'],
        description: "Yes (for a prod stack, type the stack's name and press Enter instead)",
        hint: 'yes',
      },
      { id: 'day2.confirm.enter', keys: ['enter'], description: "Confirm the stack's name typed (prod)" },
      { id: 'day2.confirm.no', keys: ['n', 'esc'], description: 'No: nothing changes', hint: 'no' },
    ],
  },
];
