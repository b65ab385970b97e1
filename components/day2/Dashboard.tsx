/**
 * The dashboard: every stack in one aligned table, one row per stack, each figure a word and a symbol coloured
 * by status. Only the rows that fit are rendered (the list is windowed around the cursor), so 1,000 stacks draw
 * as fast as 20. Wide terminals get more columns (last run, the age of each figure, the last restore test) and a
 * side panel with the stack under the cursor in words.
 *
 * A hand-made table rather than @alcalzone/ink-table: that component sizes columns from every cell it is given
 * (a windowed slice would make columns jump while scrolling), takes only scalar cells (no colour per cell), has
 * no cursor row, draws a border line between rows (half the rows on screen), and cannot cut cells to the width.
 */
import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import { useRef } from 'react';
import { theme } from '../theme.js';
import { fit } from './format.js';
import { SORT_LABELS, totals, type Row } from '../../src/app/day2/dashboard.js';
import { cellOf, GAP, layoutColumns, MARK } from './columns.js';
import { stackSummaryLines } from './sections.js';
import { Lines, toneColor, windowTop } from './ui.js';
import type { Day2Sort } from '../../store/day2.js';
import { pipelineLine, pipelineTone, type PipelineView } from '../../src/app/day2/pipelines.js';

/** Side panel from this width on. */
export const SIDE_PANEL_MIN = 150;

export interface DashboardProps {
  rows: Row[];
  total: number;
  /** Why the stacks could not be read (the database refused or is gone); the rows are the last good read. */
  readError?: string | null;
  width: number;
  height: number;
  selected: string | null;
  now: number;
  sort: Day2Sort;
  reverse: boolean;
  filter: string;
  /** Promotion pipelines: the revision each environment runs (src/app/day2/pipelines.ts). */
  pipelines?: PipelineView[];
}

/** Lines the pipelines take under the table: one each, at most a third of the height, none when there are none. */
export function pipelineLines(height: number, pipelines: readonly PipelineView[] = []): number {
  if (pipelines.length === 0) return 0;
  return Math.min(pipelines.length + 1, Math.max(0, Math.floor(height / 3)));
}

export function dashboardListHeight(height: number, pipelines: readonly PipelineView[] = []): number {
  return Math.max(1, height - 2 - pipelineLines(height, pipelines));
}

export function Dashboard({
  rows,
  total,
  readError,
  width,
  height,
  selected,
  now,
  sort,
  reverse,
  filter,
  pipelines = [],
}: DashboardProps) {
  const side = width >= SIDE_PANEL_MIN;
  const sideWidth = side ? Math.min(60, Math.max(40, Math.floor(width * 0.28))) : 0;
  const tableWidth = width - (side ? sideWidth + 1 : 0);
  const listHeight = dashboardListHeight(height, pipelines);
  const pipeHeight = pipelineLines(height, pipelines);
  const index = Math.max(
    0,
    rows.findIndex((r) => r.name === selected),
  );
  const topRef = useRef(0);
  const top = windowTop(topRef.current, index, listHeight, rows.length);
  topRef.current = top;
  const shown = rows.slice(top, top + listHeight);
  const longest = rows.reduce((n, r) => Math.max(n, r.name.length), 5);
  const cols = layoutColumns(
    tableWidth,
    longest,
    rows.some((r) => r.status.slo.configured || r.status.slo.slos.length > 0),
  );
  const t = totals(rows);
  const counts = [
    t.drifted ? `${t.drifted} drifted` : '',
    t.critical ? `${t.critical} critical` : '',
    t.late ? `${t.late} backups late` : '',
    t.burning ? `${t.burning} SLO burning` : '',
    t.failed ? `${t.failed} failed` : '',
    t.approval ? `${t.approval} need approval` : '',
  ].filter(Boolean);
  const title = `Stacks ${rows.length === total ? total : `${rows.length} of ${total}`} · sort: ${sort}${reverse ? ' (reversed)' : ''}${filter ? ` · filter: ${filter}` : ''}`;
  const current = rows[index];
  return (
    <Box flexDirection="row" width={width} height={height}>
      <Box flexDirection="column" width={tableWidth} height={height}>
        <Box width={tableWidth} height={1}>
          <Text wrap="truncate">
            <Text bold>{title}</Text>
            {counts.length ? <Text color={theme.status.muted}>{`  ${counts.join(' · ')}`}</Text> : null}
          </Text>
        </Box>
        <Box width={tableWidth} height={1}>
          <Text wrap="truncate" bold color={theme.text.secondary}>
            {' '.repeat(MARK)}
            {cols.map((c, i) => fit(c.title, c.width) + (i < cols.length - 1 ? ' '.repeat(GAP) : '')).join('')}
          </Text>
        </Box>
        {rows.length === 0 ? (
          <Text color={theme.status.muted} wrap="wrap">
            {total === 0 && readError
              ? `The stacks could not be read: ${readError}`
              : total === 0
                ? `No stacks yet: design one (press ${keys('global.day0')}), register a folder with \`dayops stack add DIR\`, or try \`dayops demo\`.`
                : `No stack matches the filter "${filter}". ${keys('day2.dashboard.clear')} clears it; ${SORT_LABELS.status} sorts the worst first (${keys('day2.dashboard.sort')}).`}
          </Text>
        ) : (
          shown.map((r) => {
            const sel = r.name === current?.name;
            return (
              <Box key={r.name} width={tableWidth} height={1}>
                <Text wrap="truncate" inverse={sel}>
                  <Text>{sel ? '› ' : '  '}</Text>
                  {cols.map((c, i) => {
                    const cell = cellOf(r, c);
                    return (
                      <Text key={c.key} color={toneColor(cell.tone)} bold={c.key === 'name' && sel}>
                        {fit(cell.text, c.width) + (i < cols.length - 1 ? ' '.repeat(GAP) : '')}
                      </Text>
                    );
                  })}
                </Text>
              </Box>
            );
          })
        )}
        {pipeHeight > 0 ? <Box flexGrow={1} /> : null}
        {pipeHeight > 0 ? (
          <Box flexDirection="column" width={tableWidth} height={pipeHeight} flexShrink={0}>
            <Text wrap="truncate" bold color={theme.text.secondary}>
              Promotion: the revision each environment runs
            </Text>
            {pipelines.slice(0, pipeHeight - 1).map((p) => (
              <Text key={p.name} wrap="truncate" color={toneColor(pipelineTone(p))}>
                {`  ${pipelineLine(p)}`}
              </Text>
            ))}
          </Box>
        ) : null}
      </Box>
      {side && current ? (
        <Box
          flexDirection="column"
          width={sideWidth + 1}
          height={height}
          paddingLeft={1}
          borderStyle="single"
          borderTop={false}
          borderBottom={false}
          borderRight={false}
          borderColor={theme.border}
        >
          <Lines lines={stackSummaryLines(current.status, now)} width={sideWidth - 2} height={height} wrap />
        </Box>
      ) : null}
    </Box>
  );
}
