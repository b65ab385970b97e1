/**
 * Text from outside (tool output, plan addresses, diagnostics, errors, file paths, alert labels and annotations)
 * never drives the operator's terminal. Everything dayops shows goes through `sanitize` once, where it enters
 * display: the app's `Text` (components/layout/Text.tsx) and the headless commands' stdout and stderr
 * (`SanitizedStream`, wrapped around them in src/main.ts).
 *
 * What is kept: printable text, tab and newline, and SGR colour codes when colour is on. What goes (tokens from
 * ./escapes.ts, the one tokenizer):
 *   - every 7-bit escape sequence other than SGR: OSC (titles, OSC 8 links, OSC 52 clipboard writes), DCS, SOS,
 *     PM, APC, any other CSI (clear screen, cursor moves, the alternate screen, device status reports that make
 *     the terminal type an answer), ESC c (reset) and the rest. The secret redactor read the text without these
 *     (src/terminal/escapes.ts), so dropping them shows what it looked at;
 *   - lone control characters (BEL, backspace, carriage return, NUL, DEL, ...) are shown as their control picture
 *     (U+2400 block: BEL is ␇), never dropped: the redactor read them as characters, and taking one out could put
 *     the two halves of a secret it saw apart next to each other on screen;
 *   - 8-bit C1 controls (0x80-0x9f, 0x9b is CSI and 0x9d OSC in that form) are shown as U+FFFD, for the same
 *     reason, and what follows one is read as text (so `0x9b 2J` shows `�2J`, which a terminal does not act on).
 * In `overwrite` mode (a tool's log line) a carriage return is what it is on a terminal: the line shows the text
 * after the last one (a progress line shows where it ended), as the log panes always did.
 */
import { ESC, escapeEnd, nextControl, type EscapeToken } from './escapes.js';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface SanitizeOptions {
  /** Keep SGR colour codes (false: drop them too, for piped output and NO_COLOR). */
  colour: boolean;
  /** `picture` (the default): a carriage return shows as ␍. `overwrite`: the text after the last one is shown. */
  carriageReturn?: 'picture' | 'overwrite';
}

/** Any character a sanitiser acts on (C0 but tab and newline, DEL, C1). */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** What an 8-bit C1 control shows as. */
export const C1_PICTURE = '\ufffd';

/** The control picture of a C0 control or DEL: BEL is ␇, DEL ␡. */
export function controlPicture(code: number): string {
  return code === 0x7f ? '\u2421' : String.fromCharCode(0x2400 + code);
}

