/**
 * OpenTofu and Terraform: one adapter, two binaries (`tofu`, `terraform`, or `binary:` from dayops.yaml).
 *
 * - init:  `<bin> init -input=false -no-color` (human output, logged; init has no JSON mode in older versions).
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
 * Everything is read from the machine-readable output; human text is only a fallback for a one-line error when
 * the tool failed before it could print JSON (a bad flag, a broken init).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterContext, ExecResult, ToolAdapter } from '../adapter.js';
import { ToolError } from '../adapter.js';
import type { ApplyResult, PlanResult, PlanSummary } from '../../domain/plan.js';
import { summarize } from '../../domain/plan.js';
import { describeErrors, execOrFail, exitText, wasInterrupted } from './exec-util.js';
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

  async init(ctx: AdapterContext): Promise<void> {
    const human = new HumanErrors();
    const res = await execOrFail(
      ctx,
      {
        argv: [this.binary(ctx), 'init', '-input=false', '-no-color'],
        phase: 'init',
        env: ENV,
        onLine: (l) => human.push(l),
      },
      this.hint(),
    );
    if (wasInterrupted(ctx, res)) throw new ToolError(interruptedMessage('init', ctx, res), res.code);
    if (res.code !== 0)
      throw new ToolError(`init failed: ${human.first() ?? `${this.binary(ctx)} ${exitText(res)}`}`, res.code);
  }

  async plan(ctx: AdapterContext): Promise<PlanResult> {
    const bin = this.binary(ctx);
    const planFile = this.planFile(ctx);
    // A plan file left by an earlier attempt must never be applied by mistake.
    rmSync(planFile, { force: true });
    const stream = new TfStreamParser();
    const human = new HumanErrors();
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
      const why = errors ?? human.first() ?? noJsonHint(bin, stream, res);
      throw new ToolError(`plan failed: ${why}`, res.code, stream.diagnostics);
    }
    if (!existsSync(planFile)) {
      throw new ToolError(
        `plan failed: ${bin} exited with code ${res.code} but wrote no plan file ${planFile}`,
        res.code,
        stream.diagnostics,
      );
    }

    ctx.log(`reading the saved plan: ${bin} show -json ${planFile}`);
    const showHuman = new HumanErrors();
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
      const why = showHuman.first() ?? `${bin} show ${exitText(shown)}`;
      throw new ToolError(`plan failed: could not read the saved plan: ${why}`, shown.code, stream.diagnostics);
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
    const real = result.changes.filter((c) => c.action !== 'read' && c.action !== 'no-op').length;
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
    const human = new HumanErrors();
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
    const made = result.changes.filter((c) => c.status === 'changed').length;
    const progress = `${made} of ${result.changes.length} changes made`;
    if (interrupted) {
      throw new ToolError(
        `${interruptedMessage('apply', ctx, res)} (${progress})`,
        res.code,
        stream.diagnostics,
        result,
      );
    }
    const why = errors ?? human.first() ?? noJsonHint(bin, stream, res);
    throw new ToolError(`apply failed: ${why} (${progress})`, res.code, stream.diagnostics, result);
  }
}

/** Prefer the stream's change_summary when it agrees with the saved plan; else count the saved plan. */
function chooseSummary(ctx: AdapterContext, stream: TfStreamParser, result: PlanResult): PlanSummary {
  const computed = summarize(result.changes);
  const s = stream.summary('plan');
  if (!s) return computed;
  const streamed: PlanSummary = { add: s.add, change: s.change, destroy: s.remove };
  if (streamed.add === computed.add && streamed.change === computed.change && streamed.destroy === computed.destroy) {
    return streamed;
  }
  ctx.log(
    `note: the plan stream said +${streamed.add} ~${streamed.change} -${streamed.destroy} but the saved plan holds ` +
      `+${computed.add} ~${computed.change} -${computed.destroy}; using the saved plan`,
  );
  return computed;
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

/**
 * The first `Error: ...` of Terraform's human output (stderr, or init's stdout), for a one-line message when no
 * JSON diagnostic exists. Box-drawing margins (`│ `) are stripped.
 */
class HumanErrors {
  private found?: string;
  push(line: string): void {
    if (this.found) return;
    const s = line.replace(/^[\s│╷╵]+/, '').trim();
    const m = /^Error:\s*(.+)$/.exec(s);
    if (m) this.found = m[1];
  }
  first(): string | undefined {
    return this.found;
  }
}
