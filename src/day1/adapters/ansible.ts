/**
 * Ansible: `ansible-playbook --check --diff` to plan, the same without `--check` to apply.
 *
 * Output: the `ansible.posix.jsonl` stdout callback (ANSIBLE_STDOUT_CALLBACK). It prints one JSON event per line
 * as the play runs (a task starts, a host's result, the stats), so the pane is live and every result is complete
 * (the module's result with its diff). `ansible.posix.json` would give the same data, but only as one document
 * when the playbook ends: nothing to watch for minutes, and nothing at all if the run is killed.
 * ANSIBLE_JSON_INDENT=0 keeps one event per line whatever ansible.cfg says; colours are off.
 *
 * `--check` exits 0 even when it finds changes: the plan is read from the results and stats, never the exit
 * code. Failed or unreachable hosts make a ToolError ("2 hosts failed: ...") carrying diagnostics and what was
 * learnt. Every changed task is a change (action `update`) with its diff; for Ansible, a check-mode change *is*
 * the difference between the playbook and the hosts (there is no separate drift list).
 *
 * Playbook: `ansible.playbook` from dayops.yaml, else site.yml, else playbook.yml (also .yaml). Inventory:
 * `ansible.inventory` (`-i`), else nothing: Ansible reads ansible.cfg from the stack folder (the cwd) itself.
 * Ansible cannot apply "exactly the plan": apply runs the playbook again; review its check-mode plan first.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { AdapterContext, ToolAdapter } from '../adapter.js';
import { ToolError } from '../adapter.js';
import { ConfigError } from '../../errors.js';
import { STACK_CONFIG_FILE } from '../../config/stack-config.js';
import type { ApplyResult, PlanResult } from '../../domain/plan.js';
import { AnsibleResultParser, displayAnsibleLine } from './ansible-results.js';
import { execOrFail, exitText, wasInterrupted } from './exec-util.js';

export const PLAYBOOK_CANDIDATES = ['site.yml', 'site.yaml', 'playbook.yml', 'playbook.yaml'] as const;

export const ANSIBLE_ENV: Record<string, string> = {
  ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.jsonl',
  ANSIBLE_JSON_INDENT: '0',
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_FORCE_COLOR: '0',
  ANSIBLE_RETRY_FILES_ENABLED: '0',
  PYTHONUNBUFFERED: '1',
};

/** The playbook to run, relative to the stack folder. Throws ConfigError naming what is missing. */
export function resolvePlaybook(dir: string, configured?: string): string {
  if (configured) {
    if (!existsSync(isAbsolute(configured) ? configured : join(dir, configured))) {
      throw new ConfigError(join(dir, STACK_CONFIG_FILE), `ansible.playbook: ${configured} does not exist in ${dir}`);
    }
    return configured;
  }
  const found = PLAYBOOK_CANDIDATES.find((f) => existsSync(join(dir, f)));
  if (!found) {
    throw new ConfigError(
      join(dir, STACK_CONFIG_FILE),
      `ansible: no playbook found (set ansible.playbook, or add site.yml or playbook.yml to ${dir})`,
    );
  }
  return found;
}

/** `site.yml:22` for a task path inside the stack folder; other paths as they are. */
function relativeTo(dir: string, location: string): string {
  const rel = relative(dir, location);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : location;
}

export class AnsibleAdapter implements ToolAdapter {
  readonly tool = 'ansible' as const;

  binary(ctx: Pick<AdapterContext, 'config'>): string {
    return ctx.config.binary ?? 'ansible-playbook';
  }

  /** The full argv of a check (plan) or a real run (apply). */
  argv(ctx: Pick<AdapterContext, 'config' | 'workDir'>, check: boolean): string[] {
    const a = ctx.config.ansible;
    const playbook = resolvePlaybook(ctx.workDir, a?.playbook);
    const inventory = a?.inventory;
    if (
      inventory &&
      !inventory.includes(',') &&
      !existsSync(isAbsolute(inventory) ? inventory : join(ctx.workDir, inventory))
    ) {
      throw new ConfigError(
        join(ctx.workDir, STACK_CONFIG_FILE),
        `ansible.inventory: ${inventory} does not exist in ${ctx.workDir}`,
      );
    }
    return [
      this.binary(ctx),
      ...(check ? ['--check'] : []),
      '--diff',
      ...(inventory ? ['-i', inventory] : []),
      ...(a?.extraArgs ?? []),
      playbook,
    ];
  }

  /** Nothing to prepare; checks the playbook and inventory exist so a bad config fails before planning. */
  async init(ctx: AdapterContext): Promise<void> {
    const argv = this.argv(ctx, true);
    ctx.log(`ansible: will run ${argv.slice(1).join(' ')}`);
  }

  async plan(ctx: AdapterContext): Promise<PlanResult> {
    const r = await this.run(ctx, true);
    return { changes: r.changes, drift: [], summary: r.summary, diagnostics: r.diagnostics, hosts: r.hosts };
  }

  async apply(ctx: AdapterContext, _plan: PlanResult): Promise<ApplyResult> {
    return this.run(ctx, false);
  }

  private async run(ctx: AdapterContext, check: boolean): Promise<ApplyResult> {
    const phase = check ? 'plan' : 'apply';
    const argv = this.argv(ctx, check);
    const parser = new AnsibleResultParser();
    let stderrError: string | undefined;
    const res = await execOrFail(
      ctx,
      {
        argv,
        phase,
        env: ANSIBLE_ENV,
        onLine: (line, stream) => {
          if (stream === 'stdout') parser.push(line);
          else if (!stderrError && /^\s*ERROR!/.test(line)) stderrError = line.trim().replace(/^ERROR!\s*/, '');
        },
        display: (line, stream) => (stream === 'stdout' ? displayAnsibleLine(line) : undefined),
      },
      'install ansible-core, or set binary: in dayops.yaml',
    );
    const result: ApplyResult = {
      changes: parser.changes(),
      summary: parser.summary(),
      diagnostics: parser
        .diagnostics()
        .map((d) => (d.location ? { ...d, location: relativeTo(ctx.workDir, d.location) } : d)),
      hosts: parser.hosts(),
    };
    if (wasInterrupted(ctx, res)) {
      const what = ctx.signal.aborted
        ? `${phase} cancelled`
        : `${phase} interrupted: ansible-playbook ${exitText(res)}`;
      throw new ToolError(what, res.code, result.diagnostics, result);
    }
    const failures = parser.failureMessage();
    if (failures) throw new ToolError(`${phase} failed: ${failures}`, res.code, result.diagnostics, result);
    if (!parser.events) {
      let why = stderrError ?? `ansible-playbook ${exitText(res)} and printed no JSON events`;
      if (/callback/i.test(why) || res.code === 0) {
        why += ' (the ansible.posix.jsonl callback is needed: ansible-galaxy collection install ansible.posix)';
      }
      throw new ToolError(`${phase} failed: ${why}`, res.code, result.diagnostics, result);
    }
    if (res.code !== 0) {
      throw new ToolError(
        `${phase} failed: ${stderrError ?? `ansible-playbook ${exitText(res)}`}`,
        res.code,
        result.diagnostics,
        result,
      );
    }
    if (!parser.stats) {
      throw new ToolError(
        `${phase} failed: ansible-playbook ended without its stats (the run was cut short)`,
        res.code,
        result.diagnostics,
        result,
      );
    }
    return result;
  }
}
