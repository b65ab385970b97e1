/**
 * Results of `ansible-playbook` as its JSON stdout callbacks print them (collection ansible.posix):
 * - `ansible.posix.jsonl` (what dayops runs): one event per line as it happens: v2_playbook_on_play_start,
 *   v2_playbook_on_task_start / v2_playbook_on_handler_task_start (v2_runner_on_start with the free strategy),
 *   v2_runner_on_ok / _failed / _unreachable / _skipped (each `{task, hosts: {<host>: result}}`), and
 *   v2_playbook_on_stats at the end.
 * - `ansible.posix.json` (also read, for recorded documents): the same plays/tasks/hosts and stats as one document
 *   printed when the playbook ends.
 * Both reduce to per-task, per-host results and per-host stats. Only the JSON is read, never the text.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Diagnostic, HostStats, HostTaskStatus, PlanSummary, ResourceChange } from '../../domain/plan.js';
import { summarize } from '../../domain/plan.js';

/** One task's result on one host. */
export interface AnsibleTaskResult {
  play?: string;
  task: string;
  /** `playbook.yml:11` where Ansible says. */
  taskPath?: string;
  host: string;
  status: HostTaskStatus;
  /** The module (`ansible.builtin.copy`). */
  action?: string;
  msg?: string;
  /** A unified diff of what changed (or would change in check mode), from `--diff`. */
  diff?: string;
}

export interface AnsibleHostStats extends HostStats {
  rescued: number;
  ignored: number;
}

interface RawTask {
  name?: string;
  path?: string;
}
interface RawEvent {
  _event?: string;
  play?: { name?: string };
  task?: RawTask;
  hosts?: Record<string, RawResult>;
  stats?: Record<string, Record<string, number>>;
}
type RawResult = Record<string, unknown>;

/** Ansible's own sentence for a task with no name is its action; keep whatever the callback printed. */
function taskName(t: RawTask | undefined): string {
  return t?.name?.trim() || '(unnamed task)';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v : undefined;
}

function firstLine(s: string, max = 200): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The status of one host's result (the callbacks add `failed`/`skipped`; `unreachable` comes from Ansible). */
export function resultStatus(r: RawResult, event?: string): HostTaskStatus {
  if (r.unreachable === true || event === 'v2_runner_on_unreachable') return 'unreachable';
  if (r.failed === true || event === 'v2_runner_on_failed') return 'failed';
  if (r.skipped === true || event === 'v2_runner_on_skipped') return 'skipped';
  if (r.changed === true) return 'changed';
  return 'ok';
}

/** Why a task failed, in one line: msg, else stderr, else the rc; a loop's first failed item. */
function resultMessage(r: RawResult): string | undefined {
  const censored = str(r.censored);
  if (censored) return censored;
  let msg = str(r.msg);
  if (Array.isArray(r.results) && (!msg || /one or more items failed/i.test(msg))) {
    const item = r.results.find((x: unknown) => x && typeof x === 'object' && (x as RawResult).failed === true) as
      RawResult | undefined;
    const inner = item && resultMessage(item);
    if (inner) msg = msg ? `${msg}: ${inner}` : inner;
  }
  if (!msg) msg = str(r.stderr) ?? str(r.module_stderr) ?? (typeof r.rc === 'number' ? `exit code ${r.rc}` : undefined);
  return msg ? firstLine(msg) : undefined;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2) + '\n';
}

