/**
 * `dayops status [--json]`: every stack's newest run, drift, alerts and backups from the cache (no network, no
 * tool), each figure with its age, and marked stale with the error when its last refresh failed. A report:
 * exit 0 whatever it says.
 */
import { formatSummary } from '../domain/plan.js';
import { sloSummary } from '../domain/slo.js';
import { runKindName, stateText } from '../domain/run-words.js';
import { restoreRtoText } from '../day2/backups.js';
import { stackStatuses, statusJson, type StackStatus } from '../day2/status.js';
import { formatTable } from '../text-table.js';
import { roleName, teamIdentity } from '../app/permissions.js';
import { type Command, type CommandContext, line, parseFlags, writeJson } from './context.js';

function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

const staleMark = (stale: boolean, error: string | null) =>
  stale ? ` [stale${error ? `: ${error.slice(0, 60)}` : ''}]` : '';

function runText(s: StackStatus, now: number): string {
  const r = s.lastRun;
  if (!r) return '-';
  const summary = r.summary ? ` ${formatSummary(r.summary)}` : '';
  // A plan-only run is `proposed`, never `deploy`: its name and state in the words of `--json` (`kindName`, `state`)
  return `#${r.id} ${runKindName(r)} ${stateText(r.state)}${summary} ${ago(r.finishedAt ?? r.startedAt ?? r.createdAt, now)}`;
}

function driftText(s: StackStatus, now: number): string {
  const d = s.drift;
  let text: string;
  switch (d.status) {
    case 'unknown':
      return d.schedule ? 'never checked' : '-';
    case 'in_sync':
      text = 'in sync';
      break;
    case 'drifted':
      text = `drifted ${d.drifted}`;
      break;
    case 'checking':
      text = 'checking';
      break;
    case 'failed':
      // The last good check's figures still stand as far as anyone knows (marked stale below)
      text =
        d.fetchedAt === null
          ? 'check failed'
          : `${d.drifted > 0 ? `drifted ${d.drifted}` : 'in sync'}, last check failed`;
      break;
  }
  const triaged = [d.accepted ? `${d.accepted} accepted` : '', d.snoozed ? `${d.snoozed} snoozed` : '']
    .filter(Boolean)
    .join(', ');
  return `${text}${triaged ? ` (${triaged})` : ''} ${ago(d.fetchedAt, now)}${staleMark(d.stale, d.error)}`;
}

function alertsText(s: StackStatus, now: number): string {
  const a = s.alerts;
  if (!a.configured && a.total === 0 && !a.error) return s.failedChecks.length ? checksText(s, now).slice(2) : '-';
  const counts = `${a.critical} crit, ${a.warning} warn${a.info + a.other ? `, ${a.info + a.other} other` : ''}`;
  return `${counts} ${ago(a.fetchedAt, now)}${staleMark(a.stale, a.error)}${checksText(s, now)}`;
}

/** Failed scheduled checks, beside the alerts: `; check web-up FAILED 3m ago`. */
function checksText(s: StackStatus, now: number): string {
  return s.failedChecks.map((c) => `; check ${c.name} FAILED ${ago(c.at, now)}`).join('');
}

function backupText(s: StackStatus, now: number): string {
  const b = s.backup;
  if (b.status === 'unconfigured') return b.error ? `- [${b.error.slice(0, 60)}]` : '-';
  const age =
    b.ageMinutes === null ? '' : ` ${Math.round(b.ageMinutes)}m${b.rpoMinutes !== null ? `/${b.rpoMinutes}m` : ''}`;
  const test = b.lastRestoreTest
    ? `, restore test ${b.lastRestoreTest.ok ? 'ok' : 'FAILED'} ${ago(b.lastRestoreTest.at, now)}`
    : '';
  const rto = restoreRtoText(b);
  return `${b.status}${age}${test}${rto ? ` (${rto})` : ''}${staleMark(b.stale, b.error)}`;
}

function sloText(s: StackStatus): string {
  const worst = s.slo.slos[0];
  if (!worst) return s.slo.configured ? `not measured${staleMark(s.slo.stale, s.slo.error)}` : '-';
  const text =
    worst.attainment === null ? `${worst.name}: no traffic` : `${worst.name} ${worst.status}: ${sloSummary(worst)}`;
  return `${text}${staleMark(s.slo.stale, s.slo.error)}`;
}

export const statusCommand: Command = {
  name: 'status',
  usage: 'dayops status [--json]',
  summary: "every stack's last run, drift, alerts and backups (from the cache)",
  async run(args: string[], ctx: CommandContext): Promise<number> {
    const { values, positionals } = parseFlags('status', args, { json: { type: 'boolean' } }, false);
    void positionals;
    const now = Date.now();
    const stacks = stackStatuses(ctx.db(), now);
    if (values.json) {
      writeJson(ctx, { generatedAt: new Date(now).toISOString(), stacks: stacks.map(statusJson) });
      return 0;
    }
    // Team mode: whose view of which shared database this is (the URL without its password).
    const team = teamIdentity(ctx.db());
    if (team) line(ctx, `${team.url}: you are ${team.user} (${roleName(team.role)})`);
    if (stacks.length === 0) {
      line(ctx, 'No stacks yet: `dayops stack add DIR` registers one, `dayops design` creates one.');
      return 0;
    }
    // The SLO column only when some stack has SLOs: its worst SLO, as the dashboard's column says it.
    const slo = stacks.some((s) => s.slo.configured || s.slo.slos.length > 0);
    line(
      ctx,
      formatTable(
        ['STACK', 'ENV', 'TOOL', 'LAST RUN', 'DRIFT', 'ALERTS', 'BACKUP', ...(slo ? ['SLO'] : [])],
        stacks.map((s) => [
          s.name,
          s.environment,
          s.tool,
          runText(s, now),
          driftText(s, now),
          alertsText(s, now),
          backupText(s, now),
          ...(slo ? [sloText(s)] : []),
        ]),
      ),
    );
    const broken = stacks.filter((s) => s.configError);
    for (const s of broken) ctx.stderr.write(`dayops: ${s.name}: ${s.configError}\n`);
    return 0;
  },
};
