/** A stack's summary lines. */
import type { StackStatus } from '../../../src/day2/status.js';
import { runKindName } from '../../../src/domain/run-words.js';
import { ago, minutes, SYMBOL } from '../../../src/app/day2/format.js';
import { knownDrift } from '../../../src/app/day2/dashboard.js';
import { line, spans, type Line } from './items.js';
import { runStateCell } from './item-line.js';
import { rtoLine, sloSummaryLines } from './slo.js';

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
        text: ` ${runKindName(r)} by ${r.triggeredBy} ${ago(r.finishedAt ?? r.startedAt ?? r.createdAt, now)}${sum}`,
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
            ? knownDrift(d) === 'drifted'
              ? `${SYMBOL.error} drifted ${d.drifted} (${d.accepted} accepted, ${d.snoozed} snoozed) ${SYMBOL.stale} last check failed`
              : knownDrift(d) === 'in_sync'
                ? `${SYMBOL.ok} in sync ${SYMBOL.stale} last check failed`
                : `${SYMBOL.warning} last check failed`
            : d.status === 'checking'
              ? `${SYMBOL.running} checking`
              : `${SYMBOL.unknown} never checked`,
      knownDrift(d) === 'drifted'
        ? 'error'
        : d.status === 'in_sync'
          ? 'ok'
          : d.status === 'failed'
            ? 'warning'
            : 'muted',
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
    const rto = rtoLine(s);
    if (rto) out.push(rto);
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
  out.push(line(''));
  out.push(...sloSummaryLines(s, now));
  return out;
}