/** One entry of a module's `diff` (or a list of them) as a unified diff; undefined when it shows no change. */
export function formatAnsibleDiff(diff: unknown): string | undefined {
  const entries = Array.isArray(diff) ? diff : diff && typeof diff === 'object' ? [diff] : [];
  const parts: string[] = [];
  for (const e of entries) {
    if (!e || typeof e !== 'object') continue;
    const d = e as Record<string, unknown>;
    if (typeof d.prepared === 'string' && d.prepared.trim()) {
      parts.push(d.prepared.replace(/\n?$/, '\n'));
      continue;
    }
    if (!('before' in d) && !('after' in d)) continue;
    const before = asText(d.before);
    const after = asText(d.after);
    if (before === after) continue;
    const oldName = `before${str(d.before_header) ? `: ${d.before_header as string}` : ''}`;
    const newName = `after${str(d.after_header) ? `: ${d.after_header as string}` : ''}`;
    parts.push(
      createTwoFilesPatch(oldName, newName, before, after, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY }),
    );
  }
  return parts.length ? parts.join('') : undefined;
}

/** The diff of a result, including the items of a loop. */
function resultDiff(r: RawResult): string | undefined {
  const parts: string[] = [];
  const own = formatAnsibleDiff(r.diff);
  if (own) parts.push(own);
  if (Array.isArray(r.results)) {
    for (const item of r.results) {
      if (item && typeof item === 'object') {
        const d = formatAnsibleDiff((item as RawResult).diff);
        if (d) parts.push(d);
      }
    }
  }
  return parts.length ? parts.join('') : undefined;
}

/** Collects results from jsonl lines (`push`) or a json document (`addDocument`). */
export class AnsibleResultParser {
  readonly results: AnsibleTaskResult[] = [];
  stats?: AnsibleHostStats[];
  readonly plays: string[] = [];
  /** JSON events read (0 means the callback never printed one). */
  events = 0;
  /** Lines that were not JSON events (another callback's text, a stray print). */
  readonly otherLines: string[] = [];
  private play?: string;

  /** Feed one stdout line of the jsonl callback. Returns the event when the line was one. */
  push(line: string): RawEvent | undefined {
    const s = line.trim();
    let ev: RawEvent | undefined;
    if (s.startsWith('{')) {
      try {
        const v: unknown = JSON.parse(s);
        if (v && typeof v === 'object' && !Array.isArray(v)) ev = v as RawEvent;
      } catch {
        /* not JSON */
      }
    }
    if (!ev || (typeof ev._event !== 'string' && !('plays' in ev))) {
      if (s) this.otherLines.push(line);
      return undefined;
    }
    if ('plays' in ev) {
      // a whole json-callback document on one line
      this.addDocument(ev as Parameters<AnsibleResultParser['addDocument']>[0]);
      return ev;
    }
    this.events++;
    switch (ev._event) {
      case 'v2_playbook_on_play_start':
        this.play = ev.play?.name ?? '';
        this.plays.push(this.play);
        break;
      case 'v2_runner_on_ok':
      case 'v2_runner_on_failed':
      case 'v2_runner_on_unreachable':
      case 'v2_runner_on_skipped':
        for (const [host, r] of Object.entries(ev.hosts ?? {})) this.addResult(ev.task, host, r, ev._event);
        break;
      case 'v2_playbook_on_stats':
        this.stats = toStats(ev.stats);
        break;
      default:
        break;
    }
    return ev;
  }

  /** Read a whole document of the json callback. */
  addDocument(doc: {
    plays?: { play?: { name?: string }; tasks?: { task?: RawTask; hosts?: Record<string, RawResult> }[] }[];
    stats?: RawEvent['stats'];
  }): void {
    this.events++;
    for (const p of doc.plays ?? []) {
      this.play = p.play?.name ?? '';
      this.plays.push(this.play);
      for (const t of p.tasks ?? []) {
        for (const [host, r] of Object.entries(t.hosts ?? {})) this.addResult(t.task, host, r);
      }
    }
    if (doc.stats) this.stats = toStats(doc.stats);
  }

  private addResult(task: RawTask | undefined, host: string, r: RawResult, event?: string): void {
    const result: AnsibleTaskResult = { task: taskName(task), host, status: resultStatus(r, event) };
    if (this.play) result.play = this.play;
    if (task?.path) result.taskPath = task.path;
    if (typeof r.action === 'string') result.action = r.action;
    if (result.status === 'failed' || result.status === 'unreachable' || result.status === 'skipped') {
      const msg = resultMessage(r);
      if (msg) result.msg = msg;
    }
    const diff = resultDiff(r);
    if (diff) result.diff = diff;
    this.results.push(result);
  }

