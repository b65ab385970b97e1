/** Small pieces the Day-2 views share: tones to theme colours, a line of spans, a block of lines. */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import { theme } from '../theme.js';
import type { Cell, Tone } from '../../src/app/day2/format.js';
import { wrapLines, type Line } from './sections.js';

export function toneColor(t: Tone): string | undefined {
  switch (t) {
    case 'ok':
      return theme.status.ok;
    case 'warning':
      return theme.status.warning;
    case 'error':
      return theme.status.error;
    case 'info':
      return theme.status.info;
    case 'running':
      return theme.status.running;
    case 'muted':
      return theme.status.muted;
    case 'accent':
      return theme.text.accent;
    default:
      return undefined;
  }
}

/** One line of spans, cut at the edge. */
export function Spans({ cells, bold, inverse }: { cells: Cell[]; bold?: boolean; inverse?: boolean }) {
  return (
    <Text wrap="truncate" bold={bold} inverse={inverse}>
      {cells.map((c, i) =>
        c.text ? (
          <Text key={i} color={toneColor(c.tone)}>
            {c.text}
          </Text>
        ) : null,
      )}
    </Text>
  );
}

/** Up to `height` lines from `offset`, each cut at the edge (or, with `wrap`, long one-span lines broken). */
export function Lines({
  lines,
  width,
  height,
  offset = 0,
  wrap = false,
}: {
  lines: Line[];
  width: number;
  height: number;
  offset?: number;
  wrap?: boolean;
}) {
  const all = wrap ? wrapLines(lines, width) : lines;
  const shown = all.slice(offset, offset + Math.max(0, height));
  return (
    <Box flexDirection="column" width={width} height={Math.max(0, height)} overflow="hidden">
      {shown.map((l, i) => (
        <Box key={i} width={width} height={1}>
          <Spans cells={l.spans} bold={l.bold} />
        </Box>
      ))}
    </Box>
  );
}

/** The first index shown so that `index` stays visible in a window of `size` rows (kept between renders). */
export function windowTop(prevTop: number, index: number, size: number, count: number): number {
  let top = prevTop;
  if (index < top) top = index;
  if (index >= top + size) top = index - size + 1;
  return Math.max(0, Math.min(top, Math.max(0, count - size)));
}
