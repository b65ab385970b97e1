/** A stack's SLOs in lines: the side panel (each SLO and its burn windows), breaches beside the alerts, and SLO
 * status changes in "what changed before this". */
import type { SloEvent } from '../../../src/day2/slo.js';
import type { StackStatus } from '../../../src/day2/status.js';
import { restoreRtoText } from '../../../src/day2/backups.js';
import {
  BURN_WINDOWS,
  formatBurn,
  formatPercent,
  isFastBurn,
  sloSummary,
  type SloStatus,
} from '../../../src/domain/slo.js';
import { ago, compactDuration, SYMBOL, type Tone } from '../../../src/app/day2/format.js';
import { line, spans, type Line } from './items.js';

const TONE: Record<SloStatus, Tone> = { page: 'error', warning: 'warning', ok: 'ok' };
const MARK: Record<SloStatus, string> = { page: SYMBOL.error, warning: SYMBOL.warning, ok: SYMBOL.ok };

/** `5m 20x · 30m 20x · 1h 20x · 6h 20x · 3d 20x` */
export function windowsText(burn: StackStatus['slo']['slos'][number]['burnRates']): string {
  return BURN_WINDOWS.map((w) => `${w} ${formatBurn(burn[w])}`).join(' · ');
}

/** The side panel's SLO block: each SLO (worst first) with its burn windows, when measured, stale and why. */
export function sloSummaryLines(s: StackStatus, now: number): Line[] {
  const f = s.slo;
  const out: Line[] = [line('SLOs', 'accent', true)];
  if (!f.configured && f.slos.length === 0) {
    out.push(line('  no slo: in dayops.yaml', 'muted'));
    return out;
  }
  if (f.slos.length === 0) out.push(line(`  ${SYMBOL.unknown} not measured yet`, 'muted'));
  for (const x of f.slos) {
    const fast = isFastBurn(x.burnRates);
    out.push(
      spans(
        { text: `  ${MARK[x.status]} ${x.name} `, tone: TONE[x.status] },
        {
          text:
            x.attainment === null
              ? `no traffic in ${x.window} (objective ${formatPercent(x.objective)})`
              : sloSummary(x),
          tone: fast ? 'error' : x.status === 'warning' ? 'warning' : undefined,
        },
      ),
    );
    out.push(
      line(
        `    burn ${windowsText(x.burnRates)}${x.status !== 'ok' ? ` · ${x.status} since ${ago(x.since, now)}` : ''}`,
        fast ? 'error' : 'muted',
      ),
    );
  }
  if (f.slos.length > 0 || f.attemptedAt !== null)
    out.push(
      line(
        `  measured ${ago(f.fetchedAt, now)}${f.stale ? ` ${SYMBOL.stale} stale` : ''}`,
        f.stale ? 'warning' : 'muted',
      ),
    );
  if (f.error) out.push(line(`  ${f.error}`, 'warning'));
  return out;
}

/** The restore test against the RTO, for the backups block: `restore 4.2s within RTO 4h` (red when slower). */
export function rtoLine(s: StackStatus): Line | null {
  const text = restoreRtoText(s.backup);
  if (!text) return null;
  return line(
    `  ${s.backup.restoreOverRto ? SYMBOL.error : SYMBOL.ok} ${text}`,
    s.backup.restoreOverRto ? 'error' : 'muted',
  );
}

/** SLOs in breach (warning or page), one line each, for the alerts section's header. */
export function sloBreachLines(s: StackStatus, now: number): Line[] {
  return s.slo.slos
    .filter((x) => x.status !== 'ok')
    .map((x) =>
      spans(
        {
          text: `${MARK[x.status]} SLO ${x.name} ${x.status === 'page' ? 'burning fast (page)' : 'burning (ticket)'} `,
          tone: TONE[x.status],
        },
        {
          text: `${sloSummary(x)} · since ${ago(x.since, now)}${s.slo.stale ? ` ${SYMBOL.stale} stale` : ''}`,
          tone: 'muted',
        },
      ),
    );
}

/** "What changed before this": the SLO status changes of the stack in the hours before `at`. */
export function sloChangeLines(events: SloEvent[], at: number): Line[] {
  if (events.length === 0) return [];
  const out: Line[] = [line('  SLO status changes', 'accent')];
  for (const e of events.slice(0, 12)) {
    const burn = e.detail.burnRates ? ` · burn 1h ${formatBurn(e.detail.burnRates['1h'] ?? null)}` : '';
    const att =
      e.detail.attainment !== undefined && e.detail.attainment !== null
        ? ` · ${formatPercent(e.detail.attainment)}`
        : '';
    out.push(
      line(
        `    ${MARK[e.status]} ${e.name} ${e.previous ?? 'new'} -> ${e.status}, ${compactDuration(Math.max(0, at - e.at))} before${att}${burn}`,
        TONE[e.status],
      ),
    );
  }
  return out;
}
