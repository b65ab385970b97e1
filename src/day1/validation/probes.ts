/**
 * One attempt of each kind of check. Every failure message says what was expected and what came back. TLS is
 * verified (Node's fetch refuses a certificate it cannot trust, a self-signed one among them).
 */
import { connect } from 'node:net';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_TCP_TIMEOUT_MS,
  type CheckConfig,
} from '../../config/checks-config.js';
import { queryNumber } from '../../day2/prometheus.js';
import { errorMessage } from '../../errors.js';
import { runProcess } from '../runner/process.js';
import type { Attempt, CheckContext } from './types.js';

const MAX_OUTPUT = 64 * 1024;

function cut(text: string, n = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}

/** Why a fetch failed, in words: the system's code (ECONNREFUSED, a TLS verification code) or the message. */
function fetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name does not resolve (${code})`;
  if (code && /CERT|SELF_SIGNED|TLS|SSL|UNABLE_TO_VERIFY/.test(code))
    return `a TLS certificate that is not trusted (${code}: ${cause?.message ?? ''})`.replace(/: \)$/, ')');
  if (code) return `${cause?.message ?? code} (${code})`;
  return cause?.message ?? errorMessage(err);
}

function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

export async function httpAttempt(spec: NonNullable<CheckConfig['http']>, ctx: CheckContext): Promise<Attempt> {
  const timeoutMs = spec.timeout ?? DEFAULT_HTTP_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const expected = spec.status !== undefined ? `HTTP ${spec.status}` : 'an HTTP 2xx answer';
  let res: Response;
  let body: string;
  try {
    res = await fetch(spec.url, { signal: anySignal([timeout, ctx.signal]), redirect: 'follow' });
    body = await res.text();
  } catch (err) {
    if (ctx.signal?.aborted) return { ok: false, message: 'canceled', final: true };
    if (timeout.aborted)
      return {
        ok: false,
        message: `expected ${expected} from ${spec.url}, got no answer within ${seconds(timeoutMs)}`,
      };
    return { ok: false, message: `expected ${expected} from ${spec.url}, got ${fetchFailure(err)}` };
  }
  const statusOk = spec.status !== undefined ? res.status === spec.status : res.status >= 200 && res.status < 300;
  if (!statusOk) {
    return {
      ok: false,
      message: `expected ${expected} from ${spec.url}, got HTTP ${res.status}${body.trim() ? `: "${cut(body, 80)}"` : ''}`,
    };
  }
  if (spec.bodyMatches !== undefined && !new RegExp(spec.bodyMatches).test(body)) {
    return {
      ok: false,
      message: `expected the body of ${spec.url} to match /${spec.bodyMatches}/, got ${body.trim() ? `"${cut(body, 80)}"` : 'an empty body'}`,
    };
  }
  return {
    ok: true,
    message: `HTTP ${res.status} from ${spec.url}${spec.bodyMatches ? `, body matches /${spec.bodyMatches}/` : ''}`,
  };
}

function expectation(spec: NonNullable<CheckConfig['prometheus']>): string {
  const parts: string[] = [];
  if (spec.below !== undefined) parts.push(`below ${spec.below}`);
  if (spec.above !== undefined) parts.push(`above ${spec.above}`);
  if (spec.equals !== undefined) parts.push(`equal to ${spec.equals}`);
  return `a value ${parts.join(' and ')}`;
}

export async function prometheusAttempt(
  spec: NonNullable<CheckConfig['prometheus']>,
  ctx: CheckContext,
): Promise<Attempt> {
  if (!ctx.prometheusUrl) return { ok: false, message: 'no monitoring.prometheusUrl in dayops.yaml', final: true };
  const want = expectation(spec);
  let v: number | undefined;
  try {
    v = await queryNumber(ctx.prometheusUrl, spec.query, { timeoutMs: spec.timeout, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal?.aborted) return { ok: false, message: 'canceled', final: true };
    return { ok: false, message: `expected ${want}, got an error: ${errorMessage(err)}` };
  }
  if (v === undefined) return { ok: false, message: `expected ${want}, got no data (the query's result is empty)` };
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  const ok =
    !Number.isNaN(v) &&
    (spec.below === undefined || v < spec.below) &&
    (spec.above === undefined || v > spec.above) &&
    (spec.equals === undefined || close(v, spec.equals));
  return ok ? { ok: true, message: `${v} (${want})` } : { ok: false, message: `expected ${want}, got ${v}` };
}

