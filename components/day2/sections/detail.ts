/** An item's longer description, and an alert's detail with "what changed before". */
import type { AlertView, ApplyBeforeAlert } from '../../../src/day2/alerts.js';
import { changesBeforeAlert, checkFailuresBeforeAlert, sloChangesBeforeAlert } from '../../../src/app/day2/readers.js';
import type { CheckRecord } from '../../../src/db/checks.js';
import { sloChangeLines } from './slo.js';
import { formatMatcher } from '../../../src/day2/alertmanager.js';
import type { DB } from '../../../src/db/open.js';
import { fieldDiffs, type DriftedResource } from '../../../src/day2/drift.js';
import type { RunPurpose, RunState } from '../../../src/day1/runner/state.js';
import { runKindName, stateText } from '../../../src/domain/run-words.js';
import { ago, compactDuration, localTime, SYMBOL, type Tone } from '../../../src/app/day2/format.js';
import { keys } from '../../day0/keys.js';
import { line, spans, wrapLines, type Item, type Line } from './items.js';
import { runStateCell, severityCell } from './item-line.js';

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
      out.push(line(`Run #${r.id} · ${runKindName(r)}`, undefined, true));
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
            ? `${keys('day2.runs.approve')} approve · ${keys('day2.runs.discard')} discard · ${keys('day2.runs.open')} opens it in Day-1`
            : `${keys('day2.runs.open')} opens its log and plan in Day-1`,
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
  if (full && db) {
    out.push(...changesLines(changesBeforeAlert(db, a), a.startsAt, now));
    out.push(...sloChangeLines(sloChangesBeforeAlert(db, a), a.startsAt));
    out.push(...checkFailureLines(checkFailuresBeforeAlert(db, a), a.startsAt));
  }
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

/** "What changed before this fired": the scheduled checks of the stack that failed in those hours. */
export function checkFailureLines(checks: CheckRecord[], startsAt: number): Line[] {
  if (checks.length === 0) return [];
  const out: Line[] = [line('  Scheduled checks that failed', 'accent')];
  for (const c of checks) {
    const before = compactDuration(Math.max(0, startsAt - (c.finishedAt ?? c.startedAt)));
    out.push(
      line(`    ${SYMBOL.error} ${c.name} (${c.kind}), ${before} before${c.message ? `: ${c.message}` : ''}`, 'error'),
    );
  }
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
          text: `${runKindName({ kind: 'tracked', purpose: r.purpose as RunPurpose })} ${stateText(r.state as RunState)} by ${r.triggeredBy}, applied ${when} (${ago(r.appliedAt, now)})${s}`,
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
