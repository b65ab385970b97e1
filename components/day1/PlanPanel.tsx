/**
 * The plan panel of a run: what it is and where it stands, the approvals so far (n of N, by whom), every
 * resource change with Terraform's symbol (+ ~ -/+ - <= →) or, for Ansible, task, host and status, the drift,
 * the diagnostics, the policy results (fired or passed, with their messages) and what the apply did.
 * Long messages wrap; the panel scrolls when it is focused.
 */
import { Box } from 'ink';
import { Text } from '../layout/Text.js';
import type { RunDetail } from '../../src/db/runs.js';
import { isTerminal } from '../../src/day1/runner/state.js';
import type { PolicyResult } from '../../src/domain/policies.js';
import { formatSummary, type Diagnostic, type ResourceChange } from '../../src/domain/plan.js';
import { keys } from '../day0/keys.js';
import { theme } from '../theme.js';
import {
  CHANGE_SYMBOL,
  changeColor,
  formatDuration,
  formatWhen,
  hostStatusColor,
  kindLabel,
  stateColor,
  stateLabel,
} from './format.js';

export interface Span {
  text: string;
  color?: string;
  bold?: boolean;
}
export type PlanRow = Span[];

/** Words of `text` in lines of at most `width` columns (a word longer than a line is cut). */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      let wd = word;
      while (wd.length > w) {
        if (line) {
          out.push(line);
          line = '';
        }
        out.push(wd.slice(0, w));
        wd = wd.slice(w);
      }
      if (!line) line = wd;
      else if (line.length + 1 + wd.length <= w) line += ` ${wd}`;
      else {
        out.push(line);
        line = wd;
      }
    }
    out.push(line);
  }
  return out;
}

const heading = (text: string): PlanRow => [{ text, bold: true, color: theme.text.accent }];
const blank: PlanRow = [{ text: '' }];

function changeRow(c: ResourceChange): PlanRow {
  const sym = CHANGE_SYMBOL[c.action] ?? c.action;
  const color = changeColor(c.action);
  if (c.task || c.host) {
    return [
      { text: `${sym.padEnd(3)} `, color },
      { text: c.task ?? c.address },
      { text: ` · ${c.host ?? ''}`, color: theme.text.secondary },
      { text: ` · ${c.status ?? c.action}`, color: hostStatusColor(c.status) },
    ];
  }
  const extra =
    c.action === 'move' && c.previousAddress
      ? ` from ${c.previousAddress}`
      : c.previousAddress
        ? ` (moved from ${c.previousAddress})`
        : c.reason
          ? ` (${c.reason.replace(/_/g, ' ')})`
          : '';
  return [
    { text: `${sym.padEnd(3)} `, color },
    { text: c.address },
    { text: ` ${c.action}${extra}`, color: theme.text.secondary },
  ];
}

/** A change on one row, or on two when its action and reason do not fit after the address. */
function changeRows(c: ResourceChange, width: number): PlanRow[] {
  const row = [{ text: '  ' }, ...changeRow(c)];
  const len = row.reduce((n, s) => n + s.text.length, 0);
  if (len <= width || row.length < 4) return [row];
  const [indent, sym, addr, rest] = row;
  return [
    [indent, sym, addr],
    ...wrapText(rest.text.trim(), width - 6).map((l) => [{ text: `      ${l}`, color: rest.color }]),
  ];
}

function diagnosticRows(d: Diagnostic, width: number): PlanRow[] {
  const err = d.severity === 'error';
  const where = [d.address, d.location].filter(Boolean).join(', ');
  const rows: PlanRow[] = [
    [
      { text: err ? '✗ error ' : '! warning ', color: err ? theme.status.error : theme.status.warning },
      { text: `${d.summary}${where ? ` (${where})` : ''}` },
    ],
  ];
  if (d.detail)
    for (const l of wrapText(d.detail.split('\n')[0], width - 4))
      rows.push([{ text: `    ${l}`, color: theme.text.secondary }]);
  return rows;
}

