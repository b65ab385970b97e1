/** An item as one line of cells (word + symbol + tone). */
import stringWidth from 'string-width';
import type { AuditEntry } from '../../../src/db/audit.js';
import { formatMatcher } from '../../../src/day2/alertmanager.js';
import { describeDrift } from '../../../src/day2/drift.js';
import type { RunState } from '../../../src/day1/runner/state.js';
import { runKindName, stateText } from '../../../src/domain/run-words.js';
import { runTone } from '../../../src/app/day2/dashboard.js';
import { ago, compactDuration, localTime, SYMBOL, type Cell } from '../../../src/app/day2/format.js';
import { type Item } from './items.js';

// ------------------------------------------------------------------------------------------------ one line

export const severityCell = (severity: string): Cell =>
  severity === 'critical'
    ? { text: `${SYMBOL.error} critical`, tone: 'error' }
    : severity === 'warning'
      ? { text: `${SYMBOL.warning} warning`, tone: 'warning' }
      : { text: `• ${severity || 'none'}`, tone: 'info' };

export function runStateCell(state: RunState): Cell {
  return { text: stateText(state), tone: runTone(state) };
}

/** Padded to `n` terminal columns (CJK and emoji count two). */
const pad = (s: string, n: number) => {
  const w = stringWidth(s);
  return w >= n ? s : s + ' '.repeat(n - w);
};

/** One line per item, for the list. */
export function itemLine(item: Item, now: number): Cell[] {
  switch (item.kind) {
    case 'drift': {
      const r = item.resource;
      const t = r.triage;
      const state: Cell =
        t.state === 'accepted'
          ? { text: `${SYMBOL.ok} accepted`, tone: 'ok' }
          : t.state === 'snoozed'
            ? { text: `${SYMBOL.paused} snoozed `, tone: 'muted' }
            : { text: `${SYMBOL.error} drifted `, tone: 'error' };
      const why =
        t.state === 'snoozed' && t.until
          ? `until ${localTime(t.until)}`
          : t.state === 'accepted' && t.user
            ? `by ${t.user}${t.note ? `: ${t.note}` : ''}`
            : t.lapsed === 'changed'
              ? 'changed again since accepted'
              : '';
      return [
        state,
        { text: ' ', tone: undefined },
        { text: describeDrift(r), tone: undefined },
        { text: why ? `  ${why}` : '', tone: 'muted' },
      ];
    }
    case 'alert': {
      const a = item.alert;
      const state: Cell =
        a.state === 'silenced'
          ? { text: ' silenced', tone: 'muted' }
          : a.state === 'inhibited'
            ? { text: ' inhibited', tone: 'muted' }
            : { text: '', tone: undefined };
      const ack: Cell = a.acknowledged
        ? { text: ` ${SYMBOL.ok} ack ${a.acknowledged.user}`, tone: 'ok' }
        : { text: '', tone: undefined };
      const summary = a.annotations.summary ?? '';
      return [
        { ...severityCell(a.severity), text: pad(severityCell(a.severity).text, 10) },
        // Names padded in terminal columns: the age lines up under a CJK or emoji name too.
        { text: ` ${pad(a.alertname, 22)}`, tone: undefined },
        { text: ` ${pad(compactDuration(now - a.startsAt), 4)}`, tone: 'muted' },
        state,
        ack,
        { text: summary ? `  ${summary}` : '', tone: 'muted' },
      ];
    }
    case 'silence': {
      const s = item.silence;
      return [
        { text: `${SYMBOL.paused} silence  `, tone: 'muted' },
        { text: `${s.id.slice(0, 8)} until ${localTime(s.endsAt)} by ${s.createdBy}`, tone: undefined },
        { text: `  ${s.matchers.map(formatMatcher).join(', ')}`, tone: 'muted' },
      ];
    }
    case 'snapshot': {
      const s = item.snapshot;
      const tested: Cell = item.tested
        ? item.tested.ok
          ? { text: `  ${SYMBOL.ok} restore-tested ${ago(item.tested.finishedAt, now)}`, tone: 'ok' }
          : { text: `  ${SYMBOL.error} restore test failed ${ago(item.tested.finishedAt, now)}`, tone: 'error' }
        : { text: '', tone: undefined };
      return [
        { text: s.shortId, tone: 'accent' },
        { text: `  ${localTime(s.time)}  ${pad(ago(s.time, now), 8)}`, tone: undefined },
        { text: `  ${s.paths.join(', ')}`, tone: 'muted' },
        tested,
      ];
    }
    case 'event': {
      const e = item.event;
      const what = e.kind === 'verify' ? 'restore test' : e.kind;
      const st: Cell =
        e.ok === null
          ? { text: `${SYMBOL.running} ${what} running`, tone: 'running' }
          : e.ok
            ? { text: `${SYMBOL.ok} ${what}`, tone: 'ok' }
            : { text: `${SYMBOL.error} ${what} failed`, tone: 'error' };
      return [
        st,
        { text: ` ${ago(e.startedAt, now)} by ${e.user} (${e.trigger})`, tone: 'muted' },
        {
          text: e.error ? `  ${e.error}` : e.snapshotId ? `  ${e.snapshotId.slice(0, 8)}` : '',
          tone: e.error ? 'error' : undefined,
        },
      ];
    }
    case 'run': {
      const r = item.run;
      const s = r.summary ? `  +${r.summary.add} ~${r.summary.change} -${r.summary.destroy}` : '';
      return [
        { text: pad(`#${r.id}`, 6), tone: 'accent' },
        { text: pad(runKindName(r), 12), tone: undefined },
        { ...runStateCell(r.state), text: pad(runStateCell(r.state).text, 15) },
        { text: ` ${pad(ago(r.finishedAt ?? r.startedAt ?? r.createdAt, now), 8)} by ${r.triggeredBy}`, tone: 'muted' },
        { text: s, tone: undefined },
        { text: r.error ? `  ${r.error}` : '', tone: 'error' },
      ];
    }
    case 'audit': {
      const e = item.entry;
      return [
        { text: localTime(e.at), tone: 'muted' },
        { text: `  ${pad(e.user, 8)} `, tone: undefined },
        { text: pad(e.action, 16), tone: 'accent' },
        {
          text: `${e.runId ? ` run #${e.runId}` : ''}${auditWhat(e)}${e.comment ? `  «${e.comment}»` : ''}`,
          tone: undefined,
        },
      ];
    }
  }
}

function auditWhat(e: AuditEntry): string {
  const d = e.detail as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') return '';
  const pick = ['address', 'alertname', 'silenceId', 'snapshotId', 'until']
    .filter((k) => typeof d[k] === 'string')
    .map((k) => String(d[k]));
  return pick.length ? ` ${pick.join(' ')}` : '';
}
