/**
 * Child processes of tools: spawned without a shell (unless a custom stack asks), in the stack's folder, each in
 * its own process group so a cancel reaches the tool's own children, stdin closed, stdout and stderr split into
 * lines. Every child is tracked so that dayops never leaves one behind: `shutdownAll()` interrupts them all, and
 * `installProcessHandlers()` (called once by the app and the commands) does it on SIGINT/SIGTERM/SIGHUP and, as a
 * last resort, on exit.
 *
 * Cancel: SIGINT to the group (Terraform saves its state on SIGINT), SIGTERM after a grace period, SIGKILL after
 * another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { ExecResult, ExecSpec, LineStream } from '../adapter.js';
import { UserError } from '../../errors.js';
import { LineSplitter } from './lines.js';
import type { Backpressure, RunLog } from './log.js';
import { groupAlive, processStartTime } from './procinfo.js';

/** `DAYOPS_CANCEL_GRACE_MS` (tests) or 10 s between SIGINT, SIGTERM and SIGKILL. */
export function defaultGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.DAYOPS_CANCEL_GRACE_MS);
  return Number.isFinite(n) && n > 0 ? n : 10_000;
}

export interface RunProcessOptions {
  argv: string[];
  shell?: boolean;
  cwd: string;
  /** The complete environment of the child. */
  env: NodeJS.ProcessEnv;
  /** Collect stdout into the result instead of giving its lines to `onLine`. */
  capture?: boolean;
  /**
   * Every line, in the order the pipes delivered them, with what `scan` said of the text it came in; `cut` marks
   * a last line the stream ended without a newline.
   */
  onLine: (line: string, stream: LineStream, scanned: boolean, cut: boolean) => void;
  /** Looked at once per chunk of output (e.g. "can a secret be in here?"); its answer comes with each line. */
  scan?: (text: string) => boolean;
  /** Pause the child's pipes while this is full. */
  backpressure?: Backpressure;
  /** Aborting interrupts the child (SIGINT, then SIGTERM, then SIGKILL). */
  signal?: AbortSignal;
  graceMs?: number;
  /** The child started: its pid (also its process group id) and start time. */
  onSpawn?: (pid: number, start: string | null) => void;
  /** No process of the child's group is left (the child's own, and whatever it started). */
  onGroupEnd?: (pid: number) => void;
}

/** A command that could not start; `code` is the system's (ENOENT, EACCES), as adapters check it. */
export class SpawnError extends UserError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SpawnError';
  }
}

interface Tracked {
  pid: number;
  child: ChildProcess;
  closed: Promise<void>;
  interrupt(graceMs?: number): void;
}

const tracked = new Map<number, Tracked>();

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is gone */
  }
}

/**
 * Interrupt a process group with escalation: SIGINT now, SIGTERM after `graceMs`, SIGKILL after another
 * `graceMs`, stopping as soon as the whole group is gone. Returns a function that stops the escalation.
 */
export function escalate(pid: number, graceMs: number, first: NodeJS.Signals = 'SIGINT', unref = false): () => void {
  const order: NodeJS.Signals[] =
    first === 'SIGINT' ? ['SIGINT', 'SIGTERM', 'SIGKILL'] : first === 'SIGTERM' ? ['SIGTERM', 'SIGKILL'] : ['SIGKILL'];
  let timer: NodeJS.Timeout | undefined;
  let step = 0;
  const next = () => {
    timer = undefined;
    if (step > 0 && !groupAlive(pid)) return;
    signalGroup(pid, order[step]);
    step++;
    if (step < order.length) {
      timer = setTimeout(next, graceMs);
      if (unref) timer.unref();
    }
  };
  next();
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}

/** Call `fn` once no process of the group is left (looked at every 50 ms, for at most `maxMs`). */
function whenGroupGone(pgid: number, maxMs: number, fn: () => void): void {
  if (!groupAlive(pgid)) return fn();
  const until = Date.now() + maxMs;
  const timer = setInterval(() => {
    if (groupAlive(pgid) && Date.now() < until) return;
    clearInterval(timer);
    if (!groupAlive(pgid)) fn();
  }, 50);
  timer.unref();
}

