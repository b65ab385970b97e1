/** Lines of spans, the items of a section in display order, and wrapping lines to a width. */
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';
import type { AuditEntry } from '../../../src/db/audit.js';
import type { BackupEvent } from '../../../src/db/backups.js';
import type { RunRecord } from '../../../src/db/runs.js';
import { type AlertView, type SilenceRecord } from '../../../src/day2/alerts.js';
import { type DriftedResource } from '../../../src/day2/drift.js';
import type { Snapshot } from '../../../src/day2/restic.js';
import type { Day2Section } from '../../../store/day2.js';
import type { SectionData } from '../data.js';
import { type Cell, type Tone } from '../../../src/app/day2/format.js';

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
