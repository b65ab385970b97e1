/**
 * A stack's Day-2 detail: its sections (drift, alerts, snapshots, runs, audit) as lists with a cursor, each with
 * a header of its figures, and the item under the cursor described in a side panel (wide terminals) or under the
 * list. Enter on an alert opens its detail with what changed before it fired.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import { useRef } from 'react';
import type { DB } from '../../src/db/open.js';
import type { StackStatus } from '../../src/day2/status.js';
import { DAY2_SECTIONS, type Day2Section } from '../../store/day2.js';
import { theme } from '../theme.js';
import type { SectionData } from './data.js';
import { itemDetail, itemLine, openItemLines, sectionHeader, wrapLines, type Item, type Line } from './sections.js';
import { Lines, Spans, windowTop } from './ui.js';

/** Side panel from this width on. */
export const DETAIL_SIDE_MIN = 120;

const TITLES: Record<Day2Section, string> = {
  drift: 'Drift',
  alerts: 'Alerts',
  snapshots: 'Snapshots',
  runs: 'Runs',
  audit: 'Audit',
};

function sectionCount(s: StackStatus, section: Day2Section, items: Item[], open: Day2Section): string {
  switch (section) {
    case 'drift':
      return s.drift.status === 'drifted' ? ` ${s.drift.drifted}` : '';
    case 'alerts':
      return s.alerts.total || s.failedChecks.length
        ? ` ${s.alerts.total}${s.failedChecks.length ? ` +${s.failedChecks.length} check${s.failedChecks.length === 1 ? '' : 's'}` : ''}`
        : '';
    case 'snapshots':
      return s.backup.snapshotCount ? ` ${s.backup.snapshotCount}` : '';
    default:
      return section === open && items.length ? ` ${items.length}` : '';
  }
}

export interface DetailLayout {
  listHeight: number;
  alertHeight: number;
}

/** How many list rows (and alert detail lines) fit: title, tabs, section header, and the description below. */
export function detailLayout(width: number, height: number, headerLines: number): DetailLayout {
  const below = width >= DETAIL_SIDE_MIN ? 0 : height >= 18 ? Math.min(7, Math.floor((height - 4) / 3)) : 0;
  return {
    listHeight: Math.max(1, height - 2 - headerLines - below - (below ? 1 : 0)),
    alertHeight: Math.max(1, height - 2),
  };
}

export interface DetailProps {
  db: DB;
  status: StackStatus;
  section: Day2Section;
  data: SectionData[Day2Section] | null;
  error: string | null;
  items: Item[];
  cursor: number;
  alert: Item | undefined;
  alertScroll: number;
  width: number;
  height: number;
  now: number;
  banner: Line | null;
}

export function detailHeaderLines(
  section: Day2Section,
  status: StackStatus,
  data: SectionData[Day2Section] | null,
  now: number,
  banner: Line | null,
  width: number,
): Line[] {
  return wrapLines([...(banner ? [banner] : []), ...sectionHeader(section, status, data, now)], width, 2);
}

