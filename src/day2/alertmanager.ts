/**
 * A small client of the Prometheus Alertmanager API v2 (spec: alertmanager-api-v2-openapi.yaml, checked against
 * Alertmanager 0.25). Global fetch with a timeout; every answer is validated with zod, and every failure is an
 * AlertmanagerError saying which of four things went wrong: unreachable, timeout, an HTTP error (with
 * Alertmanager's own text, e.g. 422 `{"code":602,...}`), or an answer that is not what the API promises.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';

export type AlertmanagerErrorKind = 'unreachable' | 'timeout' | 'http' | 'malformed';

export class AlertmanagerError extends UserError {
  constructor(
    message: string,
    readonly kind: AlertmanagerErrorKind,
    readonly url: string,
    /** The HTTP status, for `http` errors. */
    readonly status?: number,
  ) {
    super(message, 1);
    this.name = 'AlertmanagerError';
  }
}

export const DEFAULT_TIMEOUT_MS = 5_000;

export interface RequestOptions {
  /** Give up after this long (default 5 s), connecting and reading the body included. */
  timeoutMs?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Matchers

/** The API's matcher object. `isEqual: false` is `!=` / `!~`. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/**
 * Parse `name="value"`, `name=~"re"`, `name!="v"`, `name!~"re"` (the value may also be unquoted, as Alertmanager
 * accepts). Throws a one-line Error naming what is wrong.
 */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER_RE.exec(text);
  if (!m) {
    throw new Error(`"${text}" is not a matcher; write name="value", name=~"regex", name!="value" or name!~"regex"`);
  }
  const [, name, op, raw] = m;
  let value = raw;
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"') || (raw.endsWith('\\"') && !raw.endsWith('\\\\"'))) {
      throw new Error(`"${text}": the value has no closing double quote`);
    }
    value = unquote(raw.slice(1, -1), text);
  } else if (raw.includes('"')) {
    throw new Error(`"${text}": the value contains an unescaped double quote`);
  }
  const isRegex = op === '=~' || op === '!~';
  if (isRegex) {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (err) {
      throw new Error(`"${text}": not a valid regular expression (${(err as Error).message})`, { cause: err });
    }
  }
  return { name, value, isRegex, isEqual: op === '=' || op === '=~' };
}

function unquote(s: string, text: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const n = s[++i];
      if (n === '\\' || n === '"') out += n;
      else if (n === 'n') out += '\n';
      else throw new Error(`"${text}": unknown escape \\${n ?? ''} in the value`);
    } else if (c === '"') {
      throw new Error(`"${text}": the value contains an unescaped double quote`);
    } else out += c;
  }
  return out;
}

