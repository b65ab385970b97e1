/**
 * Text as a terminal shows it. Tools print escape sequences (colours above all) among their text; what a person
 * reads is what is left when those are taken out. This module finds them, one definition for every part of dayops
 * that needs it: the redactor looks for secrets in the visible text (a colour code inside a secret must not hide
 * it) and maps what it finds back to the raw text; the log's plain copies are the visible text; a sanitiser that
 * keeps colours and drops the rest (./sanitize.ts) walks the same tokens.
 *
 * Recognised (ECMA-48, as xterm reads it), each a token with its kind:
 *   - `sgr`:     CSI ... m (colours and attributes), `csi`: any other CSI (ESC [ or 8-bit 0x9b, parameter bytes
 *                0x30-0x3f, intermediates 0x20-0x2f, a final byte 0x40-0x7e);
 *   - `osc`:     ESC ] or 0x9d, up to BEL, ST (ESC \) or 0x9c (titles, OSC 8 links, OSC 52 clipboard writes);
 *   - `string`:  DCS, SOS, PM, APC (ESC P, X, ^, _ or 0x90, 0x98, 0x9e, 0x9f), up to ST;
 *   - `esc`:     the other escapes (ESC 7, ESC =, ESC ( B ...), and a lone ESC;
 *   - `c1`:      any other 8-bit control (0x80-0x9f);
 *   - `control`: C0 controls other than tab and newline (BEL, backspace, carriage return, ...) and DEL.
 * A string sequence (osc, string) that is not terminated ends at the next newline, so a line looked at alone and
 * the same line inside a longer text have the same tokens.
 *
 * The visible text (`visibleText`, `stripEscapes`, `nextEscape`) leaves out the sequences that start with ESC:
 * those are what tools print, and finding them costs one `indexOf` per sequence, which matters on every chunk
 * of a fast tool's output (a scan for any of the 60 control characters costs as much as the rest of the runner's
 * work on the chunk). Lone control characters and 8-bit C1 codes stay in it as characters (a terminal in UTF-8
 * mode prints U+0080-U+009F as nothing it acts on; tools do not put BEL or backspace inside values).
 * `controlTokens` finds all of them, for a sanitiser: when it removes lone controls from what it shows it must
 * not join the text on either side (show them, e.g. as `^G`), since the redactor saw that text apart.
 */

export type EscapeKind = 'sgr' | 'csi' | 'osc' | 'string' | 'esc' | 'c1' | 'control';

export interface EscapeToken {
  kind: EscapeKind;
  /** Offsets in the text: [start, end). */
  start: number;
  end: number;
}

export const ESC = '\u001b';

/** Any character that can start a token: C0 but tab and newline, DEL, C1 (0x80-0x9f). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** True when the text has no escape sequence (the fast path of everything below). */
export function isPlainText(text: string): boolean {
  return text.indexOf(ESC) < 0;
}

/** Where a string sequence that started at `from` ends: after BEL, ST (ESC \ or 0x9c), or at a newline. */
function stringEnd(text: string, from: number, bel: boolean): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) return i;
    if ((c === 0x07 && bel) || c === 0x9c) return i + 1;
    if (c === 0x1b && text.charCodeAt(i + 1) === 0x5c) return i + 2;
  }
  return text.length;
}

/** The end of a CSI whose parameters start at `from`. */
function csiEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c <= 0x3f) i++;
    else break;
  }
  const c = text.charCodeAt(i);
  // Malformed (no final byte): the sequence ends where it stopped making sense.
  return c >= 0x40 && c <= 0x7e ? i + 1 : i;
}

/**
 * Where the token that starts at `i` ends (text[i] is ESC, or a character CONTROL matches). ESC followed by
 * 0x40-0x5f is the 7-bit form of the C1 control 0x80-0x9f.
 */
