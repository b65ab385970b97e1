/**
 * One interface for every tool dayops drives. An adapter knows which commands a tool needs for each phase and
 * how to read its machine-readable output; the runner (src/day1/runner) owns the processes: it spawns them in
 * the stack's folder without a shell, streams and stores every line, redacts secrets, and cancels.
 */
import type { StackConfig } from '../config/stack-config.js';
import type { ApplyResult, Diagnostic, PlanResult } from '../domain/plan.js';
import type { Environment, Tool } from '../domain/stack.js';

export type Phase = 'init' | 'plan' | 'apply';
export type LineStream = 'stdout' | 'stderr';

export interface ExecSpec {
  /** argv[0] is the program; no shell unless `shell` is set (custom stacks that ask for it). */
  argv: string[];
  phase: Phase;
  /** Extra environment for this command, on top of the stack's env and secrets. */
  env?: Record<string, string>;
  shell?: boolean;
  /**
   * `log` (default): every stdout line goes to the run log and the pane.
   * `capture`: stdout is collected and returned instead of logged (for `show -json`, one huge JSON document);
   * stderr is still logged.
   */
  stdout?: 'log' | 'capture';
  /** Called with every raw line, in order, before it is stored. Adapters parse JSON streams here. */
  onLine?: (line: string, stream: LineStream) => void;
  /**
   * What the log and pane show for a raw line: Terraform's `-json` lines become their `@message`. Return
   * undefined to keep the line as it is. The raw line is kept too when the display differs.
   */
  display?: (line: string, stream: LineStream) => string | undefined;
}

export interface ExecResult {
  /** Exit code, or null when the process ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Only for `stdout: 'capture'`; '' otherwise. */
  stdout: string;
}

export interface AdapterContext {
  runId: number;
  stack: { name: string; dir: string; environment: Environment; tool: Tool };
  config: StackConfig;
  /** The folder the tool runs in (the stack's folder). */
  workDir: string;
  /** A private folder for this run (the plan file lives here); it survives until the run ends. */
  runDir: string;
  /** Run one command as a child process, streaming its lines into the run log. Rejects only if it cannot start. */
  exec(spec: ExecSpec): Promise<ExecResult>;
  /** Write a line of dayops' own (stream `system`) into the run log. */
  log(message: string): void;
  /**
   * The text with the run's secrets masked. Lines reach `onLine` and `display` masked already; anything else from
   * the tool (captured stdout) goes through this before it is cut or quoted in a message.
   */
  redact(text: string): string;
  /** Aborted when the run is cancelled; exec() already interrupts the child. */
  signal: AbortSignal;
}

/** What preparing the folder said: its diagnostics (warnings; errors come with the ToolError). */
export interface InitResult {
  diagnostics: Diagnostic[];
}

export interface ToolAdapter {
  readonly tool: Tool;
  /** Prepare the folder (`tofu init`); may do nothing. Throws ToolError when the tool fails, with its diagnostics. */
  init(ctx: AdapterContext): Promise<InitResult | void>;
  /** Compute the plan without changing anything. Throws ToolError on failure, with the tool's diagnostics. */
  plan(ctx: AdapterContext): Promise<PlanResult>;
  /** Apply exactly what `plan` computed (Terraform: the same plan file). Throws ToolError on failure. */
  apply(ctx: AdapterContext, plan: PlanResult): Promise<ApplyResult>;
}

/** A tool ran and failed (non-zero exit, error diagnostics). The message is one line for the run's error. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null = null,
    readonly diagnostics: Diagnostic[] = [],
    /** Whatever was learnt before the failure (an apply that got halfway). */
    readonly partial?: ApplyResult,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}
