/**
 * Custom stacks: commands from dayops.yaml's `custom` block (`plan` required, `init` and `apply` optional).
 * A command is an argv array run without a shell; a string runs in the shell only with `custom.shell: true`
 * (the schema refuses it otherwise), as `ExecSpec { argv: [string], shell: true }`.
 *
 * Exit 0 is success, anything else a ToolError. Each command gets DAYOPS_PHASE (init/plan/apply),
 * DAYOPS_RUN_ID and DAYOPS_RUN_DIR (a private folder that lives until the run ends: keep a plan file there in
 * `plan` and apply that file in `apply`).
 *
 * The `dayops:` line protocol lets a script report what it plans or did. A stdout line of the form
 *
 *     dayops:change <action> <address> [<previous address>]
 *     dayops:drift <action> <address>
 *
 * where <action> is create, update, replace, delete, read or move (the previous address only for move), adds a
 * change (or drift) to the plan, and in `apply` a change that was made. Addresses cannot contain spaces. Any
 * other line, including a malformed `dayops:` line (which gets a warning diagnostic), is just output. Without
 * such lines a plan has no structured changes and a zero summary.
 */
import type { AdapterContext, ExecSpec, Phase, ToolAdapter } from '../adapter.js';
import { ToolError } from '../adapter.js';
import { ConfigError } from '../../errors.js';
import { STACK_CONFIG_FILE } from '../../config/stack-config.js';
import type { ApplyResult, ChangeAction, Diagnostic, PlanResult, ResourceChange } from '../../domain/plan.js';
import { summarize } from '../../domain/plan.js';
import { execOrFail, exitText, wasInterrupted } from './exec-util.js';
import { join } from 'node:path';

const ACTIONS: readonly ChangeAction[] = ['create', 'update', 'replace', 'delete', 'read', 'move'];
const LINE_RE = /^dayops:(change|drift)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/;

/** Reads `dayops:change` / `dayops:drift` lines. */
export class CustomProtocolParser {
  readonly changes: ResourceChange[] = [];
  readonly drift: ResourceChange[] = [];
  readonly diagnostics: Diagnostic[] = [];

  push(line: string): void {
    const s = line.trim();
    if (!s.startsWith('dayops:')) return;
    const m = LINE_RE.exec(s);
    const action = m?.[2] as ChangeAction | undefined;
    if (!m || !action || !ACTIONS.includes(action) || (m[4] && action !== 'move')) {
      this.diagnostics.push({
        severity: 'warning',
        summary: `ignored a malformed dayops: line: ${s.slice(0, 120)}`,
        detail: `expected "dayops:change <${ACTIONS.join('|')}> <address>" (move: "<address> <previous address>")`,
      });
      return;
    }
    const c: ResourceChange = { address: m[3], action, actions: [action] };
    if (m[4]) c.previousAddress = m[4];
    (m[1] === 'drift' ? this.drift : this.changes).push(c);
  }
}

type CustomCommand = string[] | string;

export class CustomAdapter implements ToolAdapter {
  readonly tool = 'custom' as const;

  private custom(ctx: AdapterContext) {
    const c = ctx.config.custom;
    if (!c)
      throw new ConfigError(
        join(ctx.workDir, STACK_CONFIG_FILE),
        'custom: a custom stack needs custom.plan (and custom.apply to apply)',
      );
    return c;
  }

  /** The ExecSpec of one configured command. */
  spec(ctx: AdapterContext, phase: Phase, command: CustomCommand, onLine: (line: string) => void): ExecSpec {
    const env = { DAYOPS_PHASE: phase, DAYOPS_RUN_ID: String(ctx.runId), DAYOPS_RUN_DIR: ctx.runDir };
    const handle = (line: string, stream: string) => {
      if (stream === 'stdout') onLine(line);
    };
    if (typeof command === 'string') {
      if (!ctx.config.custom?.shell) {
        throw new ConfigError(
          join(ctx.workDir, STACK_CONFIG_FILE),
          `custom.${phase}: must be an argument array such as [make, ${phase}], or set custom.shell: true`,
        );
      }
      return { argv: [command], shell: true, phase, env, onLine: handle };
    }
    return { argv: [...command], phase, env, onLine: handle };
  }

  private async run(ctx: AdapterContext, phase: Phase, command: CustomCommand): Promise<CustomProtocolParser> {
    const parser = new CustomProtocolParser();
    const spec = this.spec(ctx, phase, command, (l) => parser.push(l));
    const res = await execOrFail(ctx, spec);
    const shown = typeof command === 'string' ? command : command.join(' ');
    const partial = phase === 'apply' ? applied(parser) : undefined;
    if (wasInterrupted(ctx, res)) {
      const what = ctx.signal.aborted ? `${phase} cancelled` : `${phase} interrupted: ${shown} ${exitText(res)}`;
      throw new ToolError(what, res.code, parser.diagnostics, partial);
    }
    if (res.code !== 0)
      throw new ToolError(`${phase} failed: ${shown} ${exitText(res)}`, res.code, parser.diagnostics, partial);
    return parser;
  }

  async init(ctx: AdapterContext): Promise<void> {
    const c = this.custom(ctx);
    if (c.init) await this.run(ctx, 'init', c.init);
  }

  async plan(ctx: AdapterContext): Promise<PlanResult> {
    const p = await this.run(ctx, 'plan', this.custom(ctx).plan);
    return { changes: p.changes, drift: p.drift, summary: summarize(p.changes), diagnostics: p.diagnostics };
  }

  async apply(ctx: AdapterContext, _plan: PlanResult): Promise<ApplyResult> {
    const c = this.custom(ctx);
    if (!c.apply)
      throw new ConfigError(
        join(ctx.workDir, STACK_CONFIG_FILE),
        'custom.apply: not set, so this stack can only be planned',
      );
    return applied(await this.run(ctx, 'apply', c.apply));
  }
}

/** In apply, a reported change was made (even when the command failed later). */
function applied(p: CustomProtocolParser): ApplyResult {
  const changes = p.changes.map((c): ResourceChange => ({ ...c, status: 'changed' }));
  return { changes, summary: summarize(changes), diagnostics: p.diagnostics };
}
