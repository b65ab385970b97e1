/**
 * Driving Ink components by keystrokes without flakes: write keys one at a time, then wait until frames stop
 * changing (a render takes 20-80 ms on a busy 2-core machine), never a fixed sleep.
 */
import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import stripAnsi from 'strip-ansi';
import { App, preloadViews } from '../../components/App.js';
import { keysPending } from '../../components/layout/key-feed.js';
import { createApp } from '../../src/tui.js';
import type { DB } from '../../src/db/open.js';
import type { AppStore } from '../../store/index.js';
import type { Services } from '../../src/services.js';

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  esc: '\u001B',
  tab: '\t',
  shiftTab: '\u001B[Z',
  backspace: '\u007F',
  pgup: '\u001B[5~',
  pgdown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  ctrlC: '\u0003',
  ctrlD: '\u0004',
  ctrlU: '\u0015',
  space: ' ',
} as const;

export type KeyName = keyof typeof KEYS;

export interface Driven {
  /** The last frame, without colour codes. */
  frame(): string;
  /** Press special keys or single characters, one write each, waiting for the screen to settle after each. */
  press(...keys: (KeyName | string)[]): Promise<string>;
  /** Type text in one write (as a paste or fast typist would). */
  type(text: string): Promise<string>;
  /** Wait until the frame contains the text (or the predicate holds); fails with the frame when it never does. */
  waitFor(what: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  settle(): Promise<string>;
  /** Write raw input in one read, without waiting. */
  stdinWrite(data: string): void;
  unmount(): void;
  frames: string[];
}

export async function settle(frames: { length: number }, quietMs = 40, maxMs = 3000): Promise<void> {
  const start = Date.now();
  let count = frames.length;
  let stillSince = Date.now();
  // Keys of a burst still on their way to the handlers (one render each): not settled yet, up to 20 s more.
  while (Date.now() - start < maxMs || (keysPending() > 0 && Date.now() - start < maxMs + 20_000)) {
    await new Promise((r) => setTimeout(r, 10));
    if (keysPending() > 0) {
      stillSince = Date.now();
      continue;
    }
    if (frames.length !== count) {
      count = frames.length;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= quietMs) return;
  }
}

export function drive(tree: ReactElement, opts: { columns?: number } = {}): Driven {
  const r = render(tree);
  // ink-testing-library's stdout says 100 columns: cells of a wider frame past it were lost. Use the tree's width.
  if (opts.columns && opts.columns !== 100) {
    Object.defineProperty(r.stdout, 'columns', { value: opts.columns });
    r.rerender(tree);
  }
  const frames = r.frames;
  const frame = () => stripAnsi(r.lastFrame() ?? '');
  const api: Driven = {
    frames,
    frame,
    async settle() {
      await settle(frames);
      return frame();
    },
    async press(...keys) {
      for (const k of keys) {
        r.stdin.write(k in KEYS ? KEYS[k as KeyName] : k);
        await settle(frames);
      }
      return frame();
    },
    async type(text) {
      r.stdin.write(text);
      await settle(frames);
      return frame();
    },
    async waitFor(what, timeoutMs = 5000) {
      const test =
        typeof what === 'string'
          ? (f: string) => f.includes(what)
          : what instanceof RegExp
            ? (f: string) => what.test(f)
            : what;
      const start = Date.now();
      while (Date.now() - start < timeoutMs) {
        if (test(frame())) return frame();
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`timed out waiting for ${String(what)}; the screen shows:\n${frame()}`);
    },
    stdinWrite: (data) => void r.stdin.write(data),
    unmount: () => r.unmount(),
  };
  return api;
}

export interface DrivenApp extends Driven {
  store: AppStore;
  services: Services;
}

/** The whole app on a database, at a fixed size (default 100x30). */
export async function driveApp(
  db: DB,
  opts: { dbPath?: string; readonly?: boolean; columns?: number; rows?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DrivenApp> {
  // The views the app loads after its first frame, loaded first, so a key that switches days draws at once.
  await preloadViews();
  const { store, services } = createApp({
    db: () => db,
    dbPath: opts.dbPath ?? db.name,
    readonly: opts.readonly ?? false,
    env: opts.env ?? { ...process.env, NO_COLOR: '1' },
  });
  const d = drive(
    <App store={store} services={services} size={{ columns: opts.columns ?? 100, rows: opts.rows ?? 30 }} />,
    {
      columns: opts.columns,
    },
  );
  await d.settle();
  return {
    ...d,
    store,
    services,
    unmount() {
      d.unmount();
      void services.shutdown();
    },
  };
}
