import { describe, expect, it } from 'vitest';
import {
  controlTokens,
  isPlainText,
  nextEscape,
  rawRange,
  stripEscapes,
  visibleText,
} from '../../src/terminal/escapes.js';

/** Control characters as \uXXXX (JSON.stringify leaves C1 as it is). */
const show = (s: string) =>
  `"${s.replace(/[\u0000-\u001f\u007f-\u009f"\\]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`;
const kinds = (s: string) => [...controlTokens(s)].map((t) => `${t.kind}:${show(s.slice(t.start, t.end))}`);

describe('terminal escapes', () => {
  it('tells colours, other CSI, OSC, string sequences, other escapes and controls apart', () => {
    expect(kinds('a\u001b[1;31mb\u001b[0mc')).toEqual(['sgr:"\\u001b[1;31m"', 'sgr:"\\u001b[0m"']);
    expect(kinds('\u001b[2J\u001b[?25l\u001b[10;5H')).toEqual([
      'csi:"\\u001b[2J"',
      'csi:"\\u001b[?25l"',
      'csi:"\\u001b[10;5H"',
    ]);
    expect(kinds('\u001b]0;title\u0007x\u001b]52;c;aGk=\u001b\\y')).toEqual([
      'osc:"\\u001b]0;title\\u0007"',
      'osc:"\\u001b]52;c;aGk=\\u001b\\\\"',
    ]);
    expect(kinds('\u001bPq#0\u001b\\\u001b_app\u001b\\')).toEqual([
      'string:"\\u001bPq#0\\u001b\\\\"',
      'string:"\\u001b_app\\u001b\\\\"',
    ]);
    expect(kinds('\u001b(B\u001b7\u001b=')).toEqual(['esc:"\\u001b(B"', 'esc:"\\u001b7"', 'esc:"\\u001b="']);
    expect(kinds('\u009b31m\u009d0;t\u009c\u0085')).toEqual([
      'sgr:"\\u009b31m"',
      'osc:"\\u009d0;t\\u009c"',
      'c1:"\\u0085"',
    ]);
    expect(kinds('a\u0007b\rc\bd\te\nf\u007f')).toEqual([
      'control:"\\u0007"',
      'control:"\\u000d"',
      'control:"\\u0008"',
      'control:"\\u007f"',
    ]);
  });

  it('ends an unterminated OSC or string sequence at the newline, so a line alone reads as it does in a chunk', () => {
    const chunk = 'before \u001b]8;;https://example.com\nhunter2 after\n';
    expect(stripEscapes(chunk)).toBe('before \nhunter2 after\n');
    expect(chunk.split('\n').map(stripEscapes).join('\n')).toBe(stripEscapes(chunk));
  });

  it('maps each visible character back to the raw text, escapes inside a range included', () => {
    const raw = 'pw=\u001b[31mhun\u001b[1mter\u001b[0m2 end';
    const v = visibleText(raw);
    expect(v.text).toBe('pw=hunter2 end');
    const from = v.text.indexOf('hunter2');
    const [a, b] = rawRange(v, from, from + 'hunter2'.length);
    expect(raw.slice(a, b)).toBe('hun\u001b[1mter\u001b[0m2');
    expect(raw.slice(0, a)).toBe('pw=\u001b[31m');
    expect(visibleText('plain').offsets).toBeNull();
    expect(rawRange(visibleText('plain'), 1, 3)).toEqual([1, 3]);
  });

  it('the visible text keeps lone control characters and 8-bit codes as characters', () => {
    expect(isPlainText('a\u0007b\u009bc')).toBe(true);
    expect(stripEscapes('a\u0007b\u001b[0mc')).toBe('a\u0007bc');
    const seen: string[] = [];
    const s = 'x\u001b[1my\u001b]0;t\u0007z';
    for (let t = nextEscape(s, 0); t; t = nextEscape(s, t.end)) seen.push(t.kind);
    expect(seen).toEqual(['sgr', 'osc']);
  });
});
