/**
 * The Day-0 wizard in a real terminal (tmux, 80x24, the BUILT app: `npx tsc -p .` first): walk a few steps,
 * kill the process outright, start dayops again on the same database, and find the draft where it was.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBlueprint } from '../../src/day0/blueprint.js';
import { CLI } from '../helpers/cli.js';
import { hasTmux, requireTool, Terminal } from '../helpers/tmux.js';
import { tmpDir } from '../helpers/tmp.js';

let term: Terminal | undefined;
afterEach(() => term?.stop());

/** The dayops process in the terminal (the pane runs `env ... node dist/dayops.mjs; echo; sleep`). */
function appPid(t: Terminal): number {
  const pane = execFileSync('tmux', ['-L', t.socket, 'list-panes', '-t', 'main', '-F', '#{pane_pid}'], {
    encoding: 'utf8',
  }).trim();
  const children = execFileSync('pgrep', ['-P', pane], { encoding: 'utf8' }).trim().split('\n');
  for (const c of children) {
    const cmd = execFileSync('ps', ['-o', 'args=', '-p', c], { encoding: 'utf8' });
    if (cmd.includes(CLI)) return Number(c);
  }
  throw new Error(`no dayops process under pane ${pane}`);
}

describe('the Day-0 wizard in a real terminal', () => {
  it.runIf(requireTool(hasTmux(), 'tmux'))(
    'walks steps at 80x24, survives a kill, resumes the draft, and writes the files',
    async () => {
      const cwd = tmpDir();
      const db = join(cwd, 'dayops.db');
      term = Terminal.start(['--db', db], { columns: 80, rows: 24, cwd, env: { NO_COLOR: '1' } });
      await term.waitFor('step 1/10 · Basics');
      let screen = await term.waitFor('Enter next step');
      expect(screen).toContain('? help');
      // Down to the name; Enter edits, Ctrl-U clears, Enter keeps it and moves on.
      term.key('j');
      await term.waitFor(/› Stack name/);
      term.key('Enter');
      await term.waitFor('Enter save');
      term.key('C-u');
      await term.waitFor(/› Stack name\s+✗ a name is needed/);
      term.type('e2e-stack');
      await term.waitFor(/Stack name\s+e2e-stack\s+✓/);
      term.key('Enter');
      await term.waitFor(/› Environment\s+dev/);
      // Two steps on, then down to the third field, and flip it.
      term.key(']');
      await term.waitFor('step 2/10 · Provider');
      term.key(']');
      await term.waitFor('step 3/10 · Cluster');
      // Three moves typed in one burst (one read of the terminal): three rows down.
      term.type('jjj');
      await term.waitFor(/› Private API endpoint\s+yes/);
      term.key('Space');
      screen = await term.waitFor(/› Private API endpoint\s+no/);
      expect(screen).toContain(']/→ step');
      expect(screen).toContain('q quit');
      expect(screen.split('\n').every((l) => [...l].length <= 80)).toBe(true);

      // Kill it outright: no chance to save anything on the way out.
      process.kill(appPid(term), 'SIGKILL');
      await term.waitFor('[exited 137]');
      term.stop();

      term = Terminal.start(['--db', db], { columns: 80, rows: 24, cwd, env: { NO_COLOR: '1' } });
      screen = await term.waitFor('step 3/10 · Cluster');
      expect(screen).toContain('Resumed the draft of e2e-stack at step 3/10 · Cluster');
      expect(screen).toMatch(/› Private API endpoint\s+no/);
      term.key('[');
      await term.waitFor('step 2/10 · Provider');
      term.key('[');
      screen = await term.waitFor('step 1/10 · Basics');
      expect(screen).toMatch(/Stack name\s+e2e-stack/);

      // On to the review and write: the files go to ./e2e-stack next to where dayops was started.
      for (let i = 2; i <= 10; i++) {
        term.key(']');
        await term.waitFor(`step ${i}/10 · `);
      }
      screen = await term.waitFor('step 10/10 · Review & write');
      expect(screen).toContain(`→ ${join(cwd, 'e2e-stack')}`);
      term.key('w');
      screen = await term.waitFor('written:');
      expect(screen).toMatch(/stack e2e-stack \(dev\)/);
      expect(existsSync(join(cwd, 'e2e-stack', 'dayops.yaml'))).toBe(true);
      expect(readBlueprint(join(cwd, 'e2e-stack', 'blueprint.yaml')).cluster.controlPlane.privateEndpoint).toBe(false);

      // Reopen it: o lists it, Enter opens it on the review, and it writes back to the same folder.
      term.key('n');
      await term.waitFor('A new design');
      term.key('o');
      screen = await term.waitFor(`e2e-stack · dev · ${join(cwd, 'e2e-stack')}`);
      expect(screen).toContain('Enter open Esc cancel');
      term.key('Enter');
      screen = await term.waitFor('Opened the design of e2e-stack');
      expect(screen).toContain('step 10/10 · Review & write');
      // Where the stack is registered is read from the database after the design opens: wait for it, do not race it.
      await term.waitFor('updates the registered stack e2e-stack');
      term.key('q');
      await term.waitFor('[exited 0]');
    },
  );

  it.runIf(requireTool(hasTmux(), 'tmux'))(
    'Enter ten times writes a valid design with every default, at 80x24',
    async () => {
      const cwd = tmpDir();
      term = Terminal.start(['--db', join(cwd, 'dayops.db')], { columns: 80, rows: 24, cwd, env: { NO_COLOR: '1' } });
      await term.waitFor('step 1/10 · Basics');
      for (let i = 2; i <= 10; i++) {
        term.key('Enter');
        await term.waitFor(`step ${i}/10 · `);
      }
      const screen = await term.waitFor(/› \[ Write files \]\s+✓ ready/);
      expect(screen).toContain(`→ ${join(cwd, 'my-stack')}`);
      term.key('Enter');
      await term.waitFor('written:');
      expect(readBlueprint(join(cwd, 'my-stack', 'blueprint.yaml')).metadata.name).toBe('my-stack');
      term.key('q');
      await term.waitFor('[exited 0]');
    },
  );
});
