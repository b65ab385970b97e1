/**
 * Secret values out of every text dayops keeps or shows. A `Redactor` is built once from a run's secret values and
 * replaces each of them with `[REDACTED]`, in every form the common tools print a value in:
 *
 *   - as it is, and escaped: JSON (`\"`, `\\`, `\/`, `\n`, `\u00e4`, Go's `\u003c` for `<>&`, surrogate pairs),
 *     Python's repr and ascii() in both quote styles (`\'`, `\xe4`, `\u20ac`, `\U0001f600`, bytes as `\xc3\xa4`),
 *     shell quoting (bash `set -x` and `printf %q`: `'\''`, `\ `, `$'\303\244'`, `\E`; shlex's `'"'"'`), YAML
 *     and SQL quotes doubled (`''`), HTML entities, and escapes of escapes (JSON inside JSON) up to three deep;
 *   - URL-encoded, every flavour at once: each character may be itself or `%XX` in either case, a space `+` or
 *     `%20` (Go's QueryEscape and PathEscape, Terraform's urlencode, Python's quote and quote_plus, JavaScript's
 *     encodeURIComponent and encodeURI);
 *   - base64, standard or URL-safe, padded or not, alone or inside a longer encoded text (Basic auth, user_data):
 *     for each of the three byte alignments the part of the encoding that depends on the value alone, kept when it
 *     is at least 8 characters long (shorter fragments would hide random text);
 *   - each line of a multi-line value (a PEM key), since logs are stored a line at a time.
 * Rather than listing every combination, each family is one pattern per value in which every character may take
 * any of its encodings, so a mix (a JSON-escaped quote in a URL-encoded value) is found too. Hex dumps are left
 * out: no tool dayops drives prints a value that way, and hex patterns would match ordinary numbers.
 *
 * Secrets are looked for in the text as a terminal shows it (src/terminal/escapes.ts: a colour code inside a secret
 * does not hide it) and in the raw text (a secret inside an escape sequence, such as the URL of an OSC 8 link);
 * what is found is masked in the raw text, with every escape sequence inside it, so the plain copy made from the
 * masked text holds no part of it either.
 *
 * A text that was cut (a tool's last line without a newline, a stream that stopped mid-write) may end in the
 * first part of a secret: `redact(text, { cut: true })` also masks a trailing start of a secret of
 * PARTIAL_MIN (6) characters or more. Everything dayops cuts itself (errors, diagnostics, previews) is cut after
 * redaction, so a cut can only fall on `[REDACTED]`, never inside a secret.
 *
 * Speed: all patterns of all values are one RegExp, run only where a cheap prefilter (src/secrets/literals.ts: the
 * longest run of characters every encoding leaves as they are, looked for all at once) says a secret can be. A
 * value whose encodings share fewer than 3 characters in a row cannot be prefiltered; texts are then always
 * searched with the RegExp.
 *
 * Values shorter than MIN_SECRET_LENGTH (4) characters are NOT redacted: hiding every "abc" would shred the logs and
 * hide nothing.
 */
import { ESC, escapeEnd, isPlainText, rawRange, visibleText } from '../terminal/escapes.js';
import { LiteralSet } from './literals.js';

/** Values shorter than this are not redacted (see the top of this file). */
export const MIN_SECRET_LENGTH = 4;
export const REDACTED = '[REDACTED]';
/** The shortest start of a secret that `cut: true` masks at the end of a text. */
export const PARTIAL_MIN = 6;

/** What the runner and the stores need of a Redactor. */
export interface RedactLike {
  readonly active: boolean;
  redact(text: string, opts?: RedactOptions): string;
}

