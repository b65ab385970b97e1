/**
 * One run's log in a bordered pane. Following (the default) it shows the last lines and sticks to the bottom as
 * lines arrive; scrolled back it shows the lines from `top`. Only the lines on screen (plus a bounded window
 * around them, see LogWindow) are ever read. A header row marks where each phase (init, plan, apply) starts,
 * and the title names the phase on screen. Long lines are cut at the pane's edge (←/→ scroll sideways); the
 * tool's colours are kept unless colour is off. Search matches are inverted; the current one is marked `›`.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { LogLine } from '../../src/db/logs.js';
import type { RunRecord } from '../../src/db/runs.js';
import type { PaneState } from '../../store/day1.js';
import { theme } from '../theme.js';
import { stateColor, stateLabel } from './format.js';
import { PANE_CHROME_ROWS } from './layout.js';
import { useMemo } from 'react';
import sliceAnsi from 'slice-ansi';
import wrapAnsi from 'wrap-ansi';
import {
  highlight,
  matchLabel,
  plainOf,
  sanitizeLine,
  wrappedRows,
  type LogReader,
  type LogWindow,
} from './log-window.js';

export interface Viewport {
  /** First and last line (seq) on screen; 0 when the log is empty. */
  top: number;
  bottom: number;
  /** Rows for lines (and phase headers). */
  rows: number;
  count: number;
}

type Row = { kind: 'header'; phase: string } | { kind: 'line'; line: LogLine };

const PHASE_ORDER = ['init', 'plan', 'apply'];

/**
 * The rows on screen: lines and, where a phase starts, a header above its first line. A line takes `lineRows(line)`
 * rows (more than one when long lines are wrapped); following, the last line ends on the last row.
 */
export function paneRowsOf(
  win: LogWindow,
  count: number,
  pane: Pick<PaneState, 'follow' | 'top'>,
  rows: number,
  phaseAt: ReadonlyMap<number, string>,
  lineRows: (line: LogLine) => number = () => 1,
): { rows: Row[]; top: number; bottom: number } {
  if (count === 0) return { rows: [], top: 0, bottom: 0 };
  const out: Row[] = [];
  let used = 0;
  if (pane.follow) {
    const lines = win.range(Math.max(1, count - rows + 1), count);
    for (let i = lines.length - 1; i >= 0 && used < rows; i--) {
      const cost = lineRows(lines[i]);
      if (used + cost > rows && out.length > 0) break;
      out.push({ kind: 'line', line: lines[i] });
      used += cost;
      const phase = phaseAt.get(lines[i].seq);
      if (phase && used < rows) {
        out.push({ kind: 'header', phase });
        used++;
      }
    }
    out.reverse();
  } else {
    const top = Math.max(1, Math.min(pane.top, count));
    const lines = win.range(top, Math.min(count, top + rows - 1));
    for (const l of lines) {
      const phase = phaseAt.get(l.seq);
      if (phase && used < rows - 1) {
        out.push({ kind: 'header', phase });
        used++;
      }
      if (used >= rows) break;
      const cost = lineRows(l);
      if (used + cost > rows && out.some((r) => r.kind === 'line')) break;
      out.push({ kind: 'line', line: l });
      used += cost;
    }
  }
  const shown = out.filter((r): r is { kind: 'line'; line: LogLine } => r.kind === 'line');
  return { rows: out, top: shown[0]?.line.seq ?? 0, bottom: shown[shown.length - 1]?.line.seq ?? 0 };
}

export interface LogPaneProps {
  pane: PaneState;
  index: number;
  focused: boolean;
  width: number;
  height: number;
  run: RunRecord | undefined;
  source: LogReader;
  window: LogWindow;
  /** What to highlight (the search being typed, else the pane's search). */
  query: string;
  colour: boolean;
  onViewport: (index: number, vp: Viewport) => void;
}

