/**
 * The dashboard's rows, React-free: each stack's status turned into cells (word + symbol + tone), the filter
 * (name, environment, tool or status words; a leading `!` inverts), and the sorts. The columns that fit a width are
 * the screen's (components/day2/columns.ts).
 */
import type { StackStatus } from '../../day2/status.js';
import { isTerminal, type RunState } from '../../day1/runner/state.js';
import { stateText } from '../../domain/run-words.js';
import { formatBudget, formatBurn, formatPercent, headlineBurn, sloSummary } from '../../domain/slo.js';
import { compactDuration, minutes, SYMBOL, type Cell, type Tone } from './format.js';

export type { StackStatus } from '../../day2/status.js';

/** The dashboard's sorts, in the order the sort key cycles through them. */
export const DAY2_SORTS = ['name', 'env', 'status', 'run'] as const;
export type Day2Sort = (typeof DAY2_SORTS)[number];

export interface Row {
  status: StackStatus;
  name: string;
  env: string;
  /** Words the filter matches besides the name: environment, tool, status words. */
  tags: string[];
  /** Higher is worse (sort by status). */
  severity: number;
  /** Newest run first (sort by last run). */
  lastRunAt: number;
  cells: {
    run: Cell;
    drift: Cell;
    alerts: Cell;
    backup: Cell;
    restore: Cell;
    /** The worst SLO: `99.93% of 99.9% · budget 41% · burn 0.8x`, red on a fast burn (a page). */
    slo: Cell;
    /** The same in fewer characters: `99.93% · 41% · 0.8x`. */
    sloShort: Cell;
    /** The same figures with the age of their fetch ("· 5m", "⚠ 3h" when stale). */
    driftAged: Cell;
    alertsAged: Cell;
    backupAged: Cell;
  };
}

const STALE = ` ${SYMBOL.stale}`;

function aged(cell: Cell, fetchedAt: number | null | undefined, stale: boolean, now: number): Cell {
  if (fetchedAt === null || fetchedAt === undefined)
    return stale ? { ...cell, text: `${cell.text} ${SYMBOL.stale} never` } : cell;
  const age = compactDuration(now - fetchedAt);
  return { ...cell, text: `${cell.text} ${stale ? SYMBOL.stale : '·'} ${age}` };
}

/** The run the dashboard shows: one still going (any purpose), else the last change (deploy or remediation). */
export function shownRun(s: StackStatus): StackStatus['lastRun'] {
  const live = s.lastRun && !['FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED'].includes(s.lastRun.state);
  return live ? s.lastRun : (s.lastChange ?? s.lastRun);
}

export function runCell(s: StackStatus, now: number): Cell {
  const r = shownRun(s);
  if (!r) return { text: `${SYMBOL.none} no runs`, tone: 'muted' };
  const at = r.finishedAt ?? r.startedAt;
  const age = at ? ` ${compactDuration(now - at)}` : '';
  // The state in the words of every run list and of `--json` (src/domain/run-words.ts); the kind is in the side panel
  return { text: `${stateText(r.state, true)}${isTerminal(r.state) ? age : ''}`, tone: runTone(r.state) };
}

/** The tone of a run's state: the same colour as in Day-1. */
export function runTone(state: RunState): Tone {
  switch (state) {
    case 'FINISHED':
      return 'ok';
    case 'FAILED':
    case 'POLICY_DENIED':
      return 'error';
    case 'UNCONFIRMED':
      return 'warning';
    case 'DISCARDED':
    case 'CANCELED':
      return 'muted';
    default:
      return 'running';
  }
}

/**
 * What drift is known for a stack: the newest check's result, or, when the newest check failed, the last good
 * check's (stale). The dashboard never hides known drift because a later check failed.
 */
export function knownDrift(d: StackStatus['drift']): 'drifted' | 'in_sync' | null {
  if (d.status === 'drifted' || d.status === 'in_sync') return d.status;
  if (d.status === 'failed' && d.fetchedAt !== null) return d.drifted > 0 ? 'drifted' : 'in_sync';
  return null;
}

/** The cell of a failed check over the last known figures: `✗ 2 ⚠ failed` (stale, with the failure). */
function failedOverKnown(d: StackStatus['drift']): Cell | null {
  const known = knownDrift(d);
  if (d.status !== 'failed' || known === null) return null;
  return known === 'drifted'
    ? { text: `${SYMBOL.error} ${d.drifted} ${SYMBOL.stale} failed`, tone: 'error' }
    : { text: `${SYMBOL.ok} 0 ${SYMBOL.stale} failed`, tone: 'warning' };
}

