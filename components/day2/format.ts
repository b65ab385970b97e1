/**
 * Day-2 text cut to the screen: widths measured as the terminal does (CJK characters and most emoji take two
 * columns). The words, symbols and durations of the figures are in src/app/day2/format.ts.
 */
import stringWidth from 'string-width';

/**
 * Cut or pad text to exactly `width` terminal columns (an ellipsis marks a cut), measured as the terminal does:
 * CJK characters and most emoji take two columns, so columns after them stay aligned.
 */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const w = stringWidth(text);
  if (w > width) {
    if (width === 1) return '…';
    let cut = '';
    let used = 0;
    for (const ch of text) {
      const cw = stringWidth(ch);
      if (used + cw > width - 1) break;
      cut += ch;
      used += cw;
    }
    return `${cut}${' '.repeat(width - 1 - used)}…`;
  }
  const pad = ' '.repeat(width - w);
  return align === 'left' ? text + pad : pad + text;
}

/** Display width of text in terminal columns. */
export function textWidth(text: string): number {
  return stringWidth(text);
}
