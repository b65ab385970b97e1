/**
 * Text from outside never drives the operator's terminal, headless: a corpus of hostile sequences (test/helpers/
 * hostile.ts) printed by a tool (whole, and cut between writes), in a real Terraform plan's resource address and in
 * its diagnostics, reaches `dayops run` on a pseudo-terminal (colours on) and piped (no colour), the typed-name
 * prompt, `dayops runs` and an error line; nothing but SGR colour codes reaches the terminal. The built CLI
 * (`npm run build` first).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onPath } from '../../src/day1/detect.js';
import { LogsRepo } from '../../src/db/logs.js';
import { openDatabase } from '../../src/db/open.js';
import { RunsRepo } from '../../src/db/runs.js';
import { runCli } from '../helpers/cli.js';
import { CORPUS, HOSTILE, leaks, markersShown, SPLIT } from '../helpers/hostile.js';
import { runOnPty } from '../helpers/pty.js';
import { tmpDir } from '../helpers/tmp.js';
import { customStack } from '../day1/runs/helpers.js';

/** Every stored log line of every run, as the tool printed it (secrets redacted). */
function storedLog(dbPath: string): string {
  const db = openDatabase(dbPath);
  try {
    const logs = new LogsRepo(db);
    return new RunsRepo(db)
      .list({ limit: 100 })
      .flatMap((r) => logs.page(r.id, 1, 10_000).map((l) => l.text))
      .join('\n');
  } finally {
    db.close();
  }
}

const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
const HAVE_TERRAFORM = onPath('terraform');

/** A custom tool that prints the corpus whole, a line per sequence, and cut between writes (a lone ESC ends one). */
const PRINTS_HOSTILE = (change: string) => `
const HOSTILE = ${JSON.stringify(HOSTILE)};
const CORPUS = ${JSON.stringify(CORPUS)};
const SPLIT = ${JSON.stringify(SPLIT)};
process.stdout.write(HOSTILE + '\\n');
for (const [k, v] of Object.entries(CORPUS)) process.stderr.write('line <' + k + '>' + v + ' end\\n');
for (const c of SPLIT) { process.stdout.write(c); await new Promise((r) => setTimeout(r, 30)); }
process.stdout.write('\\n10%\\r50%\\r100% done\\n');
process.stdout.write('\\u001b[32mgreen\\u001b[0m ok\\n');
console.log('dayops:change ${change}');
`;

/**
 * The output without the prompt's line (from the question to the typed answer): there dayops' own line editor
 * (node:readline) moves the cursor, and the terminal echoes what was typed. The question is checked apart.
 */
function withoutPrompt(out: string): string {
  const q = out.indexOf('Apply these changes');
  if (q < 0) return out;
  const from = out.lastIndexOf('\n', q) + 1;
  const yes = out.indexOf('yes\r', q + 1);
  const to = out.indexOf('\n', yes < 0 ? q : yes) + 1;
  return out.slice(0, from) + out.slice(to);
}

const BAD = CORPUS.osc52 + CORPUS.osc0 + CORPUS.clear + CORPUS.c1csi + CORPUS.dsr + CORPUS.bel;

function hostileStack() {
  const stack = customStack({
    plan: PRINTS_HOSTILE('create null_resource.a'),
    apply: PRINTS_HOSTILE('create null_resource.a'),
  });
  return stack;
}

