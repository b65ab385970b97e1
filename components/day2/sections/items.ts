/** Lines of spans, the items of a section in display order, and wrapping lines to a width. */
import type { AuditEntry } from '../../../src/db/audit.js';
import type { BackupEvent } from '../../../src/db/backups.js';
import type { RunRecord } from '../../../src/db/runs.js';
import { type AlertView, type SilenceRecord } from '../../../src/day2/alerts.js';
import { type DriftedResource } from '../../../src/day2/drift.js';
import type { Snapshot } from '../../../src/day2/restic.js';
import type { Day2Section } from '../../../store/day2.js';
import type { SectionData } from '../data.js';
import { type Cell, type Tone } from '../format.js';

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

/** Lines of one span longer than `width` broken at spaces (others are cut at the edge when drawn). */
export function wrapLines(lines: Line[], width: number, maxPerLine = 4): Line[] {
  const out: Line[] = [];
  const w = Math.max(10, width);
  for (const l of lines) {
    const text = l.spans.length === 1 ? l.spans[0].text : null;
    if (text === null || [...text].length <= w) {
      out.push(l);
      continue;
    }
    const indent = /^\s*/.exec(text)![0];
    let rest = text;
    let n = 0;
    while (rest.length > 0 && n < maxPerLine) {
      let cut = rest.length <= w ? rest.length : rest.lastIndexOf(' ', w);
      if (cut <= indent.length) cut = Math.min(w, rest.length);
      out.push({ spans: [{ ...l.spans[0], text: rest.slice(0, cut) }], bold: l.bold });
      rest = rest.slice(cut).trimStart();
      if (rest) rest = `${indent}  ${rest}`;
      n++;
    }
    if (rest.trim() && out.length) {
      const last = out[out.length - 1];
      last.spans = [{ ...last.spans[0], text: `${last.spans[0].text.slice(0, w - 1)}…` }];
    }
  }
  return out;
}
