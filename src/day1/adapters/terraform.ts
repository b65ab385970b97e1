/**
 * OpenTofu and Terraform: one adapter, two binaries (`tofu`, `terraform`, or `binary:` from dayops.yaml).
 *
 * - init:  `<bin> init -input=false -json` (Terraform 1.9+): streamed like plan, its diagnostics read from the JSON
 *          messages. A tool that does not know `init -json` is asked again with `-no-color`, and the diagnostics
 *          of a failure are read from its human output (terraform-human.ts).
 * - plan:  `<bin> plan -input=false -json -detailed-exitcode -out=<runDir>/plan.tfplan`, streamed: every JSON UI
 *          line is parsed (onLine) and shown as its `@message` (display). `-detailed-exitcode` makes the exit
 *          code unambiguous: 0 = no changes, 2 = changes present (success), 1 = error. Then the saved plan is
 *          read back with `<bin> show -json <planfile>` (captured, never logged: it holds every variable's value)
 *          and the PlanResult is built from its `resource_changes` and `resource_drift`.
 * - apply: `<bin> apply -input=false -json <runDir>/plan.tfplan`: exactly the saved, reviewed plan. No
 *          `-auto-approve`: a saved plan is applied without a prompt ("Terraform takes the actions in the saved
 *          plan without prompting you for confirmation"), and leaving it out is a safety net: should the plan file
 *          ever be missing from the argv, Terraform refuses ("Plan file or auto-approve required") instead of
 *          planning and applying something nobody reviewed.
 * Everything is read from the machine-readable output; human text is only a fallback when the tool failed
 * before it could print JSON (a bad flag, a crash, an init without -json).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterContext, ExecResult, InitResult, ToolAdapter } from '../adapter.js';
import { ToolError } from '../adapter.js';
import type { ApplyResult, Diagnostic, FullSummary, PlanResult } from '../../domain/plan.js';
import { applyProgress, formatSummary, isRealChange, summarize } from '../../domain/plan.js';
import { describeErrors, execOrFail, exitText, wasInterrupted } from './exec-util.js';
import { HumanDiagnostics } from './terraform-human.js';
import { parseShowJson, planFromShow } from './terraform-show.js';
import { displayTfLine, TfStreamParser } from './terraform-stream.js';

/** The saved plan's name inside the run's folder; plan writes it, apply reads it. */
export const PLAN_FILE = 'plan.tfplan';

const ENV = { TF_IN_AUTOMATION: '1' };

export class TerraformAdapter implements ToolAdapter {
  constructor(readonly tool: 'opentofu' | 'terraform') {}

  /** The executable: `binary:` from dayops.yaml, else `tofu` or `terraform` from PATH. */
  binary(ctx: Pick<AdapterContext, 'config'>): string {
    return ctx.config.binary ?? (this.tool === 'opentofu' ? 'tofu' : 'terraform');
  }

  planFile(ctx: Pick<AdapterContext, 'runDir'>): string {
    return join(ctx.runDir, PLAN_FILE);
  }

  private hint(): string {
    return this.tool === 'opentofu'
      ? 'install OpenTofu or set binary: in dayops.yaml'
      : 'install Terraform or set binary: in dayops.yaml';
  }

  async init(ctx: AdapterContext): Promise<InitResult> {
    const bin = this.binary(ctx);
    const stream = new TfStreamParser();
    const human = new HumanDiagnostics();
    let noJsonMode = false;
    const res = await execOrFail(
      ctx,
      {
        argv: [bin, 'init', '-input=false', '-json'],
        phase: 'init',
        env: ENV,
        onLine: (line, s) => {
          if (s === 'stdout') stream.push(line);
          else human.push(line);
          if (/-json/.test(line) && /not defined|unknown (flag|option)|unsupported/i.test(line)) noJsonMode = true;
        },
        display: (line, s) => (s === 'stdout' ? displayTfLine(line) : undefined),
      },
      this.hint(),
    );
    if (wasInterrupted(ctx, res))
      throw new ToolError(interruptedMessage('init', ctx, res), res.code, stream.diagnostics);
    if (res.code !== 0 && stream.messages === 0 && noJsonMode) return this.initHuman(ctx);
    const diagnostics = stream.diagnostics.length ? [...stream.diagnostics] : human.diagnostics();
    const errors = describeErrors(diagnostics);
    if (res.code !== 0 || errors) {
      const why = errors ?? noJsonHint(bin, stream, res);
      throw new ToolError(`init failed: ${why}`, res.code, diagnostics);
    }
    return { diagnostics };
  }