  /** Per-host totals: Ansible's stats when it printed them, else counted from the results. */
  hosts(): HostStats[] {
    if (this.stats)
      return this.stats.map(({ host, ok, changed, failed, unreachable, skipped }) => ({
        host,
        ok,
        changed,
        failed,
        unreachable,
        skipped,
      }));
    const by = new Map<string, HostStats>();
    for (const r of this.results) {
      const h = by.get(r.host) ?? { host: r.host, ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 };
      if (r.status === 'ok') h.ok++;
      else if (r.status === 'changed') {
        h.ok++;
        h.changed++;
      } else h[r.status]++;
      by.set(r.host, h);
    }
    return [...by.values()].sort((a, b) => a.host.localeCompare(b.host));
  }

  /** A failed result on a host whose stats show no failure was ignored (ignore_errors) or rescued. */
  private wasForgiven(r: AnsibleTaskResult): boolean {
    if (r.status !== 'failed' || !this.stats) return false;
    const s = this.stats.find((h) => h.host === r.host);
    return Boolean(s && s.failed === 0 && (s.ignored > 0 || s.rescued > 0));
  }

  /**
   * The results worth a row: changed (action `update`, with the diff), failed and unreachable (action `no-op`:
   * nothing is known to change; the status says what happened). ok and skipped results are only counted (hosts).
   */
  changes(): ResourceChange[] {
    const out: ResourceChange[] = [];
    for (const r of this.results) {
      if (r.status === 'ok' || r.status === 'skipped') continue;
      const c: ResourceChange = {
        address: `${r.host}: ${r.task}`,
        action: r.status === 'changed' ? 'update' : 'no-op',
        actions: [r.status],
        task: r.task,
        host: r.host,
        status: r.status,
      };
      if (r.action) c.type = r.action;
      if (r.diff) c.diff = r.diff;
      if (r.msg && r.status !== 'changed') c.reason = r.msg;
      out.push(c);
    }
    return out;
  }

  summary(): PlanSummary {
    return summarize(this.changes());
  }

  /** Failed and unreachable results as diagnostics (ignored or rescued failures as warnings). */
  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const r of this.results) {
      if (r.status !== 'failed' && r.status !== 'unreachable') continue;
      const d: Diagnostic = {
        severity: this.wasForgiven(r) ? 'warning' : 'error',
        summary: `${r.status === 'unreachable' ? 'unreachable' : 'failed'}: ${r.task}${r.msg ? `: ${r.msg}` : ''}`,
        address: `${r.host}: ${r.task}`,
      };
      if (r.taskPath) d.location = r.taskPath;
      out.push(d);
    }
    return out;
  }

  /** `2 hosts failed: web1 (Install nginx: no package), web2 (...); 1 host unreachable: db1 (...)`, or undefined. */
  failureMessage(): string | undefined {
    const failed = new Map<string, AnsibleTaskResult>();
    const unreachable = new Map<string, AnsibleTaskResult>();
    for (const r of this.results) {
      if (r.status === 'failed' && !this.wasForgiven(r) && !failed.has(r.host)) failed.set(r.host, r);
      if (r.status === 'unreachable' && !unreachable.has(r.host)) unreachable.set(r.host, r);
    }
    // Stats are the authority on which hosts failed (a result may be missing when a run is cut short).
    for (const s of this.stats ?? []) {
      if (s.failed > 0 && !failed.has(s.host)) failed.set(s.host, { host: s.host, task: '', status: 'failed' });
      if (s.unreachable > 0 && !unreachable.has(s.host))
        unreachable.set(s.host, { host: s.host, task: '', status: 'unreachable' });
    }
    const part = (m: Map<string, AnsibleTaskResult>, what: string) => {
      if (!m.size) return undefined;
      const list = [...m.values()].map((r) => {
        const why = [r.task, r.msg].filter(Boolean).join(': ');
        return why ? `${r.host} (${why})` : r.host;
      });
      return `${m.size} host${m.size > 1 ? 's' : ''} ${what}: ${list.join(', ')}`;
    };
    const parts = [part(failed, 'failed'), part(unreachable, 'unreachable')].filter(Boolean);
    return parts.length ? parts.join('; ') : undefined;
  }
}

