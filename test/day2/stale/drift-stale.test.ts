/**
 * The dashboard never hides what is known (issue 9): a drift check that fails keeps the last known drifted
 * resources, shown as stale with the failure, in `dayops drift --json`, `dayops status --json` and the
 * dashboard's rows, totals and detail. With the REAL terraform (1.11.4 here; in CI a missing one fails).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onPath } from '../../../src/day1/detect.js';
import { openDatabase } from '../../../src/db/open.js';
import { stackStatuses } from '../../../src/day2/status.js';
import { toRow, totals } from '../../../src/app/day2/dashboard.js';
import { sectionHeader, stackSummaryLines } from '../../../components/day2/sections.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { requireTool } from '../../helpers/tmux.js';
import { tmpDir } from '../../helpers/tmp.js';

const HAVE = requireTool(onPath('terraform'), 'terraform');
const TF_ENV = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

/** A terraform root applied with v=1 whose dayops.yaml plans it with v=2: two resources differ. */
function driftedRoot(name: string): string {
  const dir = tmpDir(`dayops-${name}-`);
  writeFileSync(
    join(dir, 'main.tf'),
    'variable "v" {\n  default = "1"\n}\nresource "terraform_data" "a" {\n  input = var.v\n}\nresource "terraform_data" "b" {\n  input = var.v\n}\n',
  );
  const env = { ...process.env, ...TF_ENV };
  execFileSync('terraform', ['init', '-no-color', '-input=false'], { cwd: dir, env, stdio: 'ignore' });
  execFileSync('terraform', ['apply', '-auto-approve', '-no-color', '-input=false'], {
    cwd: dir,
    env,
    stdio: 'ignore',
  });
  writeFileSync(
    join(dir, 'dayops.yaml'),
    `name: ${name}\ntool: terraform\nenvironment: dev\nenv: { TF_VAR_v: "2", TF_CLI_CONFIG_FILE: /dev/null, CHECKPOINT_DISABLE: "1" }\n`,
  );
  return dir;
}

describe.runIf(HAVE)('a failed drift check keeps what is known (real terraform)', () => {
  it('dayops drift --json, status --json and the dashboard keep the 2 drifted resources, stale, with the error', async () => {
    const home = tmpDir();
    const dbPath = join(home, 'dayops.db');
    const cli = (args: string[]) => runCli(['--db', dbPath, ...args], { env: TF_ENV });
    const a = driftedRoot('alpha');
    const b = driftedRoot('beta');
    expect((await cli(['stack', 'add', a])).code).toBe(0);
    expect((await cli(['stack', 'add', b])).code).toBe(0);

    const first = await cli(['drift', '--all', '--json']);
    expect(first.code).toBe(2);
    const before = JSON.parse(first.stdout).stacks;
    expect(before.map((s: { name: string; open: number; stale: boolean }) => [s.name, s.open, s.stale])).toEqual([
      ['alpha', 2, false],
      ['beta', 2, false],
    ]);

    // beta's code breaks: its next check fails
    appendFileSync(join(b, 'main.tf'), 'resource "terraform_data" "broken" {\n');
    const second = await cli(['drift', 'beta', '--json']);
    expect(second.code).toBe(1);
    const failed = JSON.parse(second.stdout).stacks[0];
    expect(failed).toMatchObject({
      name: 'beta',
      status: 'failed',
      drifted: true,
      open: 2,
      total: 2,
      stale: true,
      fetchedAt: before[1].checkedAt,
    });
    expect(failed.error).toContain('Unclosed configuration block');
    expect(failed.resources.map((r: { address: string }) => r.address)).toEqual([
      'terraform_data.a',
      'terraform_data.b',
    ]);
    // the text report says the same
    const text = await cli(['drift', 'beta']);
    expect(text.stdout).toContain('beta: check failed: ');
    expect(text.stdout).toContain('last known (stale, from');
    expect(text.stdout).toContain('drifted: 2 open');
    expect(text.stdout).toContain('terraform_data.a');

    const statusText = (await cli(['status'])).stdout;
    expect(statusText).toMatch(/beta .*drifted 2, last check failed/);
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    const beta = status.stacks.find((s: { name: string }) => s.name === 'beta');
    expect(beta.drift).toMatchObject({ status: 'failed', drifted: 2, total: 2, stale: true });
    expect(beta.drift.error).toContain('Unclosed configuration block');

    // the dashboard: both stacks still count as drifted; beta's row shows the 2, stale, and that the check failed
    const db = openDatabase(dbPath, { readonly: true });
    try {
      const now = Date.now();
      const rows = stackStatuses(db, now).map((s) => toRow(s, now));
      expect(totals(rows).drifted).toBe(2);
      const row = rows.find((r) => r.name === 'beta')!;
      expect(row.cells.drift.text).toBe('✗ 2 ⚠ failed');
      expect(row.cells.drift.tone).toBe('error');
      expect(row.cells.driftAged.text).toMatch(/^✗ 2 ⚠ failed (now|\d+s)$/);
      expect(row.tags).toEqual(expect.arrayContaining(['failed', 'drifted', 'stale']));
      const alpha = rows.find((r) => r.name === 'alpha')!;
      expect(row.severity).toBeGreaterThanOrEqual(alpha.severity);
      const head = sectionHeader('drift', row.status, null, now)
        .map((l) => l.spans.map((x) => x.text).join(''))
        .join('\n');
      expect(head).toContain('drifted 2');
      expect(head).toContain('last check failed');
      expect(head).toContain('Unclosed configuration block');
      const summary = stackSummaryLines(row.status, now)
        .map((l) => l.spans.map((x) => x.text).join(''))
        .join('\n');
      expect(summary).toContain('drifted 2');
      expect(summary).toContain('stale');
    } finally {
      db.close();
    }
  }, 120_000);
});
