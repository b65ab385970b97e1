/**
 * Text wrapped at word boundaries into whole lines (Ink's own wrapping starts continuation lines with the space
 * it broke at). Words longer than a line are cut; `maxLines` keeps the last line with an ellipsis.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';

export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      let rest = word;
      while ([...rest].length > w) {
        if (line) {
          lines.push(line);
          line = '';
        }
        lines.push([...rest].slice(0, w).join(''));
        rest = [...rest].slice(w).join('');
      }
      if (!line) line = rest;
      else if ([...line].length + 1 + [...rest].length <= w) line += ` ${rest}`;
      else {
        lines.push(line);
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

export function Wrapped({
  text,
  width,
  color,
  bold,
  maxLines,
}: {
  text: string;
  width: number;
  color?: string;
  bold?: boolean;
  maxLines?: number;
}) {
  let lines = wrapWords(text, width);
  if (maxLines !== undefined && lines.length > maxLines) {
    lines = lines.slice(0, Math.max(1, maxLines));
    const last = lines[lines.length - 1];
    lines[lines.length - 1] = [...last].length >= width ? `${[...last].slice(0, width - 1).join('')}…` : `${last}…`;
  }
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {lines.map((l, i) => (
        <Text key={i} color={color} bold={bold} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