export function Detail({
  db,
  status,
  section,
  data,
  error,
  items,
  cursor,
  alert,
  alertScroll,
  width,
  height,
  now,
  banner,
}: DetailProps) {
  const header = detailHeaderLines(section, status, data, now, banner, width);
  const layout = detailLayout(width, height, header.length);
  const topRef = useRef(0);
  const index = Math.min(cursor, Math.max(0, items.length - 1));
  const top = windowTop(topRef.current, index, layout.listHeight, items.length);
  topRef.current = top;
  const title = (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        <Text bold>{status.name}</Text>
        <Text
          color={status.environment === 'prod' ? theme.text.accent : theme.text.secondary}
        >{` ${status.environment} · ${status.tool}`}</Text>
        <Text color={theme.text.secondary}>{`  ${status.dir}`}</Text>
      </Text>
    </Box>
  );
  if (alert && (alert.kind === 'alert' || alert.kind === 'drift')) {
    const lines = openItemLines(alert, now, db, width);
    const name = alert.kind === 'alert' ? `Alert ${alert.alert.alertname}` : `Change of ${alert.resource.address}`;
    return (
      <Box flexDirection="column" width={width} height={height}>
        {title}
        <Box width={width} height={1}>
          <Text wrap="truncate" color={theme.text.secondary}>
            {`${name} · ${lines.length > layout.alertHeight ? `lines ${alertScroll + 1}-${Math.min(lines.length, alertScroll + layout.alertHeight)} of ${lines.length} · ` : ''}Esc back`}
          </Text>
        </Box>
        <Lines lines={lines} width={width} height={layout.alertHeight} offset={alertScroll} />
      </Box>
    );
  }
  const side = width >= DETAIL_SIDE_MIN;
  // The item's description gets the room a wide terminal has (the list keeps at least its 72 columns).
  const sideWidth = side ? Math.max(Math.floor(width * 0.4), Math.min(width - 72, Math.floor(width * 0.5))) : 0;
  const listWidth = width - (side ? sideWidth + 1 : 0);
  const below = !side && height >= 18 ? height - 2 - header.length - layout.listHeight - 1 : 0;
  const current = items[index];
  const detail = current ? itemDetail(current, now) : [];
  const shown = items.slice(top, top + layout.listHeight);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {title}
      <Box width={width} height={1}>
        <Text wrap="truncate">
          {DAY2_SECTIONS.map((sec) => {
            const label = `${TITLES[sec]}${sectionCount(status, sec, items, section)}`;
            return sec === section ? (
              <Text key={sec} inverse bold>
                {theme.color ? ` ${label} ` : `[${label}]`}
              </Text>
            ) : (
              <Text key={sec} color={theme.text.secondary}>{` ${label} `}</Text>
            );
          })}
          <Text color={theme.text.secondary}>{'  ←/→ sections'}</Text>
        </Text>
      </Box>
      <Lines lines={header} width={width} height={header.length} />
      <Box flexDirection="row" width={width} height={layout.listHeight + (below ? below + 1 : 0)}>
        <Box flexDirection="column" width={listWidth}>
          <Box flexDirection="column" width={listWidth} height={layout.listHeight}>
            {error ? <Text color={theme.status.error}>{error}</Text> : null}
            {!error && items.length === 0 ? <Text color={theme.status.muted}>{emptyText(section)}</Text> : null}
            {shown.map((it) => (
              <Box key={it.key} width={listWidth} height={1}>
                <Spans
                  cells={[{ text: it === current ? '› ' : '  ', tone: undefined }, ...itemLine(it, now)]}
                  inverse={it === current}
                />
              </Box>
            ))}
          </Box>
          {below > 0 ? (
            <Box
              flexDirection="column"
              width={listWidth}
              height={below + 1}
              borderStyle="single"
              borderLeft={false}
              borderRight={false}
              borderBottom={false}
              borderColor={theme.border}
            >
              <Lines lines={detail} width={listWidth} height={below} wrap />
            </Box>
          ) : null}
        </Box>
        {side ? (
          <Box
            flexDirection="column"
            width={sideWidth + 1}
            paddingLeft={1}
            borderStyle="single"
            borderTop={false}
            borderBottom={false}
            borderRight={false}
            borderColor={theme.border}
          >
            <Lines lines={detail} width={sideWidth - 2} height={layout.listHeight} wrap />
          </Box>
        ) : null}
      </Box>
    </Box>
  );
}

function emptyText(section: Day2Section): string {
  switch (section) {
    case 'drift':
      return 'Nothing drifted in the last check. D checks now.';
    case 'alerts':
      return 'No alert cached for this stack.';
    case 'snapshots':
      return 'No snapshot cached. b backs up now.';
    case 'runs':
      return 'No runs yet.';
    case 'audit':
      return 'Nothing in the audit log for this stack yet.';
  }
}