export function LogPane({
  pane,
  index,
  focused,
  width,
  height,
  run,
  source,
  window: win,
  query,
  colour,
  onViewport,
}: LogPaneProps) {
  const rows = Math.max(1, height - PANE_CHROME_ROWS);
  const cols = Math.max(4, width - 3);
  win.fit(rows);
  const count = source.count(pane.runId);
  const phases = source.phases(pane.runId);
  const phaseAt = new Map<number, string>();
  for (const [p, seq] of Object.entries(phases)) phaseAt.set(seq, p);
  const inner = width - 2;
  const view = paneRowsOf(win, count, pane, rows, phaseAt, pane.wrap ? (l) => wrappedRows(l, inner) : undefined);
  onViewport(index, { top: view.top, bottom: view.bottom, rows, count });

  // The phase on screen: the last one that started at or before the bottom line.
  const bottomSeq = view.bottom || count;
  const phase = Object.entries(phases)
    .filter(([, seq]) => seq <= bottomSeq)
    .sort((a, b) => b[1] - a[1] || PHASE_ORDER.indexOf(b[0]) - PHASE_ORDER.indexOf(a[0]))[0]?.[0];

  const more = count > view.bottom ? ` +${count - view.bottom}` : '';
  const position = pane.follow
    ? 'following'
    : `${view.top}-${view.bottom}/${count}${width >= 70 ? ` · End follows${more}` : more}`;
  // Every match counted once per search and log length (not per frame): "match 3 of 17".
  const matchSeqs = useMemo(
    () => (query ? source.matches(pane.runId, query) : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- count: new lines may hold new matches
    [source, pane.runId, query, count],
  );
  const search = query ? ` · /${query} ${matchLabel(matchSeqs, query === pane.search ? pane.match : null)}` : '';

  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle={focused ? 'double' : 'single'}
      borderColor={focused ? theme.focusBorder : theme.border}
      overflow="hidden"
      flexShrink={0}
    >
      <Box width={width - 2} height={1}>
        <Box flexShrink={0}>
          <Text bold={focused} color={focused ? theme.text.accent : undefined}>
            {' '}
            #{pane.runId} {run?.stackName ?? ''}
          </Text>
        </Box>
        <Box flexGrow={1} flexShrink={1} overflow="hidden">
          {run ? (
            <Text wrap="truncate" color={stateColor(run.state)}>
              {' '}
              {stateLabel(run.state, true)}
            </Text>
          ) : null}
          <Text wrap="truncate" color={theme.text.secondary}>
            {phase ? ` · ${phase}` : ''}
            {search}
          </Text>
        </Box>
        <Box flexShrink={0}>
          <Text color={pane.follow ? theme.status.running : theme.status.warning}>{position} </Text>
        </Box>
      </Box>
      {view.rows.length === 0 ? (
        <Text color={theme.text.secondary}>
          {' '}
          {run && run.state === 'QUEUED' ? 'queued: waiting for its turn…' : 'no output yet…'}
        </Text>
      ) : null}
      {view.rows.map((r) =>
        r.kind === 'header' ? (
          <Text key={`h-${r.phase}`} wrap="truncate" bold color={theme.text.accent}>
            {` ── ${r.phase} ${'─'.repeat(Math.max(0, cols - r.phase.length - 5))}`}
          </Text>
        ) : (
          <LineRow
            key={r.line.seq}
            line={r.line}
            query={query}
            current={pane.match === r.line.seq}
            hscroll={pane.wrap ? 0 : pane.hscroll}
            colour={colour}
            wrapWidth={pane.wrap ? inner : 0}
          />
        ),
      )}
    </Box>
  );
}

function LineRow({
  line,
  query,
  current,
  hscroll,
  colour,
  wrapWidth,
}: {
  line: LogLine;
  query: string;
  current: boolean;
  hscroll: number;
  colour: boolean;
  /** Wrap at this many columns (the gutter included); 0 cuts the line at the edge. */
  wrapWidth: number;
}) {
  const gutter = current ? '›' : ' ';
  const system = line.stream === 'system';
  // Wrapped: the rows as wrappedRows counts them. Else one row, scrolled sideways by terminal columns (a CJK
  // character is two), the tool's colours kept.
  const rowsOf = (text: string): string[] =>
    wrapWidth > 0 ? wrapAnsi(gutter + text, wrapWidth, { trim: false, hard: true }).split('\n') : [gutter + text];
  const plain = query ? sliceAnsi(plainOf(line), hscroll) : '';
  if (query && plain.toLowerCase().includes(query.toLowerCase())) {
    return (
      <Box flexDirection="column">
        {rowsOf(plain).map((row, r) => (
          <Text key={r} wrap="truncate" bold={current}>
            {highlight(row, query).map((seg, i) => (
              <Text key={i} inverse={seg.hit}>
                {seg.text}
              </Text>
            ))}
          </Text>
        ))}
      </Box>
    );
  }
  const whole = sanitizeLine(colour ? line.text : (line.plain ?? line.text), colour);
  const text = hscroll > 0 ? sliceAnsi(whole, hscroll) : whole;
  const color = system
    ? theme.text.accent
    : line.stream === 'stderr' && !text.includes('\u001b[')
      ? theme.status.warning
      : undefined;
  return (
    <Box flexDirection="column">
      {rowsOf(text === '' ? ' ' : text).map((row, r) => (
        <Text key={r} wrap="truncate" color={color}>
          {row}
        </Text>
      ))}
    </Box>
  );
}