export interface RedactOptions {
  /** The text was cut at its end (see the top of this file). */
  cut?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Patterns

/** One literal backslash, as RegExp source. */
const BS = '\\\\';
/** A character as it is, or escaped by up to seven backslashes (three quotings deep). */
const ANY_BS = `${BS}{0,7}`;
/** An escape sequence's backslash(es): one, or more when the escape itself was escaped. */
const SOME_BS = `${BS}{1,7}`;
const LITERAL = /[A-Za-z0-9_.-]/;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** `2[fF]`: hex digits of `n`, either case. */
function hex(n: number, width: number): string {
  return n
    .toString(16)
    .padStart(width, '0')
    .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
}

/** A code unit or point as RegExp source (`\uXXXX`, surrogate pairs as two). */
function unitSource(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

const NAMED: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 27: '[eE]' };

const alt = (xs: string[]) => (xs.length === 1 ? xs[0] : `(?:${xs.join('|')})`);

/** Every way a tool may print one character of a value (see the top of this file), as RegExp source. */
function charPattern(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (LITERAL.test(ch)) return escapeRegExp(ch);
  const alts: string[] = [];
  if (cp < 0x80) {
    const h = hex(cp, 2);
    const control = cp < 0x20 || cp === 0x7f;
    if (ch === "'") alts.push(`'${SOME_BS}''`, `'${ANY_BS}"'${ANY_BS}"'`, "''", '&#0*39;', '&#[xX]0*27;', '&apos;');
    if (ch === '"') alts.push('""', '&quot;', '&#0*34;', '&#[xX]0*22;');
    if (ch === '&') alts.push('&amp;', '&#0*38;', '&#[xX]0*26;');
    if (ch === '<') alts.push('&lt;', '&#0*60;');
    if (ch === '>') alts.push('&gt;', '&#0*62;');
    if (ch === ' ') alts.push('\\+');
    alts.push(`%${h}`, `${SOME_BS}u00${h}`, `${SOME_BS}x${h}`);
    if (control) {
      if (NAMED[cp]) alts.push(`${SOME_BS}${NAMED[cp]}`);
      alts.push(`${SOME_BS}0?${cp.toString(8).padStart(3, '0')}`);
      if (cp < 0x20) alts.push(`\\^${escapeRegExp(String.fromCharCode(cp + 64))}`);
      alts.push(unitSource(ch));
    } else {
      alts.push(`${ANY_BS}${escapeRegExp(ch)}`);
    }
    return alt(alts);
  }
  const lone = ch.length === 1 && cp >= 0xd800 && cp <= 0xdfff;
  if (cp <= 0xffff) alts.push(`${SOME_BS}u${hex(cp, 4)}`);
  else {
    alts.push(`${SOME_BS}u${hex(ch.charCodeAt(0), 4)}${SOME_BS}u${hex(ch.charCodeAt(1), 4)}`);
    alts.push(`${SOME_BS}U${hex(cp, 8)}`);
  }
  if (cp <= 0xff) alts.push(`${SOME_BS}x${hex(cp, 2)}`);
  if (!lone) {
    const bytes = [...Buffer.from(ch, 'utf8')];
    alts.push(bytes.map((b) => `%${hex(b, 2)}`).join(''));
    alts.push(bytes.map((b) => `${SOME_BS}x${hex(b, 2)}`).join(''));
    alts.push(bytes.map((b) => `${SOME_BS}${b.toString(8)}`).join(''));
    alts.push(`&#0*${cp};`, `&#[xX]0*${hex(cp, 1)};`);
  }
  alts.push(unitSource(ch));
  return alt(alts);
}

/** A base64 character in either alphabet, also URL- or JSON-escaped. */
function base64CharPattern(c: string): string {
  if (c === '+') return '(?:\\+|-|%2[bB])';
  if (c === '/') return `(?:${ANY_BS}/|_|%2[fF])`;
  return c;
}

/** One pattern: its characters' sources (for the cut rule), and the literal every match contains. */
interface Family {
  parts: string[];
  /** A text family's first character (for a cut inside its encoding). */
  first?: string;
  /** After the last part (base64 padding). */
  suffix: string;
  /** The longest run of characters every encoding keeps as they are; null when shorter than 3. */
  anchor: string | null;
  /** For ordering: the longer value is tried first where two start at the same place. */
  weight: number;
}

function longestRun(s: string, keep: RegExp): string | null {
  let best = '';
  for (const run of s.split(keep)) if (run.length > best.length) best = run;
  return best.length >= 3 ? best : null;
}

/**
 * The characters' patterns; a run of backslashes is one part (each escaped any number of times), so that a long
 * run of backslashes in the text cannot be split between them in a combinatorial number of ways.
 */
function textParts(value: string): string[] {
  const parts: string[] = [];
  const chars = [...value];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== '\\') {
      parts.push(charPattern(chars[i]));
      continue;
    }
    let k = 1;
    while (chars[i + k] === '\\') k++;
    parts.push(`(?:${BS}{${k},${8 * k}}|(?:%5[cC]|${SOME_BS}u005[cC]|${SOME_BS}x5[cC]){${k}})`);
    i += k - 1;
  }
  return parts;
}

