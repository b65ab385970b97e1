/**
 * The shell: header (which day, which stack), the body (one view per day, or help), the flash line and the
 * footer with the keys that work here. Global keys are handled here and only when no text field has focus.
 */
import { keys } from './day0/keys.js';
import { Box, useApp, type RenderOptions } from 'ink';
import { Text } from './layout/Text.js';
import { lazy, Suspense, useEffect, useMemo, type ComponentType } from 'react';
import { isKey } from '../src/keymap/index.js';
import { ChangeWatch } from '../src/db/change-watch.js';
import type { Services } from '../src/services.js';
import { teamIdentity } from '../src/app/permissions.js';
import { StoreContext, useAppStore, useAppStoreApi, type AppStore } from '../store/index.js';
import { ServicesContext } from './AppContext.js';
import { Day2View } from './day2/Day2View.js';
import { HoldKeys, KeyInputProvider, KeysReady, useKeys } from './layout/KeyInput.js';
import { FlashLine } from './layout/FlashLine.js';
import { Footer } from './layout/Footer.js';
import { Header } from './layout/Header.js';
import { Help } from './layout/Help.js';
import { useTerminalSize, type Size } from './layout/useTerminalSize.js';
import { theme } from './theme.js';

// The dashboard opens first whenever stacks exist, so it is loaded with the app; the other days' views (the
// wizard with the design audit, the run screens) load when first shown, keeping start-up to what is drawn.
type ViewProps = { width: number; height: number };

/** A view loaded on first use; once loaded (or preloaded) it renders at once, without suspending. */
function lazyView(load: () => Promise<ComponentType<ViewProps>>) {
  let loaded: ComponentType<ViewProps> | undefined;
  const preload = () => load().then((c) => (loaded = c));
  // Keys pressed while it loads are held (the Suspense fallback) and handed to it once it listens.
  const Suspending = lazy(() =>
    preload().then((C) => ({
      default: (props: ViewProps) => (
        <>
          <C {...props} />
          <KeysReady />
        </>
      ),
    })),
  );
  const View = (props: ViewProps) => {
    const Loaded = loaded;
    return Loaded ? <Loaded {...props} /> : <Suspending {...props} />;
  };
  return { View, preload };
}

const day0 = lazyView(() => import('./day0/Day0View.js').then((m) => m.Day0View));
const day1 = lazyView(() => import('./day1/Day1View.js').then((m) => m.Day1View));
const Day0View = day0.View;
const Day1View = day1.View;

/** Load the views not on screen yet; the app does it just after its first frame, so switching days never waits. */
export function preloadViews(): Promise<unknown> {
  return Promise.all([day0.preload(), day1.preload()]);
}

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;

/** When the views not on screen are loaded, after start-up. */
const PRELOAD_AFTER_MS = 1500;

/**
 * How Ink draws the app (src/tui.tsx, and the keys benchmark as the app). Each commit is drawn at once: Ink's own
 * frame throttle (30 fps) holds a commit that comes within 33 ms of the last frame behind a timer, and while runs
 * stream the event loop fires that timer late (50-100 ms), so a key pressed just after a frame waited for it. What
 * streams is paced where it is made (a pane's lines at most every 40 ms, the database watch, the clock), so
 * frames stay few without it.
 */
export const INK_OPTIONS = { maxFps: 0 } as const satisfies RenderOptions;

/** How often the shell looks for changes other processes made to the database. */
export const POLL_MS = 300;

export interface AppProps {
  store: AppStore;
  services: Services;
  /** A fixed size instead of the terminal's (tests). */
  size?: Size;
}

export function App({ store, services, size }: AppProps) {
  return (
    <StoreContext.Provider value={store}>
      <ServicesContext.Provider value={services}>
        <KeyInputProvider store={store}>
          <Shell services={services} fixedSize={size} />
        </KeyInputProvider>
      </ServicesContext.Provider>
    </StoreContext.Provider>
  );
}

/** Views read again when the database changed (other than by this process's own run-log thread). */
function useDatabaseWatch(services: Services) {
  const store = useAppStoreApi();
  useEffect(() => {
    const watch = new ChangeWatch(services.db);
    const t = setInterval(() => {
      let changed: boolean;
      try {
        changed = watch.changed();
      } catch {
        return; // closed while quitting
      }
      if (changed) store.getState().bumpData();
    }, POLL_MS);
    return () => clearInterval(t);
  }, [services, store]);
}