export function escapeEnd(text: string, i: number): number {
  let c = text.charCodeAt(i);
  let body = i + 1;
  if (c === 0x1b) {
    const n = text.charCodeAt(i + 1);
    if (n >= 0x40 && n <= 0x5f) {
      c = n + 0x40;
      body = i + 2;
    } else if (n >= 0x20 && n <= 0x2f) {
      // nF: intermediates, then one final byte (ESC ( B selects a character set).
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
      const f = text.charCodeAt(j);
      return f >= 0x30 && f <= 0x7e ? j + 1 : j;
    } else return n >= 0x30 && n <= 0x7e ? i + 2 : i + 1;
  }
  if (c === 0x9b) return csiEnd(text, body);
  if (c === 0x9d) return stringEnd(text, body, true);
  if (c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) return stringEnd(text, body, false);
  return body;
}

/** What the token [start, end) is. */
function kindOf(text: string, start: number, end: number): EscapeKind {
  let c = text.charCodeAt(start);
  const sevenBit = c === 0x1b;
  if (sevenBit) {
    const n = text.charCodeAt(start + 1);
    if (n < 0x40 || n > 0x5f) return 'esc';
    c = n + 0x40;
  }
  if (c === 0x9b) return text.charCodeAt(end - 1) === 0x6d ? 'sgr' : 'csi';
  if (c === 0x9d) return 'osc';
  if (c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) return 'string';
  if (c >= 0x80) return sevenBit ? 'esc' : 'c1';
  return 'control';
}

function tokenAt(text: string, start: number): EscapeToken {
  const end = escapeEnd(text, start);
  return { kind: kindOf(text, start, end), start, end };
}

/**
 * The first escape sequence (starting with ESC) at or after `from`, if any; a loop:
 * `for (let t = nextEscape(s, 0); t; t = nextEscape(s, t.end))`.
 */
export function nextEscape(text: string, from: number): EscapeToken | undefined {
  const i = text.indexOf(ESC, from);
  return i < 0 ? undefined : tokenAt(text, i);
}

/** The first escape sequence or control character (8-bit ones too) at or after `from`, if any. */
export function nextControl(text: string, from: number): EscapeToken | undefined {
  CONTROL.lastIndex = from;
  const m = CONTROL.exec(text);
  return m ? tokenAt(text, m.index) : undefined;
}

/** Every escape sequence and control character of the text, 8-bit ones too, in order (for a sanitiser). */
export function* controlTokens(text: string): Generator<EscapeToken> {
  for (let t = nextControl(text, 0); t; t = nextControl(text, t.end)) yield t;
}

/** The text without its escape sequences (see the top of this file). */
export function stripEscapes(text: string): string {
  let i = text.indexOf(ESC);
  if (i < 0) return text;
  let out = '';
  let from = 0;
  for (; i >= 0; i = text.indexOf(ESC, from)) {
    out += text.slice(from, i);
    from = escapeEnd(text, i);
  }
  return out + text.slice(from);
}

/** The visible text and, for each of its characters, where it is in the raw text. */
export interface VisibleText {
  text: string;
  /**
   * `offsets[i]` is the raw offset of visible character i; `offsets[text.length]` is the raw text's length.
   * Null when nothing was taken out (offsets are the identity).
   */
  offsets: Int32Array | null;
}

export function visibleText(raw: string): VisibleText {
  if (isPlainText(raw)) return { text: raw, offsets: null };
  const offsets = new Int32Array(raw.length + 1);
  let text = '';
  let n = 0;
  let from = 0;
  const keep = (a: number, b: number) => {
    text += raw.slice(a, b);
    for (let k = a; k < b; k++) offsets[n++] = k;
  };
  for (let i = raw.indexOf(ESC); i >= 0; i = raw.indexOf(ESC, from)) {
    keep(from, i);
    from = escapeEnd(raw, i);
  }
  keep(from, raw.length);
  offsets[n] = raw.length;
  return { text, offsets: offsets.subarray(0, n + 1) };
}

/**
 * The raw range [start, end) that visible range [from, to) covers: from its first visible character to its last,
 * with every escape sequence in between (and none before or after it).
 */
export function rawRange(v: VisibleText, from: number, to: number): [number, number] {
  if (!v.offsets) return [from, to];
  if (to <= from) return [v.offsets[from], v.offsets[from]];
  return [v.offsets[from], v.offsets[to - 1] + 1];
}