  /** `init` of a tool without `init -json`: human output, read for its diagnostics when it fails. */
  private async initHuman(ctx: AdapterContext): Promise<InitResult> {
    const bin = this.binary(ctx);
    ctx.log(`${bin} has no init -json; running init with human output`);
    const human = new HumanDiagnostics();
    const res = await execOrFail(
      ctx,
      {
        argv: [bin, 'init', '-input=false', '-no-color'],
        phase: 'init',
        env: ENV,
        onLine: (l) => human.push(l),
      },
      this.hint(),
    );
    if (wasInterrupted(ctx, res)) throw new ToolError(interruptedMessage('init', ctx, res), res.code);
    if (res.code === 0) return { diagnostics: [] };
    const diagnostics = human.diagnostics();
    throw new ToolError(
      `init failed: ${describeErrors(diagnostics) ?? `${bin} ${exitText(res)}`}`,
      res.code,
      diagnostics,
    );
  }

  async plan(ctx: AdapterContext): Promise<PlanResult> {
    const bin = this.binary(ctx);
    const planFile = this.planFile(ctx);
    // A plan file left by an earlier attempt must never be applied by mistake.
    rmSync(planFile, { force: true });
    const stream = new TfStreamParser();
    const human = new HumanDiagnostics();
    const res = await execOrFail(
      ctx,
      {
        argv: [bin, 'plan', '-input=false', '-json', '-detailed-exitcode', `-out=${planFile}`],
        phase: 'plan',
        env: ENV,
        onLine: (line, s) => (s === 'stdout' ? stream.push(line) : human.push(line)),
        display: (line, s) => (s === 'stdout' ? displayTfLine(line) : undefined),
      },
      this.hint(),
    );
    if (wasInterrupted(ctx, res)) {
      throw new ToolError(interruptedMessage('plan', ctx, res), res.code, stream.diagnostics);
    }
    const errors = describeErrors(stream.diagnostics);
    if (errors || (res.code !== 0 && res.code !== 2)) {
      const diagnostics = withHuman(stream.diagnostics, human);
      const why = describeErrors(diagnostics) ?? noJsonHint(bin, stream, res);
      throw new ToolError(`plan failed: ${why}`, res.code, diagnostics);
    }
    if (!existsSync(planFile)) {
      throw new ToolError(
        `plan failed: ${bin} exited with code ${res.code} but wrote no plan file ${planFile}`,
        res.code,
        stream.diagnostics,
      );
    }

    ctx.log(`reading the saved plan: ${bin} show -json ${planFile}`);
    const showHuman = new HumanDiagnostics();
    const shown = await execOrFail(ctx, {
      argv: [bin, 'show', '-json', planFile],
      phase: 'plan',
      env: ENV,
      stdout: 'capture',
      onLine: (line, s) => {
        if (s === 'stderr') showHuman.push(line);
      },
    });
    if (wasInterrupted(ctx, shown))
      throw new ToolError(interruptedMessage('plan', ctx, shown), shown.code, stream.diagnostics);
    if (shown.code !== 0) {
      const diagnostics = [...stream.diagnostics, ...showHuman.diagnostics()];
      const why = describeErrors(showHuman.diagnostics()) ?? `${bin} show ${exitText(shown)}`;
      throw new ToolError(`plan failed: could not read the saved plan: ${why}`, shown.code, diagnostics);
    }
    let result: PlanResult;
    try {
      result = planFromShow(parseShowJson(shown.stdout, ctx.redact));
    } catch (err) {
      throw new ToolError(`plan failed: ${(err as Error).message}`, shown.code, stream.diagnostics);
    }
    if (!result.drift.length && stream.drift.length) result.drift = stream.drift;
    result.diagnostics = [...stream.diagnostics];
    result.summary = chooseSummary(ctx, stream, result);
    const real = result.changes.filter(isRealChange).length;
    if (res.code === 0 && real) ctx.log(`note: ${bin} reported no changes (exit 0) but the saved plan lists ${real}`);
    return result;
  }