/** Run one child to its end. Rejects (SpawnError) only when it cannot start. */
export function runProcess(opts: RunProcessOptions): Promise<ExecResult> {
  const graceMs = opts.graceMs ?? defaultGraceMs();
  if (opts.signal?.aborted) return Promise.resolve({ code: null, signal: 'SIGINT', stdout: '' });
  if (opts.argv.length === 0 || !opts.argv[0])
    return Promise.reject(new SpawnError('cannot start a command: it is empty'));
  let child: ChildProcess;
  try {
    child = spawn(opts.argv[0], opts.argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: opts.shell ? true : false,
      windowsHide: true,
    });
  } catch (err) {
    return Promise.reject(
      new SpawnError(`cannot start ${opts.argv[0]}: ${(err as Error).message}`, (err as NodeJS.ErrnoException).code),
    );
  }
  return new Promise<ExecResult>((resolve, reject) => {
    let started = false;
    let stopEscalation: (() => void) | undefined;
    let interrupted = false;
    let paused = false;
    let captured = '';
    const decoder = opts.capture ? new StringDecoder('utf8') : undefined;
    const out = new LineSplitter((line, scanned, cut) => opts.onLine(line, 'stdout', scanned, cut), opts.scan);
    const err = new LineSplitter((line, scanned, cut) => opts.onLine(line, 'stderr', scanned, cut), opts.scan);
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));

    const interrupt = (g = graceMs) => {
      if (interrupted || child.pid === undefined) return;
      interrupted = true;
      stopEscalation = escalate(child.pid, g);
    };
    const onAbort = () => interrupt();

    const checkPressure = () => {
      const bp = opts.backpressure;
      if (!bp || paused || !bp.full) return;
      paused = true;
      child.stdout?.pause();
      child.stderr?.pause();
      bp.whenDrained(() => {
        paused = false;
        child.stdout?.resume();
        child.stderr?.resume();
      });
    };

    child.once('spawn', () => {
      started = true;
      const pid = child.pid!;
      tracked.set(pid, { pid, child, closed, interrupt });
      try {
        opts.onSpawn?.(pid, processStartTime(pid));
      } catch {
        /* not recorded (a full disk): the tool still runs, and is still ended with dayops */
      }
      if (opts.signal) {
        if (opts.signal.aborted) interrupt();
        else opts.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (started) return;
      const why =
        e.code === 'ENOENT'
          ? 'not found (is it installed and on PATH?)'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.message;
      reject(new SpawnError(`cannot start ${opts.argv[0]}: ${why}`, e.code));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (decoder) captured += decoder.write(chunk);
      else out.write(chunk);
      checkPressure();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err.write(chunk);
      checkPressure();
    });
    // The tool ended, by itself or killed: whatever it started in its group (a provisioner's shell and its
    // children) must not outlive it. They get SIGTERM, then SIGKILL; the group is watched until it is gone.
    child.once('exit', () => {
      const pid = child.pid;
      if (pid === undefined) return;
      if (!interrupted && groupAlive(pid)) {
        interrupted = true;
        stopEscalation = escalate(pid, graceMs, 'SIGTERM');
      }
      whenGroupGone(pid, 2 * graceMs + 1000, () => {
        stopEscalation?.();
        try {
          opts.onGroupEnd?.(pid);
        } catch {
          /* recorded elsewhere; start-up recovery looks again */
        }
      });
    });
    child.once('close', (code, signal) => {
      if (decoder) captured += decoder.end();
      else out.end();
      err.end();
      opts.signal?.removeEventListener('abort', onAbort);
      const pid = child.pid;
      if (pid !== undefined) {
        tracked.delete(pid);
        // Keep escalating only while something of the group survives the leader.
        if (stopEscalation && !groupAlive(pid)) stopEscalation();
      }
      closedResolve();
      if (started) resolve({ code, signal, stdout: captured });
    });
  });
}

/** Pids (= process group ids) of every tool child still running in this process. */
export function liveChildren(): number[] {
  return [...tracked.keys()];
}

/** Interrupt every tracked child (SIGINT, SIGTERM, SIGKILL with `graceMs` between) and wait for all to end. */
export async function shutdownAll(graceMs = defaultGraceMs()): Promise<void> {
  const all = [...tracked.values()];
  for (const t of all) t.interrupt(graceMs);
  await Promise.all(all.map((t) => t.closed));
}

