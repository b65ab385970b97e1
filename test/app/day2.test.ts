/**
 * Day-2's application layer (src/app/day2), as the dashboard's keys use it: drift triage, acknowledgements and
 * read-only mode, on stacks with figures written through the repositories (no Alertmanager, restic or tofu).
 */
import { describe, expect, it } from 'vitest';
import {
  acceptStackDrift,
  clearDriftTriage,
  readonlyRefusal,
  snoozeStackDrift,
  stackOf,
  toggleAcknowledgement,
} from '../../src/app/day2/index.js';
import { listAlerts } from '../../src/day2/alerts.js';
import { Services } from '../../src/services.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { addDrift, addStack, alertRecord, cacheAlerts } from '../day2/ui/helpers.js';

function app(readonly = false) {
  const { db, path } = tmpDb();
  const services = new Services({ db, dbPath: path, user: 'alice', readonly, env: process.env });
  const stack = addStack(db, tmpDir('dayops-app-'), 'payments');
  return { db, services, stack };
}

describe('app/day2: drift triage', () => {
  it('accepting drift records who and why; clearing makes it open drift again; clearing twice says why not', () => {
    const { services, stack } = app();
    addDrift(services.db, stack, ['aws_s3_bucket.logs']);
    expect(acceptStackDrift(services, 'payments', 'aws_s3_bucket.logs', 'manual fix, ok')).toEqual({
      level: 'info',
      text: 'accepted the drift of aws_s3_bucket.logs',
    });
    const accepted = services.repos.drift.latestTriageOf(stack.id, 'aws_s3_bucket.logs');
    expect(accepted).toMatchObject({ kind: 'accepted', user: 'alice', note: 'manual fix, ok' });

    expect(clearDriftTriage(services, 'payments', 'aws_s3_bucket.logs').text).toBe(
      'aws_s3_bucket.logs is open drift again',
    );
    expect(() => clearDriftTriage(services, 'payments', 'aws_s3_bucket.logs')).toThrow(
      'aws_s3_bucket.logs is neither accepted nor snoozed',
    );
  });

  it('snoozing says until when, in the words the caller gave', () => {
    const { services, stack } = app();
    addDrift(services.db, stack, ['aws_s3_bucket.logs']);
    const until = Date.now() + 3_600_000;
    expect(snoozeStackDrift(services, 'payments', 'aws_s3_bucket.logs', until, 'Tue 14:00', '').text).toBe(
      'snoozed aws_s3_bucket.logs until Tue 14:00',
    );
    expect(services.repos.drift.latestTriageOf(stack.id, 'aws_s3_bucket.logs')?.kind).toBe('snoozed');
  });

  it('a stack removed meanwhile is one clear error', () => {
    const { services } = app();
    expect(() => stackOf(services, 'gone')).toThrow('stack gone is gone');
  });
});

describe('app/day2: alerts', () => {
  it('acknowledging toggles: the first call acknowledges, the second takes it back', () => {
    const { services, stack } = app();
    cacheAlerts(services.db, stack, [alertRecord('payments', 'HighLatency', 'critical')]);
    const [alert] = listAlerts(services.db, 'payments');
    expect(toggleAcknowledgement(services, 'payments', alert).text).toBe('acknowledged HighLatency');
    const [acked] = listAlerts(services.db, 'payments');
    expect(acked.acknowledged).toBeTruthy();
    expect(toggleAcknowledgement(services, 'payments', acked).text).toBe(
      'took back the acknowledgement of HighLatency',
    );
    expect(listAlerts(services.db, 'payments')[0].acknowledged).toBeFalsy();
  });

  it('read-only mode refuses what writes, in one line naming it', () => {
    expect(readonlyRefusal(app(true).services, 'backing up')).toBe('read-only (--readonly): backing up is not allowed');
    expect(readonlyRefusal(app(false).services, 'backing up')).toBeNull();
  });
});
