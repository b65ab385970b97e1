import { describe, expect, it } from 'vitest';
import {
  InvalidTransition,
  RUN_EVENTS,
  RUN_KINDS,
  RUN_STATES,
  TERMINAL_STATES,
  isTerminal,
  nextState,
  transition,
  type RunEvent,
  type RunKind,
  type RunState,
} from '../../../src/day1/runner/state.js';

// The run life as the product describes it, written out move by move: `${kind} ${state} ${event}` -> next state.
const ALLOWED: Record<string, RunState> = {};
const allow = (kinds: RunKind[], from: RunState[], event: RunEvent, to: RunState) => {
  for (const k of kinds) for (const f of from) ALLOWED[`${k} ${f} ${event}`] = to;
};
const both: RunKind[] = ['tracked', 'proposed'];
allow(both, ['QUEUED'], 'start', 'INITIALIZING');
allow(both, ['INITIALIZING'], 'plan', 'PLANNING');
allow(['tracked'], ['PLANNING'], 'park', 'UNCONFIRMED');
allow(['tracked'], ['PLANNING', 'UNCONFIRMED'], 'apply', 'APPLYING');
allow(['tracked'], ['APPLYING'], 'validate', 'VALIDATING');
allow(both, ['PLANNING', 'APPLYING', 'VALIDATING'], 'finish', 'FINISHED');
allow(both, ['PLANNING'], 'deny', 'POLICY_DENIED');
allow(both, ['QUEUED', 'INITIALIZING', 'PLANNING', 'UNCONFIRMED', 'APPLYING', 'VALIDATING'], 'fail', 'FAILED');
allow(both, ['UNCONFIRMED'], 'discard', 'DISCARDED');
allow(both, ['QUEUED', 'INITIALIZING', 'PLANNING', 'UNCONFIRMED', 'APPLYING', 'VALIDATING'], 'cancel', 'CANCELED');

describe('run state machine', () => {
  const cases: [RunKind, RunState, RunEvent][] = [];
  for (const kind of RUN_KINDS)
    for (const state of RUN_STATES) for (const event of RUN_EVENTS) cases.push([kind, state, event]);

  it('covers every kind x state x event (2 x 11 x 10)', () => {
    expect(cases).toHaveLength(220);
  });

  it.each(cases)('%s run in %s on %s', (kind, state, event) => {
    const expected = ALLOWED[`${kind} ${state} ${event}`];
    if (expected) {
      expect(nextState({ kind, state }, event)).toBe(expected);
      expect(transition({ kind, state }, event)).toBe(expected);
    } else {
      expect(nextState({ kind, state }, event)).toBeUndefined();
      expect(() => transition({ kind, state }, event)).toThrow(InvalidTransition);
    }
  });

  it('never moves a run out of a terminal state', () => {
    for (const state of TERMINAL_STATES) {
      expect(isTerminal(state)).toBe(true);
      for (const event of RUN_EVENTS)
        for (const kind of RUN_KINDS) expect(nextState({ kind, state }, event)).toBeUndefined();
    }
  });

  it('a proposed run can never reach approval or apply', () => {
    for (const state of RUN_STATES) {
      expect(nextState({ kind: 'proposed', state }, 'park')).toBeUndefined();
      expect(nextState({ kind: 'proposed', state }, 'apply')).toBeUndefined();
    }
  });

  it('names the refused move', () => {
    expect(() => transition({ kind: 'tracked', state: 'FINISHED' }, 'apply')).toThrow(
      'a tracked run in state FINISHED cannot apply',
    );
  });
});