/** The canonical text of a matcher (`name=~"value"`), as Alertmanager's `filter` parameter reads it. */
export function formatMatcher(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  const value = m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${m.name}${op}"${value}"`;
}

/** Whether an alert's labels satisfy a matcher (Alertmanager's semantics: regexes are anchored, a missing label is ''). */
export function matches(m: Matcher, labels: Record<string, string>): boolean {
  const v = labels[m.name] ?? '';
  const hit = m.isRegex ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
  return m.isEqual ? hit : !hit;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

const labelSet = z.record(z.string(), z.string());
const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time');

export const gettableAlertSchema = z.looseObject({
  labels: labelSet,
  annotations: labelSet.default({}),
  fingerprint: z.string().min(1),
  startsAt: dateTime,
  endsAt: dateTime.optional(),
  updatedAt: dateTime.optional(),
  generatorURL: z.string().optional(),
  receivers: z.array(z.looseObject({ name: z.string() })).default([]),
  status: z.looseObject({
    state: z.enum(['unprocessed', 'active', 'suppressed']),
    silencedBy: z.array(z.string()).default([]),
    inhibitedBy: z.array(z.string()).default([]),
    mutedBy: z.array(z.string()).optional(),
  }),
});
export const gettableAlertsSchema = z.array(gettableAlertSchema);

const matcherSchema = z.looseObject({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean().default(true),
});

export const gettableSilenceSchema = z.looseObject({
  id: z.string().min(1),
  status: z.looseObject({ state: z.enum(['expired', 'active', 'pending']) }),
  updatedAt: dateTime.optional(),
  matchers: z.array(matcherSchema),
  startsAt: dateTime,
  endsAt: dateTime,
  createdBy: z.string(),
  comment: z.string(),
});
export const gettableSilencesSchema = z.array(gettableSilenceSchema);

const postSilenceAnswer = z.looseObject({ silenceID: z.string().min(1) });

export const statusSchema = z.looseObject({
  cluster: z.looseObject({ status: z.string(), name: z.string().optional(), peers: z.array(z.unknown()).optional() }),
  versionInfo: z.looseObject({ version: z.string() }),
  config: z.looseObject({ original: z.string() }),
  uptime: dateTime,
});

/** An alert as Alertmanager reports it, times as epoch milliseconds. */
export interface AmAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number | null;
  updatedAt: number | null;
  generatorUrl: string | null;
  receivers: string[];
  /** Alertmanager's state: `suppressed` means silenced, inhibited or muted. */
  amState: 'unprocessed' | 'active' | 'suppressed';
  silencedBy: string[];
  inhibitedBy: string[];
  mutedBy: string[];
}

export interface AmSilence {
  id: string;
  state: 'expired' | 'active' | 'pending';
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number | null;
  createdBy: string;
  comment: string;
}

export interface AmStatus {
  version: string;
  uptime: number;
  clusterStatus: string;
  /** The configuration Alertmanager runs with (YAML). */
  config: string;
}

/** Go's zero time (`0001-01-01T00:00:00Z`) means "not set". */
const time = (s: string | undefined): number | null => {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) || t < 0 ? null : t;
};

/** Validate a GET /api/v2/alerts answer (already JSON-parsed). Throws a ZodError on anything else. */
export function parseAlerts(body: unknown): AmAlert[] {
  return gettableAlertsSchema.parse(body).map((a) => ({
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: Date.parse(a.startsAt),
    endsAt: time(a.endsAt),
    updatedAt: time(a.updatedAt),
    generatorUrl: a.generatorURL || null,
    receivers: a.receivers.map((r) => r.name),
    amState: a.status.state,
    silencedBy: a.status.silencedBy,
    inhibitedBy: a.status.inhibitedBy,
    mutedBy: a.status.mutedBy ?? [],
  }));
}

/** Validate a GET /api/v2/silences answer. */
export function parseSilences(body: unknown): AmSilence[] {
  return gettableSilencesSchema.parse(body).map((s) => ({
    id: s.id,
    state: s.status.state,
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
    startsAt: Date.parse(s.startsAt),
    endsAt: Date.parse(s.endsAt),
    updatedAt: time(s.updatedAt),
    createdBy: s.createdBy,
    comment: s.comment,
  }));
}

export function parseStatus(body: unknown): AmStatus {
  const s = statusSchema.parse(body);
  return {
    version: s.versionInfo.version,
    uptime: Date.parse(s.uptime),
    clusterStatus: s.cluster.status,
    config: s.config.original,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

function endpoint(base: string, path: string): URL {
  let root: URL;
  try {
    root = new URL(base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new AlertmanagerError(
      `"${base}" is not an Alertmanager URL (write e.g. http://127.0.0.1:9093)`,
      'unreachable',
      base,
    );
  }
  if (root.protocol !== 'http:' && root.protocol !== 'https:') {
    throw new AlertmanagerError(`"${base}" is not an http(s) URL`, 'unreachable', base);
  }
  return new URL(path, root);
}

const oneLine = (s: string, max = 200): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Alertmanager's error bodies are a JSON string (`"silence not found"`) or `{"code":602,"message":"..."}`. */
export function errorText(body: string): string {
  try {
    const v: unknown = JSON.parse(body);
    if (typeof v === 'string') return oneLine(v);
    if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      const { code, message } = v as { code?: unknown; message: string };
      return oneLine(code !== undefined ? `${message} (code ${String(code)})` : message);
    }
  } catch {
    /* plain text */
  }
  return oneLine(body) || '(empty body)';
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code && cause.message)
    return cause.message.includes(cause.code) ? cause.message : `${cause.code}: ${cause.message}`;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return (err as Error).message;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || (name === 'AbortError' && /timeout/i.test(String((err as Error).message)));
}

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: [string, string][];
  body?: unknown;
  timeoutMs?: number;
}

/** One request; returns the raw body of a 2xx answer. Throws AlertmanagerError for the other three outcomes. */
async function request(base: string, call: Call): Promise<string> {
  const url = endpoint(base, call.path);
  for (const [k, v] of call.query ?? []) url.searchParams.append(k, v);
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = `${call.method} ${url.pathname}`;
  let text: string;
  let status: number;
  try {
    const res = await fetch(url, {
      method: call.method,
      headers:
        call.body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if (isTimeout(err)) {
      throw new AlertmanagerError(
        `Alertmanager at ${base} did not answer ${what} within ${formatMs(timeoutMs)}`,
        'timeout',
        base,
      );
    }
    let why = oneLine(causeOf(err));
    if (why === 'bad port')
      why = `port ${url.port} is one that fetch refuses to use (bad port); run Alertmanager on another port`;
    throw new AlertmanagerError(`Alertmanager at ${base} is unreachable: ${why}`, 'unreachable', base);
  }
  if (status < 200 || status > 299) {
    throw new AlertmanagerError(
      `Alertmanager at ${base} answered HTTP ${status} to ${what}: ${errorText(text)}`,
      'http',
      base,
      status,
    );
  }
  return text;
}

const formatMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Parse a 2xx body as JSON and validate it; anything else is a `malformed` error naming what was expected. */
function decode<T>(base: string, text: string, expected: string, parse: (v: unknown) => T): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const head = oneLine(text, 80);
    throw new AlertmanagerError(
      `Alertmanager at ${base} answered with something that is not ${expected}: not JSON (${head ? `"${head}"` : 'empty body'})`,
      'malformed',
      base,
    );
  }
  try {
    return parse(json);
  } catch (err) {
    throw new AlertmanagerError(
      `Alertmanager at ${base} answered with something that is not ${expected}: ${zodText(err)}`,
      'malformed',
      base,
    );
  }
}

