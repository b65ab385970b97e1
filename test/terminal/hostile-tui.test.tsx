/**
 * Text from outside never drives the operator's terminal, in the app: a tool's log (the log pane), the plan
 * panel's addresses and diagnostics, a run's error, the dashboard and a stack's alerts (labels, annotations) carry
 * the hostile corpus (test/helpers/hostile.ts); no frame Ink writes holds anything but SGR colour codes.
 */
import { render } from 'ink-testing-library';
import stripAnsi from 'strip-ansi';
import { afterEach, describe, expect, it } from 'vitest';
import { Text } from '../../components/layout/Text.js';
import { RunService } from '../../src/day1/runs.js';
import { driveApp, type DrivenApp } from '../helpers/ink.js';
import { CORPUS, HOSTILE, leaks, markersShown } from '../helpers/hostile.js';
import { tmpDb } from '../helpers/tmp.js';
import { customStack } from '../day1/runs/helpers.js';
import { addDrift, addStack, alertRecord, cacheAlerts } from '../day2/ui/helpers.js';

const BAD = CORPUS.osc52 + CORPUS.osc0 + CORPUS.clear + CORPUS.c1csi + CORPUS.dsr + CORPUS.bel;

let app: DrivenApp | undefined;
const services: RunService[] = [];
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
  while (services.length) await services.pop()!.shutdown();
});

/** Every frame Ink wrote so far: nothing in any of them but text and SGR. */
function frameLeaks(a: { frames: string[] }): string[] {
  return [...new Set(a.frames.flatMap((f) => leaks(f, { colour: true })))];
}

describe('hostile text in the app', () => {
  it('Text draws every string sanitised, colours kept', () => {
    const r = render(
      <Text>
        {HOSTILE}
        {'\u001b[31mred\u001b[0m'}
      </Text>,
    );
    const f = r.lastFrame()!;
    expect(leaks(f, { colour: true })).toEqual([]);
    expect(markersShown(f.replace(/\n/g, ''))).toEqual(Object.keys(CORPUS));
    expect(f).toContain('\u001b[31mred');
    r.unmount();
  });

  it('the log pane, the plan panel and a failed run show the text, never the sequences', async () => {
    const { db, path } = tmpDb();
    const lines = Object.entries(CORPUS).map(([k, v]) => `<${k}>${v} end`);
    customStack({
      db,
      name: 'app',
      plan: `${lines.map((l) => `console.log(${JSON.stringify(l)});`).join('\n')}
console.log(${JSON.stringify(`dayops:change create null_resource.x${BAD}y`)});`,
    });
    customStack({
      db,
      name: 'broken',
      plan: `console.error(${JSON.stringify(`refused ${BAD} here`)}); process.exit(2);`,
    });
    const svc = new RunService(db, { dbPath: path, handleSignals: false, recover: false, pollMs: 50 });
    services.push(svc);
    await svc.wait(await svc.start('app', { planOnly: true, trigger: 'cli' }));
    const failed = await svc.wait(await svc.start('broken', { planOnly: true, trigger: 'cli' }));
    expect(failed.state).toBe('FAILED');
    app = await driveApp(db, { dbPath: path, columns: 160, rows: 50 });
    await app.press('2');
    await app.waitFor('#2');
    await app.press('enter'); // #2 broken: its error and log
    await app.waitFor('refused');
    await app.press('esc', 'j', 'enter'); // #1 app: its changes and log
    const f = await app.waitFor('null_resource.x');
    expect(f).toContain('<osc52>');
    expect(frameLeaks(app)).toEqual([]);
  });

  it('the dashboard and a stack’s alerts and drift show labels and annotations, never the sequences', async () => {
    const { db, dir, path } = tmpDb();
    const payments = addStack(db, dir, 'payments', { environment: 'prod', alerting: 'http://127.0.0.1:9' });
    addDrift(db, payments, [`aws_instance.a${BAD}`]);
    const alert = alertRecord('payments', `Disk${BAD}Full`, 'critical', { team: HOSTILE });
    alert.annotations = { summary: `disk full ${HOSTILE}`, description: HOSTILE };
    cacheAlerts(db, payments, [alert]);
    app = await driveApp(db, { dbPath: path, columns: 160, rows: 50 });
    await app.waitFor('payments');
    await app.press('enter');
    await app.waitFor('aws_instance.a');
    await app.press('right');
    await app.waitFor('Disk');
    await app.press('enter');
    expect(app.frames.map(stripAnsi).join('\n')).toContain('disk full <osc52>');
    expect(frameLeaks(app)).toEqual([]);
  });
});
