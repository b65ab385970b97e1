/**
 * Hostile terminal sequences: what a tool, a plan, an error or an alert could carry to take over the operator's
 * terminal. `HOSTILE` is one text holding all of them between markers; `leaks` lists what of them reached an
 * output (only SGR colour codes may, and only where colour is on).
 */
export const CORPUS: Record<string, string> = {
  osc52: '\u001b]52;c;cHduZWQ=\u0007', // writes the clipboard
  osc52st: '\u001b]52;p;cHduZWQ=\u001b\\',
  osc0: '\u001b]0;pwned-title\u0007', // window title
  osc2: '\u001b]2;pwned-title\u001b\\',
  osc8: '\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\', // hyperlink
  dcs: '\u001bP1$r0m\u001b\\', // DCS (decrqss answer forgery)
  apc: '\u001b_Gpwned\u001b\\', // APC (kitty graphics)
  pm: '\u001b^privacy\u001b\\',
  sos: '\u001bXstart-of-string\u001b\\',
  clear: '\u001b[2J', // clear screen
  home: '\u001b[H',
  altscreen: '\u001b[?1049h',
  dsr: '\u001b[6n', // device status report: the terminal types an answer
  c1csi: '\u009b2J', // 8-bit CSI
  c1osc: '\u009d0;c1-title\u0007', // 8-bit OSC (shown as text after U+FFFD)
  ris: '\u001bc', // full reset
  bel: '\u0007',
  backspace: 'x\u0008\u0008',
  cr: 'over\rwrite',
};

/** Every hostile sequence, each between visible markers. */
export const HOSTILE = Object.entries(CORPUS)
  .map(([k, v]) => `<${k}>${v}`)
  .join('');

/** A lone ESC that ends a chunk (the next chunk starts `[2J`). */
export const SPLIT = ['A\u001b', '[2JB\u001b]0;t', 'itle\u0007C'];

/**
 * What in `out` a terminal would act on: any ESC that does not start an SGR colour code (or any ESC at all when
 * `colour` is false), any C1 control, any C0 control other than tab, newline (and carriage return when
 * `cr` is set: a pty's own line ends, \r\n).
 */
export function leaks(out: string, opts: { colour: boolean; cr?: boolean }): string[] {
  const found: string[] = [];
  const sgr = /^\u001b\[[0-9;]*m/;
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (c === 0x1b) {
      const m = opts.colour ? sgr.exec(out.slice(i)) : null;
      if (m) {
        i += m[0].length - 1;
        continue;
      }
      found.push(JSON.stringify(out.slice(i, i + 12)));
    } else if (
      (c >= 0x80 && c <= 0x9f) ||
      (c < 0x20 && c !== 0x09 && c !== 0x0a && !(c === 0x0d && opts.cr && out.charCodeAt(i + 1) === 0x0a))
    ) {
      found.push(JSON.stringify(out.slice(Math.max(0, i - 4), i + 8)));
    }
  }
  return found;
}

/** Markers of the corpus that made it through (to check the text around each sequence is still shown). */
export function markersShown(out: string): string[] {
  return Object.keys(CORPUS).filter((k) => out.includes(`<${k}>`));
}