function zodText(err: unknown): string {
  if (err instanceof z.ZodError) {
    return err.issues
      .slice(0, 2)
      .map(
        (i) =>
          `${
            i.path.length
              ? i.path
                  .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
                  .join('')
                  .replace(/^\./, '')
              : '(top)'
          }: ${i.message}`,
      )
      .join('; ');
  }
  return (err as Error).message;
}

export interface GetAlertsFilter {
  /** Matchers such as `stack="payments"` (all must match). */
  filter?: string[];
  /** Include active (not suppressed) alerts (Alertmanager's default: true). */
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
  /** A regex matching receiver names. */
  receiver?: string;
}

/** GET /api/v2/alerts: the alerts that are firing (resolved ones are left out by Alertmanager). */
export async function getAlerts(url: string, f: GetAlertsFilter = {}, opts: RequestOptions = {}): Promise<AmAlert[]> {
  const query: [string, string][] = (f.filter ?? []).map((m) => ['filter', m]);
  for (const k of ['active', 'silenced', 'inhibited', 'unprocessed'] as const) {
    if (f[k] !== undefined) query.push([k, String(f[k])]);
  }
  if (f.receiver) query.push(['receiver', f.receiver]);
  const text = await request(url, { method: 'GET', path: 'api/v2/alerts', query, timeoutMs: opts.timeoutMs });
  return decode(url, text, 'an alert list', parseAlerts);
}

export interface NewSilence {
  matchers: Matcher[];
  startsAt: Date | number;
  endsAt: Date | number;
  createdBy: string;
  comment: string;
}

/** POST /api/v2/silences: create a silence; returns its id. */
export async function postSilence(url: string, s: NewSilence, opts: RequestOptions = {}): Promise<string> {
  const iso = (t: Date | number) => new Date(t).toISOString();
  const body = {
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
  };
  const text = await request(url, { method: 'POST', path: 'api/v2/silences', body, timeoutMs: opts.timeoutMs });
  return decode(url, text, 'a silence id', (v) => postSilenceAnswer.parse(v).silenceID);
}

/** DELETE /api/v2/silence/{id}: expire a silence (expiring one already expired succeeds). */
export async function expireSilence(url: string, id: string, opts: RequestOptions = {}): Promise<void> {
  await request(url, { method: 'DELETE', path: `api/v2/silence/${encodeURIComponent(id)}`, timeoutMs: opts.timeoutMs });
}

/** GET /api/v2/silences (optionally filtered by matchers). */
export async function getSilences(url: string, filter: string[] = [], opts: RequestOptions = {}): Promise<AmSilence[]> {
  const query: [string, string][] = filter.map((m) => ['filter', m]);
  const text = await request(url, { method: 'GET', path: 'api/v2/silences', query, timeoutMs: opts.timeoutMs });
  return decode(url, text, 'a silence list', parseSilences);
}

/** GET /api/v2/status: version, uptime, cluster state, running config. */
export async function getStatus(url: string, opts: RequestOptions = {}): Promise<AmStatus> {
  const text = await request(url, { method: 'GET', path: 'api/v2/status', timeoutMs: opts.timeoutMs });
  return decode(url, text, 'an Alertmanager status', parseStatus);
}

/** An alert as POST /api/v2/alerts takes it: times as RFC 3339 strings. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the future while the alert holds (re-posted before it passes); now, to resolve it. */
  endsAt?: string;
  generatorURL?: string;
}

/**
 * POST /api/v2/alerts: raise, renew or resolve alerts (Alertmanager answers 200 with an empty body; a 400 names
 * what it refused).
 */
export async function postAlerts(url: string, alerts: PostableAlert[], opts: RequestOptions = {}): Promise<void> {
  await request(url, { method: 'POST', path: 'api/v2/alerts', body: alerts, timeoutMs: opts.timeoutMs });
}