function textFamily(value: string): Family {
  return {
    parts: textParts(value),
    first: [...value][0],
    suffix: '',
    anchor: longestRun(value, /[^A-Za-z0-9_.-]+/),
    weight: value.length,
  };
}

function base64Family(encoded: string, suffix: string, weight: number): Family {
  return {
    parts: [...encoded].map(base64CharPattern),
    suffix,
    anchor: longestRun(encoded, /[+/]+/),
    weight,
  };
}

/** base64 of the value alone, and the stable middle of base64(prefix + value) for each of the 3 alignments. */
function base64Families(value: string): Family[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: Family[] = [];
  const whole = bytes.toString('base64');
  const bare = whole.replace(/=+$/, '');
  const padding = whole.length - bare.length;
  if (bare.length >= 8) out.push(base64Family(bare, padding ? '(?:=|%3[dD]){0,2}' : '', value.length + 1));
  else if (whole.length >= 8) out.push(base64Family(bare, `(?:=|%3[dD]){${padding}}`, value.length + 1));
  for (let pad = 0; pad < 3; pad++) {
    const buf = Buffer.concat([Buffer.alloc(pad), bytes]);
    const full = buf.toString('base64').replace(/=+$/, '');
    // Characters mixed with the bytes before the value: 0, 2 or 3.
    const head = pad === 0 ? 0 : pad === 1 ? 2 : 3;
    // The last character is mixed with the bytes after the value unless the value ends on a 3-byte boundary.
    const tail = buf.length % 3 === 0 ? 0 : 1;
    const middle = full.slice(head, full.length - tail);
    if (middle.length >= 8) out.push(base64Family(middle, '', value.length));
  }
  return out;
}

/** Every pattern for one secret value (see the top of this file). */
function families(value: string): Family[] {
  const out = [textFamily(value), ...base64Families(value)];
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r?\n/)) {
      const l = line.replace(/\r$/, '');
      if (l.length >= MIN_SECRET_LENGTH) out.push(textFamily(l));
    }
  }
  return out;
}

/** The most leading parts the cut rule nests (a cut further into a longer secret is caught by its lines). */
const CUT_DEPTH = 128;
/**
 * After a cut start of a secret: a started encoding of its next character, its whole bytes first (`%F0%9F%9`,
 * `\xf0\x9f`, `\ud83d\ude0`, `\360\23`, `'\'`, `&am`), or half of it (a lone high surrogate; U+FFFD where the
 * bytes of a character were cut and decoded).
 */
const CUT_ESCAPE =
  `(?:(?:%[0-9a-fA-F]{2}){1,3}|(?:${BS}{1,7}(?:x[0-9a-fA-F]{2}|[0-7]{3}|u[0-9a-fA-F]{4})){1,3})?` +
  `(?:%[0-9a-fA-F]?|${BS}{1,7}(?:[uUx][0-9a-fA-F]{0,7}|[0-7]{1,2})?|'(?:${BS}{1,7}'?|"(?:'"?)?)?|&#?[0-9a-zA-Z]{0,5}|[\\ud800-\\udbff\\ufffd])?`;

