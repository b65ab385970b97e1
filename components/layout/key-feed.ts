/**
 * One key at a time, for every view. Ink splits a chunk of terminal input only at escape sequences, so a run of
 * printable characters that arrives in one read (`jjj` from key repeat, `2q` typed fast, `tmux send-keys -l`)
 * would reach `useInput` as one string. The shell feeds Ink's input events through here instead: each key is
 * handed on alone and in order; a key that opened something (a view switched to, a dialog) is drawn, and what
 * it opened listens, before the next key goes, so every key reaches the handler that is live for it.
 *
 * Text stays whole where a text field has the keyboard: a bracketed paste (`ESC[200~ ... ESC[201~`) is one
 * paste, and a printable run typed into a focused field is inserted at once. A view that is still loading
 * holds the keys (`hold`) until it listens.
 */

import { unstable_NormalPriority, unstable_scheduleCallback } from 'scheduler';

const ESC = '\u001B';
export const PASTE_START = `${ESC}[200~`;
export const PASTE_END = `${ESC}[201~`;
/** Control characters end a printable run: Enter, Tab, Backspace and Ctrl keys are keys of their own. */
const CONTROL = /[\u0000-\u001f\u007f]/;

interface Token {
  text: string;
  /** The text of a bracketed paste (without its markers). */
  paste?: boolean;
}

export interface KeyFeed {
  /** One input event as Ink's parser made it (an escape sequence, or a run of characters). */
  push(raw: string): void;
  /** Keep keys queued until the returned release is called (a view that is loading). */
  hold(): () => void;
  /** Keys queued and not handed on yet. */
  pending(): number;
  /** The app is gone: no longer counted by `keysPending`. */
  close(): void;
}

export interface KeyFeedOptions {
  /** Hand one key (or one paste) on to the handlers. */
  emit(key: string): void;
  /** Does a text field have the keyboard now? Asked when each key is handed on, not when it arrived. */
  textField(): boolean;
  /** What has the keyboard, as a string that changes when it does (a view, a dialog, a text field). */
  focus?(): string;
  /** Run later (default `setImmediate`): handing on the keys a loading view held. */
  later?(fn: () => void): void;
}

/**
 * Run after the work React has scheduled so far. React draws a key's updates in a task of its scheduler, and
 * that commit schedules the effects (Ink's `useInput` subscriptions, fresh handlers); tasks run in the order
 * they were queued within a priority, so two hops at normal priority come after both.
 */
export function afterReact(fn: () => void): void {
  const hop = (n: number): void =>
    n === 0 ? fn() : void unstable_scheduleCallback(unstable_NormalPriority, () => queueMicrotask(() => hop(n - 1)));
  queueMicrotask(() => hop(2));
}

const feeds = new Set<KeyFeed>();

/** Keys queued in every feed of this process (tests and the benchmark wait for it to reach 0). */
export function keysPending(): number {
  let n = 0;
  for (const f of feeds) n += f.pending();
  return n;
}

export function createKeyFeed({
  emit,
  textField,
  focus = () => '',
  later = (fn) => void setImmediate(fn),
}: KeyFeedOptions): KeyFeed {
  const queue: Token[] = [];
  let paste: string | null = null;
  let holds = 0;
  let scheduled = false;
  let draining = false;

  /** The next key (or text) off the head of the queue. */
  const take = (): string => {
    const head = queue[0];
    const field = textField();
    if (head.text.startsWith(ESC) && !head.paste) {
      queue.shift();
      return head.text;
    }
    if (head.paste && field) {
      queue.shift();
      return head.text;
    }
    if (field) {
      // A printable run into a focused field: typed at once, up to the next control key.
      let end = 0;
      for (const ch of head.text) {
        if (CONTROL.test(ch)) break;
        end += ch.length;
      }
      if (end > 1) return cut(head, end);
    }
    const first = head.text.codePointAt(0)!;
    return cut(head, first > 0xffff ? 2 : 1);
  };
  const cut = (head: Token, n: number): string => {
    const out = head.text.slice(0, n);
    head.text = head.text.slice(n);
    if (!head.text) queue.shift();
    return out;
  };

  // Keys go one after the other, at once, while they go to the same handlers (each reads what the previous key
  // left from the store, so a burst costs one frame, not one per key). A key that changed what listens (another
  // view, a dialog, a text field: `changedFocus`) makes the next one wait until React has drawn it and its
  // handlers listen.
  const drain = () => {
    scheduled = false;
    if (draining) return;
    draining = true;
    let wait = false;
    try {
      while (holds === 0 && queue.length > 0 && !wait) {
        const before = focus();
        emit(take());
        wait = focus() !== before;
      }
    } finally {
      draining = false;
    }
    if (wait && holds === 0 && queue.length > 0) schedule(afterReact);
  };
  const schedule = (how = later) => {
    if (scheduled) return;
    scheduled = true;
    how(drain);
  };

  const push = (raw: string): void => {
    if (paste !== null) {
      const end = raw.indexOf(PASTE_END);
      if (end === -1) {
        paste += raw;
        return;
      }
      paste += raw.slice(0, end);
      if (paste) queue.push({ text: paste, paste: true });
      paste = null;
      const rest = raw.slice(end + PASTE_END.length);
      if (rest) queue.push({ text: rest });
    } else if (raw.startsWith(PASTE_START)) {
      paste = '';
      const rest = raw.slice(PASTE_START.length);
      if (rest) push(rest);
      return;
    } else if (raw) queue.push({ text: raw });
    if (!scheduled) drain();
  };

  const feed: KeyFeed = {
    push,
    hold() {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        if (holds === 0 && queue.length > 0) schedule();
      };
    },
    pending: () => queue.length + (paste !== null ? 1 : 0),
    close: () => void feeds.delete(feed),
  };
  feeds.add(feed);
  return feed;
}
