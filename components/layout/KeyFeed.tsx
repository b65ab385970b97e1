/**
 * The shell's input layer: Ink's input events go through one key feed (see keyFeed.ts) before any view's
 * `useInput` hears them, so every view gets one key at a time. A view still loading holds the keys (`HoldKeys`
 * while it suspends, `KeysReady` once it listens) so none typed meanwhile is lost.
 */
import { useStdin } from 'ink';
import { createContext, useContext, useEffect, useLayoutEffect, useState, type ReactNode } from 'react';
import type { AppState, AppStore } from '../../store/index.js';
import { FLOWS, typesName } from '../day2/flows.js';
import { createKeyFeed, type KeyFeed } from './keyFeed.js';

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

const KeyFeedContext = createContext<KeyFeed | null>(null);

type Emitter = { emit(event: string | symbol, ...args: unknown[]): boolean };

/** Route Ink's input events (one per escape sequence or run of characters) through a key feed. */
export function KeyFeedProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  const { internal_eventEmitter: emitter } = useStdin();
  const [feed] = useState(() => {
    const target = emitter as unknown as Emitter;
    const original = target.emit.bind(target);
    const f = createKeyFeed({
      emit: (key) => void original('input', key),
      textField: () => textFieldFocused(store.getState()),
    });
    // Installed while rendering the first time: input can arrive before the first effects run.
    target.emit = (event, ...args) =>
      event === 'input' && typeof args[0] === 'string' ? (f.push(args[0]), true) : original(event, ...args);
    return Object.assign(f, { uninstall: () => void (target.emit = original) });
  });
  useEffect(() => () => feed.uninstall(), [feed]);
  return <KeyFeedContext.Provider value={feed}>{children}</KeyFeedContext.Provider>;
}

const pendingReady: (() => void)[] = [];

/** Rendered while a view loads: keys wait until the view listens. */
export function HoldKeys() {
  const feed = useContext(KeyFeedContext);
  useLayoutEffect(() => {
    if (!feed) return;
    const release = feed.hold();
    pendingReady.push(release);
    // A view that never mounts (switched away while loading) must not keep the keys forever.
    return () => void setTimeout(release, 250);
  }, [feed]);
  return null;
}

/** Rendered after a loaded view: its input handlers are subscribed, so the held keys can go to it. */
export function KeysReady() {
  useEffect(() => {
    for (const release of pendingReady.splice(0)) release();
  }, []);
  return null;
}
