/**
 * The built dayops on a pseudo-terminal (python3's pty module), for tests that need the raw bytes a terminal
 * would receive (tmux shows the screen after the terminal acted on them; this shows what it was asked to do).
 */
import { spawn } from 'node:child_process';
import { CLI } from './cli.js';

const DRIVER = `
import os, pty, sys, select, base64, json, struct, fcntl, termios, time
args = json.loads(sys.argv[1])
answers = [(a[0].encode(), a[1].encode()) for a in json.loads(sys.argv[2])]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 160, 0, 0))
out = b''
deadline = time.time() + 240
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
        while answers and answers[0][0] in out:
            os.write(fd, answers.pop(0)[1])
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps({'code': os.waitstatus_to_exitcode(status), 'out': base64.b64encode(out).decode()}))
`;

export interface PtyResult {
  code: number;
  /** Every byte the program wrote to the terminal (stdout and stderr alike), as UTF-8. */
  out: string;
}

/** Run `dayops ARGS` on a pty; when the output shows `answers[i][0]`, type `answers[i][1]`. */
export function runOnPty(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; answers?: [string, string][] } = {},
): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...opts.env };
    delete env.NO_COLOR;
    if (opts.env?.NO_COLOR) env.NO_COLOR = opts.env.NO_COLOR;
    const child = spawn(
      'python3',
      ['-c', DRIVER, JSON.stringify([process.execPath, CLI, ...args]), JSON.stringify(opts.answers ?? [])],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => {
      try {
        const r = JSON.parse(stdout) as { code: number; out: string };
        resolve({ code: r.code, out: Buffer.from(r.out, 'base64').toString('utf8') });
      } catch {
        reject(new Error(`pty driver failed: ${stderr || stdout}`));
      }
    });
  });
}
