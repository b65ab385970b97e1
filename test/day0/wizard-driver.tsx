/**
 * Driving the Day-0 wizard by keystrokes, as an operator would, through the whole app (driveApp on a temp
 * database). Every helper presses keys and waits for the screen to settle; none sets the store directly.
 */
import { afterEach, expect } from 'vitest';
import type { DB } from '../../src/db/open.js';
import { REVIEW_STEP, STEPS } from '../../src/day0/wizard-steps.js';
import type { WizardState } from '../../store/wizard.js';
import { driveApp, type DrivenApp } from '../helpers/ink.js';

const opened: DrivenApp[] = [];
// Apps a failed test left open are closed (and their services stopped) before its database is.
afterEach(async () => {
  while (opened.length) {
    const app = opened.pop()!;
    try {
      app.unmount();
    } catch {
      /* already unmounted */
    }
    await app.services.shutdown();
  }
});

export async function openWizard(
  db: DB,
  opts: { columns?: number; rows?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DrivenApp> {
  const app = await driveApp(db, opts);
  opened.push(app);
  // With stacks registered the app opens on Day-2: 1 goes to Day-0.
  if (app.store.getState().view !== 'day0') await app.press('1');
  await app.waitFor(() => app.store.getState().wizard !== null);
  await app.settle();
  return app;
}

export function wiz(app: DrivenApp): WizardState {
  const w = app.store.getState().wizard;
  if (!w) throw new Error('the wizard is not loaded');
  return w;
}

/** Press down until the focused row is `key` (fails when it never gets there). */
export async function focusRow(app: DrivenApp, key: string): Promise<void> {
  await app.press('home');
  for (let i = 0; i < 80; i++) {
    const w = wiz(app);
    if ((w.editor ? w.editor.focus : w.focus) === key) return;
    await app.press('down');
  }
  throw new Error(`never reached row ${key}; the screen shows:\n${app.frame()}`);
}

/** Go to a step with ] and [. */
export async function gotoStep(app: DrivenApp, id: string): Promise<void> {
  const target = STEPS.findIndex((s) => s.id === id);
  expect(target).toBeGreaterThanOrEqual(0);
  for (let i = 0; i < 20 && wiz(app).step !== target; i++) await app.press(wiz(app).step < target ? ']' : '[');
  expect(wiz(app).step).toBe(target);
}

/** Enter on the focused text field, clear it, type, Enter. */
export async function setText(app: DrivenApp, text: string): Promise<string> {
  await app.press('enter');
  expect(wiz(app).mode).toBe('edit');
  await app.press('ctrlU');
  if (text) await app.type(text);
  return app.press('enter');
}

/** Enter on a choice, move to the option, Enter. */
export async function choose(app: DrivenApp, label: string | RegExp): Promise<void> {
  await app.press('enter');
  expect(wiz(app).mode).toBe('pick');
  for (let i = 0; i < 30; i++) {
    // The form's column (after the step list's border, if any); the highlighted choice is the › line under the field.
    const line = app
      .frame()
      .split('\n')
      .map((l) => l.split('│')[1] ?? l)
      .find((l) => /^\s*›\s/.test(l) && /^\s{4,}›/.test(l) && !/\(choose below\)/.test(l));
    if (line && (typeof label === 'string' ? line.includes(label) : label.test(line))) {
      await app.press('enter');
      return;
    }
    await app.press('down');
  }
  throw new Error(`option ${String(label)} not found; the screen shows:\n${app.frame()}`);
}

/** Press Enter until the review's write button has the focus (every field kept as it is). */
export async function enterThroughToWrite(app: DrivenApp): Promise<number> {
  let presses = 0;
  for (; presses < 400; presses++) {
    const w = wiz(app);
    if (w.step === REVIEW_STEP && w.focus === 'write' && w.mode === 'nav') return presses;
    await app.press('enter');
  }
  throw new Error(`Enter never reached the write button; the screen shows:\n${app.frame()}`);
}
