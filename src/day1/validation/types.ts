/** What a check run says: passed or failed, how long it took, and its last message (and a command's output). */
import type { CheckKind } from '../../config/checks-config.js';

export type CheckStatus = 'passed' | 'failed';

export interface CheckResult {
  name: string;
  kind: CheckKind;
  status: CheckStatus;
  durationMs: number;
  /** What was expected and what came back (the last attempt's). */
  message: string;
  /** A command check's output (stdout and stderr lines, secrets masked, the last 64 KiB). */
  output?: string;
  attempts: number;
}

/** One attempt's verdict. */
export interface Attempt {
  ok: boolean;
  message: string;
  output?: string;
  /** Retrying cannot change the answer (a terraform check reads what the apply reported). */
  final?: boolean;
}

/** What the Terraform `check` blocks of a configuration said in an apply. */
export interface TerraformCheckReport {
  /** The run whose apply reported it. */
  runId: number;
  /** The configuration's check blocks, as the plan listed them. */
  checks: string[];
  /** The failed ones, with their messages (the assertion's error_message). */
  failures: Record<string, string[]>;
}

export interface CheckContext {
  /** The stack's folder: command checks run there. */
  dir: string;
  /** The environment of command checks (dayops' own, with the stack's env and secrets). */
  env: NodeJS.ProcessEnv;
  prometheusUrl?: string;
  /** The stack's tool, for terraform checks. */
  tool?: string;
  /** What the apply reported of the configuration's check blocks (terraform checks), when there was one. */
  terraform?: TerraformCheckReport;
  /** Masks the stack's secrets in anything a check keeps (messages, output). */
  redact?: (text: string) => string;
  /** Aborting stops every check (a canceled run). */
  signal?: AbortSignal;
  /** A command check's process group started / ended (so dayops never leaves one behind). */
  onSpawn?: (pid: number, start: string | null) => void;
  onGroupEnd?: (pid: number) => void;
}
