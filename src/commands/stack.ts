import { StacksRepo } from '../db/stacks.js';
import { type Command, parseFlags, writeJson, line } from './context.js';
import { formatTable } from '../text-table.js';

export const stackList: Command = {
  name: 'stack list',
  usage: 'dayops stack list [--json]',
  summary: 'list registered stacks',
  async run(args, ctx) {
    const { values } = parseFlags('stack list', args, { json: { type: 'boolean' } }, false);
    const stacks = new StacksRepo(ctx.db()).list();
    if (values.json) {
      writeJson(ctx, {
        stacks: stacks.map((s) => ({
          name: s.name,
          environment: s.environment,
          tool: s.tool,
          dir: s.dir,
          createdAt: new Date(s.createdAt).toISOString(),
          updatedAt: new Date(s.updatedAt).toISOString(),
        })),
      });
      return 0;
    }
    if (stacks.length === 0) {
      line(
        ctx,
        'No stacks yet. Design one with `dayops` (the Day-0 wizard) or `dayops design --from FILE --out DIR`, or register a folder with `dayops stack add DIR`.',
      );
      return 0;
    }
    line(
      ctx,
      formatTable(
        ['NAME', 'ENV', 'TOOL', 'FOLDER'],
        stacks.map((s) => [s.name, s.environment, s.tool, s.dir]),
      ),
    );
    return 0;
  },
};