function policyRows(p: PolicyResult, width: number): PlanRow[] {
  const what = p.kind === 'require_approvals' ? `requires ${p.approvals ?? 1} approvals` : p.kind;
  let mark: Span;
  if (!p.fired) mark = { text: '✓ passed ', color: theme.status.muted };
  else if (p.kind === 'deny') mark = { text: '✗ DENY ', color: theme.status.error, bold: true };
  else if (p.kind === 'warn') mark = { text: '! warn ', color: theme.status.warning };
  else mark = { text: '◆ fired ', color: theme.status.warning };
  if (!p.fired) return [[mark, { text: p.name }, { text: ` · ${what} · ${p.source}`, color: theme.text.secondary }]];
  const rows: PlanRow[] = [
    [mark, { text: p.name, bold: true }],
    [{ text: `    ${what} · ${p.source}`, color: theme.text.secondary }],
  ];
  for (const l of wrapText(p.message, width - 4)) rows.push([{ text: `    ${l}` }]);
  if (p.error)
    for (const l of wrapText(`evaluation failed (counts as fired): ${p.error}`, width - 4))
      rows.push([{ text: `    ${l}`, color: theme.status.error }]);
  return rows;
}

/** Every row of the panel for a run, at this inner width. */
export function planRows(d: RunDetail, width: number, now: number, user: string): PlanRow[] {
  const rows: PlanRow[] = [];
  const push = (...r: PlanRow[]) => rows.push(...r);
  push([
    { text: `Run #${d.id} `, bold: true },
    { text: d.stackName, bold: true, color: d.stackEnvironment === 'prod' ? theme.status.error : undefined },
    { text: ` (${d.stackEnvironment}, ${d.stackTool})`, color: theme.text.secondary },
  ]);
  const ms = d.startedAt === null ? null : (isTerminal(d.state) ? (d.finishedAt ?? now) : now) - d.startedAt;
  push([
    { text: stateLabel(d.state), color: stateColor(d.state), bold: true },
    {
      text: ` · ${kindLabel(d)} · ${d.triggeredBy} (${d.trigger})${ms === null ? '' : ` · ${formatDuration(ms)}`}`,
      color: theme.text.secondary,
    },
  ]);
  if (d.summary)
    push([
      { text: 'Plan ' },
      { text: formatSummary(d.summary), bold: true },
      { text: d.plan && d.plan.changes.length === 0 ? ' (no changes)' : '' },
    ]);
  if (d.kind === 'proposed') push([{ text: 'Plan only: a proposed run never applies', color: theme.text.secondary }]);
  else if (d.state === 'UNCONFIRMED' || d.approvals.length > 0) {
    const n = d.approvals.length;
    const need = d.requiredApprovals;
    push([
      { text: 'Approvals ' },
      { text: `${n} of ${need}`, bold: true, color: n >= need ? theme.status.ok : theme.status.warning },
      {
        text:
          d.state === 'UNCONFIRMED'
            ? d.approvals.some((a) => a.user === user)
              ? ' · another user must approve'
              : ` · ${keys('day1.run.approve')} approves, ${keys('day1.run.discard')} discards`
            : '',
        color: theme.text.secondary,
      },
    ]);
    for (const a of d.approvals) {
      push([
        { text: `  ✓ ${a.user}`, color: theme.status.ok },
        { text: ` ${formatWhen(a.at, now)}${a.comment ? `: ${a.comment}` : ''}`, color: theme.text.secondary },
      ]);
    }
  } else if (!isTerminal(d.state))
    push([{ text: 'Approval: asked once the plan is ready', color: theme.text.secondary }]);
  if (d.error)
    for (const l of wrapText(
      `${d.state === 'FAILED' || d.state === 'POLICY_DENIED' ? 'Error' : 'Note'}: ${d.error}`,
      width,
    ))
      push([
        {
          text: l,
          color: d.state === 'FAILED' || d.state === 'POLICY_DENIED' ? theme.status.error : theme.text.secondary,
        },
      ]);

  const plan = d.plan;
  if (!plan) {
    push(blank, [
      {
        text: isTerminal(d.state) ? 'No plan was made.' : 'The plan appears here when the tool has planned.',
        color: theme.text.secondary,
      },
    ]);
  } else {
    const changes = plan.changes.filter((c) => c.action !== 'no-op');
    push(blank, heading(`Changes (${changes.length})`));
    if (changes.length === 0)
      push([{ text: '  none: the infrastructure matches the code', color: theme.text.secondary }]);
    for (const c of changes) push(...changeRows(c, width));
    if (plan.drift.length > 0) {
      push(blank, heading(`Drift (${plan.drift.length}): changed outside the tool`));
      for (const c of plan.drift) push(...changeRows(c, width));
    }
    if (plan.hosts && plan.hosts.length > 0) {
      push(blank, heading('Hosts'));
      for (const h of plan.hosts) {
        push([
          { text: `  ${h.host} ` },
          {
            text: `ok=${h.ok} changed=${h.changed} failed=${h.failed} unreachable=${h.unreachable} skipped=${h.skipped}`,
            color: h.failed + h.unreachable > 0 ? theme.status.error : theme.text.secondary,
          },
        ]);
      }
    }
  }
  // init's (a syntax error), the plan's and the apply's: shown with or without a plan
  const diags = [...d.diagnostics, ...(plan?.diagnostics ?? []), ...(d.apply?.diagnostics ?? [])];
  if (diags.length > 0) {
    push(blank, heading(`Diagnostics (${diags.length})`));
    for (const x of diags) push(...diagnosticRows(x, width));
  }
  if (d.policies.length > 0) {
    const fired = d.policies.filter((p) => p.fired).length;
    push(blank, heading(`Policies (${d.policies.length}, ${fired} fired)`));
    // Fired first: they are what the operator must read.
    for (const p of [...d.policies.filter((x) => x.fired), ...d.policies.filter((x) => !x.fired)])
      push(...policyRows(p, width));
  }
  if (d.apply) {
    push(blank, heading('Applied'), [{ text: '  ' }, { text: formatSummary(d.apply.summary), bold: true }]);
  }
  push(...checkRows(d, width, now));
  return rows;
}

