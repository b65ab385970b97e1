/**
 * Day-2 · Operate: the dashboard of every stack (drift, alerts, backups, last run) and a stack's detail, a
 * status line saying what is refreshing in the background and what is stale, and the dialogs of the actions.
 * Data comes from SQLite (reloaded on `dataVersion`); the network and the tools are only touched in the
 * background (the refresher, the scheduler, the actions), so keys never wait.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import { isTerminal } from '../../src/day1/runner/state.js';
import { runKindName, stateText, WAITING_SYMBOL } from '../../src/domain/run-words.js';
import { keys } from '../day0/keys.js';
import type { Refresher, RefreshState } from '../../src/day2/refresh.js';
import type { Services } from '../../src/services.js';
import { DAY2_START_DELAY_MS } from '../../src/startup.js';
import { useAppStore, useAppStoreApi } from '../../store/index.js';
import type { AppStore } from '../../store/index.js';
import { useServices } from '../AppContext.js';
import { useKeys } from '../layout/KeyInput.js';
import { useKeyContexts } from '../layout/useKeyContexts.js';
import { theme } from '../theme.js';
import { TextFieldView } from '../day0/TextField.js';
import { handleKey, visibleRows, type Screen } from './controller.js';
import { Dashboard, dashboardListHeight } from './Dashboard.js';
import { usePipelines, useSection, useStatuses } from './data.js';
import { Detail, detailHeaderLines, detailLayout } from './Detail.js';
import { DialogBox, dialogHeight } from './DialogBox.js';
import { checkDriftNow, FLOWS, type Ctx } from './flows.js';
import { SYMBOL } from '../../src/app/day2/format.js';
import { toRow } from '../../src/app/day2/dashboard.js';
import { runIndexInSection, runOf } from '../../src/app/day2/readers.js';
import { itemsOf, line, openItemLines, type Line } from './sections.js';

/**
 * The refresher's state, following its change events. The app starts the refresher just after the first frame
 * (src/startup.ts); it is looked up a moment later so this view never makes one of its own first.
 */
function useRefreshState(services: Services): RefreshState {
  const [state, setState] = useState<RefreshState>({
    refreshing: [],
    stale: [],
    lastAlertsAt: null,
    lastSnapshotsAt: null,
  });
  useEffect(() => {
    let refresher: Refresher | undefined;
    let gone = false;
    const on = (s: RefreshState) => setState(s);
    const t = setTimeout(() => {
      void import('../../src/day2/refresh.js').then(({ REFRESHER }) => {
        if (gone) return;
        try {
          refresher = services.use(REFRESHER);
        } catch {
          return; // shutting down
        }
        refresher.on('change', on);
        setState(refresher.state());
      });
    }, DAY2_START_DELAY_MS + 100);
    return () => {
      gone = true;
      clearTimeout(t);
      refresher?.off('change', on);
    };
  }, [services]);
  return state;
}

/** "alerts: a, b · backups: c", with "alerts: 12 stacks" when a kind has many. */
export function groupLabels(labels: readonly string[], many = 3): string {
  const byKind = new Map<string, string[]>();
  for (const l of labels) {
    const i = l.indexOf(': ');
    const kind = i > 0 ? l.slice(0, i) : l;
    const name = i > 0 ? l.slice(i + 2) : '';
    byKind.set(kind, [...(byKind.get(kind) ?? []), name]);
  }
  return [...byKind]
    .map(([kind, names]) =>
      names.length > many ? `${kind} ${names.length} stacks` : `${kind} ${names.filter(Boolean).join(', ')}`.trim(),
    )
    .join(' · ');
}

/** The status line: what is being done now (this view's actions, the refresher) and what is stale. */
export function statusLineText(
  busy: readonly string[],
  refresh: RefreshState,
): { text: string; tone: 'running' | 'warning' | 'muted' }[] {
  const parts: { text: string; tone: 'running' | 'warning' | 'muted' }[] = [];
  if (busy.length) parts.push({ text: `${SYMBOL.running} ${busy.join(', ')}`, tone: 'running' });
  if (refresh.refreshing.length) parts.push({ text: `refreshing ${groupLabels(refresh.refreshing)}`, tone: 'running' });
  if (refresh.stale.length)
    parts.push({ text: `${SYMBOL.stale} stale: ${groupLabels(refresh.stale)}`, tone: 'warning' });
  if (parts.length === 0)
    parts.push({ text: refresh.lastAlertsAt ? 'every figure is fresh' : 'figures from the cache', tone: 'muted' });
  return parts;
}

