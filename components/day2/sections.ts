/**
 * The detail sections of a stack as lists of items, React-free: each item is one line of spans (word + symbol +
 * tone, readable without colour) and a longer description (the side panel, or the lines under the list on a
 * narrow terminal). Also the header lines of each section and the alert detail with "what changed before".
 */
import type { AuditEntry } from '../../src/db/audit.js';
import type { BackupEvent } from '../../src/db/backups.js';
import type { RunRecord } from '../../src/db/runs.js';
import { changesBefore, type AlertView, type ApplyBeforeAlert, type SilenceRecord } from '../../src/day2/alerts.js';
import { formatMatcher } from '../../src/day2/alertmanager.js';
import { describeDrift, fieldDiffs, type DriftedResource } from '../../src/day2/drift.js';
import type { Snapshot } from '../../src/day2/restic.js';
import type { StackStatus } from '../../src/day2/status.js';
import type { DB } from '../../src/db/open.js';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import type { Day2Section } from '../../store/day2.js';
import type { SectionData } from './data.js';
import { ago, compactDuration, localTime, minutes, SYMBOL, type Cell, type Tone } from './format.js';

export interface Line {
  spans: Cell[];
  bold?: boolean;
}

export const line = (text: string, tone?: Tone, bold?: boolean): Line => ({ spans: [{ text, tone }], bold });
export const spans = (...cells: Cell[]): Line => ({ spans: cells });

export type Item =
  | { kind: 'drift'; key: string; resource: DriftedResource }
  | { kind: 'alert'; key: string; alert: AlertView }
  | { kind: 'silence'; key: string; silence: SilenceRecord }
  | { kind: 'snapshot'; key: string; snapshot: Snapshot; tested: BackupEvent | undefined }
  | { kind: 'event'; key: string; event: BackupEvent }
  | { kind: 'run'; key: string; run: RunRecord }
  | { kind: 'audit'; key: string; entry: AuditEntry };

/** The items of a section, in display order. */
export function itemsOf(section: Day2Section, data: SectionData[Day2Section] | null): Item[] {
  if (!data) return [];
  switch (section) {
    case 'drift':
      return (data as SectionData['drift']).resources.map((r) => ({ kind: 'drift', key: r.address, resource: r }));
    case 'alerts': {
      const d = data as SectionData['alerts'];
      return [
        ...d.alerts.map((a): Item => ({ kind: 'alert', key: a.fingerprint, alert: a })),
        ...d.silences.map((s): Item => ({ kind: 'silence', key: `silence:${s.id}`, silence: s })),
      ];
    }
    case 'snapshots': {
      const d = data as SectionData['snapshots'];
      const verifies = d.events.filter((e) => e.kind === 'verify' && e.finishedAt !== null);
      return [
        ...d.snapshots.map((s): Item => ({
          kind: 'snapshot',
          key: s.id,
          snapshot: s,
          tested: verifies.find((e) => e.snapshotId === s.id),
        })),
        ...d.events.map((e): Item => ({ kind: 'event', key: `event:${e.id}`, event: e })),
      ];
    }
    case 'runs':
      return (data as SectionData['runs']).map((r) => ({ kind: 'run', key: `run:${r.id}`, run: r }));
    case 'audit':
      return (data as SectionData['audit']).map((e) => ({ kind: 'audit', key: `audit:${e.id}`, entry: e }));
  }
}

// ------------------------------------------------------------------------------------------------ one line

const severityCell = (severity: string): Cell =>
  severity === 'critical'
    ? { text: `${SYMBOL.error} critical`, tone: 'error' }
    : severity === 'warning'
      ? { text: `${SYMBOL.warning} warning`, tone: 'warning' }
      : { text: `• ${severity || 'none'}`, tone: 'info' };

