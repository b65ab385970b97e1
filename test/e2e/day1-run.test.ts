/**
 * Day-1 in a real terminal: the built app in tmux at 100x30 on a temporary database with a stack whose tofu is
 * the fake replaying recorded Terraform outputs. A tracked run is started, approved and applied with keys only.
 * Run `npx tsc -p .` first (npm test does).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditRepo } from '../../src/db/audit.js';
import { openDatabase } from '../../src/db/open.js';
import { RunsRepo } from '../../src/db/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { osUser } from '../../src/os-user.js';
import { fakeTfStack } from '../helpers/fake-tf.js';
import { tmpDir } from '../helpers/tmp.js';
import { hasTmux, requireTool, Terminal } from '../helpers/tmux.js';

let term: Terminal | undefined;
afterEach(() => term?.stop());

describe('Day-1 in a real terminal', () => {
  it.runIf(requireTool(hasTmux(), 'tmux'))(
    'starts a tracked run, waits for approval, approves with keys and shows the apply',
    async () => {
      const dbPath = join(tmpDir(), 'dayops.db');
      const tf = fakeTfStack('create', { delayMs: 20 });
      const setup = openDatabase(dbPath);
      new StacksRepo(setup).upsert({ name: 'web', dir: tf.dir, tool: 'opentofu', environment: 'dev' });
      setup.close();

      term = Terminal.start(['--db', dbPath], { columns: 100, rows: 30, env: tf.env });
      await term.waitFor('q quit');
      term.key('2');
      await term.waitFor('Stacks ←/→');
      term.key('t');
      await term.waitFor('on which stack?');
      term.key('Enter');
      let screen = await term.waitFor('◆ UNCONFIRMED', 30_000);
      expect(screen).toContain('terraform_data.db: Plan to create');
      expect(screen).toContain('waiting for approval (1 required)');

      term.key('a');
      await term.waitFor('Comment (optional)');
      term.type('shipped from tmux');
      term.key('Enter');
      await term.waitFor('Approve run #1? y yes');
      term.key('y');
      screen = await term.waitFor('✓ FINISHED', 30_000);
      expect(screen).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
      expect(screen).toContain('Approved run #1 (1 of 1): applying');
      for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(100);

      term.key('q');
      await term.waitFor('[exited 0]');
      const db = openDatabase(dbPath);
      try {
        expect(new RunsRepo(db).get(1)!.state).toBe('FINISHED');
        expect(new AuditRepo(db).forRun(1).map((e) => [e.action, e.user, e.comment])).toEqual([
          ['approve', osUser(), 'shipped from tmux'],
        ]);
      } finally {
        db.close();
      }
      expect(tf.invocations().map((i) => i.argv[1])).toEqual(expect.arrayContaining(['init', 'plan', 'show', 'apply']));
    },
  );
});