/** Signal every tracked child's group at once, synchronously (the last resort on exit). */
export function killAllNow(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of tracked.keys()) signalGroup(pid, signal);
}

type ShutdownHook = (reason: string) => Promise<void> | void;
const hooks = new Set<ShutdownHook>();

/**
 * Run `fn` when dayops is asked to stop by a signal (before the remaining children are interrupted). The Run
 * service cancels its runs here; the app restores the screen. Returns a function that removes the hook.
 */
export function onShutdown(fn: ShutdownHook): () => void {
  hooks.add(fn);
  return () => hooks.delete(fn);
}

let installed = false;
let signals = 0;

async function handleSignal(sig: NodeJS.Signals): Promise<void> {
  signals++;
  const code = 128 + (constants.signals[sig] ?? 1);
  if (signals > 1) {
    // Asked twice: stop everything now.
    killAllNow('SIGKILL');
    process.exit(code);
  }
  // Whatever the hooks wait on (a database that cannot store, a tool that ignores SIGINT and SIGTERM), dayops is
  // gone after the whole escalation and a little more.
  setTimeout(
    () => {
      killAllNow('SIGKILL');
      process.exit(code);
    },
    3 * defaultGraceMs() + 2000,
  ).unref();
  try {
    await Promise.allSettled([...hooks].map(async (h) => h(`dayops received ${sig}`)));
    await shutdownAll();
  } finally {
    if (process.exitCode === undefined) process.exitCode = code;
    // A command that finished its work exits by itself (with its own code); anything still holding the event
    // loop (a full-screen app) is ended shortly after.
    setTimeout(() => process.exit(), 2000).unref();
  }
}

/**
 * Install dayops' process-wide handlers once: SIGINT, SIGTERM and SIGHUP run the shutdown hooks and interrupt
 * every tool child; a second signal kills them and exits; on exit (normal, or an uncaught error) any child still
 * running gets SIGTERM so no tool is left behind.
 */
export function installProcessHandlers(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => void handleSignal(sig));
  }
  process.on('exit', () => killAllNow('SIGTERM'));
}

export interface ExecInRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: RunLog;
  signal?: AbortSignal;
  graceMs?: number;
  onSpawn?: (pid: number, start: string | null) => void;
  onGroupEnd?: (pid: number) => void;
}

/**
 * An adapter's ExecSpec run as part of a run: each line, its secrets masked first, goes to the adapter's `onLine`,
 * then is shown as its `display` rendering (the line kept when different) and stored in the run's log.
 */
export function execInRun(spec: ExecSpec, o: ExecInRunOptions): Promise<ExecResult> {
  let adapterError = false;
  const complain = (err: unknown) => {
    if (adapterError) return;
    adapterError = true;
    o.log.system(
      `dayops could not read a line of the tool's output: ${(err as Error)?.message ?? String(err)}`,
      spec.phase,
    );
  };
  return runProcess({
    argv: spec.argv,
    shell: spec.shell,
    cwd: o.cwd,
    env: spec.env ? { ...o.env, ...spec.env } : o.env,
    capture: spec.stdout === 'capture',
    signal: o.signal,
    graceMs: o.graceMs,
    backpressure: o.log,
    onSpawn: o.onSpawn,
    onGroupEnd: o.onGroupEnd,
    // A chunk of output is looked at once: its arrival time, and whether a secret can be in it at all.
    scan: (text) => o.log.chunk(text),
    onLine: (toolLine, stream, clean, cut) => {
      // Nothing reads a secret: what the adapter parses, cuts into errors or shows is what the log may keep.
      const line = o.log.toolLine(toolLine, clean, cut);
      if (spec.onLine) {
        try {
          spec.onLine(line, stream);
        } catch (err) {
          complain(err);
        }
      }
      let shown: string | undefined;
      if (spec.display) {
        try {
          shown = spec.display(line, stream);
        } catch (err) {
          complain(err);
        }
      }
      if (shown === undefined || shown === line) o.log.add(stream, spec.phase, line, null, true);
      else o.log.add(stream, spec.phase, o.log.redact(shown), line, true);
    },
  });
}