  async apply(ctx: AdapterContext, plan: PlanResult): Promise<ApplyResult> {
    const bin = this.binary(ctx);
    const planFile = this.planFile(ctx);
    if (!existsSync(planFile)) {
      throw new ToolError(
        `apply refused: the saved plan ${planFile} is missing; plan again and review it before applying`,
      );
    }
    const stream = new TfStreamParser();
    const human = new HumanDiagnostics();
    const res = await execOrFail(
      ctx,
      {
        argv: [bin, 'apply', '-input=false', '-json', planFile],
        phase: 'apply',
        env: ENV,
        onLine: (line, s) => (s === 'stdout' ? stream.push(line) : human.push(line)),
        display: (line, s) => (s === 'stdout' ? displayTfLine(line) : undefined),
      },
      this.hint(),
    );
    const interrupted = wasInterrupted(ctx, res);
    const errors = describeErrors(stream.diagnostics);
    const succeeded = !interrupted && res.code === 0 && !errors;
    const result = stream.applyResult(plan.changes, succeeded);
    if (succeeded) return result;
    const progress = applyProgress(result);
    if (interrupted) {
      throw new ToolError(
        `${interruptedMessage('apply', ctx, res)} (${progress})`,
        res.code,
        stream.diagnostics,
        result,
      );
    }
    result.diagnostics = withHuman(stream.diagnostics, human);
    const why = describeErrors(result.diagnostics) ?? noJsonHint(bin, stream, res);
    throw new ToolError(`apply failed: ${why} (${progress})`, res.code, result.diagnostics, result);
  }
}

/**
 * Prefer the stream's change_summary when it agrees with the saved plan; else count the saved plan. Terraform 1.11
 * counts no forgets, so those come from the saved plan either way.
 */
function chooseSummary(ctx: AdapterContext, stream: TfStreamParser, result: PlanResult): FullSummary {
  const computed = summarize(result.changes);
  const s = stream.summary('plan');
  if (!s) return computed;
  const streamed: FullSummary = {
    add: s.add,
    change: s.change,
    destroy: s.remove,
    import: s.import,
    forget: s.forget ?? computed.forget,
  };
  const same = (['add', 'change', 'destroy', 'import', 'forget'] as const).every((k) => streamed[k] === computed[k]);
  if (same) return streamed;
  ctx.log(
    `note: the plan stream said ${formatSummary(streamed)} but the saved plan holds ${formatSummary(computed)}; ` +
      'using the saved plan',
  );
  return computed;
}

/** The JSON diagnostics, or when there are none, what the human output (stderr) said. */
function withHuman(json: readonly Diagnostic[], human: HumanDiagnostics): Diagnostic[] {
  return json.length ? [...json] : human.diagnostics();
}

function interruptedMessage(phase: string, ctx: AdapterContext, res: ExecResult): string {
  if (ctx.signal.aborted) return `${phase} cancelled`;
  return `${phase} interrupted: the process ${exitText(res)}`;
}

function noJsonHint(bin: string, stream: TfStreamParser, res: ExecResult): string {
  if (!stream.messages && stream.otherLines.length) {
    return `${bin} ${exitText(res)} and printed no JSON (last line: ${stream.otherLines[stream.otherLines.length - 1].slice(0, 120)})`;
  }
  return `${bin} ${exitText(res)}`;
}
