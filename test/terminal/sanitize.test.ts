import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { incompleteTail, SanitizedStream, sanitize } from '../../src/terminal/sanitize.js';
import { CORPUS, HOSTILE, leaks, markersShown, SPLIT } from '../helpers/hostile.js';

describe('the terminal sanitiser', () => {
  it('drops every hostile sequence and keeps the text around each', () => {
    for (const colour of [true, false]) {
      const out = sanitize(HOSTILE, { colour });
      expect(leaks(out, { colour })).toEqual([]);
      expect(markersShown(out)).toEqual(Object.keys(CORPUS));
      expect(out).not.toContain('pwned-title');
      expect(out).toContain('click'); // a link's text stays, the link goes
    }
  });

  it('keeps SGR colours only when colour is on, and ends a coloured text with a reset', () => {
    const text = 'a\u001b[1;31mred\u001b[0m \u001b[32mgreen';
    expect(sanitize(text, { colour: true })).toBe(`${text}\u001b[0m`);
    expect(sanitize(text, { colour: false })).toBe('ared green');
    expect(sanitize('\u001b[31mx\u001b[0m', { colour: true })).toBe('\u001b[31mx\u001b[0m');
  });

  it('shows lone controls as pictures, so nothing taken out joins the text on either side', () => {
    expect(sanitize('ab\u0007cd\u0008ef\u0000g\u007f', { colour: false })).toBe('ab␇cd␈ef␀g␡');
    expect(sanitize('se\u009b2Jcret', { colour: false })).toBe('se\ufffd2Jcret');
    expect(sanitize('a\rb', { colour: false })).toBe('a␍b');
    expect(sanitize('tab\tand\nnewline', { colour: false })).toBe('tab\tand\nnewline');
  });

  it('shows what a carriage return left, as a terminal does, in a log line', () => {
    const opts = { colour: true, carriageReturn: 'overwrite' } as const;
    expect(sanitize('10%\r50%\r100%', opts)).toBe('100%');
    expect(sanitize('done\r', opts)).toBe('done');
    expect(sanitize('10%\r\u001b[32m20%', opts)).toBe('\u001b[32m20%\u001b[0m');
    expect(sanitize('a\u001b]0;x\ry\u0007b', opts)).toBe('ab'); // a CR inside an OSC is the OSC's
  });

  it('finds a sequence cut at the end of a chunk', () => {
    for (const s of ['a\u001b', 'a\u001b[', 'a\u001b[2', 'a\u001b]0;t', 'a\u001b]0;t\u001b', 'a\u001bP', 'a\u001b('])
      expect(incompleteTail(s), JSON.stringify(s)).toBe(1);
    for (const s of ['a', 'a\u001b[2J', 'a\u001b]0;t\u0007', 'a\u001b]0;t\u001b\\', 'a\u001b(B', 'a\u001b]0;t\u0007b'])
      expect(incompleteTail(s), JSON.stringify(s)).toBe(-1);
  });

  it('as a stream, holds a sequence split across writes until it is whole', async () => {
    for (const colour of [true, false]) {
      const raw = new PassThrough();
      let got = '';
      raw.setEncoding('utf8').on('data', (d: string) => (got += d));
      const s = new SanitizedStream(raw, colour);
      for (const chunk of SPLIT) s.write(chunk);
      for (const ch of HOSTILE) s.write(ch); // one character a write
      await new Promise<void>((r) => s.end(r));
      expect(leaks(got, { colour })).toEqual([]);
      expect(got.startsWith('ABC<osc52>')).toBe(true);
      expect(markersShown(got)).toEqual(Object.keys(CORPUS));
    }
  });
});
