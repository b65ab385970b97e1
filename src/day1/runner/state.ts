/**
 * The life of a run as a pure state machine: which event moves a run from which state to which. The database
 * applies a move as a compare-and-set (src/db/runs.ts); this module only says whether the move is allowed.
 *
 *   QUEUED -start-> INITIALIZING -plan-> PLANNING -park-> UNCONFIRMED -apply-> APPLYING -finish-> FINISHED
 *                                          |  \-apply (auto-apply)------------------^
 *                                          |-finish (proposed run, or no changes) -> FINISHED
 *                                          \-deny -> POLICY_DENIED
 *   APPLYING -validate-> VALIDATING -finish-> FINISHED   (after a successful apply, the stack's after-apply checks)
 *   fail: QUEUED | INITIALIZING | PLANNING | UNCONFIRMED | APPLYING | VALIDATING -> FAILED
 *   discard: UNCONFIRMED -> DISCARDED;  cancel: any live state -> CANCELED
 */

export const RUN_STATES = [
  'QUEUED',
  'INITIALIZING',
  'PLANNING',
  'UNCONFIRMED',
  'APPLYING',
  'VALIDATING',
  'FINISHED',
  'FAILED',
  'DISCARDED',
  'CANCELED',
  'POLICY_DENIED',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const TERMINAL_STATES: readonly RunState[] = ['FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED'];
/** States in which a process drives the run (it has an owner). UNCONFIRMED is parked: no owner. */
export const OWNED_STATES: readonly RunState[] = ['QUEUED', 'INITIALIZING', 'PLANNING', 'APPLYING', 'VALIDATING'];
/** States in which the run's tool (or a check's command) may be working in the stack's folder. */
export const BUSY_STATES: readonly RunState[] = ['INITIALIZING', 'PLANNING', 'APPLYING', 'VALIDATING'];

export const RUN_KINDS = ['tracked', 'proposed'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const RUN_PURPOSES = ['deploy', 'drift', 'remediation'] as const;
export type RunPurpose = (typeof RUN_PURPOSES)[number];

export const RUN_TRIGGERS = ['tui', 'cli', 'schedule', 'auto-remediate'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const RUN_EVENTS = [
  'start',
  'plan',
  'park',
  'apply',
  'validate',
  'finish',
  'deny',
  'fail',
  'discard',
  'cancel',
] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

interface Rule {
  from: readonly RunState[];
  to: RunState;
  /** Only runs of this kind may take the move. */
  kind?: RunKind;
}

/** Every allowed move; anything else is refused. */
const RULES: Record<RunEvent, Rule[]> = {
  start: [{ from: ['QUEUED'], to: 'INITIALIZING' }],
  plan: [{ from: ['INITIALIZING'], to: 'PLANNING' }],
  park: [{ from: ['PLANNING'], to: 'UNCONFIRMED', kind: 'tracked' }],
  apply: [{ from: ['PLANNING', 'UNCONFIRMED'], to: 'APPLYING', kind: 'tracked' }],
  validate: [{ from: ['APPLYING'], to: 'VALIDATING', kind: 'tracked' }],
  finish: [{ from: ['PLANNING', 'APPLYING', 'VALIDATING'], to: 'FINISHED' }],
  deny: [{ from: ['PLANNING'], to: 'POLICY_DENIED' }],
  fail: [{ from: ['QUEUED', 'INITIALIZING', 'PLANNING', 'UNCONFIRMED', 'APPLYING', 'VALIDATING'], to: 'FAILED' }],
  discard: [{ from: ['UNCONFIRMED'], to: 'DISCARDED' }],
  cancel: [{ from: ['QUEUED', 'INITIALIZING', 'PLANNING', 'UNCONFIRMED', 'APPLYING', 'VALIDATING'], to: 'CANCELED' }],
};

export class InvalidTransition extends Error {
  constructor(
    readonly state: RunState,
    readonly event: RunEvent,
    readonly kind: RunKind,
  ) {
    super(`a ${kind} run in state ${state} cannot ${event}`);
    this.name = 'InvalidTransition';
  }
}

/** The state `event` moves the run to, or undefined when the move is not allowed. */
export function nextState(run: { state: RunState; kind: RunKind }, event: RunEvent): RunState | undefined {
  for (const rule of RULES[event]) {
    if (rule.from.includes(run.state) && (!rule.kind || rule.kind === run.kind)) return rule.to;
  }
  return undefined;
}

/** The state `event` moves the run to; throws InvalidTransition when the move is not allowed. */
export function transition(run: { state: RunState; kind: RunKind }, event: RunEvent): RunState {
  const to = nextState(run, event);
  if (!to) throw new InvalidTransition(run.state, event, run.kind);
  return to;
}

/** Every state an event may start from (whatever the kind). */
export function statesAllowing(event: RunEvent): RunState[] {
  return [...new Set(RULES[event].flatMap((r) => r.from))];
}