function toStats(raw: RawEvent['stats']): AnsibleHostStats[] {
  return Object.entries(raw ?? {})
    .map(([host, s]) => ({
      host,
      ok: s.ok ?? 0,
      changed: s.changed ?? 0,
      failed: s.failures ?? 0,
      unreachable: s.unreachable ?? 0,
      skipped: s.skipped ?? 0,
      rescued: s.rescued ?? 0,
      ignored: s.ignored ?? 0,
    }))
    .sort((a, b) => a.host.localeCompare(b.host));
}

/** Parse a whole recorded output: a json-callback document, or jsonl lines. */
export function parseAnsibleOutput(text: string): AnsibleResultParser {
  const p = new AnsibleResultParser();
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    try {
      const doc: unknown = JSON.parse(trimmed);
      if (doc && typeof doc === 'object' && 'plays' in doc) {
        p.addDocument(doc as Parameters<AnsibleResultParser['addDocument']>[0]);
        return p;
      }
    } catch {
      /* fall through to lines */
    }
  }
  for (const line of text.split('\n')) p.push(line);
  return p;
}

/** What the pane shows for a jsonl event, in the words of Ansible's default output; other lines as they are. */
export function displayAnsibleLine(line: string): string | undefined {
  const s = line.trim();
  if (!s.startsWith('{')) return undefined;
  let ev: RawEvent;
  try {
    ev = JSON.parse(s) as RawEvent;
  } catch {
    return undefined;
  }
  if (!ev || typeof ev._event !== 'string') return undefined;
  const task = taskName(ev.task);
  const hostLines = (fn: (host: string, r: RawResult) => string) =>
    Object.entries(ev.hosts ?? {})
      .map(([h, r]) => fn(h, r))
      .join(' ');
  switch (ev._event) {
    case 'v2_playbook_on_play_start':
      return `PLAY [${ev.play?.name ?? ''}]`;
    case 'v2_playbook_on_task_start':
      return `TASK [${task}]`;
    case 'v2_playbook_on_handler_task_start':
      return `RUNNING HANDLER [${task}]`;
    case 'v2_runner_on_start':
      return `TASK [${task}] ${Object.keys(ev.hosts ?? {}).join(' ')}`.trim();
    case 'v2_runner_on_ok':
      return hostLines(
        (h, r) => `${r.changed === true ? 'changed' : 'ok'}: [${h}]${r.changed === true && r.diff ? ' (diff)' : ''}`,
      );
    case 'v2_runner_on_skipped':
      return hostLines((h) => `skipping: [${h}]`);
    case 'v2_runner_on_failed':
      return hostLines((h, r) => `fatal: [${h}]: FAILED! => ${resultMessage(r) ?? 'failed'}`);
    case 'v2_runner_on_unreachable':
      return hostLines((h, r) => `fatal: [${h}]: UNREACHABLE! => ${resultMessage(r) ?? 'unreachable'}`);
    case 'v2_playbook_on_stats':
      return (
        'PLAY RECAP ' +
        toStats(ev.stats)
          .map(
            (h) =>
              `${h.host}: ok=${h.ok} changed=${h.changed} unreachable=${h.unreachable} failed=${h.failed} ` +
              `skipped=${h.skipped} rescued=${h.rescued} ignored=${h.ignored}`,
          )
          .join('; ')
      );
    default:
      return `[${ev._event}]`;
  }
}
