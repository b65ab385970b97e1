/**
 * Day-2 alerts: each stack's alerts from its Alertmanager (dayops.yaml `alerting`), cached in SQLite so the
 * dashboard opens instantly and shows the last known alerts when Alertmanager is down; real silences from the
 * keyboard; dayops' own acknowledgements; quiet applies (a maintenance silence while an approved apply runs);
 * and "what changed before this fired" from the runs of the stack.
 *
 * Every function takes the database handle; nothing here renders anything.
 */
import { join } from 'node:path';
import type { DB } from '../db/open.js';
import {
  type AckRecord,
  type AlertRecord,
  type AlertState,
  type SeverityCounts,
  type SilenceRecord,
  type StoredAlert,
} from '../db/alerts.js';
import { DEFAULT_STALE_AFTER_MS, isStale, type BackoffOptions, type SourceStatus } from '../db/sources.js';
import type { AlertsRepo } from '../db/alerts.js';
import { repos } from '../db/repos.js';
import { loadStackConfig, STACK_CONFIG_FILE, type StackConfig } from '../config/stack-config.js';
import type { Stack } from '../domain/stack.js';
import type { ChangeAction, PlanSummary, ResourceChange } from '../domain/plan.js';
import { errorMessage, UserError } from '../errors.js';
import * as am from './alertmanager.js';

export type { AckRecord, AlertState, SeverityCounts, SilenceRecord, StoredAlert } from '../db/alerts.js';

/** The `sources` key of a stack's alerts. */
export const alertsSourceKey = (stack: string): string => `alerts:${stack}`;

// ---------------------------------------------------------------------------------------------------------------
// From Alertmanager's answer to what we store

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? 3;
}

/**
 * dayops' state of an alert: `silenced` when a silence mutes it, `inhibited` when another alert does, else
 * `active`. Alertmanager says `suppressed` for both (and for time-interval mutes, shown as silenced) and
 * `unprocessed` for an alert it has not routed yet (it is firing: active).
 */
export function alertState(a: Pick<am.AmAlert, 'amState' | 'silencedBy' | 'inhibitedBy'>): AlertState {
  if (a.amState !== 'suppressed') return 'active';
  if (a.silencedBy.length > 0) return 'silenced';
  if (a.inhibitedBy.length > 0) return 'inhibited';
  return 'silenced';
}

