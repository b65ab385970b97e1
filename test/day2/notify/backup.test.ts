/**
 * A restore test that fails, run headless as cron would (`dayops backup verify`, the BUILT dayops, the real
 * restic): the command delivers DayopsRestoreTestFailed to the webhook before it exits.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addStack, describeRestic, packFiles, resticEnv } from '../backups/util.js';
import { startReceiver } from './receiver.js';

describeRestic('notify: a failed restore test from a headless command', () => {
  it('dayops backup verify that fails sends DayopsRestoreTestFailed before it exits', async () => {
    const rx = await startReceiver('restore-secret-0123456789');
    try {
      const { db, path, dir } = tmpDb();
      const stack = addStack(db, dir, { files: { 'terraform.tfstate': randomBytes(300_000).toString('base64') } });
      appendFileSync(
        join(stack.dir, 'dayops.yaml'),
        `notify:\n  webhooks:\n    - url: ${rx.url}\n      events: [restore-test-failed]\n      secret: { fromEnv: RESTORE_HOOK_SECRET }\n`,
      );
      const env = resticEnv(dir, { RESTORE_HOOK_SECRET: 'restore-secret-0123456789' });
      expect((await runCli(['--db', path, 'backup', 'run', 'payments'], { env })).code).toBe(0);
      expect(rx.received).toEqual([]);
      const [pack] = packFiles(join(dir, 'repo'));
      chmodSync(pack.path, 0o600);
      const fd = openSync(pack.path, 'r+');
      writeSync(fd, Buffer.alloc(32, 0x41), 0, 32, 2048);
      closeSync(fd);
      const r = await runCli(['--db', path, 'backup', 'verify', 'payments'], { env });
      expect(r.code).toBe(1);
      expect(rx.accepted()).toHaveLength(1);
      expect(rx.received[0]).toMatchObject({ signatureOk: true });
      expect(rx.received[0].body).toMatchObject({
        event: 'restore-test-failed',
        status: 'firing',
        alertname: 'DayopsRestoreTestFailed',
        stack: 'payments',
        severity: 'critical',
        command: 'dayops backup status payments',
      });
      expect(String(rx.received[0].body.summary)).toMatch(/^payments: restore test failed: restic restore: /);
    } finally {
      await rx.close();
    }
  });
});
