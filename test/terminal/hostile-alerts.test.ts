/**
 * Alertmanager labels and annotations are text from outside: `dayops alerts` (piped and on a terminal) and
 * `alerts sync` show them without any sequence reaching the terminal. A real Alertmanager on 127.0.0.1; the
 * built CLI (`npm run build` first).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { SKIP_ALERTMANAGER, startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { runCli } from '../helpers/cli.js';
import { HOSTILE, leaks } from '../helpers/hostile.js';
import { runOnPty } from '../helpers/pty.js';
import { tmpDir } from '../helpers/tmp.js';
import { addStack } from '../day2/alerts/util.js';

describe.skipIf(SKIP_ALERTMANAGER)('hostile alert labels and annotations', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
    await am.postAlerts([
      {
        labels: { alertname: `Down${HOSTILE}`, stack: 'api', severity: `critical${HOSTILE}`, extra: HOSTILE },
        annotations: { summary: `api is down ${HOSTILE}`, description: HOSTILE },
      },
    ]);
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('`dayops alerts` shows them, piped and on a terminal, with no sequence', async () => {
    const dir = tmpDir();
    const dbPath = join(dir, 'dayops.db');
    const db = openDatabase(dbPath);
    addStack(db, dir, 'api', { url: am.url });
    db.close();
    const sync = await runCli(['--db', dbPath, 'alerts', 'sync']);
    expect(sync.code, sync.stderr).toBe(0);
    const piped = await runCli(['--db', dbPath, 'alerts']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('api is down <osc52>');
    expect(leaks(piped.stdout + piped.stderr, { colour: false })).toEqual([]);
    const json = await runCli(['--db', dbPath, 'alerts', '--json']);
    expect(leaks(json.stdout, { colour: false })).toEqual([]);
    expect(JSON.parse(json.stdout).alerts[0].annotations.description).toBe(HOSTILE); // the data is whole
    for (const args of [['alerts'], ['alerts', 'api'], ['alerts', 'sync']]) {
      const tty = await runOnPty(['--db', dbPath, ...args]);
      expect(tty.code, tty.out).toBe(0);
      expect(leaks(tty.out, { colour: true, cr: true }), args.join(' ')).toEqual([]);
    }
  });
});