export function toRecord(a: am.AmAlert): AlertRecord {
  const severity = (a.labels.severity ?? '').trim().toLowerCase();
  return {
    fingerprint: a.fingerprint,
    alertname: a.labels.alertname ?? '',
    severity,
    severityRank: severityRank(severity),
    state: alertState(a),
    amState: a.amState,
    silencedBy: a.silencedBy,
    inhibitedBy: a.inhibitedBy,
    labels: a.labels,
    annotations: a.annotations,
    receivers: a.receivers,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    updatedAt: a.updatedAt,
    generatorUrl: a.generatorUrl,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A stack's alerting config

export interface AlertingTarget {
  url: string;
  matchers: am.Matcher[];
  /** The matchers as sent in Alertmanager's `filter` parameter. */
  filter: string[];
  quietApplies: boolean;
  receivers: string[];
}

/**
 * The stack's Alertmanager and matchers (default `stack="<name>"`), or null when its dayops.yaml has no
 * `alerting`. Throws a one-line UserError/ConfigError for a broken config or matcher.
 */
export function alertingTarget(stack: Stack, config?: StackConfig): AlertingTarget | null {
  const cfg = config ?? loadStackConfig(stack.dir);
  const alerting = cfg.alerting;
  if (!alerting) return null;
  const texts = alerting.matchers && alerting.matchers.length > 0 ? alerting.matchers : [`stack="${stack.name}"`];
  const matchers = texts.map((t, i) => {
    try {
      return am.parseMatcher(t);
    } catch (err) {
      throw new UserError(`${join(stack.dir, STACK_CONFIG_FILE)}: alerting.matchers[${i}]: ${errorMessage(err)}`);
    }
  });
  return {
    url: alerting.alertmanagerUrl,
    matchers,
    filter: matchers.map(am.formatMatcher),
    quietApplies: alerting.quietApplies,
    receivers: alerting.receivers,
  };
}

/** The repositories of a database handle, prepared once per handle (the dashboard reads often). */
const reposOf = repos;

function resolveStack(db: DB, stack: Stack | string): Stack {
  if (typeof stack !== 'string') return stack;
  const s = reposOf(db).stacks.get(stack);
  if (!s) throw new UserError(`unknown stack "${stack}"; see \`dayops stack list\``);
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Sync

export interface SyncOptions {
  /** The time recorded (default: the clock when each answer is stored). */
  now?: number;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** Fetch even a failed source whose retry time has not come. */
  force?: boolean;
  /** Stacks fetched at once (default 8). */
  concurrency?: number;
  /** Backoff tuning (jitter source for tests). */
  backoff?: BackoffOptions;
}

export interface StackSyncResult {
  stack: string;
  stackId: number;
  /** Alertmanager answered and the cache now holds its answer. */
  ok: boolean;
  /** Not tried: the source failed before and its retry time has not come (see `nextRetryAt`). */
  skipped: boolean;
  /** Alerts cached for the stack after this sync (the last known ones when it failed). */
  alerts: number;
  error?: string;
  nextRetryAt?: number;
}

/**
 * Fetch the alerts of every stack with `alerting` (or of `stacks`) and replace each stack's cache in one
 * transaction. A failure keeps the last known alerts and records the error with a backed-off retry time; a failed
 * source is skipped until then unless `force`. A broken dayops.yaml fails that stack only. Never throws for a
 * stack's problem. Stacks without `alerting` are left out of the result (and any old cache of theirs is dropped).
 */
export async function syncAlerts(
  db: DB,
  stacks?: readonly (Stack | string)[],
  opts: SyncOptions = {},
): Promise<StackSyncResult[]> {
  const list = stacks ? stacks.map((s) => resolveStack(db, s)) : reposOf(db).stacks.list();
  const repo = reposOf(db).alerts;
  const sources = reposOf(db).sources;
  const at = () => opts.now ?? Date.now();
  const results: (StackSyncResult | null)[] = new Array(list.length).fill(null);

  const failed = (stack: Stack, error: string): StackSyncResult => {
    const rec = sources.recordFailure(alertsSourceKey(stack.name), error, at(), opts.backoff);
    return {
      stack: stack.name,
      stackId: stack.id,
      ok: false,
      skipped: false,
      alerts: repo.countsOf(stack.id).total,
      error,
      nextRetryAt: rec.nextRetryAt ?? undefined,
    };
  };

  const syncOne = async (stack: Stack): Promise<StackSyncResult | null> => {
    const key = alertsSourceKey(stack.name);
    let target: AlertingTarget | null;
    try {
      target = alertingTarget(stack);
    } catch (err) {
      return failed(stack, errorMessage(err));
    }
    if (!target) {
      if (sources.get(key) || repo.countsOf(stack.id).total > 0) {
        db.transaction(() => {
          repo.clear(stack.id);
          sources.remove(key);
        }).immediate();
      }
      return null;
    }
    if (!opts.force && !sources.isDue(key, at())) {
      const rec = sources.get(key)!;
      return {
        stack: stack.name,
        stackId: stack.id,
        ok: false,
        skipped: true,
        alerts: repo.countsOf(stack.id).total,
        error: rec.error ?? undefined,
        nextRetryAt: rec.nextRetryAt ?? undefined,
      };
    }
    await expireLeftoverQuietApplies(repo, stack, target, opts.timeoutMs);
    let alerts: am.AmAlert[];
    try {
      alerts = await am.getAlerts(target.url, { filter: target.filter }, { timeoutMs: opts.timeoutMs });
    } catch (err) {
      return failed(stack, errorMessage(err));
    }
    const records = alerts.map(toRecord);
    const now = at();
    db.transaction(() => {
      repo.replace(stack.id, records, now);
      sources.recordOk(key, now);
    }).immediate();
    return { stack: stack.name, stackId: stack.id, ok: true, skipped: false, alerts: records.length };
  };

  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      results[i] = await syncOne(list[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, list.length)) }, worker));
  return results.filter((r): r is StackSyncResult => r !== null);
}