function Shell({ services, fixedSize }: { services: Services; fixedSize?: Size }) {
  const { exit } = useApp();
  const store = useAppStoreApi();
  const terminal = useTerminalSize();
  const size = fixedSize ?? terminal;
  const view = useAppStore((s) => s.view);
  const helpOpen = useAppStore((s) => s.helpOpen);
  const textInput = useAppStore((s) => s.textInput);
  const quitConfirm = useAppStore((s) => s.quitConfirm);
  // Team mode: who you are (user and role) and on which database, in the header.
  const team = useMemo(() => teamIdentity(services.db), [services]);
  const quitting = useAppStore((s) => s.quitting);
  const activeRuns = useAppStore((s) => s.activeRuns);
  useDatabaseWatch(services);

  useEffect(() => {
    if (quitting) exit();
  }, [quitting, exit]);

  // After the first frame and the dashboard's own first reads, so it never delays what is on screen.
  useEffect(() => {
    const t = setTimeout(() => void preloadViews().catch(() => undefined), PRELOAD_AFTER_MS);
    return () => clearTimeout(t);
  }, []);

  // Ctrl-C always quits, even from a text field.
  useKeys((input, key) => {
    if (isKey('global.forceQuit', input, key)) store.getState().requestQuit(true);
  });

  useKeys(
    (input, key) => {
      const s = store.getState();
      // Keys that arrive in one chunk are handled before React re-renders: read focus from the store.
      if (s.textInput) return;
      if (s.quitConfirm) {
        if (isKey('quit.yes', input, key)) s.requestQuit(true);
        else s.cancelQuit();
        return;
      }
      if (isKey('global.help', input, key)) return s.toggleHelp();
      if (s.helpOpen) {
        if (isKey('help.close', input, key)) s.toggleHelp(false);
        else if (isKey('global.quit', input, key)) s.requestQuit();
        return;
      }
      if (isKey('global.quit', input, key)) return s.requestQuit();
      if (isKey('global.day0', input, key)) return s.setView('day0');
      if (isKey('global.day1', input, key)) return s.setView('day1');
      if (isKey('global.day2', input, key)) return s.setView('day2');
      if (isKey('global.nextView', input, key)) return s.cycleView(1);
      if (isKey('global.prevView', input, key)) return s.cycleView(-1);
    },
    { isActive: !textInput },
  );

  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    return (
      <Box width={size.columns} height={Math.max(1, size.rows - 1)} flexDirection="column">
        <Text wrap="wrap">
          Terminal too small ({size.columns}x{size.rows}): dayops needs at least {MIN_COLUMNS}x{MIN_ROWS}. Enlarge the
          window, or press {keys('global.quit')} to quit.
        </Text>
      </Box>
    );
  }

  // One line is left free: an Ink frame as tall as the terminal is redrawn from scratch on every change.
  const height = size.rows - 1;
  const width = size.columns;
  const bodyHeight = height - 3; // header, flash line, footer
  const props = { width, height: bodyHeight };
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header width={width} readonly={services.readonly} team={team} />
      <Box height={bodyHeight} width={width} overflow="hidden" flexDirection="column">
        <Suspense fallback={<HoldKeys />}>
          {helpOpen ? (
            <Help {...props} />
          ) : view === 'day0' ? (
            <Day0View {...props} />
          ) : view === 'day1' ? (
            <Day1View {...props} />
          ) : (
            <Day2View {...props} />
          )}
        </Suspense>
      </Box>
      {quitConfirm ? (
        <Box width={width} height={1}>
          <Text color={theme.status.warning} wrap="truncate">
            {activeRuns} run{activeRuns === 1 ? ' is' : 's are'} active. Quit and interrupt{' '}
            {activeRuns === 1 ? 'it' : 'them'}? {keys('quit.yes')} / {keys('quit.no')}
          </Text>
        </Box>
      ) : (
        <FlashLine width={width} />
      )}
      <Footer width={width} />
    </Box>
  );
}