/** Follow a remediation or approval started here: tell when it waits for approval and when it ends. */
function useWatchedRun(services: Services, store: AppStore): Line | null {
  const watch = useAppStore((s) => s.day2.watchRun);
  const dataVersion = useAppStore((s) => s.dataVersion);
  const seen = useRef<string>('');
  const [banner, setBanner] = useState<Line | null>(null);
  useEffect(() => {
    if (!watch) {
      setBanner(null);
      return;
    }
    let run;
    try {
      run = runOf(services, watch.runId);
    } catch {
      return;
    }
    if (!run) return;
    const key = `${watch.runId}:${run.state}`;
    const s = store.getState();
    if (run.state === 'UNCONFIRMED') {
      setBanner(
        line(
          `${WAITING_SYMBOL} run #${run.id} (${runKindName(run)}) waits for approval: in Runs, ${keys('day2.runs.approve')} approves, ${keys('day2.runs.discard')} discards, ${keys('day2.runs.open')} opens it in Day-1`,
          'warning',
        ),
      );
      if (seen.current !== key) {
        seen.current = key;
        s.showFlash(
          'warning',
          `${WAITING_SYMBOL} run #${run.id} of ${watch.stack} waits for your approval: ${keys('day2.runs.approve')} approves it (Runs)`,
        );
        if (s.day2.screen === 'detail' && s.day2.stack === watch.stack && !s.day2.dialog) {
          const index = runIndexInSection(services, watch.stack, run.id);
          s.day2SetSection('runs');
          s.day2SetCursor('runs', Math.max(0, index));
        }
      }
    } else if (isTerminal(run.state)) {
      if (seen.current !== key) {
        seen.current = key;
        const sum = run.summary ? ` (+${run.summary.add} ~${run.summary.change} -${run.summary.destroy})` : '';
        s.showFlash(
          run.state === 'FINISHED' ? 'info' : 'error',
          `run #${run.id} of ${watch.stack} ${stateText(run.state)}${sum}${run.error ? `: ${run.error}` : ''}`,
        );
        // A finished remediation: check again, so the drift figures say what is left.
        if (run.purpose === 'remediation' && run.state === 'FINISHED') checkDriftNow({ services, store }, watch.stack);
      }
      setBanner(null);
      s.day2Watch(null);
    } else {
      setBanner(line(`${stateText(run.state)} ${runKindName(run)} run #${run.id}`, 'running'));
    }
  }, [watch, dataVersion, services, store]);
  return watch ? banner : null;
}