/** A quiet-apply silence whose run ended while Alertmanager was unreachable is expired at the next sync. */
async function expireLeftoverQuietApplies(
  repo: AlertsRepo,
  stack: Stack,
  target: AlertingTarget,
  timeoutMs?: number,
): Promise<void> {
  for (const s of repo.leftoverQuietApplies(stack.id, Date.now())) {
    try {
      await am.expireSilence(s.url || target.url, s.id, { timeoutMs });
      repo.markExpired(s.id, Date.now(), 'dayops');
      repo.audit({
        at: Date.now(),
        user: 'dayops',
        action: 'quiet-apply-end',
        stackId: stack.id,
        runId: s.runId,
        detail: { silenceId: s.id, late: true },
      });
    } catch {
      return; // still unreachable: the next sync tries again, and the silence's own end time is the safety net
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the cache

export interface AlertSource extends SourceStatus {
  stack: string;
  stackId: number;
  /** When the cached alerts were fetched (the last success); null if never. */
  fetchedAt: number | null;
}

export interface AlertView extends StoredAlert {
  /** From the stack's source: when these alerts were fetched, whether that is stale, the last error. */
  source: {
    fetchedAt: number | null;
    stale: boolean;
    error: string | null;
    /** The last try to fetch (successful or not); null if never. */
    attemptedAt?: number | null;
  };
}

export interface ReadOptions {
  now?: number;
  staleAfterMs?: number;
}

/** Sources of the alerts: one per stack that has (or had) an Alertmanager source. */
export function alertSources(db: DB, stack?: Stack | string, opts: ReadOptions = {}): AlertSource[] {
  const now = opts.now ?? Date.now();
  const stacksRepo = reposOf(db).stacks;
  const sources = reposOf(db).sources;
  const stacks = stack !== undefined ? [resolveStack(db, stack)] : stacksRepo.list();
  const known = new Map(
    (stack !== undefined ? [sources.get(alertsSourceKey(stacks[0].name))] : sources.list('alerts:')).flatMap((r) =>
      r ? [[r.key, r]] : [],
    ),
  );
  const out: AlertSource[] = [];
  for (const s of stacks) {
    const rec = known.get(alertsSourceKey(s.name));
    if (!rec) continue;
    out.push({
      ...rec,
      stale: isStale(rec, now, opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS),
      stack: s.name,
      stackId: s.id,
      fetchedAt: rec.okAt,
    });
  }
  return out;
}

/**
 * Cached alerts (no network) of one stack or of all: critical, warning, info, other, newest first within a
 * severity; each with its acknowledgement and its source's age, staleness and last error.
 */
export function listAlerts(db: DB, stack?: Stack | string, opts: ReadOptions = {}): AlertView[] {
  const s = stack !== undefined ? resolveStack(db, stack) : undefined;
  const bySource = new Map(alertSources(db, s, opts).map((src) => [src.stackId, src]));
  return reposOf(db)
    .alerts.list(s?.id)
    .map((a) => {
      const src = bySource.get(a.stackId);
      return {
        ...a,
        source: {
          fetchedAt: src?.fetchedAt ?? a.fetchedAt,
          stale: src?.stale ?? true,
          error: src?.error ?? null,
          attemptedAt: src?.attemptedAt ?? null,
        },
      };
    });
}

/** Per stack counts for the dashboard: active alerts by severity, suppressed, total. One grouped query. */
export function alertCounts(db: DB): Map<number, SeverityCounts> {
  return new Map(
    reposOf(db)
      .alerts.counts()
      .map((c) => [c.stackId, c]),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Silences

/** Labels that differ between alerts of the same kind; a `labels`-scoped silence leaves them out. */
export const VOLATILE_LABELS: ReadonlySet<string> = new Set([
  'instance',
  'pod',
  'pod_name',
  'pod_ip',
  'container',
  'container_id',
  'id',
  'uid',
  'node',
  'host',
  'hostname',
  'ip',
  'address',
  'endpoint',
  'job_id',
  'le',
  'quantile',
  'exported_instance',
  'exported_pod',
]);

export type SilenceScopeChoice = 'alert' | 'labels';

/**
 * The matchers of a silence for `alert`: `alert` scope = every label (that exact alert); `labels` scope = the
 * stack's matchers plus every non-volatile label (all alerts of that kind in the stack, whatever the instance).
 */
export function silenceMatchers(
  alert: Pick<StoredAlert, 'labels'>,
  scope: SilenceScopeChoice,
  stackMatchers: readonly am.Matcher[] = [],
): am.Matcher[] {
  const names = Object.keys(alert.labels).sort();
  const fromLabels = names
    .filter((n) => scope === 'alert' || !VOLATILE_LABELS.has(n))
    .map((n) => ({ name: n, value: alert.labels[n], isRegex: false, isEqual: true }));
  if (scope === 'alert') return fromLabels;
  const out: am.Matcher[] = [];
  const seen = new Set<string>();
  for (const m of [...stackMatchers, ...fromLabels]) {
    const k = am.formatMatcher(m);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(m);
    }
  }
  return out;
}

export interface SilenceOptions {
  /** How long the silence lasts, in milliseconds. */
  durationMs: number;
  comment?: string;
  /** Who silenced (the OS user). */
  user: string;
  scope?: SilenceScopeChoice;
  timeoutMs?: number;
}

export interface SilenceResult {
  silence: SilenceRecord;
  /** The re-sync of the stack right after, so the alert shows as silenced. */
  sync: StackSyncResult | undefined;
}

function cachedAlert(db: DB, stack: Stack, alert: string | { fingerprint: string }): StoredAlert {
  const fp = typeof alert === 'string' ? alert : alert.fingerprint;
  const a = reposOf(db).alerts.get(stack.id, fp);
  if (!a) throw new UserError(`stack ${stack.name} has no cached alert ${fp}; run \`dayops alerts sync\``);
  return a;
}

function requireTarget(stack: Stack): AlertingTarget {
  const t = alertingTarget(stack);
  if (!t)
    throw new UserError(`${join(stack.dir, STACK_CONFIG_FILE)}: stack ${stack.name} has no alerting.alertmanagerUrl`);
  return t;
}

/**
 * Create a real silence in the stack's Alertmanager for a cached alert, remember it, write the audit log
 * (action `silence`) and re-sync the stack. Throws a one-line UserError (AlertmanagerError when Alertmanager
 * refuses or cannot be reached: then nothing is stored).
 */
export async function silenceAlert(
  db: DB,
  stack: Stack | string,
  alert: string | { fingerprint: string },
  opts: SilenceOptions,
): Promise<SilenceResult> {
  const s = resolveStack(db, stack);
  const target = requireTarget(s);
  const a = cachedAlert(db, s, alert);
  if (!Number.isFinite(opts.durationMs) || opts.durationMs <= 0)
    throw new UserError('a silence needs a duration above zero');
  const scope = opts.scope ?? 'alert';
  const matchers = silenceMatchers(a, scope, target.matchers);
  const comment = opts.comment?.trim() || `silenced from dayops by ${opts.user}`;
  const startsAt = Date.now();
  const endsAt = startsAt + opts.durationMs;
  const id = await am.postSilence(
    target.url,
    { matchers, startsAt, endsAt, createdBy: opts.user, comment },
    { timeoutMs: opts.timeoutMs },
  );
  const repo = reposOf(db).alerts;
  const record = {
    id,
    stackId: s.id,
    url: target.url,
    matchers,
    startsAt,
    endsAt,
    createdBy: opts.user,
    comment,
    kind: 'manual' as const,
    scope,
    fingerprint: a.fingerprint,
    runId: null,
    createdAt: startsAt,
  };
  db.transaction(() => {
    repo.addSilence(record);
    repo.audit({
      at: startsAt,
      user: opts.user,
      action: 'silence',
      stackId: s.id,
      comment,
      detail: {
        silenceId: id,
        url: target.url,
        scope,
        fingerprint: a.fingerprint,
        alertname: a.alertname,
        matchers: matchers.map(am.formatMatcher),
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
      },
    });
  }).immediate();
  const [sync] = await syncAlerts(db, [s], { force: true, timeoutMs: opts.timeoutMs });
  return { silence: repo.silence(id)!, sync };
}

export interface ExpireOptions {
  /** The Alertmanager of a silence dayops did not create (else the stored one is used). */
  url?: string;
  timeoutMs?: number;
}

/**
 * Expire a silence in its Alertmanager (idempotent there), mark it expired, write the audit log (action
 * `silence-expire`) and re-sync its stack. Throws a one-line UserError when it cannot.
 */
export async function expireSilence(
  db: DB,
  silenceId: string,
  user: string,
  opts: ExpireOptions = {},
): Promise<{ sync: StackSyncResult | undefined }> {
  const repo = reposOf(db).alerts;
  const known = repo.silence(silenceId);
  const url = opts.url ?? known?.url;
  if (!url)
    throw new UserError(`silence ${silenceId} was not created by dayops; give the Alertmanager URL to expire it`);
  await am.expireSilence(url, silenceId, { timeoutMs: opts.timeoutMs });
  const now = Date.now();
  db.transaction(() => {
    repo.markExpired(silenceId, now, user);
    repo.audit({
      at: now,
      user,
      action: 'silence-expire',
      stackId: known?.stackId ?? null,
      runId: known?.runId ?? null,
      detail: { silenceId, url },
    });
  }).immediate();
  const stack = known?.stackId != null ? reposOf(db).stacks.getById(known.stackId) : undefined;
  if (!stack) return { sync: undefined };
  const [sync] = await syncAlerts(db, [stack], { force: true, timeoutMs: opts.timeoutMs });
  return { sync };
}

/** Silences dayops created that are still in force (of one stack, or all). */
export function liveSilences(db: DB, stack?: Stack | string, now = Date.now()): SilenceRecord[] {
  const s = stack !== undefined ? resolveStack(db, stack) : undefined;
  return reposOf(db).alerts.liveSilences(now, s?.id);
}

// ---------------------------------------------------------------------------------------------------------------
// Acknowledgements (dayops' own: "someone is on it"; Alertmanager knows nothing of them)

/**
 * Acknowledge a cached alert. It stays acknowledged across restarts until the alert resolves (a sync where it is
 * gone drops the acknowledgement; the same alert firing again is not acknowledged). Writes the audit log.
 */
export function acknowledge(
  db: DB,
  stack: Stack | string,
  fingerprint: string,
  user: string,
  note?: string,
  now = Date.now(),
): AckRecord {
  const s = resolveStack(db, stack);
  const a = cachedAlert(db, s, fingerprint);
  const repo = reposOf(db).alerts;
  const ack: AckRecord = { user, note: note?.trim() || null, at: now };
  db.transaction(() => {
    repo.acknowledge(s.id, fingerprint, a.startsAt, ack);
    repo.audit({
      at: now,
      user,
      action: 'acknowledge',
      stackId: s.id,
      comment: ack.note,
      detail: { fingerprint, alertname: a.alertname },
    });
  }).immediate();
  return ack;
}

/** Remove an acknowledgement; false when there was none. Writes the audit log when it removed one. */
export function unacknowledge(
  db: DB,
  stack: Stack | string,
  fingerprint: string,
  user: string,
  now = Date.now(),
): boolean {
  const s = resolveStack(db, stack);
  const repo = reposOf(db).alerts;
  return db
    .transaction(() => {
      const removed = repo.unacknowledge(s.id, fingerprint);
      if (removed) repo.audit({ at: now, user, action: 'unacknowledge', stackId: s.id, detail: { fingerprint } });
      return removed;
    })
    .immediate();
}

// ---------------------------------------------------------------------------------------------------------------
// Quiet applies

/** A quiet-apply silence ends by itself after this long if dayops never expires it. */
export const QUIET_APPLY_SAFETY_MS = 2 * 60 * 60_000;

export interface QuietApplyResult {
  /** The maintenance silence created, when the stack has `alerting.quietApplies: true` and it worked. */
  silenceId?: string;
  /** Why the stack's alerts are not silenced during the apply (the apply goes on regardless). */
  warning?: string;
}

/**
 * Before an approved apply: when the stack's config says `alerting.quietApplies: true`, create a maintenance
 * silence over the stack's matchers ("dayops: apply of run #N", ending after 2 h as a safety net). Never throws:
 * a problem comes back as `warning`.
 */
export async function beginQuietApply(
  db: DB,
  stack: Stack | string,
  runId: number,
  user: string,
  opts: { durationMs?: number; timeoutMs?: number } = {},
): Promise<QuietApplyResult> {
  let s: Stack | undefined;
  try {
    s = resolveStack(db, stack);
    const target = alertingTarget(s);
    if (!target || !target.quietApplies) return {};
    const comment = `dayops: apply of run #${runId}`;
    const startsAt = Date.now();
    const endsAt = startsAt + (opts.durationMs ?? QUIET_APPLY_SAFETY_MS);
    const id = await am.postSilence(
      target.url,
      { matchers: target.matchers, startsAt, endsAt, createdBy: user, comment },
      { timeoutMs: opts.timeoutMs ?? 3_000 },
    );
    const repo = reposOf(db).alerts;
    const stackId = s.id;
    const store = db.transaction(() => {
      repo.addSilence({
        id,
        stackId,
        url: target.url,
        matchers: target.matchers,
        startsAt,
        endsAt,
        createdBy: user,
        comment,
        kind: 'quiet-apply',
        scope: 'stack',
        fingerprint: null,
        runId,
        createdAt: startsAt,
      });
      repo.audit({
        at: startsAt,
        user,
        action: 'quiet-apply',
        stackId,
        runId,
        comment,
        detail: {
          silenceId: id,
          url: target.url,
          matchers: target.matchers.map(am.formatMatcher),
          endsAt: new Date(endsAt).toISOString(),
        },
      });
    });
    try {
      store.immediate();
    } catch (err) {
      // Not remembered, so nothing would expire it after the apply: take it back now.
      await am.expireSilence(target.url, id, { timeoutMs: opts.timeoutMs ?? 3_000 }).catch(() => undefined);
      throw err;
    }
    return { silenceId: id };
  } catch (err) {
    return {
      warning: `alerts of ${s?.name ?? String(typeof stack === 'string' ? stack : stack.name)} are not silenced during the apply: ${errorMessage(err)}`,
    };
  }
}

/**
 * After the apply, whatever its outcome: expire the run's quiet-apply silences. Never throws; a silence that
 * could not be expired is retried by the next sync of the stack and ends by itself at its safety-net time.
 */
export async function endQuietApply(
  db: DB,
  runId: number,
  user = 'dayops',
  opts: { timeoutMs?: number } = {},
): Promise<{ expired: string[]; warning?: string }> {
  const expired: string[] = [];
  const problems: string[] = [];
  try {
    const repo = reposOf(db).alerts;
    for (const s of repo.quietApplySilences(runId)) {
      try {
        await am.expireSilence(s.url, s.id, { timeoutMs: opts.timeoutMs ?? 3_000 });
        const now = Date.now();
        db.transaction(() => {
          repo.markExpired(s.id, now, user);
          repo.audit({
            at: now,
            user,
            action: 'quiet-apply-end',
            stackId: s.stackId,
            runId,
            detail: { silenceId: s.id },
          });
        }).immediate();
        expired.push(s.id);
      } catch (err) {
        problems.push(
          `the quiet-apply silence ${s.id} stays until ${new Date(s.endsAt).toISOString()}: ${errorMessage(err)}`,
        );
      }
    }
  } catch (err) {
    problems.push(`quiet-apply silences of run #${runId} were not expired: ${errorMessage(err)}`);
  }
  return problems.length ? { expired, warning: problems.join('; ') } : { expired };
}

// ---------------------------------------------------------------------------------------------------------------
// What changed before this fired

export interface ChangedResource {
  address: string;
  action: ChangeAction;
}

export interface ApplyBeforeAlert {
  runId: number;
  /** FINISHED, FAILED, or APPLYING (an apply still running when the alert fired). */
  state: string;
  purpose: string;
  triggeredBy: string;
  /** When the run started applying. */
  appliedAt: number;
  finishedAt: number | null;
  summary: PlanSummary | null;
  /** What the apply changed (from apply_json, else from the approved plan), no-ops and reads left out. */
  changes: ChangedResource[];
  error: string | null;
}

function changesOf(json: string | null): ResourceChange[] | undefined {
  if (!json) return undefined;
  try {
    const v = JSON.parse(json) as { changes?: unknown };
    return Array.isArray(v?.changes) ? (v.changes as ResourceChange[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The applies of a stack in the `hours` before an alert started (and any still running when it started),
 * newest first, with the resources each changed.
 */
export function changesBefore(db: DB, stackId: number, alertStartsAt: number, hours = 6): ApplyBeforeAlert[] {
  const rows = reposOf(db).alerts.appliedRuns(stackId, alertStartsAt - hours * 3_600_000, alertStartsAt);
  return rows.map((r) => {
    const applied = changesOf(r.applyJson);
    const planned = changesOf(r.planJson);
    const source = applied && applied.length > 0 ? applied : (planned ?? []);
    return {
      runId: r.id,
      state: r.state,
      purpose: r.purpose,
      triggeredBy: r.triggeredBy,
      appliedAt: r.applyingAt,
      finishedAt: r.finishedAt,
      summary:
        r.summaryAdd === null
          ? null
          : { add: r.summaryAdd, change: r.summaryChange ?? 0, destroy: r.summaryDestroy ?? 0 },
      changes: source
        .filter((c) => c && typeof c.address === 'string' && c.action !== 'no-op' && c.action !== 'read')
        .map((c) => ({ address: c.address, action: c.action })),
      error: r.error,
    };
  });
}
