/**
 * A real terminal for end-to-end tests: the built app runs in a detached tmux session of a given size; the test
 * sends keys one at a time and reads the screen as a person would see it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CLI } from './cli.js';

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

/** In CI a missing tool is a failure, never a skip. */
export function requireTool(available: boolean, name: string): boolean {
  if (!available && process.env.CI) throw new Error(`${name} is not installed, and CI needs it (.ci/run installs it)`);
  if (!available) console.warn(`skipping: ${name} is not installed`);
  return available;
}

export class Terminal {
  readonly socket = `dayops-test-${randomBytes(4).toString('hex')}`;

  private constructor() {}

  /** Start `dayops ARGS` (the built CLI) in a terminal of COLSxROWS. */
  static start(
    args: string[],
    opts: { columns?: number; rows?: number; env?: Record<string, string>; cwd?: string } = {},
  ): Terminal {
    const t = new Terminal();
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      TERM: 'xterm-256color',
      ...opts.env,
    };
    delete env.CI; // Ink prints only the last frame when it believes it runs in CI
    delete env.TMUX;
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const envs = Object.entries(opts.env ?? {})
      .map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    const cmd = `env -u CI ${envs} ${quoted}; echo "[exited $?]"; sleep 600`;
    execFileSync(
      'tmux',
      [
        '-L',
        t.socket,
        'new-session',
        '-d',
        '-s',
        'main',
        '-x',
        String(opts.columns ?? 100),
        '-y',
        String(opts.rows ?? 30),
        cmd,
      ],
      { env, cwd: opts.cwd },
    );
    return t;
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** Send tmux key names (Enter, Escape, Up, C-c) or literal characters, one key per call. */
  key(k: string): void {
    this.tmux('send-keys', '-t', 'main', k);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
  }

  /** Wait until the screen shows it (30 s by default: a loaded 2-core machine starts the app slowly). */
  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 30_000): Promise<string> {
    const start = Date.now();
    let screen = '';
    const test =
      typeof what === 'string'
        ? (s: string) => s.includes(what)
        : what instanceof RegExp
          ? (s: string) => what.test(s)
          : what;
    while (Date.now() - start < timeoutMs) {
      screen = this.screen();
      if (test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the terminal never showed ${String(what)}; it shows:\n${screen}`);
  }

  /** Wait until the screen has not changed for `quietMs`. */
  async settle(quietMs = 300, timeoutMs = 10000): Promise<string> {
    const start = Date.now();
    let last = this.screen();
    let since = Date.now();
    while (Date.now() - start < timeoutMs) {
      await new Promise((r) => setTimeout(r, 50));
      const now = this.screen();
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) break;
    }
    return last;
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', 'main', '-x', String(columns), '-y', String(rows));
  }

  stop(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}
