/**
 * The runs table: newest first, one row per run, columns chosen to fit the width (the least useful go first on a
 * narrow terminal), the selected row inverted and marked with `›` (readable without colour). Our own aligned
 * table rather than @alcalzone/ink-table: that one sizes columns from their content with no way to cut a cell,
 * draws borders that cost rows, and has no selected row or per-cell colour.
 */
import { Box } from 'ink';
import { memo } from 'react';
import stringWidth from 'string-width';
import { Text } from '../layout/Text.js';
import type { RunRecord } from '../../src/db/runs.js';
import { isTerminal } from '../../src/day1/runner/state.js';
import { formatRunChanges } from '../../src/domain/plan.js';
import { theme } from '../theme.js';
import { fit, formatDuration, formatWhen, kindLabel, stateColor, stateLabel } from './format.js';

interface Column {
  key: 'id' | 'stack' | 'state' | 'kind' | 'by' | 'duration' | 'changes' | 'started';
  title: string;
  width: number;
  /** Lower goes first when the width is short. */
  priority: number;
  align?: 'right';
}

const COLUMNS: Column[] = [
  { key: 'id', title: 'RUN', width: 5, priority: 9, align: 'right' },
  { key: 'stack', title: 'STACK', width: 10, priority: 9 },
  { key: 'state', title: 'STATE', width: 15, priority: 9 },
  { key: 'kind', title: 'KIND', width: 11, priority: 5 },
  { key: 'by', title: 'BY', width: 14, priority: 2 },
  { key: 'duration', title: 'TIME', width: 7, priority: 6, align: 'right' },
  // what was applied once an apply reported (also a failed or canceled one), else what was planned: it says which
  { key: 'changes', title: 'CHANGES', width: 16, priority: 7 },
  { key: 'started', title: 'STARTED', width: 11, priority: 1 },
];

/** The columns that fit `width` (1 column of marker, 1 space between columns); STACK takes what is left. */
export function fitColumns(width: number): Column[] {
  let cols = COLUMNS.map((c) => ({ ...c }));
  const used = (cs: Column[]) => 1 + cs.reduce((n, c) => n + c.width, 0) + (cs.length - 1);
  // Short state words first, then drop columns by priority.
  if (used(cols) > width) cols.find((c) => c.key === 'state')!.width = 13;
  while (used(cols) > width) {
    const droppable = cols.filter((c) => c.priority < 9);
    if (droppable.length === 0) break;
    const lowest = droppable.reduce((a, b) => (b.priority < a.priority ? b : a));
    cols = cols.filter((c) => c !== lowest);
  }
  const stack = cols.find((c) => c.key === 'stack')!;
  stack.width = Math.max(4, Math.min(28, stack.width + width - used(cols)));
  if (used(cols) > width) stack.width = Math.max(4, stack.width - (used(cols) - width));
  // Room left on a wide terminal goes to what is cut first: the changes, who ran it, then longer stack names.
  const grow = (key: Column['key'], upTo: number) => {
    const c = cols.find((x) => x.key === key);
    if (c) c.width = Math.max(c.width, Math.min(upTo, c.width + width - used(cols)));
  };
  grow('changes', 24);
  grow('by', 24);
  grow('stack', 48);
  return cols;
}

function cell(c: Column, r: RunRecord, now: number, mark = ''): { text: string; color?: string } {
  switch (c.key) {
    case 'id':
      return { text: `#${r.id}` };
    case 'stack':
      return { text: `${mark}${r.stackName}`, color: r.stackEnvironment === 'prod' ? theme.status.error : undefined };
    case 'state':
      return { text: stateLabel(r.state, c.width < 15), color: stateColor(r.state) };
    case 'kind':
      return { text: kindLabel(r), color: theme.text.secondary };
    case 'by':
      return { text: `${r.triggeredBy} (${r.trigger})`, color: theme.text.secondary };
    case 'duration': {
      const ms = r.startedAt === null ? null : (isTerminal(r.state) ? (r.finishedAt ?? now) : now) - r.startedAt;
      return { text: formatDuration(ms) };
    }
    case 'changes': {
      // The after-apply checks' verdict comes first, so a narrow column keeps it.
      const checks =
        r.validationStatus === 'failed' ? '✗ checks · ' : r.validationStatus === 'passed' ? '✓ checks · ' : '';
      return {
        text: `${checks}${formatRunChanges(r)}`,
        color: r.validationStatus === 'failed' ? theme.status.error : undefined,
      };
    }
    case 'started':
      return { text: formatWhen(r.startedAt ?? r.createdAt, now), color: theme.text.secondary };
  }
}

function pad(text: string, c: Column): string {
  const t = fit(text, c.width, false);
  const room = ' '.repeat(Math.max(0, c.width - stringWidth(t)));
  return c.align === 'right' ? room + t : t + room;
}

type Cells = RowProps['cells'];

/** A run's cells as last made, while what they show cannot have changed (see rowCells). */
const cellsMade = new WeakMap<RunRecord, { key: string; cells: Cells }>();

