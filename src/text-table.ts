import { maxOf } from './arrays.js';

/** A plain aligned table for headless output (`dayops stack list`, `dayops runs`). */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    maxOf(
      rows.map((r) => (r[i] ?? '').length),
      h.length,
    ),
  );
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}
