import { describe, expect, it } from 'vitest';
import { applyBlocker, startBlocker, type LiveRunInfo } from '../../../src/day1/runner/queue.js';

const r = (
  id: number,
  kind: 'tracked' | 'proposed',
  state: LiveRunInfo['state'],
  approvals = 0,
  requiredApprovals = 1,
): LiveRunInfo => ({
  id,
  kind,
  state,
  approvals,
  requiredApprovals,
});

describe('stack queue rule', () => {
  it('a run on a free stack starts', () => {
    expect(startBlocker({ id: 1, kind: 'tracked' }, [])).toBeUndefined();
  });

  it('nothing starts while a tool works in the folder, whatever the kinds', () => {
    for (const state of ['INITIALIZING', 'PLANNING', 'APPLYING'] as const) {
      for (const kind of ['tracked', 'proposed'] as const) {
        expect(startBlocker({ id: 2, kind }, [r(1, 'proposed', state)])?.id).toBe(1);
        expect(startBlocker({ id: 2, kind }, [r(1, 'tracked', state)])?.id).toBe(1);
      }
    }
  });

  it('a tracked run waiting for approval holds the stack against tracked runs only', () => {
    const parked = r(1, 'tracked', 'UNCONFIRMED', 0, 2);
    expect(startBlocker({ id: 2, kind: 'tracked' }, [parked])?.id).toBe(1);
    expect(startBlocker({ id: 2, kind: 'proposed' }, [parked])).toBeUndefined();
  });

  it('a fully approved run about to apply holds the stack against plan-only runs too', () => {
    expect(startBlocker({ id: 2, kind: 'proposed' }, [r(1, 'tracked', 'UNCONFIRMED', 2, 2)])?.id).toBe(1);
  });

  it('first come first served, but a plan-only run may pass a tracked run that waits on a parked one', () => {
    expect(startBlocker({ id: 3, kind: 'tracked' }, [r(2, 'tracked', 'QUEUED')])?.id).toBe(2);
    expect(startBlocker({ id: 3, kind: 'proposed' }, [r(2, 'proposed', 'QUEUED')])?.id).toBe(2);
    const parked = r(1, 'tracked', 'UNCONFIRMED');
    expect(startBlocker({ id: 3, kind: 'proposed' }, [parked, r(2, 'tracked', 'QUEUED')])).toBeUndefined();
    // the earlier queued run is the one to start, not the later one
    expect(startBlocker({ id: 2, kind: 'tracked' }, [r(3, 'tracked', 'QUEUED')])).toBeUndefined();
  });

  it('an approved run applies only when no tool works in the folder', () => {
    expect(applyBlocker({ id: 1 }, [r(2, 'proposed', 'PLANNING')])?.id).toBe(2);
    expect(applyBlocker({ id: 1 }, [r(2, 'tracked', 'QUEUED')])).toBeUndefined();
  });
});
