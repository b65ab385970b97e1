/**
 * A small, real implementation of `AdapterContext.exec` for adapter tests: spawns the command with
 * node:child_process (no shell unless the spec asks, cwd = the stack folder), splits stdout/stderr into lines,
 * calls the spec's onLine/display like the runner does, captures stdout when asked, and interrupts the child
 * with SIGINT when the context's signal aborts (SIGKILL after a grace period). It is not the runner: it stores
 * nothing and redacts nothing; it lets the adapters run real processes (the fake tofu, the real ansible-playbook).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  ToolError,
  type AdapterContext,
  type ExecResult,
  type ExecSpec,
  type LineStream,
  type Phase,
} from '../../../src/day1/adapter.js';
import { stackConfigSchema, type StackConfig } from '../../../src/config/stack-config.js';
import type { Environment, Tool } from '../../../src/domain/stack.js';

export interface LoggedLine {
  stream: LineStream | 'system';
  /** What the pane shows: display(raw) when it returned something, else the raw line. */
  text: string;
  raw: string;
  phase?: Phase;
}

export interface ExecOptions {
  cwd: string;
  /** The environment on top of process.env (the stack's env in the real runner). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Where logged lines go. */
  sink?: (line: LoggedLine) => void;
  /** Grace period between SIGINT and SIGKILL after an abort (ms). */
  killAfterMs?: number;
}

/** Run one ExecSpec as a real child process. Rejects only when the process cannot start. */
export function realExec(spec: ExecSpec, opts: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = spec.argv;
    const env = { ...process.env, ...opts.env, ...spec.env };
    const child = spec.shell
      ? spawn(spec.argv.join(' '), { cwd: opts.cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(program, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let captured = '';
    let started = false;
    let killTimer: NodeJS.Timeout | undefined;

    const emit = (raw: string, stream: LineStream) => {
      spec.onLine?.(raw, stream);
      const shown = spec.display?.(raw, stream);
      opts.sink?.({ stream, raw, text: shown ?? raw, phase: spec.phase });
    };
    const splitter = (stream: LineStream) => {
      let buf = '';
      return {
        data(chunk: string) {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            emit(buf.slice(0, i).replace(/\r$/, ''), stream);
            buf = buf.slice(i + 1);
          }
        },
        end() {
          if (buf) emit(buf.replace(/\r$/, ''), stream);
          buf = '';
        },
      };
    };
    const out = splitter('stdout');
    const err = splitter('stderr');
    child.stdout
      .setEncoding('utf8')
      .on('data', (d: string) => (spec.stdout === 'capture' ? (captured += d) : out.data(d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => err.data(d));

    const onAbort = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 10_000);
    };
    child.on('spawn', () => {
      started = true;
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    child.on('error', (e) => {
      if (!started) reject(e);
    });
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      resolve({ code, signal, stdout: spec.stdout === 'capture' ? captured : '' });
    });
  });
}

export interface Harness {
  ctx: AdapterContext;
  /** Every line as the pane would show it, in order, with dayops' own lines as stream `system`. */
  lines: LoggedLine[];
  /** Every ExecSpec the adapter asked for. */
  calls: ExecSpec[];
  /** Cancel the run (the child gets SIGINT). */
  abort(): void;
  /** The shown text of all lines of one stream (default: all). */
  text(stream?: LoggedLine['stream']): string;
}

export interface HarnessOptions {
  dir: string;
  tool: Tool;
  /** dayops.yaml contents (parsed with the real schema, so defaults apply). */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  runDir?: string;
  environment?: Environment;
  /** Called for every line as it arrives (to react to live output, e.g. cancel after the first one). */
  onLine?: (line: LoggedLine) => void;
}

/** An AdapterContext over a real folder, with a real exec. */
export function makeHarness(opts: HarnessOptions): Harness {
  const lines: LoggedLine[] = [];
  const calls: ExecSpec[] = [];
  const controller = new AbortController();
  const config: StackConfig = stackConfigSchema.parse(opts.config ?? {});
  const runDir = opts.runDir ?? join(opts.dir, '.dayops-run');
  mkdirSync(runDir, { recursive: true });
  const sink = (l: LoggedLine) => {
    lines.push(l);
    opts.onLine?.(l);
  };
  const ctx: AdapterContext = {
    runId: 1,
    stack: { name: 'test', dir: opts.dir, environment: opts.environment ?? 'dev', tool: opts.tool },
    config,
    workDir: opts.dir,
    runDir,
    exec: (spec) => {
      calls.push(spec);
      return realExec(spec, { cwd: opts.dir, env: { ...config.env, ...opts.env }, signal: controller.signal, sink });
    },
    log: (message) => sink({ stream: 'system', text: message, raw: message }),
    // No secrets here: the run service's context masks them (test/secrets covers it).
    redact: (text) => text,
    signal: controller.signal,
  };
  return {
    ctx,
    lines,
    calls,
    abort: () => controller.abort(),
    text: (stream) =>
      lines
        .filter((l) => !stream || l.stream === stream)
        .map((l) => l.text)
        .join('\n'),
  };
}

/** The ToolError a promise rejects with (the test fails when it resolves, or rejects with something else). */
export async function rejection(p: Promise<unknown>): Promise<ToolError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolError);
  return err as ToolError;
}