describe('hostile text in a headless run', () => {
  it('piped: the log, the changes and the result carry no escape at all, and keep the text around each', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const stack = hostileStack();
    expect((await runCli(['--db', db, 'stack', 'add', stack.dir])).code).toBe(0);
    const r = await runCli(['--db', db, 'run', 'app', '--auto-approve'], { env: { NO_COLOR: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(leaks(r.stdout, { colour: false })).toEqual([]);
    expect(leaks(r.stderr, { colour: false })).toEqual([]);
    expect(markersShown(r.stdout)).toEqual(Object.keys(CORPUS).filter((k) => k !== 'cr')); // the CR line shows its end
    expect(r.stdout).toContain('100% done');
    expect(r.stdout).not.toContain('10%');
    expect(r.stdout).toMatch(/^ABC$/m); // the sequence cut between writes is gone whole
    expect(r.stdout).toContain('green ok'); // colour dropped, text kept
    // The tool really printed them: they are in the stored log as it printed them.
    expect(storedLog(db)).toContain(CORPUS.osc52);
    const runs = await runCli(['--db', db, 'runs', '--json']);
    expect(leaks(runs.stdout, { colour: false })).toEqual([]);
  });

  it('on a terminal: colours stay, nothing else reaches it, and the prompt is asked', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const stack = hostileStack();
    expect((await runCli(['--db', db, 'stack', 'add', stack.dir])).code).toBe(0);
    const r = await runOnPty(['--db', db, 'run', 'app'], { answers: [['Type yes to apply: ', 'yes\r']] });
    expect(r.out).toContain('Apply these changes? Type yes to apply:');
    expect(r.code, r.out).toBe(0);
    expect(leaks(withoutPrompt(r.out), { colour: true, cr: true })).toEqual([]);
    expect(markersShown(r.out)).toEqual(Object.keys(CORPUS).filter((k) => k !== 'cr'));
    expect(r.out).toContain('␇'); // a lone BEL is shown, not rung
    expect(r.out).toContain('\u001b[32mgreen\u001b[0m ok'); // colour kept on a terminal
  });

  it('an error line, `runs` and a stack name in an error say what is wrong without a sequence', async () => {
    const db = join(tmpDir(), 'dayops.db');
    const stack = customStack({ plan: `console.error(${JSON.stringify(`bad ${BAD}`)}); process.exit(3);` });
    expect((await runCli(['--db', db, 'stack', 'add', stack.dir])).code).toBe(0);
    const failed = await runCli(['--db', db, 'run', 'app']);
    expect(failed.code).toBe(1);
    const none = await runCli(['--db', db, 'runs', `x${BAD}y`]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no stack named "x');
    const path = join(tmpDir(), `dir${BAD}`); // a path that does not exist, named in the error line
    const badPath = await runCli(['--db', db, 'stack', 'add', path]);
    expect(badPath.code).not.toBe(0);
    expect(badPath.stderr).toContain('dir');
    for (const r of [
      failed,
      none,
      badPath,
      await runCli(['--db', db, 'runs']),
      await runCli(['--db', db, 'status']),
      await runOnPty(['--db', db, 'runs', `x${BAD}y`]),
      await runOnPty(['--db', db, 'stack', 'add', path]),
      await runOnPty(['--db', db, 'status']),
    ]) {
      const text = 'out' in r ? r.out : r.stdout + r.stderr;
      expect(leaks(text, { colour: 'out' in r, cr: true })).toEqual([]);
    }
  });
});

describe.skipIf(!HAVE_TERRAFORM && !IN_CI)('hostile text from the real Terraform', () => {
  const key = `k${BAD}ey`;
  const hcl = (s: string) => JSON.stringify(s); // HCL reads JSON's \\u escapes
  function tfStack(name: string, mainTf: string) {
    const dir = tmpDir('dayops-tf-hostile-');
    writeFileSync(join(dir, 'main.tf'), mainTf);
    writeFileSync(join(dir, 'hostile.js'), `process.stdout.write(${JSON.stringify(HOSTILE)} + '\\n');\n`);
    writeFileSync(
      join(dir, 'dayops.yaml'),
      [
        'apiVersion: dayops/v1',
        'kind: Stack',
        `name: ${name}`,
        'tool: terraform',
        'environment: dev',
        'env: { TF_CLI_CONFIG_FILE: /dev/null, CHECKPOINT_DISABLE: "1" }',
      ].join('\n') + '\n',
    );
    return dir;
  }

  it('an address and a provisioner output with escapes, on a terminal and piped', async () => {
    if (!HAVE_TERRAFORM) throw new Error('terraform is required in CI but is not on PATH');
    const db = join(tmpDir(), 'dayops.db');
    const dir = tmpStackWith('tfhostile');
    expect((await runCli(['--db', db, 'stack', 'add', dir])).code).toBe(0);
    const piped = await runCli(['--db', db, 'run', 'tfhostile', '--plan-only']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('terraform_data.hostile["k');
    expect(leaks(piped.stdout + piped.stderr, { colour: false })).toEqual([]);
    const tty = await runOnPty(['--db', db, 'run', 'tfhostile'], { answers: [['Type yes to apply: ', 'yes\r']] });
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toContain('<osc52>'); // local-exec's output is in the log
    expect(leaks(withoutPrompt(tty.out), { colour: true, cr: true })).toEqual([]);
    const runs = await runCli(['--db', db, 'runs', '--json']);
    expect(leaks(runs.stdout, { colour: false })).toEqual([]);
    // The tool really printed them, and dayops stored them as printed (the log keeps what the tool said).
    expect(storedLog(db)).toContain(CORPUS.osc52);

    function tmpStackWith(name: string) {
      return tfStack(
        name,
        `resource "terraform_data" "hostile" {
  for_each = toset([${hcl(key)}])
  input    = each.key
  provisioner "local-exec" {
    command = "${process.execPath} hostile.js"
  }
}
`,
      );
    }
  });

  it('a diagnostic with escapes fails the run with one clean line', async () => {
    if (!HAVE_TERRAFORM) throw new Error('terraform is required in CI but is not on PATH');
    const db = join(tmpDir(), 'dayops.db');
    const dir = tfStack(
      'tfdiag',
      `variable "answer" {
  type    = string
  default = "no"
}

resource "terraform_data" "refused" {
  input = 1
  lifecycle {
    precondition {
      condition     = var.answer == "yes"
      error_message = ${hcl(`refused ${BAD} here`)}
    }
  }
}
`,
    );
    expect((await runCli(['--db', db, 'stack', 'add', dir])).code).toBe(0);
    const piped = await runCli(['--db', db, 'run', 'tfdiag']);
    expect(piped.code).toBe(1);
    expect(piped.stdout + piped.stderr).toContain('refused ');
    expect(leaks(piped.stdout + piped.stderr, { colour: false })).toEqual([]);
    const tty = await runOnPty(['--db', db, 'run', 'tfdiag']);
    expect(tty.code).toBe(1);
    expect(leaks(tty.out, { colour: true, cr: true })).toEqual([]);
    const runs = await runOnPty(['--db', db, 'runs']);
    expect(leaks(runs.out, { colour: true, cr: true })).toEqual([]);
  });
});