const CHECK_MARK: Record<string, Span> = {
  passed: { text: '✓ passed ', color: theme.status.ok },
  failed: { text: '✗ failed ', color: theme.status.error, bold: true },
  running: { text: '▶ running ', color: theme.status.running },
};

/** The after-apply checks, live while the run validates: each one's status, kind, time and last message. */
export function checkRows(d: Pick<RunDetail, 'state' | 'validation'>, width: number, now: number): PlanRow[] {
  const v = d.validation;
  if (!v && d.state !== 'VALIDATING') return [];
  const checks = v?.checks ?? [];
  const passed = checks.filter((c) => c.status === 'passed').length;
  const head =
    v?.status === 'passed' || v?.status === 'failed'
      ? `Validation ${v.status} (${passed} of ${checks.length} checks passed)`
      : `Validating (${passed} of ${checks.length} checks passed so far)`;
  const rows: PlanRow[] = [
    blank,
    [{ text: head, bold: true, color: v?.status === 'failed' ? theme.status.error : theme.text.accent }],
  ];
  if (checks.length === 0) rows.push([{ text: '  starting the checks', color: theme.text.secondary }]);
  for (const c of checks) {
    const ms = c.status === 'running' ? now - c.startedAt : c.durationMs;
    rows.push([
      { text: '  ' },
      CHECK_MARK[c.status] ?? { text: `${c.status} ` },
      { text: c.name, bold: c.status === 'failed' },
      { text: ` · ${c.kind} · ${formatDuration(ms)}`, color: theme.text.secondary },
    ]);
    if (c.message)
      for (const l of wrapText(c.message, width - 6))
        rows.push([{ text: `      ${l}`, color: c.status === 'failed' ? undefined : theme.text.secondary }]);
  }
  return rows;
}

export interface PlanPanelProps {
  detail: RunDetail | undefined;
  width: number;
  height: number;
  focused: boolean;
  scroll: number;
  now: number;
  user: string;
  /** Tells the view how far the panel can scroll. */
  onRows?: (total: number, visible: number) => void;
}

export function PlanPanel({ detail, width, height, focused, scroll, now, user, onRows }: PlanPanelProps) {
  const inner = Math.max(4, width - 4);
  const visible = Math.max(1, height - 3);
  const rows = detail ? planRows(detail, inner, now, user) : [];
  onRows?.(rows.length, visible);
  const top = Math.max(0, Math.min(scroll, rows.length - visible));
  const shown = rows.slice(top, top + visible);
  const more = rows.length > visible ? ` ${top + 1}-${Math.min(rows.length, top + visible)}/${rows.length}` : '';
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle={focused ? 'double' : 'single'}
      borderColor={focused ? theme.focusBorder : theme.border}
      paddingX={1}
      overflow="hidden"
      flexShrink={0}
    >
      <Text bold wrap="truncate" color={focused ? theme.text.accent : undefined}>
        Plan{detail ? ` · run #${detail.id}` : ''}
        <Text color={theme.text.secondary}>{more}</Text>
      </Text>
      {!detail ? <Text color={theme.text.secondary}>No run selected.</Text> : null}
      {shown.map((r, i) => (
        <Text key={i} wrap="truncate">
          {r.every((s) => !s.text) ? ' ' : null}
          {r.map((s, j) => (
            <Text key={j} color={s.color} bold={s.bold}>
              {s.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
