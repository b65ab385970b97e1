import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import { Text } from './Text.js';
import { useState } from 'react';
import { contextsById, helpContexts, isKey, keyLabel } from '../../src/keymap/index.js';
import { useAppStore } from '../../store/index.js';
import { useKeys } from './KeyInput.js';
import { theme } from '../theme.js';
import { maxOf } from '../../src/arrays.js';

/** Every binding of the current view, grouped: this view, moving, everywhere. */
export function Help({ width, height }: { width: number; height: number }) {
  const contexts = useAppStore((s) => s.keyContexts);
  const groups = contextsById([
    ...helpContexts(contexts).filter((c) => c !== 'nav' && c !== 'global'),
    'nav',
    'global',
  ]);
  const lines: { key: string; text: string; heading?: boolean }[] = [];
  for (const g of groups) {
    lines.push({ key: '', text: g.title, heading: true });
    for (const b of g.bindings) lines.push({ key: b.keys.map(keyLabel).join(' '), text: b.description });
  }
  const keyWidth = maxOf(lines.map((l) => l.key.length)) + 2;
  // Borders and the closing line take 3 rows. Wide terminals get columns; others scroll with the motion keys.
  const rows = Math.max(1, height - 3);
  const columns = width >= 120 ? Math.min(3, Math.max(1, Math.ceil(lines.length / rows)), Math.floor(width / 60)) : 1;
  const perColumn = Math.ceil(lines.length / columns);
  const colWidth = Math.floor((width - 4) / columns);
  const maxOffset = Math.max(0, perColumn - rows);
  const [offset, setOffset] = useState(0);
  const scroll = Math.min(offset, maxOffset);
  // Keys of one chunk may all be handled before React draws again: move from the offset the last key left.
  useKeys((input, key) => {
    const move = (to: (o: number) => number) =>
      setOffset((o) => Math.max(0, Math.min(maxOffset, to(Math.min(o, maxOffset)))));
    // A page keeps one line of the last one on screen: never a line skipped.
    const page = Math.max(1, rows - 1);
    if (isKey('nav.down', input, key)) move((o) => o + 1);
    else if (isKey('nav.up', input, key)) move((o) => o - 1);
    else if (isKey('nav.pageDown', input, key)) move((o) => o + page);
    else if (isKey('nav.pageUp', input, key)) move((o) => o - page);
    else if (isKey('nav.top', input, key)) move(() => 0);
    else if (isKey('nav.bottom', input, key)) move(() => maxOffset);
  });
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor={theme.focusBorder}
      paddingX={1}
    >
      <Box flexDirection="row">
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={colWidth} paddingRight={1}>
            {lines
              .slice(c * perColumn, (c + 1) * perColumn)
              .slice(scroll, scroll + rows)
              .map((l, i) =>
                l.heading ? (
                  <Text key={i} bold color={theme.text.accent}>
                    {l.text}
                  </Text>
                ) : (
                  <Text key={i} wrap="truncate">
                    <Text bold>{l.key.padEnd(keyWidth)}</Text>
                    {l.text}
                  </Text>
                ),
              )}
          </Box>
        ))}
      </Box>
      <Box flexGrow={1} />
      <Text color={theme.text.secondary}>
        Press {keys('global.help')} or {keys('global.back')} to close
        {maxOffset > 0 ? ` · ↑/↓ scroll (${scroll + 1}-${Math.min(perColumn, scroll + rows)} of ${perColumn})` : ''}
      </Text>
    </Box>
  );
}
