/**
 * Day-1: runs of the stacks, their live logs, plans and approvals.
 *
 * The list screen is the runs table (newest first, filtered by stack with ←/→). Enter opens a run in the run
 * view: its log in a pane that follows new lines, and its plan panel; `s` adds a run to the split view so
 * several logs stream at once (side by side when there is room, else stacked). On a wide terminal the run view
 * keeps the runs list on its left. `p` and `t` start a proposed or tracked run; `a`, `d`, `c` approve, discard
 * and cancel after a confirm. Everything shown is read from the database (reloaded when `dataVersion` moves,
 * so runs of other dayops processes appear too) or, for lines not stored yet, from the run service's events.
 */
import { keys } from '../day0/keys.js';
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunDetail, RunRecord } from '../../src/db/runs.js';
import { isTerminal } from '../../src/day1/runner/state.js';
import type { Stack } from '../../src/domain/stack.js';
import { useAppStore, useAppStoreApi } from '../../store/index.js';
import { useServices } from '../AppContext.js';
import { actionDetail } from '../../src/app/day1/index.js';
import { useKeys } from '../layout/KeyInput.js';
import { useKeyContexts } from '../layout/useKeyContexts.js';
import { theme } from '../theme.js';
import { day1Contexts, effectiveFocus, handleDay1Key, selectedIndex, type Day1Ctx } from './controller.js';
import { ActionDialog, actionDialogLines, SearchPrompt, StackPicker, type DialogChange } from './Dialogs.js';
import { CHANGE_SYMBOL } from './format.js';
import { day1Layout, type Day1Layout } from './layout.js';
import { LogPane, type Viewport } from './LogPane.js';
import { LogSource, LogWindow } from './log-window.js';
import { PlanPanel } from './PlanPanel.js';
import { RunsTable } from './RunsTable.js';
import { groupCascades } from '../../src/app/day1/cascade.js';
import { liveLines, runService, useLiveTick } from './runtime.js';

/** Runs listed at first; more load as the cursor nears the end. */
const PAGE = 200;

/** Re-render every second while something on screen is running (live durations). */
function useClock(active: boolean): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [active]);
  return Date.now();
}