/** Any start of a literal text (one character or more), hex digits in either case. */
function startsOf(literal: string): string {
  const chars = [...literal].map((c) =>
    /[a-fA-F]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegExp(c),
  );
  let nested = '';
  for (let i = chars.length - 1; i >= 1; i--) nested = `(?:${chars[i]}${nested})?`;
  return chars[0] + nested;
}

/** The encodings of a non-ASCII character that are long enough to be cut inside (`%E6%97%A5`, `\ud83d\ude00`). */
function longEncodings(ch: string): string[] {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80 || (ch.length === 1 && cp >= 0xd800 && cp <= 0xdfff)) return [];
  const bytes = [...Buffer.from(ch, 'utf8')];
  const units = ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [cp];
  const out = [
    bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join(''),
    bytes.map((b) => `\\x${b.toString(16)}`).join(''),
    bytes.map((b) => `\\${b.toString(8)}`).join(''),
    units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join(''),
    `&#${cp};`,
    `&#x${cp.toString(16)};`,
  ];
  if (cp > 0xffff) out.push(`\\U${cp.toString(16).padStart(8, '0')}`);
  return out.filter((e) => e.length >= PARTIAL_MIN);
}

/**
 * A start of the family's text that ends the input: its first part, then each next one optional, then maybe a
 * started encoding of the next character; or a start of the encoding of its first character alone. Whether it is
 * long enough (PARTIAL_MIN) is checked on the match.
 */
function cutSource(f: Family): string {
  const parts = f.parts.slice(0, CUT_DEPTH);
  let nested = '';
  for (let i = parts.length - 1; i >= 1; i--) nested = `(?:${parts[i]}${nested})?`;
  const first = f.first ? longEncodings(f.first).map(startsOf) : [];
  return `(?:${[`${parts[0]}${nested}${CUT_ESCAPE}`, ...first].join('|')})$`;
}

// ---------------------------------------------------------------------------------------------------------------
// The Redactor

export class Redactor implements RedactLike {
  readonly active: boolean;
  private readonly re: RegExp | undefined;
  private readonly literals: LiteralSet;
  /** Some value has no anchor: every text must be searched. */
  private readonly unfiltered: boolean;
  private readonly families: Family[];
  /** The most characters an anchor found by `literals` spans. */
  private readonly reach: number;
  private cutRe: RegExp | undefined;

  constructor(values: readonly string[]) {
    const byPattern = new Map<string, Family>();
    for (const v of values) {
      if (v.length < MIN_SECRET_LENGTH) continue;
      for (const f of families(v)) byPattern.set(f.parts.join('') + f.suffix, f);
    }
    this.families = [...byPattern.values()].sort((a, b) => b.weight - a.weight);
    this.active = this.families.length > 0;
    this.re = this.active
      ? new RegExp(this.families.map((f) => f.parts.join('') + f.suffix).join('|'), 'g')
      : undefined;
    this.unfiltered = this.families.some((f) => f.anchor === null);
    this.literals = new LiteralSet(this.families.flatMap((f) => (f.anchor ? [f.anchor] : [])));
    this.reach = this.literals.reach;
  }

  /**
   * True when no secret (in any of its forms) can be in `text`; cheap, so a whole chunk of output is looked at
   * once and its lines skip redaction.
   */
  absentFrom(text: string): boolean {
    if (!this.re) return true;
    return !this.unfiltered && !this.literals.test(text) && !this.splitByEscapes(text);
  }

