/**
 * `dayops run` in a real terminal (tmux): it asks before applying, and an approval given from another process
 * while it asks counts too.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { hasTmux, requireTool, Terminal } from '../../helpers/tmux.js';
import { tmpDir } from '../../helpers/tmp.js';
import { appliedCount, customStack } from '../runs/helpers.js';

const terminals: Terminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.stop();
});

const withTmux = requireTool(hasTmux(), 'tmux');

describe.skipIf(!withTmux)('dayops run at a terminal', () => {
  function start(args: string[]) {
    const t = Terminal.start(args, { columns: 160, rows: 40, env: { NO_COLOR: '1' } });
    terminals.push(t);
    return t;
  }

  it('asks "Apply these changes? Type yes" and applies on yes', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const stack = customStack();
    expect((await runCli(['--db', db, 'stack', 'add', stack.dir])).code).toBe(0);
    const t = start(['--db', db, 'run', 'app']);
    await t.waitFor('Apply these changes? Type yes to apply:');
    expect(t.screen()).toContain('dayops:change create null_resource.a');
    t.type('yes');
    t.key('Enter');
    const screen = await t.waitFor('[exited 0]');
    expect(screen).toContain('Apply complete! Resources: 1 added');
    expect(appliedCount(stack.dir)).toBe(1);
  });

  it("a prod stack asks for the stack's name; anything else leaves the run waiting (exit 4)", async () => {
    const db = join(tmpDir(), 'dayops.db');
    const stack = customStack({ name: 'payments', environment: 'prod' });
    await runCli(['--db', db, 'stack', 'add', stack.dir]);
    const t = start(['--db', db, 'run', 'payments']);
    await t.waitFor("Apply these changes to the prod stack payments? Type the stack's name (payments) to apply:");
    t.type('yes');
    t.key('Enter');
    const screen = await t.waitFor('[exited 4]');
    expect(screen).toContain('dayops: not applied; run 1 is waiting for approval (0 of 1)');
    expect(appliedCount(stack.dir)).toBe(0);

    const again = start(['--db', db, 'approve', '1']);
    await again.waitFor('[exited 0]');
    expect(appliedCount(stack.dir)).toBe(1);
  });

  it('while it asks, an approval from another dayops process applies the run and the terminal follows it', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const stack = customStack();
    await runCli(['--db', db, 'stack', 'add', stack.dir]);
    const t = start(['--db', db, 'run', 'app']);
    await t.waitFor('Apply these changes? Type yes to apply:');
    const other = await runCli(['--db', db, 'approve', '1']);
    expect(other.code).toBe(0);
    const screen = await t.waitFor('[exited 0]');
    expect(screen).toMatch(/run 1 is now (APPLYING|FINISHED) \(from another dayops process\)/);
    expect(screen).toContain('dayops: run 1 FINISHED');
    expect(appliedCount(stack.dir)).toBe(1);
  });
});
