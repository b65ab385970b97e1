/**
 * The full-screen app: open the database, build the store and services, draw in the terminal's alternate
 * screen, and on the way out (q, Ctrl-C, SIGTERM, SIGHUP) shut every service down so no tool process is left.
 */
import { render } from 'ink';
import { App, INK_OPTIONS } from '../components/App.js';
import { makeTheme, setTheme } from '../components/theme.js';
import { createAppStore, type AppStore } from '../store/index.js';
import type { CommandContext } from './commands/context.js';
import { StacksRepo } from './db/stacks.js';
import { UserError } from './errors.js';
import { currentUser } from './identity.js';
import { Services } from './services.js';
import type { View } from '../store/ui.js';
import { startupHooks } from './startup.js';

// The alternate screen, and bracketed paste: a paste arrives marked, so a focused text field takes it whole,
// as one paste (components/layout/key-feed.ts).
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[?2004h';
const LEAVE_ALT_SCREEN = '\x1b[?2004l\x1b[?1049l';

/** Build what the app needs from a database: the views' store and the services. */
export function createApp(ctx: Pick<CommandContext, 'db' | 'dbPath' | 'readonly' | 'env'>): {
  store: AppStore;
  services: Services;
} {
  const db = ctx.db();
  const services = new Services({
    db,
    dbPath: ctx.dbPath,
    user: currentUser(db),
    readonly: ctx.readonly,
    env: ctx.env,
  });
  const stacks = new StacksRepo(db).list();
  // An empty database opens on the Day-0 wizard; otherwise on the Day-2 dashboard.
  const view: View = stacks.length === 0 ? 'day0' : 'day2';
  const store = createAppStore({ view });
  for (const hook of startupHooks) hook(services, store);
  return { store, services };
}

export async function runTui(ctx: CommandContext): Promise<number> {
  if (!ctx.isTTY) {
    throw new UserError(
      'dayops: the app needs a terminal; for scripts use the headless commands (`dayops help` lists them)',
      2,
    );
  }
  // Raw mode before anything else: a key pressed while the app starts (Ctrl-C included) waits in the terminal as a
  // key for the app, never becomes a signal that kills dayops and the shell it runs in. Ink takes it over (and
  // gives the terminal back when it unmounts).
  process.stdin.setRawMode?.(true);
  setTheme(makeTheme(ctx.env));
  const { store, services } = createApp(ctx);
  const quit = () => store.getState().requestQuit(true);
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  for (const s of signals) process.on(s, quit);
  process.stdout.write(ENTER_ALT_SCREEN);
  try {
    const instance = render(<App store={store} services={services} />, {
      ...INK_OPTIONS,
      exitOnCtrlC: false,
      patchConsole: true,
    });
    await instance.waitUntilExit();
  } finally {
    process.stdin.setRawMode?.(false);
    process.stdout.write(LEAVE_ALT_SCREEN);
    for (const s of signals) process.off(s, quit);
    await services.shutdown();
  }
  return 0;
}
