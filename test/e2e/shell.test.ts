import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { hasTmux, requireTool, Terminal } from '../helpers/tmux.js';
import { tmpDir } from '../helpers/tmp.js';

let term: Terminal | undefined;
afterEach(() => term?.stop());

describe('the app in a real terminal', () => {
  it.runIf(requireTool(hasTmux(), 'tmux'))('draws at 80x24, shows help, switches days, quits with q', async () => {
    const db = join(tmpDir(), 'dayops.db');
    term = Terminal.start(['--db', db], { columns: 80, rows: 24 });
    let screen = await term.waitFor('q quit');
    expect(screen).toContain('dayops');
    expect(screen).toContain('1 Design');
    term.key('?');
    // At 80x24 help scrolls: its closing line is on screen, the global keys further down.
    await term.waitFor('Press ? or Esc to close');
    term.key('Escape');
    // A lone Esc, then the next key: they must not arrive together (Esc 2 would read as Alt-2).
    await term.waitFor((s) => !s.includes('Press ? or Esc to close'));
    await term.settle();
    // The header always names every day: wait for Day-1's own text, not the header's.
    term.key('2');
    await term.waitFor('RUN STACK');
    await term.settle();
    term.key('q');
    screen = await term.waitFor('[exited 0]');
    // The alternate screen is left: the shell's screen is back, with no frame of the app on it.
    expect(screen).not.toContain('q quit');
  });

  it.runIf(requireTool(hasTmux(), 'tmux'))('says the terminal is too small, and recovers when it grows', async () => {
    const db = join(tmpDir(), 'dayops.db');
    term = Terminal.start(['--db', db], { columns: 40, rows: 10 });
    await term.waitFor('Terminal too small');
    term.resize(100, 30);
    await term.waitFor('q quit');
    term.key('C-c');
    await term.waitFor('[exited 0]');
  });
});

describe('without a terminal', () => {
  it('the app says it needs one and points to the headless commands', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const r = await runCli(['--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the app needs a terminal');
    expect(r.stderr).toContain('dayops help');
  });

  it('an unknown command or flag is one line, exit 2', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const a = await runCli(['--db', db, 'frobnicate']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^dayops: unknown command "frobnicate"/);
    const b = await runCli(['--db', db, 'stack', 'list', '--bogus']);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe("dayops stack list: Unknown option '--bogus'");
  });
});
