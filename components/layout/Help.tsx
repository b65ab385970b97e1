import { Table } from '@alcalzone/ink-table';
import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import { useState } from 'react';
import { contextsById, helpContexts, isKey, keyLabel } from '../../src/keymap/index.js';
import { useAppStore } from '../../store/index.js';
import { useKeys } from './KeyInput.js';
import { useDeniedActions } from './Footer.js';
import { bindingShown } from '../../src/keymap/permissions.js';
import { theme } from '../theme.js';
import { Text } from './Text.js';

type KeyRow = Record<string, string>;

/** One group of bindings: a two-column table headed by the group's title. */
interface Group {
  title: string;
  rows: { key: string; text: string }[];
}

/** Rows a table takes besides its data rows: top border, heading, the line under it, bottom border. */
const TABLE_CHROME = 4;

/**
 * @alcalzone/ink-table draws a rule between every two rows; a key table reads better dense, so only the rule
 * under the heading stays (it is drawn before the first row).
 */
class KeyTable extends Table<KeyRow> {
  constructor(props: ConstructorParameters<typeof Table<KeyRow>>[0]) {
    super(props);
    const ruled = this.separator;
    this.separator = (row) => (/^separator-row-[^-]*-0$/.test(row.key) ? ruled(row) : <></>);
  }
}

/** The part of the groups shown from row `offset` on within `height` lines (a cut group keeps its heading). */
function page(groups: readonly Group[], offset: number, height: number): Group[] {
  const out: Group[] = [];
  let skip = offset;
  let used = 0;
  for (const g of groups) {
    if (skip >= g.rows.length) {
      skip -= g.rows.length;
      continue;
    }
    const rows = g.rows.slice(skip);
    skip = 0;
    const room = height - used - TABLE_CHROME;
    if (room <= 0) break;
    out.push({ title: g.title, rows: rows.slice(0, room) });
    used += TABLE_CHROME + Math.min(room, rows.length);
    if (rows.length > room) break;
  }
  return out;
}

const rowCount = (groups: readonly Group[]) => groups.reduce((n, g) => n + g.rows.length, 0);

/** Cut a cell to `width` characters (the table sizes columns from its cells and never wraps one). */
const cut = (s: string, width: number) => (s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`);

/** Every binding of the current view, grouped: this view, moving, everywhere; one key table per group. */
export function Help({ width, height }: { width: number; height: number }) {
  const contexts = useAppStore((s) => s.keyContexts);
  const denied = useDeniedActions();
  const all: Group[] = contextsById([
    ...helpContexts(contexts).filter((c) => c !== 'nav' && c !== 'global'),
    'nav',
    'global',
  ])
    .map((g) => ({
      title: g.title,
      rows: g.bindings
        .filter((b) => bindingShown(b.id, denied))
        .map((b) => ({ key: b.keys.map(keyLabel).join(' '), text: b.description })),
    }))
    .filter((g) => g.rows.length > 0);
  // Borders, padding and the closing line take 3 rows. Wide terminals get columns of whole groups; every column
  // scrolls with the motion keys.
  const rows = Math.max(TABLE_CHROME + 1, height - 3);
  const lines = all.reduce((n, g) => n + TABLE_CHROME + g.rows.length, 0);
  const columns = width >= 120 ? Math.min(3, Math.max(1, Math.ceil(lines / rows)), Math.floor(width / 60)) : 1;
  const colWidth = Math.floor((width - 4) / columns);
  const perColumn: Group[][] = Array.from({ length: columns }, () => []);
  let filled = 0;
  for (const g of all) {
    const target = Math.min(columns - 1, Math.floor((filled * columns) / Math.max(1, lines)));
    perColumn[target].push(g);
    filled += TABLE_CHROME + g.rows.length;
  }
  const total = Math.max(...perColumn.map(rowCount));
  let maxOffset = 0;
  while (maxOffset < total && perColumn.some((col) => rowCount(page(col, maxOffset, rows)) < rowCount(col) - maxOffset))
    maxOffset++;
  const [offset, setOffset] = useState(0);
  const scroll = Math.min(offset, maxOffset);
  const shownFrom = (o: number) => Math.max(...perColumn.map((col) => rowCount(page(col, o, rows))));
  /** The first binding of the page whose last binding is the one at `top`. */
  const pageUpFrom = (top: number) => {
    let o = top;
    while (o > 0 && o - 1 + shownFrom(o - 1) - 1 >= top) o--;
    return o === top ? Math.max(0, top - 1) : o;
  };
  // Keys of one chunk may all be handled before React draws again: move from the offset the last key left.
  useKeys((input, key) => {
    const move = (to: (o: number) => number) =>
      setOffset((o) => Math.max(0, Math.min(maxOffset, to(Math.min(o, maxOffset)))));
    // A page moves by one binding less than it shows, so its last binding is the first of the next.
    if (isKey('help.down', input, key)) move((o) => o + 1);
    else if (isKey('help.up', input, key)) move((o) => o - 1);
    else if (isKey('help.pageDown', input, key)) move((o) => o + Math.max(1, shownFrom(o) - 1));
    else if (isKey('help.pageUp', input, key)) move((o) => pageUpFrom(o));
    else if (isKey('help.top', input, key)) move(() => 0);
    else if (isKey('help.bottom', input, key)) move(() => maxOffset);
  });
  const shown = perColumn.map((col) => page(col, scroll, rows));
  const last = Math.max(...shown.map((col) => scroll + rowCount(col)));
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
        {shown.map((col, c) => (
          <Box key={c} flexDirection="column" width={colWidth} paddingRight={1}>
            {col.map((g) => {
              const title = cut(g.title, colWidth - 12);
              const keyWidth = Math.max(3, ...g.rows.map((r) => r.key.length));
              // Three rules and two cells' padding of 1 on each side.
              const textWidth = Math.max(8, colWidth - 1 - keyWidth - 7);
              return (
                <KeyTable
                  key={g.title}
                  columns={['key', title]}
                  data={g.rows.map((r) => ({ key: cut(r.key, keyWidth), [title]: cut(r.text, textWidth) }))}
                  header={({ children }) => (
                    <Text bold color={theme.text.accent}>
                      {children}
                    </Text>
                  )}
                  cell={({ children }) => <Text>{children}</Text>}
                  skeleton={({ children }) => <Text color={theme.text.secondary}>{children}</Text>}
                />
              );
            })}
          </Box>
        ))}
      </Box>
      <Box flexGrow={1} />
      <Text color={theme.text.secondary}>
        Press {keys('global.help')} or {keys('help.close')} to close
        {maxOffset > 0 ? ` · ↑/↓ scroll (${scroll + 1}-${last} of ${total})` : ''}
      </Text>
    </Box>
  );
}
