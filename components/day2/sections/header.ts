/** The header lines of each section. */
import type { RunRecord } from '../../../src/db/runs.js';
import type { StackStatus } from '../../../src/day2/status.js';
import type { Day2Section } from '../../../store/day2.js';
import type { SectionData } from '../data.js';
import { ago, minutes, SYMBOL, type Cell } from '../../../src/app/day2/format.js';
import { knownDrift } from '../../../src/app/day2/dashboard.js';
import { line, spans, type Line } from './items.js';
import { sloBreachLines } from './slo.js';

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
              ? knownDrift(d) === 'drifted'
                ? {
                    text: `${SYMBOL.error} drifted ${d.drifted} ${SYMBOL.stale} stale: last check failed`,
                    tone: 'error',
                  }
                : knownDrift(d) === 'in_sync'
                  ? { text: `${SYMBOL.ok} in sync ${SYMBOL.stale} stale: last check failed`, tone: 'warning' }
                  : { text: `${SYMBOL.warning} last check failed`, tone: 'warning' }
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
      // SLOs burning their budget and failed scheduled checks stand beside the alerts.
      const breaches = sloBreachLines(s, now);
      const checks = s.failedChecks.map((c) =>
        line(`${SYMBOL.error} check ${c.name} (${c.kind}) failed ${ago(c.at, now)}: ${c.message ?? ''}`, 'error'),
      );
      if (!a.configured && a.total === 0)
        return [
          ...checks,
          line("No alerting in dayops.yaml: add alerting.alertmanagerUrl to see this stack's alerts.", 'muted'),
          ...breaches,
        ];
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
      return [...out, ...breaches, ...checks];
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
              ? {
                  text: `${SYMBOL.ok} restore test ${ago(rt.at, now)}${rt.stale ? ` ${SYMBOL.stale} stale` : ''}`,
                  tone: rt.stale ? 'warning' : 'ok',
                }
              : { text: `${SYMBOL.error} restore test failed ${ago(rt.at, now)}`, tone: 'error' }
            : { text: 'never restore-tested', tone: 'warning' },
          {
            text: ` · listed ${ago(b.fetchedAt, now)}${b.stale ? ` ${SYMBOL.stale} stale` : ''}`,
            tone: b.stale ? 'warning' : 'muted',
          },
        ),
      ];
      if (b.error) out.push(line(`${SYMBOL.stale} ${b.error}`, 'warning'));
      if (b.lastRestoreAttempt && b.lastRestoreAttempt.error !== b.error)
        out.push(
          line(
            `${SYMBOL.stale} restore test ${ago(b.lastRestoreAttempt.at, now)} could not run: ${b.lastRestoreAttempt.error ?? ''}`,
            'warning',
          ),
        );
      if (!b.error && b.lastBackup && !b.lastBackup.ok)
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