export function driftCell(s: StackStatus): Cell {
  const d = s.drift;
  const over = failedOverKnown(d);
  if (over) return over;
  let cell: Cell;
  switch (d.status) {
    case 'in_sync':
      cell = { text: `${SYMBOL.ok} in sync`, tone: 'ok' };
      break;
    case 'drifted':
      cell = { text: `${SYMBOL.error} drifted ${d.drifted}`, tone: 'error' };
      break;
    case 'checking':
      cell = { text: `${SYMBOL.running} checking`, tone: 'running' };
      break;
    case 'failed':
      cell = { text: `${SYMBOL.warning} failed`, tone: 'warning' };
      break;
    default:
      cell = { text: `${SYMBOL.unknown} unknown`, tone: 'muted' };
  }
  return d.stale && d.status !== 'unknown' && d.status !== 'failed' ? { ...cell, text: cell.text + STALE } : cell;
}

export function alertsCell(s: StackStatus): Cell {
  const a = s.alerts;
  const info = a.info + a.other;
  let cell: Cell;
  if (!a.configured && a.fetchedAt === null && a.total === 0) cell = { text: `${SYMBOL.none} none`, tone: 'muted' };
  else if (a.fetchedAt === null && a.total === 0) cell = { text: `${SYMBOL.unknown} unknown`, tone: 'muted' };
  else if (a.critical > 0)
    cell = { text: `${SYMBOL.error} ${a.critical} crit${a.warning ? ` ${a.warning} warn` : ''}`, tone: 'error' };
  else if (a.warning > 0) cell = { text: `${SYMBOL.warning} ${a.warning} warn`, tone: 'warning' };
  else if (info > 0) cell = { text: `• ${info} info`, tone: 'info' };
  else cell = { text: `${SYMBOL.ok} quiet`, tone: 'ok' };
  if (a.stale && cell.text !== `${SYMBOL.none} none`) cell = { ...cell, text: cell.text + STALE };
  // Failed scheduled checks stand beside the alerts.
  const n = s.failedChecks.length;
  if (n > 0) {
    const checks = `${SYMBOL.error} ${n} check${n === 1 ? '' : 's'} failed`;
    cell = { text: cell.tone === 'muted' || cell.tone === 'ok' ? checks : `${cell.text} ${checks}`, tone: 'error' };
  }
  return cell;
}

export function backupCell(s: StackStatus): Cell {
  const b = s.backup;
  const rpo = b.rpoMinutes !== null && b.rpoMinutes !== undefined ? `/${minutes(b.rpoMinutes)}` : '';
  let cell: Cell;
  switch (b.status) {
    case 'on-time':
      cell = { text: `${SYMBOL.ok} ${b.ageMinutes !== null ? minutes(b.ageMinutes) : ''}${rpo}`, tone: 'ok' };
      break;
    case 'late':
      cell = {
        text: `${SYMBOL.error} late ${b.ageMinutes !== null ? minutes(b.ageMinutes) : ''}${rpo}`,
        tone: 'error',
      };
      break;
    case 'missing':
      cell = { text: `${SYMBOL.error} missing`, tone: 'error' };
      break;
    default:
      cell = { text: `${SYMBOL.none} none`, tone: 'muted' };
  }
  return b.stale && b.status !== 'unconfigured' ? { ...cell, text: cell.text + STALE } : cell;
}

export function restoreCell(s: StackStatus, now: number): Cell {
  const t = s.backup.lastRestoreTest;
  if (!t)
    return s.backup.status === 'unconfigured'
      ? { text: '', tone: 'muted' }
      : { text: `${SYMBOL.none} never`, tone: 'muted' };
  // A restore test kept over a newer attempt that could not reach restic: stale
  const stale = t.stale ? ` ${SYMBOL.stale}` : '';
  return t.ok
    ? { text: `${SYMBOL.ok} ${compactDuration(now - t.at)} ago${stale}`, tone: t.stale ? 'warning' : 'ok' }
    : { text: `${SYMBOL.error} failed ${compactDuration(now - t.at)}${stale}`, tone: 'error' };
}

