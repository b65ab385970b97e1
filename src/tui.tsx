import type { CommandContext } from './commands/context.js';
import { UserError } from './errors.js';

export async function runTui(ctx: CommandContext): Promise<number> {
  if (!ctx.isTTY) {
    throw new UserError('dayops: the app needs a terminal; for scripts use the headless commands (`dayops help` lists them)', 2);
  }
  return 0;
}
