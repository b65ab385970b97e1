/**
 * Keys that arrive in one read of a real terminal (`tmux send-keys -l`: key repeat, typing fast, SSH) each
 * count: ten `j` in one chunk move the runs list ten rows; `2q` in one chunk shows Day-1, then quits.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { RunsRepo } from '../../src/db/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { hasTmux, requireTool, Terminal } from '../helpers/tmux.js';
import { tmpDir } from '../helpers/tmp.js';

let term: Terminal | undefined;
afterEach(() => term?.stop());

/** A database with one stack and `n` ended runs (#1 oldest). */
function withRuns(n: number): string {
  const dir = tmpDir();
  const path = join(dir, 'dayops.db');
  const db = openDatabase(path);
  const stack = new StacksRepo(db).upsert({ name: 'web', dir, tool: 'opentofu', environment: 'dev' });
  const runs = new RunsRepo(db);
  for (let i = 0; i < n; i++) {
    const run = runs.create({
      stackId: stack.id,
      kind: 'proposed',
      purpose: 'deploy',
      triggeredBy: 'bob',
      trigger: 'cli',
      autoApply: false,
      owner: { host: hostname(), pid: 999_999, start: null },
    });
    runs.move(run.id, 'fail', { note: 'test' });
  }
  db.close();
  return path;
}

const cursorRow = (screen: string) => screen.split('\n').find((l) => /›\s+#\d+ /.test(l)) ?? '';

describe('keys in one chunk, in a real terminal', () => {
  it.runIf(requireTool(hasTmux(), 'tmux'))(
    'jjjjjjjjjj moves the runs list 10 rows; 2q shows Day-1, then quits',
    async () => {
      const db = withRuns(15);
      term = Terminal.start(['--db', db], { columns: 100, rows: 30 });
      await term.waitFor('q quit', 30_000);
      term.key('2');
      await term.waitFor(/›\s+#15 web/, 30_000);
      term.type('jjjjjjjjjj');
      const screen = await term.waitFor(/›\s+#5 web/, 30_000);
      expect(cursorRow(screen)).toMatch(/#5 web/);
      // Settled there: no key was counted twice either.
      expect(cursorRow(await term.settle())).toMatch(/#5 web/);
      term.type('kkk');
      expect(cursorRow(await term.waitFor(/›\s+#8 web/, 30_000))).toMatch(/#8 web/);

      // From Day-2, `2?` in one chunk: Day-1's help (its runs-list keys), so 2 was handled first.
      term.key('3');
      await term.waitFor('Operate', 30_000);
      await term.settle();
      term.type('2?');
      await term.waitFor('Oldest run loaded', 30_000);
      term.key('?');
      await term.settle();
      term.key('3');
      await term.waitFor(/Operate/, 30_000);
      await term.settle();
      term.type('2q');
      const end = await term.waitFor('[exited 0]', 30_000);
      expect(end).not.toContain('q quit');
    },
  );
});