const RESET = /\u001b\[0*m$/;

/** The text as it may reach a terminal: see the top of this file. */
export function sanitize(text: string, opts: SanitizeOptions): string {
  if (!UNSAFE.test(text)) return text;
  const overwrite = opts.carriageReturn === 'overwrite';
  let out = '';
  let from = 0;
  let coloured = false;
  // After a carriage return (overwrite mode): colour codes seen since, and whether text has come yet.
  let returned = false;
  let held = '';
  const visible = (s: string) => {
    if (s.length === 0) return;
    if (returned) {
      out = out.slice(0, out.lastIndexOf('\n') + 1) + held;
      returned = false;
      held = '';
    }
    out += s;
  };
  for (let t: EscapeToken | undefined = nextControl(text, 0); t; t = nextControl(text, from)) {
    visible(text.slice(from, t.start));
    const first = text.charCodeAt(t.start);
    if (first >= 0x80) {
      // 8-bit: the redactor read it as a character; shown, and what follows it read as text.
      visible(C1_PICTURE);
      from = t.start + 1;
      continue;
    }
    from = t.end;
    if (t.kind === 'sgr') {
      if (!opts.colour) continue;
      const sgr = text.slice(t.start, t.end);
      coloured = true;
      if (returned) held += sgr;
      else out += sgr;
    } else if (t.kind === 'control') {
      if (first === 0x0d && overwrite) returned = true;
      else visible(controlPicture(first));
    }
    // Every other sequence (OSC, DCS, SOS, PM, APC, CSI, other ESC) is dropped.
  }
  visible(text.slice(from));
  out += held;
  if (coloured && !RESET.test(out)) out += `${ESC}[0m`;
  return out;
}

/**
 * Where an escape sequence that the end of `text` cut short starts (a later write may finish it), or -1. Only
 * sequences that start with ESC: an 8-bit control is shown as one character whatever follows it.
 */
export function incompleteTail(text: string): number {
  const i = text.lastIndexOf(ESC);
  if (i < 0) return -1;
  // The last ESC may sit inside an earlier sequence (an OSC's ST): find the token that covers the end.
  let start = i;
  for (let j = i > 0 ? text.lastIndexOf(ESC, i - 1) : -1; j >= 0 && i - j < 4096;) {
    if (escapeEnd(text, j) > i) start = j;
    j = j > 0 ? text.lastIndexOf(ESC, j - 1) : -1;
  }
  const end = escapeEnd(text, start);
  if (end < text.length) return -1;
  const n = text.charCodeAt(start + 1);
  const last = text.charCodeAt(text.length - 1);
  if (end === start + 1) return start; // ESC alone at the end
  if (n === 0x5b) return last >= 0x40 && last <= 0x7e && end - start > 2 ? -1 : start; // CSI
  if (n === 0x5d || n === 0x50 || n === 0x58 || n === 0x5e || n === 0x5f) {
    // OSC, DCS, SOS, PM, APC: finished by BEL (OSC), ST, or a newline (which ends the token before the end).
    const done = (n === 0x5d && last === 0x07) || last === 0x9c || text.endsWith(`${ESC}\\`);
    return done && end - start > 2 ? -1 : start;
  }
  if (n >= 0x20 && n <= 0x2f) return last >= 0x30 && last <= 0x7e && end - start > 2 ? -1 : start; // nF
  return -1;
}

/** Text held back at most, waiting for the rest of a sequence. */
const MAX_CARRY = 64 * 1024;

/**
 * A stream for a terminal or a pipe that sanitises every write: what the headless commands print goes through
 * one of these. A sequence that one write cuts is held until the next (a lone ESC at the end of a chunk does
 * not become a clear-screen with the next chunk's `[2J`). `raw` is the stream under it, for dayops' own control
 * codes (a progress line rewritten in place, the line editor of a prompt).
 */
export class SanitizedStream extends Writable {
  private carry = '';
  private readonly decoder = new StringDecoder('utf8');
  readonly isTTY: boolean;

  constructor(
    readonly raw: Writable,
    readonly colour: boolean,
  ) {
    super({ decodeStrings: false });
    this.isTTY = Boolean((raw as NodeJS.WriteStream).isTTY);
  }

  get columns(): number | undefined {
    return (this.raw as NodeJS.WriteStream).columns;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let text = this.carry + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    this.carry = '';
    const cut = incompleteTail(text);
    if (cut >= 0 && text.length - cut <= MAX_CARRY) {
      this.carry = text.slice(cut);
      text = text.slice(0, cut);
    }
    // Written at once, so this stream and `raw` keep the order they were written in.
    if (text.length > 0) this.raw.write(sanitize(text, { colour: this.colour }));
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest.length > 0) this.raw.write(sanitize(rest, { colour: this.colour }));
    cb();
  }
}

/** The stream under a sanitised one (for dayops' own control codes), or the stream itself. */
export function rawStream(w: Writable): Writable {
  return w instanceof SanitizedStream ? w.raw : w;
}

/** Colour on a stream: a terminal, and NO_COLOR (https://no-color.org) not set. */
export function colourOn(w: Writable, env: NodeJS.ProcessEnv): boolean {
  return Boolean((w as NodeJS.WriteStream).isTTY) && !env.NO_COLOR;
}

/** A command's stdout or stderr: sanitised, colour kept on a terminal unless NO_COLOR says otherwise. */
export function terminalStream(w: Writable, env: NodeJS.ProcessEnv): SanitizedStream {
  return new SanitizedStream(w, colourOn(w, env));
}
