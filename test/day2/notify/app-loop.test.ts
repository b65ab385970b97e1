/**
 * The app's side: registerDay2Services starts the notifier with the scheduler; a run that fails in the app is
 * evaluated on its state change and delivered by the app's delivery loop (a real run of a custom stack, a real
 * webhook receiver). A read-only app sends nothing.
 */
import { describe, expect, it } from 'vitest';
import { registerDay2Services } from '../../../src/day2/refresh.js';
import { NotifyRepo } from '../../../src/db/notify.js';
import { Services } from '../../../src/services.js';
import { tmpDb } from '../../helpers/tmp.js';
import { customStack, sleep, until } from '../../day1/runs/helpers.js';
import { startReceiver } from './receiver.js';

const PLAN_FAILS = `console.error('Error: boom'); process.exit(1);`;

describe("the app's notifier", () => {
  it("a run that fails in the app is evaluated and delivered by the app's own loop", async () => {
    const rx = await startReceiver('app-secret-0123456789');
    try {
      const { db, path } = tmpDb();
      customStack({
        name: 'web',
        plan: PLAN_FAILS,
        db,
        yaml: `notify:\n  webhooks:\n    - url: ${rx.url}\n      secret: { fromEnv: APP_HOOK_SECRET }\n`,
      });
      const env = { ...process.env, APP_HOOK_SECRET: 'app-secret-0123456789' };
      const services = new Services({ db, dbPath: path, user: 'alice', readonly: false, env });
      const { runs } = registerDay2Services(services);
      const id = await runs.start('web', { planOnly: true, trigger: 'tui' });
      const run = await runs.wait(id, 'terminal');
      expect(run.state).toBe('FAILED');
      await until(() => rx.accepted().length === 1, 10_000);
      expect(rx.received[0]).toMatchObject({ signatureOk: true });
      expect(rx.received[0].body).toMatchObject({ event: 'run-failed', status: 'firing', stack: 'web' });
      await until(() => new NotifyRepo(db).pending() === 0, 5_000);
      await services.shutdown();
    } finally {
      await rx.close();
    }
  }, 30_000);

  it('a read-only app evaluates and sends nothing', async () => {
    const rx = await startReceiver('x');
    try {
      const { db, path } = tmpDb();
      customStack({ name: 'web', plan: PLAN_FAILS, db, yaml: `notify:\n  webhooks:\n    - url: ${rx.url}\n` });
      const services = new Services({ db, dbPath: path, user: 'alice', readonly: true, env: process.env });
      const { runs } = registerDay2Services(services);
      const id = await runs.start('web', { planOnly: true, trigger: 'tui' });
      expect((await runs.wait(id, 'terminal')).state).toBe('FAILED');
      await sleep(1500);
      expect(rx.received).toEqual([]);
      expect(new NotifyRepo(db).conditions()).toEqual([]);
      await services.shutdown();
    } finally {
      await rx.close();
    }
  }, 30_000);
});
