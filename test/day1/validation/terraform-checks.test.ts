/**
 * `terraform: {}` checks against the REAL terraform (1.11.4): the configuration's own `check` blocks, as the
 * apply's `-json` stream reported them (a failed assertion is a "Check block assertion failed" warning naming
 * its block), and the plan's list of check blocks. In CI a missing terraform fails; elsewhere it is skipped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onPath } from '../../../src/day1/detect.js';
import { RunService, runJson } from '../../../src/day1/runs.js';
import { runStackChecks } from '../../../src/day1/validation/stack-checks.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';

const HAVE = onPath('terraform');
const CI = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!HAVE && !CI) console.warn('skipping the real Terraform check-block tests: terraform is not on PATH');

describe.runIf(!HAVE && CI)('terraform in CI', () => {
  it('is installed (these tests need the real terraform 1.11)', () => {
    expect.fail('terraform is not on PATH: these tests need the real Terraform (1.11.4 on the build machines)');
  });
});

const TF_ENV = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };

const MAIN = (want: string) => `
resource "terraform_data" "web" {
  input = "blue"
}
check "web_is_blue" {
  assert {
    condition     = terraform_data.web.output == "blue"
    error_message = "web is not blue"
  }
}
check "web_is_wanted" {
  assert {
    condition     = terraform_data.web.output == "${want}"
    error_message = "web is \${terraform_data.web.output}, not ${want}"
  }
}
`;

const services: RunService[] = [];
afterEach(async () => {
  while (services.length) await services.pop()!.shutdown();
});

describe.runIf(HAVE)('real terraform check blocks', () => {
  it('fail the terraform check when an assertion fails in the apply, naming the block and its message', async () => {
    const { db, path } = tmpDb();
    const dir = tmpDir('dayops-tf-checks-');
    writeFileSync(join(dir, 'main.tf'), MAIN('green'));
    writeFileSync(join(dir, 'dayops.yaml'), 'checks:\n  - name: tf\n    terraform: {}\n');
    const stack = new StacksRepo(db).upsert({ name: 'tf', dir, tool: 'terraform', environment: 'dev' });
    const svc = new RunService(db, {
      dbPath: path,
      user: 'alice',
      handleSignals: false,
      pollMs: 40,
      env: { ...process.env, ...TF_ENV },
    });
    services.push(svc);

    const id = await svc.start('tf', { autoApprove: true, trigger: 'cli' });
    const run = await svc.wait(id, 'terminal');
    expect(run.state).toBe('FINISHED');
    expect(run.validationStatus).toBe('failed');
    const json = runJson(svc.runs.detail(id)!) as { validation: { checks: { kind: string; message: string }[] } };
    expect(json.validation.checks).toHaveLength(1);
    expect(json.validation.checks[0].kind).toBe('terraform');
    expect(json.validation.checks[0].message).toBe(
      `expected every check block to pass, got 1 of 2 failed (run ${id}): check.web_is_wanted: web is blue, not green`,
    );

    // `dayops check` reads what the latest apply reported.
    const now = await runStackChecks(db, stack, { source: 'manual', env: { ...process.env, ...TF_ENV } });
    expect(now.status).toBe('failed');

    // Every block passes: the check passes and names them.
    writeFileSync(join(dir, 'main.tf'), MAIN('blue').replace('"blue"\n}', '"blue"\n  triggers_replace = 2\n}'));
    const id2 = await svc.start('tf', { autoApprove: true, trigger: 'cli' });
    const run2 = await svc.wait(id2, 'terminal');
    expect(run2.state).toBe('FINISHED');
    expect(run2.validationStatus).toBe('passed');
    expect(svc.runs.detail(id2)!.validation!.checks[0].message).toBe(
      `2 check blocks passed (run ${id2}): web_is_blue, web_is_wanted`,
    );
  }, 120_000);
});