  /**
   * Is an anchor in the visible text, split by escape sequences? Only the visible text around each run of escapes
   * can hold one (`reach` characters on each side), and only where the characters on either side of the run could
   * be side by side in an anchor: that is all that is looked at, not a stripped copy of the text.
   */
  private splitByEscapes(text: string): boolean {
    let next = text.indexOf(ESC);
    if (next < 0) return false;
    const reach = this.reach;
    let window = text.slice(Math.max(0, next - reach), next);
    /** Some run of escapes in the window sits between two characters an anchor could have side by side. */
    let joins = false;
    let before = next > 0 ? text.charCodeAt(next - 1) : -1;
    let at = escapeEnd(text, next);
    for (;;) {
      next = text.indexOf(ESC, at);
      const end = next < 0 ? text.length : next;
      if (end > at) {
        if (before >= 0 && this.literals.adjacent(before, text.charCodeAt(at))) joins = true;
        before = text.charCodeAt(end - 1);
      }
      if (next >= 0 && end - at < 2 * reach) window += text.slice(at, end);
      else {
        window += text.slice(at, Math.min(end, at + reach));
        if (joins && this.literals.test(window)) return true;
        if (next < 0) return false;
        window = text.slice(Math.max(at, end - reach), end);
        joins = false;
      }
      at = escapeEnd(text, next);
    }
  }

  /** The text with every secret masked (see the top of this file). */
  redact(text: string, opts: RedactOptions = {}): string {
    const re = this.re;
    if (!re) return text;
    const cut = Boolean(opts.cut) && text.length >= PARTIAL_MIN;
    if (!cut && this.absentFrom(text)) return text;
    const plain = isPlainText(text);
    if (plain && !cut) return text.replace(re, REDACTED);
    const ranges: [number, number][] = [];
    const find = (pattern: RegExp, s: string, map: (a: number, b: number) => [number, number]) => {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(s); m; m = pattern.exec(s)) {
        if (pattern === re || m[0].length >= PARTIAL_MIN) ranges.push(map(m.index, m.index + m[0].length));
      }
    };
    const same = (a: number, b: number): [number, number] => [a, b];
    find(re, text, same);
    const visible = plain ? undefined : visibleText(text);
    const toRaw = (a: number, b: number) => rawRange(visible!, a, b);
    if (visible) find(re, visible.text, toRaw);
    if (cut) {
      const tail = this.tailPattern();
      find(tail, text, same);
      if (visible) find(tail, visible.text, toRaw);
    }
    return mask(text, ranges);
  }

  /**
   * A line of a tool's output. A JSON line (Terraform's and Ansible's machine-readable output) with a secret in it
   * stays JSON: its strings are redacted one by one, so the adapters reading it still can.
   */
  redactLine(line: string, opts: RedactOptions = {}): string {
    const out = this.redact(line, opts);
    if (out === line) return out;
    const first = line.trimStart()[0];
    if (first === '{' || first === '[') {
      try {
        return this.redact(JSON.stringify(redactDeep(JSON.parse(line), this)), opts);
      } catch {
        /* not JSON after all */
      }
    }
    return out;
  }

  private tailPattern(): RegExp {
    this.cutRe ??= new RegExp(this.families.map(cutSource).join('|'), 'g');
    return this.cutRe;
  }
}

/** The text with each of the raw ranges replaced by `[REDACTED]` (overlapping ranges become one). */
function mask(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  let i = 0;
  while (i < ranges.length) {
    const start = ranges[i][0];
    let end = ranges[i][1];
    for (i++; i < ranges.length && ranges[i][0] < end; i++) end = Math.max(end, ranges[i][1]);
    out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}

/**
 * A deep copy with every string (keys too) redacted; a number whose digits are a secret becomes `[REDACTED]`. For plans, policy results and apply results before they are stored.
 */
export function redactDeep<T>(value: T, redactor: RedactLike): T {
  if (!redactor.active) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactor.redact(v);
    if (typeof v === 'number' || typeof v === 'bigint') {
      const s = String(v);
      return redactor.redact(s) === s ? v : REDACTED;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactor.redact(k)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
