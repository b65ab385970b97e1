/**
 * A small client of the Prometheus HTTP API v1 (`GET /api/v1/query`, checked against Prometheus 2.42): instant
 * queries for the `prometheus` checks and the SLO computations. Global fetch with a timeout; every answer is
 * validated with zod, and every failure is a PrometheusError saying which of four things went wrong: unreachable,
 * timeout, an HTTP or query error (with Prometheus' own `errorType: error` text), or an answer that is not what the
 * API promises.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';

export type PrometheusErrorKind = 'unreachable' | 'timeout' | 'http' | 'malformed';

export class PrometheusError extends UserError {
  constructor(
    message: string,
    readonly kind: PrometheusErrorKind,
    readonly url: string,
    /** The HTTP status, for `http` errors. */
    readonly status?: number,
  ) {
    super(message, 1);
    this.name = 'PrometheusError';
  }
}

export const DEFAULT_TIMEOUT_MS = 5_000;

export interface QueryOptions {
  /** Give up after this long (default 5 s), connecting and reading the body included. */
  timeoutMs?: number;
  /** Evaluate at this time (ms since the epoch); else Prometheus' now. */
  time?: number;
  signal?: AbortSignal;
}

/** One series of an instant vector: its labels and its value (NaN and ±Inf kept as numbers). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** An instant query's answer: a vector (possibly empty) or one scalar, as one list of samples. */
export interface QueryResult {
  resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  samples: Sample[];
  warnings: string[];
}

const valuePair = z.tuple([z.number(), z.string()]);
const answer = z.object({
  status: z.enum(['success', 'error']),
  data: z
    .object({
      resultType: z.enum(['vector', 'scalar', 'matrix', 'string']),
      result: z.unknown(),
    })
    .optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});
const vector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: valuePair }));

/** The API's number text (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`) as a number. */
export function promNumber(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** `http://host:9090/` and `http://host:9090` give the same API addresses. */
export function apiUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** Run an instant query. Throws a PrometheusError whose message is one line naming the server and what failed. */
export async function queryInstant(baseUrl: string, query: string, opts: QueryOptions = {}): Promise<QueryResult> {
  const params = new URLSearchParams({ query });
  if (opts.time !== undefined) params.set('time', (opts.time / 1000).toFixed(3));
  const url = apiUrl(baseUrl, `/api/v1/query?${params.toString()}`);
  const where = apiUrl(baseUrl, '/api/v1/query');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json' } });
    text = await res.text();
  } catch (err) {
    if (timeout.aborted) {
      throw new PrometheusError(`Prometheus at ${where} did not answer within ${timeoutMs} ms`, 'timeout', where);
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new PrometheusError(`Prometheus at ${where} is unreachable (${why})`, 'unreachable', where);
  }
  let body: z.infer<typeof answer> | undefined;
  try {
    body = answer.parse(JSON.parse(text));
  } catch {
    body = undefined;
  }
  if (!res.ok || body?.status === 'error') {
    const why = body?.error ?? text.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new PrometheusError(
      `Prometheus at ${where} refused the query (HTTP ${res.status}${body?.errorType ? `, ${body.errorType}` : ''}): ${why}`,
      'http',
      where,
      res.status,
    );
  }
  if (!body?.data) {
    throw new PrometheusError(`Prometheus at ${where} gave an answer that is not the query API's`, 'malformed', where);
  }
  const { resultType, result } = body.data;
  let samples: Sample[] = [];
  if (resultType === 'vector') {
    const parsed = vector.safeParse(result);
    if (!parsed.success) {
      throw new PrometheusError(`Prometheus at ${where} gave a vector that is not the API's`, 'malformed', where);
    }
    samples = parsed.data.map((s) => ({ labels: s.metric, value: promNumber(s.value[1]) }));
  } else if (resultType === 'scalar') {
    const parsed = valuePair.safeParse(result);
    if (!parsed.success) {
      throw new PrometheusError(`Prometheus at ${where} gave a scalar that is not the API's`, 'malformed', where);
    }
    samples = [{ labels: {}, value: promNumber(parsed.data[1]) }];
  }
  return { resultType, samples, warnings: body.warnings ?? [] };
}

/**
 * The one number a query gives: a scalar, or a vector of exactly one series. `undefined` for an empty vector (no
 * data); an error naming the count when the query gives several series.
 */
export async function queryNumber(
  baseUrl: string,
  query: string,
  opts: QueryOptions = {},
): Promise<number | undefined> {
  const r = await queryInstant(baseUrl, query, opts);
  if (r.samples.length === 0) return undefined;
  if (r.samples.length > 1) {
    throw new PrometheusError(
      `the query gives ${r.samples.length} series; wrap it in sum(...) or another aggregation to get one number`,
      'malformed',
      apiUrl(baseUrl, '/api/v1/query'),
    );
  }
  return r.samples[0].value;
}