export function tcpAttempt(spec: NonNullable<CheckConfig['tcp']>, ctx: CheckContext): Promise<Attempt> {
  const timeoutMs = spec.timeout ?? DEFAULT_TCP_TIMEOUT_MS;
  const where = `${spec.host}:${spec.port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port });
    let done = false;
    const end = (a: Attempt) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(a);
    };
    const onAbort = () => end({ ok: false, message: 'canceled', final: true });
    const timer = setTimeout(
      () =>
        end({
          ok: false,
          message: `expected ${where} to accept a TCP connection, got no answer within ${seconds(timeoutMs)}`,
        }),
      timeoutMs,
    );
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => end({ ok: true, message: `${where} accepts TCP connections` }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      end({
        ok: false,
        message: `expected ${where} to accept a TCP connection, got ${err.code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : `${err.message}`}`,
      }),
    );
  });
}

export async function commandAttempt(
  argv: string[],
  timeoutMs: number | undefined,
  ctx: CheckContext,
): Promise<Attempt> {
  const limit = timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), limit);
  const lines: string[] = [];
  let size = 0;
  const redact = ctx.redact ?? ((t: string) => t);
  try {
    const res = await runProcess({
      argv,
      cwd: ctx.dir,
      env: ctx.env,
      signal: anySignal([timeout.signal, ctx.signal]),
      graceMs: 1000,
      onSpawn: ctx.onSpawn,
      onGroupEnd: ctx.onGroupEnd,
      onLine: (line) => {
        const l = redact(line);
        lines.push(l);
        size += l.length + 1;
        while (size > MAX_OUTPUT && lines.length > 1) size -= lines.shift()!.length + 1;
      },
    });
    const output = lines.join('\n');
    const last = lines.filter((l) => l.trim()).at(-1);
    const said = last ? `: ${cut(last)}` : '';
    if (ctx.signal?.aborted) return { ok: false, message: 'canceled', output, final: true };
    if (timeout.signal.aborted)
      return {
        ok: false,
        message: `expected ${argv[0]} to exit 0 within ${seconds(limit)}, got no end: killed at its timeout${said}`,
        output,
      };
    if (res.code === 0) return { ok: true, message: `${argv[0]} exited 0${said}`, output };
    const how = res.code === null ? `killed by ${res.signal}` : `exit ${res.code}`;
    return { ok: false, message: `expected ${argv[0]} to exit 0, got ${how}${said}`, output };
  } catch (err) {
    return { ok: false, message: `expected ${argv[0]} to exit 0, got ${errorMessage(err)}`, final: true };
  } finally {
    clearTimeout(timer);
  }
}

export function terraformAttempt(ctx: CheckContext): Attempt {
  if (ctx.tool && ctx.tool !== 'terraform' && ctx.tool !== 'opentofu') {
    return {
      ok: false,
      message: `expected the configuration's check blocks, but the stack's tool is ${ctx.tool} (only opentofu and terraform have them)`,
      final: true,
    };
  }
  const r = ctx.terraform;
  if (!r)
    return {
      ok: false,
      message: "expected the check blocks' results of an apply, got no apply of this stack",
      final: true,
    };
  const names = [...new Set([...r.checks, ...Object.keys(r.failures)])];
  if (names.length === 0)
    return { ok: false, message: `expected check blocks, got none in the configuration (run ${r.runId})`, final: true };
  const failed = names.filter((n) => r.failures[n]);
  if (failed.length === 0)
    return {
      ok: true,
      message: `${names.length} check block${names.length === 1 ? '' : 's'} passed (run ${r.runId}): ${names.join(', ')}`,
      final: true,
    };
  const why = failed.map((n) => `check.${n}: ${r.failures[n].join('; ')}`).join('; ');
  return {
    ok: false,
    message: `expected every check block to pass, got ${failed.length} of ${names.length} failed (run ${r.runId}): ${why}`,
    final: true,
  };
}