const SLO_TONE = { page: 'error', warning: 'warning', ok: 'ok' } as const;
const SLO_SYMBOL = { page: SYMBOL.error, warning: SYMBOL.warning, ok: SYMBOL.ok } as const;

/** The SLO cell of a stack: its worst SLO (see byWorst), or its state when none is measured. */
export function sloCell(s: StackStatus, short = false): Cell {
  const f = s.slo;
  const worst = f.slos[0];
  let cell: Cell;
  if (!worst) {
    if (!f.configured) return { text: '', tone: 'muted' };
    cell = { text: `${SYMBOL.unknown} not measured`, tone: 'muted' };
  } else if (worst.attainment === null) {
    cell = { text: `${SYMBOL.none} no traffic`, tone: 'muted' };
  } else {
    const text = short
      ? `${formatPercent(worst.attainment)} · ${formatBudget(worst.budgetRemaining)} · ${formatBurn(headlineBurn(worst.burnRates))}`
      : sloSummary(worst);
    cell = { text: `${SLO_SYMBOL[worst.status]} ${text}`, tone: SLO_TONE[worst.status] };
  }
  return f.stale ? { ...cell, text: cell.text + STALE } : cell;
}

function tagsOf(s: StackStatus): string[] {
  const t: string[] = [s.environment, s.tool];
  const d = s.drift.status;
  t.push(d === 'in_sync' ? 'in-sync insync sync' : d);
  // A failed check over known drift still matches `drifted` (and `stale`)
  if (d === 'failed' && knownDrift(s.drift) === 'drifted') t.push('drifted');
  if (s.drift.accepted > 0) t.push('accepted');
  if (s.drift.snoozed > 0) t.push('snoozed');
  if (s.alerts.critical > 0) t.push('critical');
  if (s.alerts.warning > 0) t.push('warning');
  if (s.alerts.critical + s.alerts.warning + s.alerts.info + s.alerts.other > 0) t.push('alerting');
  else t.push('quiet');
  const b = s.backup.status;
  t.push(b === 'on-time' ? 'on-time ontime' : b);
  if (s.backup.lastRestoreTest && !s.backup.lastRestoreTest.ok) t.push('restore-failed');
  if (s.backup.restoreOverRto) t.push('rto');
  if (s.slo.worst === 'page') t.push('burning slo-page');
  if (s.slo.worst === 'warning') t.push('slo-warning');
  if (s.failedChecks.length > 0) t.push('check-failed');
  if (s.drift.stale || s.alerts.stale || s.backup.stale || s.slo.stale) t.push('stale');
  const r = shownRun(s);
  if (r) {
    t.push(r.state.toLowerCase());
    if (r.state === 'UNCONFIRMED') t.push('approval');
    if (r.state === 'POLICY_DENIED') t.push('denied');
  }
  if (s.configError) t.push('broken');
  return t;
}

function severityOf(s: StackStatus): number {
  let n = 0;
  if (s.alerts.critical > 0) n += 100;
  if (knownDrift(s.drift) === 'drifted') n += 40 + Math.min(9, s.drift.drifted);
  if (s.backup.status === 'late' || s.backup.status === 'missing') n += 30;
  const r = shownRun(s);
  if (r && (r.state === 'FAILED' || r.state === 'POLICY_DENIED')) n += 25;
  if (s.backup.lastRestoreTest && !s.backup.lastRestoreTest.ok) n += 20;
  if (s.failedChecks.length > 0) n += 20;
  if (s.alerts.warning > 0) n += 15;
  if (s.slo.worst === 'page') n += 90;
  if (s.slo.worst === 'warning') n += 12;
  if (s.backup.restoreOverRto) n += 10;
  if (s.drift.status === 'failed') n += 10;
  if (r?.state === 'UNCONFIRMED') n += 8;
  if (s.configError) n += 50;
  if (s.drift.stale || s.alerts.stale || s.backup.stale || s.slo.stale) n += 2;
  if (s.drift.status === 'unknown') n += 1;
  return n;
}

