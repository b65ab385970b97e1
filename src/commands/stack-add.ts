/**
 * `dayops stack add DIR`: register an existing folder as a stack. Its dayops.yaml (and every policy in it) is
 * checked now, so a mistake shows at once rather than at the first run.
 */
import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { STACK_CONFIG_FILE, loadStackConfig, type StackConfig } from '../config/stack-config.js';
import { cronOf } from '../day2/configs.js';
import { detectTool } from '../day1/detect.js';
import { StacksRepo } from '../db/stacks.js';
import { loadPolicies } from '../domain/policies.js';
import { ENVIRONMENTS, STACK_NAME_RE, TOOLS, type Environment, type Tool } from '../domain/stack.js';
import { ConfigError, UserError, errorMessage } from '../errors.js';
import { currentUser } from '../identity.js';
import { type Command, line, parseFlags } from './context.js';
import { requirePermission } from '../app/permissions.js';

/** A folder name as a stack name: lowercase letters, digits and dashes, at most 63 characters. */
export function sanitizeStackName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

/** Every cron schedule of dayops.yaml must parse and fire (read as the scheduler reads it), now, not at 3 am. */
function checkSchedules(config: StackConfig, file: string): void {
  const schedules: [string, string | undefined][] = [
    ['drift.schedule', config.drift?.schedule],
    ['backups.schedule', config.backups?.schedule],
    ['backups.restoreTestSchedule', config.backups?.restoreTestSchedule],
  ];
  for (const [field, expr] of schedules) {
    if (expr === undefined) continue;
    let fires: boolean;
    try {
      fires = cronOf(expr).nextRun(new Date()) !== null;
    } catch (err) {
      throw new ConfigError(file, `${field}: ${errorMessage(err)}`);
    }
    if (!fires) throw new ConfigError(file, `${field}: "${expr}" never fires (no such date)`);
  }
}

export const stackAdd: Command = {
  name: 'stack add',
  usage: 'dayops stack add DIR [--name N] [--tool opentofu|terraform|ansible|custom] [--env dev|staging|prod]',
  summary: 'register an existing folder as a stack (checks its dayops.yaml and policies)',
  async run(args, ctx) {
    const { values, positionals } = parseFlags('stack add', args, {
      name: { type: 'string' },
      tool: { type: 'string' },
      env: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UserError('dayops stack add: give one folder (dayops stack add DIR)', 2);
    if (values.tool !== undefined && !TOOLS.includes(values.tool as Tool)) {
      throw new UserError(`dayops stack add: --tool must be one of ${TOOLS.join(', ')} (got "${values.tool}")`, 2);
    }
    if (values.env !== undefined && !ENVIRONMENTS.includes(values.env as Environment)) {
      throw new UserError(`dayops stack add: --env must be one of ${ENVIRONMENTS.join(', ')} (got "${values.env}")`, 2);
    }
    if (values.name !== undefined && !STACK_NAME_RE.test(values.name)) {
      throw new UserError(
        `dayops stack add: --name "${values.name}" is not a stack name: use lowercase letters, digits and dashes`,
        2,
      );
    }
    if (ctx.readonly) throw new UserError('readonly mode (--readonly): adding a stack is not allowed');

    const dir = resolve(ctx.cwd, positionals[0]);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new UserError(`${dir}: no such folder`);
    }
    if (!isDir) throw new UserError(`${dir}: is a file, not a folder`);

    const config = loadStackConfig(dir);
    const tool = (values.tool as Tool | undefined) ?? detectTool(dir, config);
    if (!tool) {
      throw new UserError(
        `${dir}: cannot tell which tool drives this folder (no *.tf or *.tofu files, no playbook, no custom block in dayops.yaml); pass --tool`,
      );
    }
    if (tool === 'custom' && !config.custom) {
      throw new UserError(`${dir}: a custom stack needs a custom block with custom.plan in dayops.yaml`);
    }
    if (values.tool && config.tool && config.tool !== values.tool) {
      ctx.stderr.write(
        `dayops: warning: --tool ${values.tool} differs from tool: ${config.tool} in dayops.yaml; using ${values.tool}\n`,
      );
    }
    if (values.env !== undefined && config.environment !== undefined && values.env !== config.environment) {
      throw new UserError(
        `${join(dir, STACK_CONFIG_FILE)}: environment is ${config.environment} but --env is ${values.env}; change environment in dayops.yaml (that change is audited) or drop --env`,
        2,
      );
    }
    const environment = (values.env as Environment | undefined) ?? config.environment ?? 'dev';
    const name = values.name ?? config.name ?? sanitizeStackName(basename(dir));
    if (!STACK_NAME_RE.test(name)) {
      throw new UserError(`${dir}: cannot make a stack name from the folder name "${basename(dir)}"; pass --name`);
    }
    checkSchedules(config, join(dir, STACK_CONFIG_FILE));
    // Every policy must compile for this environment now, not at the first run.
    loadPolicies(config, dir, environment);

    requirePermission(ctx.db(), 'change-stack');
    const stacks = new StacksRepo(ctx.db());
    const existing = stacks.get(name);
    if (existing && existing.dir !== dir) {
      throw new UserError(`stack "${name}" is already registered for ${existing.dir}; pick another name with --name`);
    }
    const stack = stacks.upsert({ name, dir, tool, environment, by: currentUser(ctx.db()) });
    if (existing && existing.environment !== stack.environment) {
      ctx.stderr.write(
        `dayops: stack ${stack.name} changed environment ${existing.environment} -> ${stack.environment} (written to the audit log)\n`,
      );
    }
    line(
      ctx,
      `${existing ? 'Updated' : 'Added'} stack ${stack.name} (${stack.tool}, ${stack.environment}) at ${stack.dir}`,
    );
    return 0;
  },
};