function runStateCell(state: string): Cell {
  switch (state) {
    case 'FINISHED':
      return { text: `${SYMBOL.ok} FINISHED`, tone: 'ok' };
    case 'FAILED':
    case 'POLICY_DENIED':
      return { text: `${SYMBOL.error} ${state}`, tone: 'error' };
    case 'UNCONFIRMED':
      return { text: `${SYMBOL.paused} UNCONFIRMED`, tone: 'warning' };
    case 'DISCARDED':
    case 'CANCELED':
      return { text: `${SYMBOL.none} ${state}`, tone: 'muted' };
    default:
      return { text: `${SYMBOL.running} ${state}`, tone: 'running' };
  }
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
        { text: pad(r.purpose, 12), tone: undefined },
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

// ------------------------------------------------------------------------------------------------ detail

/** A value as JSON, whole: the panel wraps it to its width. */
const json = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** `label:` then one row per item of a list (paths, files), each wrapped on its own; a scalar stays on one row. */
function listLines(label: string, v: unknown, indent: string, tone?: Tone): Line[] {
  if (!Array.isArray(v)) return [line(`${indent}${label}: ${typeof v === 'string' ? v : json(v)}`, tone)];
  if (v.length === 0) return [line(`${indent}${label}: none`, tone)];
  return [
    line(`${indent}${label}:`, tone),
    ...v.map((x) => line(`${indent}  ${typeof x === 'string' ? x : json(x)}`, tone)),
  ];
}

/**
 * What changed in a drifted resource, attribute by attribute (arrays and objects walked: one rule of a security
 * group's `ingress`, not the whole list twice). A scalar is one line `path: before -> after`; a structured value is
 * shown indented, one JSON line a row, `-` before and `+` after. Values terraform marks sensitive arrive masked.
 */
export function fieldLines(r: DriftedResource): Line[] {
  const main = r.detail.drift ?? r.detail.plan;
  const fields =
    main && (main.before !== undefined || main.after !== undefined)
      ? fieldDiffs(main.before, main.after, 200)
      : (r.detail.fields ?? []);
  const out: Line[] = [];
  const structured = (v: unknown) => typeof v === 'object' && v !== null;
  for (const f of fields) {
    if (!structured(f.before) && !structured(f.after)) {
      out.push(line(`  ${f.path}: ${JSON.stringify(f.before ?? null)} -> ${JSON.stringify(f.after ?? null)}`));
      continue;
    }
    out.push(line(`  ${f.path}:`));
    const block = (v: unknown, sign: '-' | '+') => {
      if (v === null || v === undefined) return;
      for (const l of JSON.stringify(v, null, 2).split('\n'))
        out.push(line(`    ${sign} ${l}`, sign === '+' ? 'ok' : 'error'));
    };
    block(f.before, '-');
    block(f.after, '+');
  }
  return out;
}

/** The lines of an item opened on the whole body (Enter): an alert's detail, or a drifted resource's change. */
export function openItemLines(item: Item, now: number, db: DB, width: number): Line[] {
  if (item.kind === 'alert') return wrapLines(alertLines(item.alert, now, true, db), width);
  return wrapLines(itemDetail(item, now), width, Infinity);
}

/** The longer description of an item. */
export function itemDetail(item: Item, now: number): Line[] {
  const out: Line[] = [];
  switch (item.kind) {
    case 'drift': {
      const r = item.resource;
      out.push(line(r.address, undefined, true));
      out.push(
        line(
          `${r.action} · seen in ${r.source === 'both' ? 'the drift and the plan' : r.source === 'drift' ? 'the drift (changed outside the tool)' : 'the plan'}`,
          'muted',
        ),
      );
      const t = r.triage;
      if (t.state === 'accepted')
        out.push(line(`${SYMBOL.ok} accepted by ${t.user} ${ago(t.at, now)}${t.note ? `: ${t.note}` : ''}`, 'ok'));
      else if (t.state === 'snoozed')
        out.push(
          line(
            `${SYMBOL.paused} snoozed by ${t.user} until ${localTime(t.until ?? now)}${t.note ? `: ${t.note}` : ''}`,
            'muted',
          ),
        );
      else if (t.lapsed === 'changed')
        out.push(
          line(`${SYMBOL.warning} accepted by ${t.user} ${ago(t.at, now)}, but it changed again since`, 'warning'),
        );
      else if (t.lapsed === 'expired')
        out.push(line(`${SYMBOL.warning} its snooze by ${t.user} ended ${ago(t.until, now)}`, 'warning'));
      else out.push(line(`${SYMBOL.error} open: A accept · z snooze · r remediate`, 'error'));
      out.push(...fieldLines(r));
      if (r.detail.diff)
        for (const l of r.detail.diff.split('\n').slice(0, 30))
          out.push(line(`  ${l}`, l.startsWith('+') ? 'ok' : l.startsWith('-') ? 'error' : 'muted'));
      if (r.detail.drift?.reason || r.detail.plan?.reason)
        out.push(line(`  reason: ${r.detail.drift?.reason ?? r.detail.plan?.reason}`, 'muted'));
      break;
    }
    case 'alert':
      return alertLines(item.alert, now, false);
    case 'silence': {
      const s = item.silence;
      out.push(line(`Silence ${s.id}`, undefined, true));
      out.push(
        line(
          `by ${s.createdBy} ${ago(s.createdAt, now)}, until ${localTime(s.endsAt)} (in ${compactDuration(s.endsAt - now)})`,
          'muted',
        ),
      );
      out.push(line(`«${s.comment}»`));
      out.push(
        line(
          `${s.kind === 'quiet-apply' ? `quiet apply of run #${s.runId}` : `scope: ${s.scope ?? 'alert'}`} · in ${s.url}`,
          'muted',
        ),
      );
      for (const m of s.matchers) out.push(line(`  ${formatMatcher(m)}`));
      out.push(line('e expires it', 'muted'));
      break;
    }
    case 'snapshot': {
      const s = item.snapshot;
      out.push(line(`Snapshot ${s.shortId}`, undefined, true));
      out.push(line(`${localTime(s.time)} (${ago(s.time, now)}) on ${s.hostname}`, 'muted'));
      out.push(...listLines('paths', s.paths, ''));
      out.push(line(`tags: ${s.tags.join(', ')}`, 'muted'));
      if (s.summary)
        out.push(
          line(`${s.summary.total_files_processed ?? '?'} files, ${s.summary.data_added ?? 0} bytes added`, 'muted'),
        );
      if (item.tested)
        out.push(
          line(
            item.tested.ok
              ? `${SYMBOL.ok} restore-tested ${ago(item.tested.finishedAt, now)}`
              : `${SYMBOL.error} restore test failed ${ago(item.tested.finishedAt, now)}: ${item.tested.error ?? ''}`,
            item.tested.ok ? 'ok' : 'error',
          ),
        );
      else out.push(line('never restore-tested: v verifies it', 'muted'));
      break;
    }
    case 'event': {
      const e = item.event;
      out.push(
        line(
          `${e.kind === 'verify' ? 'Restore test' : e.kind === 'backup' ? 'Backup' : e.kind} #${e.id}`,
          undefined,
          true,
        ),
      );
      out.push(
        line(
          `${localTime(e.startedAt)} by ${e.user} (${e.trigger})${e.finishedAt ? `, took ${compactDuration(e.finishedAt - e.startedAt)}` : ', running'}`,
          'muted',
        ),
      );
      if (e.ok === false) out.push(line(`${SYMBOL.error} ${e.error ?? 'failed'}`, 'error'));
      else if (e.ok) out.push(line(`${SYMBOL.ok} ok${e.snapshotId ? `: ${e.snapshotId.slice(0, 8)}` : ''}`, 'ok'));
      if (e.detail) out.push(line(json(e.detail), 'muted'));
      break;
    }
    case 'run': {
      const r = item.run;
      out.push(line(`Run #${r.id} · ${r.kind} ${r.purpose}`, undefined, true));
      out.push(spans(runStateCell(r.state), { text: ` · by ${r.triggeredBy} (${r.trigger})`, tone: 'muted' }));
      out.push(
        line(
          `started ${r.startedAt ? `${localTime(r.startedAt)} (${ago(r.startedAt, now)})` : 'not yet'}${r.durationMs !== null ? `, took ${compactDuration(r.durationMs)}` : ''}`,
          'muted',
        ),
      );
      if (r.summary) out.push(line(`plan: +${r.summary.add} ~${r.summary.change} -${r.summary.destroy}`));
      if (r.error) out.push(line(r.error, 'error'));
      out.push(
        line(
          r.state === 'UNCONFIRMED'
            ? 'a approve · x discard · Enter opens it in Day-1'
            : 'Enter opens its log and plan in Day-1',
          'muted',
        ),
      );
      break;
    }
    case 'audit': {
      const e = item.entry;
      out.push(line(`${e.action} by ${e.user}`, undefined, true));
      out.push(line(`${localTime(e.at)} (${ago(e.at, now)})${e.runId ? ` · run #${e.runId}` : ''}`, 'muted'));
      if (e.comment) out.push(line(`«${e.comment}»`));
      if (e.detail && typeof e.detail === 'object') {
        for (const [k, v] of Object.entries(e.detail as Record<string, unknown>))
          out.push(...listLines(k, v, '  ', 'muted'));
      }
      break;
    }
  }
  return out;
}

/** An alert in full: state, labels, annotations, acknowledgement; with `changes`, what changed before it fired. */
export function alertLines(a: AlertView, now: number, full: boolean, db?: DB): Line[] {
  const out: Line[] = [];
  out.push(
    spans(
      { ...severityCell(a.severity), text: `${severityCell(a.severity).text} ` },
      { text: a.alertname, tone: undefined },
    ),
  );
  out.push(
    line(
      `${a.state}${a.state === 'silenced' ? ` by ${a.silencedBy.map((s) => s.slice(0, 8)).join(', ')}` : a.state === 'inhibited' ? ` by ${a.inhibitedBy.length} alert(s)` : ''} · fired ${localTime(a.startsAt)} (${ago(a.startsAt, now)})`,
      a.state === 'active' ? undefined : 'muted',
    ),
  );
  out.push(
    line(
      a.acknowledged
        ? `${SYMBOL.ok} acknowledged by ${a.acknowledged.user} ${ago(a.acknowledged.at, now)}${a.acknowledged.note ? `: ${a.acknowledged.note}` : ''}`
        : 'not acknowledged: K acknowledges',
      a.acknowledged ? 'ok' : 'muted',
    ),
  );
  if (a.source.stale)
    out.push(
      line(
        `${SYMBOL.stale} stale: fetched ${ago(a.source.fetchedAt, now)}${a.source.error ? `; last try: ${a.source.error}` : ''}`,
        'warning',
      ),
    );
  for (const k of ['summary', 'description']) if (a.annotations[k]) out.push(line(a.annotations[k]));
  if (full && db) out.push(...changesLines(changesBefore(db, a.stackId, a.startsAt, 6), a.startsAt, now));
  out.push(line('Labels', 'accent', true));
  for (const [k, v] of Object.entries(a.labels).sort()) out.push(line(`  ${k}=${JSON.stringify(v)}`));
  const other = Object.entries(a.annotations).filter(([k]) => k !== 'summary' && k !== 'description');
  if (other.length) {
    out.push(line('Annotations', 'accent', true));
    for (const [k, v] of other) out.push(line(`  ${k}: ${v}`));
  }
  if (a.generatorUrl) out.push(line(`source: ${a.generatorUrl}`, 'muted'));
  return out;
}

/** "What changed before this fired": the applies of the stack in the 6 hours before the alert started. */
export function changesLines(runs: ApplyBeforeAlert[], startsAt: number, now: number): Line[] {
  const out: Line[] = [line(`What changed in the 6h before it fired (${localTime(startsAt)})`, 'accent', true)];
  if (runs.length === 0) {
    out.push(line('  No apply of this stack in those 6 hours.', 'muted'));
    return out;
  }
  for (const r of runs) {
    const before = startsAt - r.appliedAt;
    const when = before >= 0 ? `${compactDuration(before)} before` : `still applying`;
    const s = r.summary ? ` +${r.summary.add} ~${r.summary.change} -${r.summary.destroy}` : '';
    out.push(
      spans(
        { text: `  #${r.runId} `, tone: 'accent' },
        {
          text: `${r.purpose} ${r.state} by ${r.triggeredBy}, applied ${when} (${ago(r.appliedAt, now)})${s}`,
          tone: r.state === 'FAILED' ? 'error' : undefined,
        },
      ),
    );
    for (const c of r.changes.slice(0, 12)) {
      const sign = c.action === 'create' ? '+' : c.action === 'delete' ? '-' : c.action === 'replace' ? '-/+' : '~';
      out.push(
        line(
          `      ${sign} ${c.address}`,
          c.action === 'delete' || c.action === 'replace' ? 'error' : c.action === 'create' ? 'ok' : 'warning',
        ),
      );
    }
    if (r.changes.length > 12) out.push(line(`      ... and ${r.changes.length - 12} more`, 'muted'));
    if (r.error) out.push(line(`      ${r.error}`, 'error'));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ headers

/** One or two lines above a section's list: its figures, their age, staleness and errors. */
export function sectionHeader(
  section: Day2Section,
  s: StackStatus,
  data: SectionData[Day2Section] | null,
  now: number,
): Line[] {
  switch (section) {
    case 'drift': {
      const d = s.drift;
      const head: Cell =
        d.status === 'drifted'
          ? { text: `${SYMBOL.error} drifted ${d.drifted}`, tone: 'error' }
          : d.status === 'in_sync'
            ? { text: `${SYMBOL.ok} in sync`, tone: 'ok' }
            : d.status === 'failed'
              ? { text: `${SYMBOL.warning} last check failed`, tone: 'warning' }
              : d.status === 'checking'
                ? { text: `${SYMBOL.running} checking now`, tone: 'running' }
                : { text: `${SYMBOL.unknown} never checked`, tone: 'muted' };
      const out = [
        spans(
          head,
          { text: d.accepted || d.snoozed ? ` (${d.accepted} accepted, ${d.snoozed} snoozed)` : '', tone: 'muted' },
          {
            text: ` · figures from ${ago(d.fetchedAt, now)}${d.checkedAt && d.checkedAt !== d.fetchedAt ? ` · last check ${ago(d.checkedAt, now)}` : ''}${d.schedule ? ` · schedule "${d.schedule}"` : ' · checked on demand (D)'}`,
            tone: 'muted',
          },
        ),
      ];
      if (d.error) out.push(line(`${SYMBOL.stale} ${d.error}`, 'warning'));
      const checks = (data as SectionData['drift'] | null)?.checks ?? [];
      if (!d.error && checks.length === 0) out.push(line('No drift check yet: D checks now.', 'muted'));
      return out;
    }
    case 'alerts': {
      const a = s.alerts;
      if (!a.configured && a.total === 0)
        return [line("No alerting in dayops.yaml: add alerting.alertmanagerUrl to see this stack's alerts.", 'muted')];
      const out = [
        spans(
          {
            text: `${a.critical ? `${SYMBOL.error} ` : ''}${a.critical} critical`,
            tone: a.critical ? 'error' : 'muted',
          },
          {
            text: ` · ${a.warning ? `${SYMBOL.warning} ` : ''}${a.warning} warning`,
            tone: a.warning ? 'warning' : 'muted',
          },
          { text: ` · ${a.info + a.other} info · ${a.suppressed} silenced/inhibited`, tone: 'muted' },
          { text: ` · fetched ${ago(a.fetchedAt, now)}`, tone: a.stale ? 'warning' : 'muted' },
          { text: a.stale ? ` ${SYMBOL.stale} stale` : '', tone: 'warning' },
        ),
      ];
      if (a.error) out.push(line(`${SYMBOL.stale} last try ${ago(a.attemptedAt, now)}: ${a.error}`, 'warning'));
      return out;
    }
    case 'snapshots': {
      const b = s.backup;
      if (b.status === 'unconfigured')
        return [line('No backups in dayops.yaml: add backups.repository (restic) to back this stack up.', 'muted')];
      const st: Cell =
        b.status === 'on-time'
          ? { text: `${SYMBOL.ok} on time`, tone: 'ok' }
          : b.status === 'late'
            ? { text: `${SYMBOL.error} late`, tone: 'error' }
            : { text: `${SYMBOL.error} no snapshot`, tone: 'error' };
      const age =
        b.ageMinutes !== null
          ? ` (${minutes(b.ageMinutes)} old${b.rpoMinutes ? `, RPO ${minutes(b.rpoMinutes)}` : ''})`
          : b.rpoMinutes
            ? ` (RPO ${minutes(b.rpoMinutes)})`
            : '';
      const rt = b.lastRestoreTest;
      const out = [
        spans(
          st,
          { text: `${age} · ${b.snapshotCount} snapshots · `, tone: 'muted' },
          rt
            ? rt.ok
              ? { text: `${SYMBOL.ok} restore test ${ago(rt.at, now)}`, tone: 'ok' }
              : { text: `${SYMBOL.error} restore test failed ${ago(rt.at, now)}`, tone: 'error' }
            : { text: 'never restore-tested', tone: 'warning' },
          {
            text: ` · listed ${ago(b.fetchedAt, now)}${b.stale ? ` ${SYMBOL.stale} stale` : ''}`,
            tone: b.stale ? 'warning' : 'muted',
          },
        ),
      ];
      if (b.error) out.push(line(`${SYMBOL.stale} ${b.error}`, 'warning'));
      else if (b.lastBackup && !b.lastBackup.ok)
        out.push(
          line(`${SYMBOL.error} last backup failed ${ago(b.lastBackup.at, now)}: ${b.lastBackup.error ?? ''}`, 'error'),
        );
      return out;
    }
    case 'runs':
      return [
        line(
          `${(data as RunRecord[] | null)?.length ?? 0} runs (newest first) · Enter opens one in Day-1 · a approves one waiting`,
          'muted',
        ),
      ];
    case 'audit':
      return [line('What operators did on this stack, newest first (the audit log is append-only)', 'muted')];
  }
}

// ------------------------------------------------------------------------------------------------ stack summary

/** The dashboard's side panel: one stack's figures in words, with when each was fetched and its errors. */
export function stackSummaryLines(s: StackStatus, now: number): Line[] {
  const out: Line[] = [
    line(`${s.name}`, undefined, true),
    line(`${s.environment} · ${s.tool}`, s.environment === 'prod' ? 'accent' : 'muted'),
    line(s.dir, 'muted'),
  ];
  if (s.configError) out.push(line(`${SYMBOL.error} ${s.configError}`, 'error'));
  const run = (label: string, r: StackStatus['lastRun']) => {
    if (!r) return;
    const sum = r.summary ? ` +${r.summary.add} ~${r.summary.change} -${r.summary.destroy}` : '';
    out.push(
      spans({ text: `${label} #${r.id} `, tone: undefined }, runStateCell(r.state), {
        text: ` ${r.purpose} by ${r.triggeredBy} ${ago(r.finishedAt ?? r.startedAt ?? r.createdAt, now)}${sum}`,
        tone: 'muted',
      }),
    );
    if (r.error) out.push(line(`  ${r.error}`, 'error'));
  };
  out.push(line(''));
  run('Last change', s.lastChange);
  if (s.lastRun && s.lastRun.id !== s.lastChange?.id) run('Last run', s.lastRun);
  if (!s.lastRun) out.push(line('No runs yet', 'muted'));
  out.push(line(''));
  const d = s.drift;
  out.push(line('Drift', 'accent', true));
  out.push(
    line(
      d.status === 'drifted'
        ? `${SYMBOL.error} drifted ${d.drifted} (${d.accepted} accepted, ${d.snoozed} snoozed)`
        : d.status === 'in_sync'
          ? `${SYMBOL.ok} in sync${d.accepted ? ` (${d.accepted} accepted)` : ''}`
          : d.status === 'failed'
            ? `${SYMBOL.warning} last check failed`
            : d.status === 'checking'
              ? `${SYMBOL.running} checking`
              : `${SYMBOL.unknown} never checked`,
      d.status === 'drifted' ? 'error' : d.status === 'in_sync' ? 'ok' : d.status === 'failed' ? 'warning' : 'muted',
    ),
  );
  out.push(
    line(
      `  figures from ${ago(d.fetchedAt, now)}${d.stale ? ` ${SYMBOL.stale} stale` : ''}`,
      d.stale ? 'warning' : 'muted',
    ),
  );
  if (d.error) out.push(line(`  ${d.error}`, 'warning'));
  out.push(line(''));
  const a = s.alerts;
  out.push(line('Alerts', 'accent', true));
  if (!a.configured && a.total === 0) out.push(line('  no alerting configured', 'muted'));
  else {
    out.push(
      spans(
        { text: `  ${a.critical} critical`, tone: a.critical ? 'error' : 'muted' },
        { text: ` · ${a.warning} warning`, tone: a.warning ? 'warning' : 'muted' },
        { text: ` · ${a.info + a.other} info · ${a.suppressed} muted`, tone: 'muted' },
      ),
    );
    out.push(
      line(
        `  fetched ${ago(a.fetchedAt, now)}${a.stale ? ` ${SYMBOL.stale} stale` : ''}`,
        a.stale ? 'warning' : 'muted',
      ),
    );
    if (a.error) out.push(line(`  ${a.error}`, 'warning'));
  }
  out.push(line(''));
  const b = s.backup;
  out.push(line('Backups', 'accent', true));
  if (b.status === 'unconfigured') out.push(line('  no backups configured', 'muted'));
  else {
    out.push(
      line(
        b.status === 'on-time'
          ? `  ${SYMBOL.ok} on time: ${b.ageMinutes !== null ? minutes(b.ageMinutes) : '?'} old${b.rpoMinutes ? ` (RPO ${minutes(b.rpoMinutes)})` : ''}`
          : b.status === 'late'
            ? `  ${SYMBOL.error} late: ${b.ageMinutes !== null ? minutes(b.ageMinutes) : '?'} old${b.rpoMinutes ? ` (RPO ${minutes(b.rpoMinutes)})` : ''}`
            : `  ${SYMBOL.error} no snapshot`,
        b.status === 'on-time' ? 'ok' : 'error',
      ),
    );
    const rt = b.lastRestoreTest;
    out.push(
      line(
        rt
          ? `  ${rt.ok ? SYMBOL.ok : SYMBOL.error} restore test ${rt.ok ? 'passed' : 'failed'} ${ago(rt.at, now)}`
          : '  never restore-tested',
        rt ? (rt.ok ? 'ok' : 'error') : 'warning',
      ),
    );
    if (b.lastBackup && !b.lastBackup.ok)
      out.push(line(`  ${SYMBOL.error} last backup failed: ${b.lastBackup.error ?? ''}`, 'error'));
    out.push(
      line(
        `  listed ${ago(b.fetchedAt, now)}${b.stale ? ` ${SYMBOL.stale} stale` : ''}`,
        b.stale ? 'warning' : 'muted',
      ),
    );
    if (b.error) out.push(line(`  ${b.error}`, 'warning'));
  }
  return out;
}

/**
 * Lines of one span wider than `width` (as the terminal measures: CJK and emoji take two columns) broken at spaces,
 * continuations indented; at most `maxPerLine` rows each (the last one then ends in …). Others are cut at the edge.
 */
export function wrapLines(lines: Line[], width: number, maxPerLine = 4): Line[] {
  const out: Line[] = [];
  const w = Math.max(10, width);
  for (const l of lines) {
    const text = l.spans.length === 1 ? l.spans[0].text : null;
    if (text === null || stringWidth(text) <= w) {
      out.push(l);
      continue;
    }
    const indent = /^\s*/.exec(text)![0];
    const pad = indent.length + 2 < w / 2 ? indent + '  ' : indent;
    const rows = wrapAnsi(text.slice(indent.length), w - pad.length, { hard: true, trim: true }).split('\n');
    const kept = rows.slice(0, Math.max(1, maxPerLine));
    kept.forEach((r, i) => {
      let t = (i === 0 ? indent : pad) + r;
      if (i === kept.length - 1 && kept.length < rows.length) t = `${sliceAnsi(t, 0, w - 1)}…`;
      out.push({ spans: [{ ...l.spans[0], text: t }], bold: l.bold });
    });
  }
  return out;
}