/** `pending`: its dayops.yaml is not read yet, so the figures that depend on it show "…" for a moment. */
export function toRow(s: StackStatus, now: number, pending = false): Row {
  const drift = driftCell(s);
  const reading: Cell = { text: `${SYMBOL.running}`, tone: 'muted' };
  const alerts = pending && s.alerts.fetchedAt === null && s.alerts.total === 0 ? reading : alertsCell(s);
  const backup = pending ? reading : backupCell(s);
  const lr = shownRun(s);
  return {
    status: s,
    name: s.name,
    env: s.environment,
    tags: pending
      ? tagsOf(s).filter((t) => !['unconfigured', 'on-time ontime', 'late', 'missing'].includes(t))
      : tagsOf(s),
    severity: severityOf(s),
    lastRunAt: lr ? (lr.finishedAt ?? lr.startedAt ?? 0) : 0,
    cells: {
      run: runCell(s, now),
      drift,
      alerts,
      backup,
      restore: pending ? reading : restoreCell(s, now),
      slo: pending && s.slo.slos.length === 0 ? reading : sloCell(s),
      sloShort: pending && s.slo.slos.length === 0 ? reading : sloCell(s, true),
      driftAged:
        s.drift.status === 'unknown'
          ? drift
          : failedOverKnown(s.drift)
            ? { ...drift, text: `${drift.text} ${compactDuration(now - (s.drift.fetchedAt ?? now))}` }
            : aged({ ...drift, text: drift.text.replace(STALE, '') }, s.drift.fetchedAt, s.drift.stale, now),
      alertsAged:
        alerts === reading || alerts.text.startsWith(SYMBOL.none) || alerts.text.startsWith(SYMBOL.unknown)
          ? alerts
          : aged({ ...alerts, text: alerts.text.replace(STALE, '') }, s.alerts.fetchedAt, s.alerts.stale, now),
      backupAged:
        pending || s.backup.status === 'unconfigured'
          ? backup
          : aged({ ...backup, text: backup.text.replace(STALE, '') }, s.backup.fetchedAt, s.backup.stale, now),
    },
  };
}

// ------------------------------------------------------------------------------------------------ filter

export interface ParsedFilter {
  inverted: boolean;
  terms: string[];
}

export function parseFilter(text: string): ParsedFilter {
  const t = text.trim();
  const inverted = t.startsWith('!');
  const terms = (inverted ? t.slice(1) : t).toLowerCase().split(/\s+/).filter(Boolean);
  return { inverted, terms };
}

/** Every term is found in the name, the environment, the tool or a status word; `!` keeps the others. */
export function matches(row: Row, f: ParsedFilter): boolean {
  if (f.terms.length === 0) return true;
  const hay = [row.name.toLowerCase(), ...row.tags];
  const all = f.terms.every((term) => hay.some((h) => h.includes(term)));
  return f.inverted ? !all : all;
}

const ENV_ORDER: Record<string, number> = { prod: 0, staging: 1, dev: 2 };

export function sortRows(rows: Row[], sort: Day2Sort, reverse: boolean): Row[] {
  const byName = (a: Row, b: Row) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  let cmp: (a: Row, b: Row) => number;
  switch (sort) {
    case 'env':
      cmp = (a, b) => (ENV_ORDER[a.env] ?? 9) - (ENV_ORDER[b.env] ?? 9) || byName(a, b);
      break;
    case 'status':
      cmp = (a, b) => b.severity - a.severity || byName(a, b);
      break;
    case 'run':
      cmp = (a, b) => b.lastRunAt - a.lastRunAt || byName(a, b);
      break;
    default:
      cmp = byName;
  }
  const out = [...rows].sort(cmp);
  return reverse ? out.reverse() : out;
}

export const SORT_LABELS: Record<Day2Sort, string> = {
  name: 'name',
  env: 'environment (prod first)',
  status: 'status (worst first)',
  run: 'last run (newest first)',
};

/** Totals for the status line: "3 drifted · 2 critical · 1 late". */
export function totals(rows: readonly Row[]): {
  drifted: number;
  critical: number;
  late: number;
  failed: number;
  approval: number;
  /** Stacks with an SLO burning fast enough to page. */
  burning: number;
} {
  let drifted = 0;
  let critical = 0;
  let late = 0;
  let failed = 0;
  let approval = 0;
  let burning = 0;
  for (const r of rows) {
    if (r.status.slo.worst === 'page') burning++;
    if (knownDrift(r.status.drift) === 'drifted') drifted++;
    if (r.status.alerts.critical > 0) critical++;
    if (r.status.backup.status === 'late' || r.status.backup.status === 'missing') late++;
    const run = shownRun(r.status);
    if (run?.state === 'FAILED') failed++;
    if (run?.state === 'UNCONFIRMED') approval++;
  }
  return { drifted, critical, late, failed, approval, burning };
}
