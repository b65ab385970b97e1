/**
 * The shell's input layer. Ink's input events (one per escape sequence or run of characters) go through one key
 * feed (key-feed.ts) that hands them on one key at a time; one Ink `useInput` here turns each into Ink's
 * `(input, key)` and calls the handlers the views registered with `useKeys`, in the order they mounted.
 *
 * `useKeys` registers in a layout effect, which React runs synchronously when it commits, so a view or dialog
 * opened by one key already listens for the next key of the same chunk (Ink's `useInput` subscribes in a passive
 * effect, later). A view still loading holds the keys (`HoldKeys` while it suspends, `KeysReady` once it
 * listens) so none typed meanwhile is lost.
 */
import { useInput, useStdin, type Key } from 'ink';
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { AppState, AppStore } from '../../store/index.js';
import { FLOWS, typesName } from '../day2/flows.js';
import { createKeyFeed, type KeyFeed } from './key-feed.js';

/** Does a text field (not a list, picker or y/n question) have the keyboard? Text typed or pasted stays whole. */
export function textFieldFocused(s: AppState): boolean {
  if (!s.textInput || s.helpOpen || s.quitConfirm) return false;
  if (s.view === 'day0') return s.wizard?.mode === 'edit' || s.wizard?.mode === 'overwrite';
  if (s.view === 'day1') {
    const d = s.day1.dialog;
    return d?.kind === 'search' || (d?.kind === 'action' && (d.step === 'comment' || d.prod));
  }
  if (s.day2.filterEditing) return true;
  const d = s.day2.dialog;
  const step = d ? FLOWS[d.action][d.step] : undefined;
  return Boolean(d && step && (step.kind === 'text' || (step.kind === 'confirm' && typesName(d))));
}

/** What has the keyboard: changes when a key opens or closes a view, help, a dialog, a field or a pane. */
export function focusOf(s: AppState): string {
  const d1 = s.day1;
  const d2 = s.day2;
  return [
    s.view,
    s.helpOpen,
    s.quitConfirm,
    s.quitting,
    s.textInput,
    s.wizard?.mode,
    s.wizard?.step,
    d1.screen,
    d1.focus,
    d1.pane,
    d1.panes.length,
    d1.planOpen,
    d1.dialog?.kind,
    d1.dialog?.kind === 'action' ? d1.dialog.step : '',
    d2.screen,
    d2.section,
    d2.alert,
    d2.filterEditing,
    d2.dialog?.action,
    d2.dialog?.step,
  ].join('|');
}

export type KeyHandler = (input: string, key: Key) => void;

interface Listener {
  handler: KeyHandler;
  active: boolean;
}

interface KeyInput {
  feed: KeyFeed;
  listeners: Set<Listener>;
}

const KeyInputContext = createContext<KeyInput | null>(null);

type Emitter = { emit(event: string | symbol, ...args: unknown[]): boolean };

/** Route Ink's input through a key feed, one key at a time, to the handlers registered with `useKeys`. */
export function KeyInputProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  const { internal_eventEmitter: emitter } = useStdin();
  const [input] = useState(() => {
    const target = emitter as unknown as Emitter;
    const original = target.emit.bind(target);
    const feed = createKeyFeed({
      emit: (key) => void original('input', key),
      textField: () => textFieldFocused(store.getState()),
      focus: () => focusOf(store.getState()),
    });
    // Installed while rendering the first time: input can arrive before the first effects run.
    target.emit = (event, ...args) =>
      event === 'input' && typeof args[0] === 'string' ? (feed.push(args[0]), true) : original(event, ...args);
    const uninstall = () => {
      target.emit = original;
      feed.close();
    };
    return { feed, listeners: new Set<Listener>(), uninstall };
  });
  useEffect(() => () => input.uninstall(), [input]);
  // The one Ink input hook: it sets raw mode and parses each key; every view's handler hears it from here.
  useInput((text, key) => {
    for (const l of [...input.listeners]) if (l.active && input.listeners.has(l)) l.handler(text, key);
  });
  return <KeyInputContext.Provider value={input}>{children}</KeyInputContext.Provider>;
}

/**
 * Like Ink's `useInput`, for views inside the shell: the handler hears each key once, and starts hearing as
 * soon as the component is drawn (the next key of the same chunk reaches it).
 */
export function useKeys(handler: KeyHandler, opts: { isActive?: boolean } = {}): void {
  const input = useContext(KeyInputContext);
  const listener = useRef<Listener>({ handler, active: opts.isActive !== false });
  useLayoutEffect(() => {
    listener.current.handler = handler;
    listener.current.active = opts.isActive !== false;
  });
  useLayoutEffect(() => {
    if (!input) return;
    const l = listener.current;
    input.listeners.add(l);
    return () => void input.listeners.delete(l);
  }, [input]);
}

const pendingReady: (() => void)[] = [];

/** Rendered while a view loads: keys wait until the view listens. */
export function HoldKeys() {
  const input = useContext(KeyInputContext);
  useLayoutEffect(() => {
    if (!input) return;
    const release = input.feed.hold();
    pendingReady.push(release);
    // A view that never mounts (switched away while loading) must not keep the keys forever.
    return () => void setTimeout(release, 250);
  }, [input]);
  return null;
}

/** Rendered after a loaded view: its handlers are registered, so the held keys can go to it. */
export function KeysReady() {
  useLayoutEffect(() => {
    for (const release of pendingReady.splice(0)) release();
  }, []);
  return null;
}