export function Day2View({ width, height }: { width: number; height: number }) {
  const services = useServices();
  const store = useAppStoreApi();
  const day2 = useAppStore((s) => s.day2);
  const busy = day2.busy;
  const { statuses, pending, now, error } = useStatuses();
  const pipelines = usePipelines();
  const refresh = useRefreshState(services);
  const banner = useWatchedRun(services, store);

  const rows = useMemo(() => statuses.map((s) => toRow(s, now, pending.has(s.name))), [statuses, now, pending]);
  const visible = useMemo(
    () => visibleRows(rows, day2.filter, day2.sort, day2.sortReverse),
    [rows, day2.filter, day2.sort, day2.sortReverse],
  );

  const detailStatus = day2.screen === 'detail' ? statuses.find((s) => s.name === day2.stack) : undefined;
  const { data, error: sectionError } = useSection(detailStatus, day2.section, now);
  const items = useMemo(() => itemsOf(day2.section, data), [day2.section, data]);
  // The item opened on the whole body: an alert, or a drifted resource's change.
  const openAlert =
    day2.alert !== null
      ? items.find((i) => (i.kind === 'alert' || i.kind === 'drift') && i.key === day2.alert)
      : undefined;

  const dlgHeight = dialogHeight(day2.dialog, width);
  const bodyHeight = Math.max(3, height - 1 - dlgHeight);
  const headerLines = detailStatus ? detailHeaderLines(day2.section, detailStatus, data, now, banner, width).length : 0;
  const layout = detailLayout(width, bodyHeight, headerLines);
  const alertLineCount = openAlert ? openItemLines(openAlert, now, services.db, width).length : 0;

  // What the key handler needs, as of the last render (state itself is read from the store per key).
  const screen = useRef<Screen>({ rows: [], dashboardPage: 1, items: [], itemsPage: 1, alertLines: 0, alertPage: 1 });
  screen.current = {
    rows,
    dashboardPage: dashboardListHeight(bodyHeight, pipelines),
    items,
    itemsPage: layout.listHeight,
    alertLines: alertLineCount,
    alertPage: layout.alertHeight,
  };
  const ctx = useMemo<Ctx>(() => ({ services, store }), [services, store]);
  useKeys((input, key) => handleKey(ctx, screen.current, input, key));

  // The detail of a stack that is gone (removed elsewhere) falls back to the dashboard.
  useEffect(() => {
    if (day2.screen === 'detail' && statuses.length && !detailStatus) store.getState().day2Back();
  }, [day2.screen, detailStatus, statuses.length, store]);

  // The header names the stack this view is about.
  const headerStack =
    day2.screen === 'detail'
      ? detailStatus
      : statuses.find((s) => s.name === (visible.find((r) => r.name === day2.selected) ?? visible[0])?.name);
  useEffect(() => {
    store
      .getState()
      .setCurrentStack(headerStack ? { name: headerStack.name, environment: headerStack.environment } : null);
  }, [headerStack?.name, headerStack?.environment, store]); // eslint-disable-line react-hooks/exhaustive-deps

  const contexts = day2.dialog
    ? [
        FLOWS[day2.dialog.action][day2.dialog.step]?.kind === 'choice'
          ? 'day2.choose'
          : FLOWS[day2.dialog.action][day2.dialog.step]?.kind === 'confirm'
            ? 'day2.confirm'
            : 'day2.prompt',
      ]
    : day2.filterEditing
      ? ['day2.filter']
      : day2.screen === 'dashboard'
        ? ['day2.dashboard', 'nav']
        : day2.alert !== null
          ? [openAlert?.kind === 'drift' ? 'day2.change' : 'day2.alert', 'nav']
          : [`day2.${day2.section}`, 'day2.detail', 'nav'];
  useKeyContexts(contexts);

  const status = statusLineText(busy, refresh);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box width={width} height={bodyHeight} overflow="hidden">
        {day2.screen === 'detail' && detailStatus ? (
          <Detail
            db={services.db}
            status={detailStatus}
            section={day2.section}
            data={data}
            error={sectionError}
            items={items}
            cursor={day2.cursors[day2.section]}
            alert={openAlert}
            alertScroll={day2.alertScroll}
            width={width}
            height={bodyHeight}
            now={now}
            banner={banner}
          />
        ) : (
          <Dashboard
            rows={visible}
            total={rows.length}
            readError={error}
            width={width}
            height={bodyHeight}
            selected={day2.selected}
            now={now}
            sort={day2.sort}
            reverse={day2.sortReverse}
            filter={day2.filter}
            pipelines={pipelines}
          />
        )}
      </Box>
      {day2.dialog ? <DialogBox dialog={day2.dialog} width={width} now={Date.now()} /> : null}
      <Box width={width} height={1}>
        {day2.filterEditing ? (
          <Text wrap="truncate">
            <Text color={theme.text.accent}>/</Text>
            <TextFieldView text={day2.filter} cursor={day2.filterCursor} />
            <Text color={theme.text.secondary}>
              {'  name, env or status word (drifted, critical, late, stale…); !word inverts'}
            </Text>
          </Text>
        ) : (
          <Text wrap="truncate">
            {error ? <Text color={theme.status.error}>{`${SYMBOL.error} ${error}  `}</Text> : null}
            {status.map((p, i) => (
              <Text
                key={i}
                color={
                  p.tone === 'running'
                    ? theme.status.running
                    : p.tone === 'warning'
                      ? theme.status.warning
                      : theme.status.muted
                }
              >
                {i ? ' · ' : ''}
                {p.text}
              </Text>
            ))}
          </Text>
        )}
      </Box>
    </Box>
  );
}