/**
 * The cells of a run's row. Each key press draws the list again, so the rows of runs that ended (nearly all) are
 * kept with their run, for as long as the columns, their tree mark and the day stay the same: their time is
 * fixed and their start shows the date only on another day. A live run's row is made each time.
 */
function rowCells(cols: Column[], r: RunRecord, now: number, mark: string | undefined): Cells {
  const make = () =>
    cols.map((c, j) => {
      const v = cell(c, r, now, mark);
      return { key: c.key, text: pad(v.text, c) + (j < cols.length - 1 ? ' ' : ''), color: v.color };
    });
  if (!isTerminal(r.state) || (r.startedAt !== null && r.finishedAt === null)) return make();
  // A new day starts on a minute.
  const key = `${cols.map((c) => `${c.key}${c.width}`).join()}|${mark ?? ''}|${Math.floor(now / 60_000)}|${theme.color}`;
  const made = cellsMade.get(r);
  if (made?.key === key) return made.cells;
  const cells = make();
  cellsMade.set(r, { key, cells });
  return cells;
}

export interface RunsTableProps {
  runs: RunRecord[];
  selectedIndex: number;
  width: number;
  height: number;
  now: number;
  focused: boolean;
  /** Runs shown in log panes (marked). */
  open?: ReadonlySet<number>;
  /** A cascade's runs, grouped under the run that started it: their tree mark before the stack's name. */
  marks?: ReadonlyMap<number, string>;
  empty: string;
}

export function RunsTable({ runs, selectedIndex, width, height, now, focused, open, marks, empty }: RunsTableProps) {
  const cols = fitColumns(width);
  const rows = Math.max(1, height - 1);
  // Keep the selected row on screen, a little away from the edges.
  const maxOffset = Math.max(0, runs.length - rows);
  const offset = Math.min(maxOffset, Math.max(0, selectedIndex - Math.floor(rows / 2)));
  const shown = runs.slice(offset, offset + rows);
  // Rows are cut to the width by their Text (wrap="truncate"): only rows below the height need clipping. A
  // horizontal clip would make Ink cut every row again on every frame (slice-ansi), for nothing.
  return (
    <Box flexDirection="column" width={width} height={height} overflowY="hidden">
      <Text bold wrap="truncate">
        {' '}
        {cols.map((c) => pad(c.title, c)).join(' ')}
      </Text>
      {runs.length === 0 ? (
        <Text color={theme.text.secondary} wrap="wrap">
          {empty}
        </Text>
      ) : null}
      {shown.map((r, i) => {
        const selected = offset + i === selectedIndex;
        const mark = selected ? '›' : open?.has(r.id) ? '•' : ' ';
        const cells = rowCells(cols, r, now, marks?.get(r.id));
        return <Row key={r.id} mark={mark} cells={cells} selected={selected} focused={focused} />;
      })}
    </Box>
  );
}

interface RowProps {
  mark: string;
  cells: { key: string; text: string; color?: string }[];
  selected: boolean;
  focused: boolean;
}

/** What a row shows, as one string: a row is drawn again only when it changes (a cursor move redraws two rows). */
const rowSignature = (p: RowProps) =>
  `${p.mark}${p.selected ? 1 : 0}${p.focused ? 1 : 0}${p.cells.map((c) => `\u0000${c.text}\u0001${c.color ?? ''}`).join('')}`;

/** Printable ASCII only: what string-width (Ink's, on every text of every frame) measures the quick way. */
const ASCII = /^[\u0020-\u007e]*$/;

interface Segment {
  key: string;
  cells: { key: string; text: string; color?: string }[];
}

/**
 * The row's cells, grouped into the texts Ink draws: runs of plain-ASCII cells together, and a cell with any
 * other character (a state's symbol, the cursor's `›`, a cut cell's `…`) on its own. Ink measures each text on
 * every frame, and a text with one such character is measured grapheme by grapheme, several times slower: as
 * one text a row costs that for all its width.
 */
function segments(mark: string, cells: RowProps['cells']): Segment[] {
  const out: Segment[] = [];
  for (const c of [{ key: 'mark', text: mark }, ...cells]) {
    const last = out.at(-1);
    if (ASCII.test(c.text) && last && ASCII.test(last.cells[0].text)) last.cells.push(c);
    else out.push({ key: c.key, cells: [c] });
  }
  return out;
}

const Row = memo(
  function Row({ mark, cells, selected, focused }: RowProps) {
    const inverse = selected && focused;
    return (
      <Box flexDirection="row">
        {segments(mark, cells).map((g) => (
          <Text key={g.key} wrap="truncate" inverse={inverse} bold={selected}>
            {g.cells.map((c) => (
              <Text key={c.key} color={inverse ? undefined : c.color}>
                {c.text}
              </Text>
            ))}
          </Text>
        ))}
      </Box>
    );
  },
  (a, b) => rowSignature(a) === rowSignature(b),
);
