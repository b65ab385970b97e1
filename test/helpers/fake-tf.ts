/**
 * The fake `tofu`/`terraform` for tests (test/fixtures/bin/fake-tf): it replays outputs recorded from the real
 * Terraform 1.11.4 (test/fixtures/terraform/<scenario>/, see the README there), writes the plan file given by
 * `-out=`, refuses to apply any other file, and stops on SIGINT/SIGTERM the way Terraform does.
 *
 *   const tf = fakeTfStack('create');                 // a stack folder holding the scenario's main.tf
 *   spawn('tofu', ['plan', '-json', ...], { cwd: tf.dir, env: { ...process.env, ...tf.env } });
 *   tf.invocations();                                 // [{ argv: ['tofu', 'plan', ...], cwd }]
 *
 * `tf.env` puts a bin folder with `tofu` and `terraform` (links to the fake) first on PATH and selects the
 * scenario. Use `{ hang: 'apply:3' }` to make it print 3 lines of the apply and wait to be interrupted.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { tmpDir } from './tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');
export const FAKE_TF = join(ROOT, 'test', 'fixtures', 'bin', 'fake-tf');
export const TF_SCENARIOS_DIR = join(ROOT, 'test', 'fixtures', 'terraform');

/** The recorded scenarios (folders under test/fixtures/terraform). */
export const TF_SCENARIOS = [
  'create',
  'no-changes',
  'update',
  'replace',
  'replace-cbd',
  'delete',
  'move',
  'import-forget',
  'sensitive',
  'mixed',
  'drift',
  'syntax-error',
  'error',
  'provisioner-error',
] as const;
export type TfScenario = (typeof TF_SCENARIOS)[number];

export interface FakeTfOptions {
  /** Write a dayops.yaml with this tool (and `binary` when given). */
  tool?: 'opentofu' | 'terraform';
  binary?: string;
  /** Wait this long before each output line. */
  delayMs?: number;
  /** `plan`, `apply` or `init`, optionally `:N`: print N lines (default 1) then wait for SIGINT/SIGTERM. */
  hang?: string;
  /** How long the graceful stop after SIGINT takes (default 200 ms). */
  interruptDelayMs?: number;
  /** Be a version without `init -json`. */
  noInitJson?: boolean;
  /** Use this folder as the stack folder instead of a new temporary one. */
  dir?: string;
}

export interface FakeTfStack {
  /** The stack folder (cwd for the tool), holding the scenario's main.tf. */
  dir: string;
  /** A folder with `tofu` and `terraform` links to the fake. */
  binDir: string;
  scenarioDir: string;
  /** Where the fake appends one JSON line per invocation. */
  logFile: string;
  /** Add to the child's environment: PATH (binDir first), FAKE_TF_SCENARIO, FAKE_TF_LOG and the options. */
  env: Record<string, string>;
  /** The invocations so far, oldest first. */
  invocations(): { argv: string[]; cwd: string }[];
}

/** A temporary stack folder replaying one recorded scenario (a name above, or the path of your own folder). */
export function fakeTfStack(scenario: TfScenario | string, opts: FakeTfOptions = {}): FakeTfStack {
  const scenarioDir = isAbsolute(scenario) ? scenario : join(TF_SCENARIOS_DIR, scenario);
  if (!existsSync(scenarioDir)) throw new Error(`no fake-tf scenario at ${scenarioDir}`);
  const dir = opts.dir ?? tmpDir('dayops-tf-');
  mkdirSync(dir, { recursive: true });
  const main = join(scenarioDir, 'main.tf');
  if (existsSync(main)) copyFileSync(main, join(dir, 'main.tf'));
  if (opts.tool || opts.binary) {
    const lines = ['apiVersion: dayops/v1', 'kind: Stack'];
    if (opts.tool) lines.push(`tool: ${opts.tool}`);
    if (opts.binary) lines.push(`binary: ${JSON.stringify(opts.binary)}`);
    writeFileSync(join(dir, 'dayops.yaml'), lines.join('\n') + '\n');
  }
  const binDir = tmpDir('dayops-tf-bin-');
  for (const name of ['tofu', 'terraform']) symlinkSync(FAKE_TF, join(binDir, name));
  const logFile = join(binDir, 'invocations.jsonl');
  const env: Record<string, string> = {
    PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
    FAKE_TF_SCENARIO: scenarioDir,
    FAKE_TF_LOG: logFile,
  };
  if (opts.delayMs !== undefined) env.FAKE_TF_DELAY_MS = String(opts.delayMs);
  if (opts.hang) env.FAKE_TF_HANG = opts.hang;
  if (opts.interruptDelayMs !== undefined) env.FAKE_TF_INTERRUPT_DELAY_MS = String(opts.interruptDelayMs);
  if (opts.noInitJson) env.FAKE_TF_NO_INIT_JSON = '1';
  return {
    dir,
    binDir,
    scenarioDir,
    logFile,
    env,
    invocations: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { argv: string[]; cwd: string })
        : [],
  };
}