export function Day1View({ width, height }: { width: number; height: number }) {
  const services = useServices();
  const store = useAppStoreApi();
  const svc = runService(services);
  const live = liveLines(services);
  const source = useMemo(() => new LogSource(svc.logs, live), [svc, live]);
  const d = useAppStore((s) => s.day1);
  const dataVersion = useAppStore((s) => s.dataVersion);

  // State changes made here show at once; other processes' through dataVersion.
  const [stateTick, setStateTick] = useState(0);
  useEffect(() => {
    const on = () => setStateTick((t) => t + 1);
    svc.on('state', on);
    return () => {
      svc.off('state', on);
    };
  }, [svc]);
  // A check of a run validating here started or ended: the plan panel shows it at once.
  const [checksTick, setChecksTick] = useState(0);
  useEffect(() => {
    const on = () => setChecksTick((t) => t + 1);
    svc.on('checks', on);
    return () => {
      svc.off('checks', on);
    };
  }, [svc]);
  useLiveTick(d.panes.map((p) => p.runId));

  const [limit, setLimit] = useState(PAGE);
  // dataVersion and stateTick say when to read the database again.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stacks = useMemo<Stack[]>(() => svc.stacks.list(), [svc, dataVersion]);
  // A cascade (issue 12) is one group: its runs under the run that started it.
  const { runs, marks: cascadeMarks } = useMemo(() => {
    const list = svc.runs.list({ stack: d.stackFilter ?? undefined, limit });
    return groupCascades<RunRecord>(list, svc.dependencies.rootsOf(list.map((r) => r.id)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [svc, d.stackFilter, limit, dataVersion, stateTick]);
  const paneRuns = d.panes.map((p) => svc.get(p.runId));
  const now = useClock(runs.some((r) => !isTerminal(r.state)) || paneRuns.some((r) => r && !isTerminal(r.state)));

  // What an approve/discard dialog confirms: the run's summary and its plan's changes, the dialog sized to them.
  const actionRunId = d.dialog?.kind === 'action' ? d.dialog.runId : null;
  const actionData = useMemo(() => {
    if (actionRunId === null) return { detail: '', changes: [] as DialogChange[] };
    const changes = (svc.detail(actionRunId)?.plan?.changes ?? [])
      .filter((c) => c.action !== 'no-op')
      .map((c) => ({ symbol: CHANGE_SYMBOL[c.action] ?? c.action, address: c.task ?? c.address, action: c.action }));
    return { detail: actionDetail(svc, actionRunId), changes };
  }, [svc, actionRunId, dataVersion]); // eslint-disable-line react-hooks/exhaustive-deps
  const actionDialog = actionData;
  const actionRows =
    d.dialog?.kind === 'action'
      ? actionDialogLines(d.dialog, actionData.detail, actionData.changes, width).length + 1
      : undefined;
  const lay = day1Layout(width, height, d, stacks.length, actionRows);
  const focus = effectiveFocus(d, lay);
  // The run the run-level keys would act on: the one under the list's cursor, or the focused pane's.
  const keyRun = focus === 'list' ? runs[selectedIndex(d, runs)] : paneRuns[d.pane];
  useKeyContexts(day1Contexts(d, lay, keyRun));

  // The header names the stack the view is about.
  const focusedRun = lay.screen === 'run' ? paneRuns[d.pane] : undefined;
  const headerStack = focusedRun
    ? { name: focusedRun.stackName, environment: focusedRun.stackEnvironment }
    : d.stackFilter
      ? (() => {
          const st = stacks.find((x) => x.name === d.stackFilter);
          return st ? { name: st.name, environment: st.environment } : null;
        })()
      : null;
  const headerName = headerStack?.name;
  const headerEnvironment = headerStack?.environment;
  useEffect(() => {
    const cur = store.getState().currentStack;
    if (cur?.name !== headerName || cur?.environment !== headerEnvironment) {
      store
        .getState()
        .setCurrentStack(headerName && headerEnvironment ? { name: headerName, environment: headerEnvironment } : null);
    }
  }, [headerName, headerEnvironment, store]);

  // One log window per open run; forgotten when its pane closes.
  const windows = useRef(new Map<number, LogWindow>());
  for (const id of [...windows.current.keys()]) if (!d.panes.some((p) => p.runId === id)) windows.current.delete(id);
  const windowOf = (runId: number) => {
    let w = windows.current.get(runId);
    if (!w) {
      w = new LogWindow(source, runId);
      windows.current.set(runId, w);
    }
    return w;
  };

  const viewports = useRef(new Map<number, Viewport>());
  const planInfo = useRef({ total: 0, visible: 0 });
  const latest = useRef({ width, height, runs, stacks });
  latest.current = { width, height, runs, stacks };
  const ctx = useMemo<Day1Ctx>(
    () => ({
      store,
      services,
      svc,
      source,
      layout: (): Day1Layout =>
        day1Layout(latest.current.width, latest.current.height, store.getState().day1, latest.current.stacks.length),
      runs: () => latest.current.runs,
      stacks: () => latest.current.stacks,
      viewport: (i) => viewports.current.get(i),
      planRows: () => planInfo.current,
      loadMore: () => setLimit((l) => (latest.current.runs.length >= l ? l + PAGE : l)),
    }),
    [store, services, svc, source],
  );
  useKeys((input, key) => handleDay1Key(input, key, ctx));

  // The plan panel's run: the focused pane's. Its detail is read again when its state changes, or while it waits
  // for approvals or validates when anything changes (an approval from another process, a check that ended).
  const selIndex = selectedIndex(d, runs);
  const planRun = !lay.plan
    ? undefined
    : lay.screen === 'list'
      ? selIndex >= 0
        ? runs[selIndex]
        : undefined
      : paneRuns[Math.min(d.pane, paneRuns.length - 1)];
  const detailKey = planRun
    ? `${planRun.id}:${planRun.state}:${planRun.state === 'UNCONFIRMED' || planRun.state === 'VALIDATING' ? `${dataVersion}:${checksTick}` : ''}`
    : '';
  const detail = useMemo<RunDetail | undefined>(() => (planRun ? svc.detail(planRun.id) : undefined), [detailKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const open = new Set(d.panes.map((p) => p.runId));
  const emptyText =
    stacks.length === 0
      ? `No stacks registered yet. Design one on Day-0 (press ${keys('global.day0')}), or register a folder with \`dayops stack add DIR\`.`
      : `No runs${d.stackFilter ? ` of ${d.stackFilter}` : ''} yet. ${keys('day1.list.tracked')} starts a tracked run (plan, approval, apply); ${keys('day1.list.proposed')} a proposed run (plan only).`;

  const dialog = d.dialog;
  let dialogView = null;
  if (dialog?.kind === 'pick')
    dialogView = <StackPicker d={dialog} stacks={stacks} width={width} height={lay.dialogHeight} />;
  else if (dialog?.kind === 'search') dialogView = <SearchPrompt d={dialog} width={width} />;
  else if (dialog?.kind === 'action')
    dialogView = (
      <ActionDialog
        d={dialog}
        width={width}
        height={lay.dialogHeight}
        detail={actionDialog.detail}
        changes={actionDialog.changes}
        scroll={dialog.scroll ?? 0}
      />
    );

  let main;
  const planPanel = lay.plan ? (
    <PlanPanel
      detail={detail}
      width={lay.plan.width}
      height={lay.mainHeight}
      focused={focus === 'plan' && !dialog}
      scroll={lay.screen === 'run' ? d.planScroll : 0}
      now={now}
      user={svc.user}
      onRows={(total, visible) => {
        planInfo.current = { total, visible };
      }}
    />
  ) : null;
  if (lay.screen === 'list') {
    const listW = lay.list?.width ?? width;
    main = (
      <Box flexDirection="row" width={width} height={lay.mainHeight}>
        <Box flexDirection="column" width={listW} height={lay.mainHeight} flexShrink={0}>
          <StackBar stacks={stacks} filter={d.stackFilter} width={listW} count={runs.length} />
          <RunsTable
            runs={runs}
            marks={cascadeMarks}
            selectedIndex={selIndex}
            width={listW}
            height={lay.mainHeight - 1}
            now={now}
            focused={!dialog}
            open={open}
            empty={emptyText}
          />
        </Box>
        {planPanel}
      </Box>
    );
  } else {
    const searchDialog = dialog?.kind === 'search' ? dialog : null;
    const panes = lay.panes.map((box, i) => {
      const pane = d.panes[i];
      return (
        <LogPane
          key={`${i}:${pane.runId}`}
          pane={pane}
          index={i}
          focused={focus === 'pane' && d.pane === i && !dialog}
          width={box.width}
          height={box.height}
          run={paneRuns[i]}
          source={source}
          window={windowOf(pane.runId)}
          query={searchDialog && searchDialog.pane === i ? searchDialog.text : pane.search}
          colour={theme.color}
          onViewport={(index, vp) => viewports.current.set(index, vp)}
        />
      );
    });
    main = (
      <Box flexDirection="row" width={width} height={lay.mainHeight}>
        {lay.list ? (
          <Box
            flexDirection="column"
            width={lay.list.width}
            height={lay.mainHeight}
            borderStyle={focus === 'list' ? 'double' : 'single'}
            borderColor={focus === 'list' ? theme.focusBorder : theme.border}
            flexShrink={0}
          >
            <StackBar stacks={stacks} filter={d.stackFilter} width={lay.list.width - 2} count={runs.length} compact />
            <RunsTable
              runs={runs}
              marks={cascadeMarks}
              selectedIndex={selIndex}
              width={lay.list.width - 2}
              height={lay.mainHeight - 3}
              now={now}
              focused={focus === 'list' && !dialog}
              open={open}
              empty={emptyText}
            />
          </Box>
        ) : null}
        {lay.panes.length > 0 ? (
          <Box flexDirection={lay.panesDirection} flexGrow={1} height={lay.mainHeight}>
            {panes}
          </Box>
        ) : null}
        {planPanel}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {main}
      {dialogView}
    </Box>
  );
}

/** `Stacks: [all] payments web` with the filtered one marked; ←/→ move it. */
function StackBar({
  stacks,
  filter,
  width,
  count,
  compact,
}: {
  stacks: Stack[];
  filter: string | null;
  width: number;
  count: number;
  compact?: boolean;
}) {
  if (compact) {
    return (
      <Text wrap="truncate" color={theme.text.secondary}>
        {' '}
        Runs of <Text bold>{filter ?? 'all stacks'}</Text> ({count}) ←/→
      </Text>
    );
  }
  const items = [
    { name: 'all', key: null as string | null, prod: false },
    ...stacks.map((s) => ({ name: s.name, key: s.name as string | null, prod: s.environment === 'prod' })),
  ];
  const cur = Math.max(
    0,
    items.findIndex((i) => i.key === filter),
  );
  const right = `${count} run${count === 1 ? '' : 's'}${filter ? ` of ${filter}` : ''} `;
  const room = width - 'Stacks ←/→: '.length - right.length - 2;
  // Show a run of names around the current one that fits.
  let start = 0;
  const widthOf = (i: number) => items[i].name.length + 3;
  let used = 0;
  for (let i = cur; i >= 0; i--) {
    if (used + widthOf(i) > room / 2 && i !== cur) break;
    used += widthOf(i);
    start = i;
  }
  const shown: typeof items = [];
  used = 0;
  for (let i = start; i < items.length; i++) {
    if (used + widthOf(i) > room) break;
    used += widthOf(i);
    shown.push(items[i]);
  }
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} overflow="hidden">
        <Text wrap="truncate">
          <Text color={theme.text.secondary}>Stacks ←/→: </Text>
          {start > 0 ? <Text color={theme.text.secondary}>‹ </Text> : null}
          {shown.map((i) =>
            i.key === filter ? (
              <Text key={i.name} inverse bold>
                {theme.color ? ` ${i.name} ` : `[${i.name}]`}
              </Text>
            ) : (
              <Text key={i.name} color={i.prod ? theme.status.error : undefined}>
                {` ${i.name} `}
              </Text>
            ),
          )}
          <Text> </Text>
        </Text>
      </Box>
      <Text color={theme.text.secondary}>{right}</Text>
    </Box>
  );
}
