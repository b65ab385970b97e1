/**
 * Promotion (issue 12) and the rollback offer (issue 11) as an operator meets them: the BUILT dayops (`npm run
 * build` first), a real git repository made here with two stack folders (staging, prod) of real Terraform 1.11.4
 * (`terraform_data`, no download), temporary databases.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onPath } from '../../../src/day1/detect.js';
import { AuditRepo } from '../../../src/db/audit.js';
import { openDatabase } from '../../../src/db/open.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { requireTool } from '../../helpers/tmux.js';
import { tmpDir } from '../../helpers/tmp.js';

const HAVE = requireTool(onPath('terraform'), 'terraform') && requireTool(onPath('git'), 'git');

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build dayops first (npm run build): ${CLI} is missing`);
});

const MAIN_TF = (input: string) =>
  `resource "terraform_data" "app" {\n  input = "${input}"\n}\n\noutput "app" {\n  value = terraform_data.app.output\n}\n`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

/**
 * A git repository with shop-staging and shop-prod (promotesFrom: shop-staging), registered in a new database.
 * Staging's post-deploy validation is a real command check that passes while the file `smoke-ok` (outside the
 * repository) exists: `ready(true|false)` sets what the next validation says.
 */
async function estate() {
  const dir = tmpDir();
  const repo = join(dir, 'infra');
  const db = join(dir, 'dayops.db');
  const flag = join(dir, 'smoke-ok');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  for (const env of ['staging', 'prod']) {
    mkdirSync(join(repo, env));
    writeFileSync(join(repo, env, 'main.tf'), MAIN_TF('v1'));
    writeFileSync(
      join(repo, env, 'dayops.yaml'),
      `apiVersion: dayops/v1\nkind: Stack\nname: shop-${env}\nenvironment: ${env}\ntool: terraform\n` +
        (env === 'prod'
          ? 'promotesFrom: shop-staging\n'
          : `checks:\n  - name: smoke\n    command: [test, -e, ${flag}]\n    within: 1s\n`),
    );
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'v1');
  const cli = (...args: string[]) =>
    runCli(['--db', db, ...args], { env: { XDG_DATA_HOME: dir, TF_CLI_CONFIG_FILE: '/dev/null' } });
  for (const env of ['staging', 'prod']) expect((await cli('stack', 'add', join(repo, env))).code).toBe(0);
  const ready = (ok: boolean) => (ok ? writeFileSync(flag, '') : rmSync(flag, { force: true }));
  return { dir, repo, db, cli, ready, head: () => git(repo, 'rev-parse', 'HEAD') };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read fields of a JSON document
const json = (stdout: string): any => JSON.parse(stdout);

describe.runIf(HAVE)('dayops promote: prod runs at exactly the commit that last succeeded on staging', () => {
  it('refuses without an upstream success and after a failed validation, then promotes at the same commit', async () => {
    const { repo, db, cli, ready, head } = await estate();
    const v1 = head();

    const none = await cli('promote', 'shop-staging', '--to', 'prod', '--json');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('shop-staging has no successful run to promote to shop-prod');

    // Staging applies, and its validation fails (exit 5).
    const failing = await cli('run', 'shop-staging', '--auto-approve', '--json');
    expect(failing.code, failing.stderr).toBe(5);
    const failedRun = json(failing.stdout);
    expect(failedRun).toMatchObject({ state: 'FINISHED', validation: { status: 'failed' }, revision: v1 });
    // Terraform's state is written untracked into the folder: it neither makes the revision dirty nor changes it.
    expect(existsSync(join(repo, 'staging', 'terraform.tfstate'))).toBe(true);
    expect(failedRun).toMatchObject({ revisionKind: 'git', revisionDirty: false });

    const refused = await cli('promote', 'shop-staging', '--to', 'prod', '--json');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`shop-staging's last successful run #${failedRun.id} failed its validation`);
    expect(json((await cli('runs', 'shop-prod', '--json')).stdout).runs).toEqual([]);

    // A run with nothing to apply validates nothing: the failed validation of that commit still holds.
    ready(true);
    const noop = await cli('run', 'shop-staging', '--auto-approve', '--json');
    expect(noop.code, noop.stderr).toBe(0);
    expect(json(noop.stdout)).toMatchObject({ state: 'FINISHED', validation: null, revision: v1 });
    expect((await cli('promote', 'shop-staging', '--to', 'prod')).stderr).toContain('failed its validation');

    // Fixed and committed: staging applies the fix and passes.
    writeFileSync(join(repo, 'staging', 'main.tf'), MAIN_TF('v2'));
    git(repo, 'commit', '-q', '-am', 'fix');
    const v2 = head();
    const staged = await cli('run', 'shop-staging', '--auto-approve', '--json');
    expect(staged.code, staged.stderr).toBe(0);
    const stagingRun = json(staged.stdout);
    expect(stagingRun).toMatchObject({ validation: { status: 'passed' }, revision: v2 });
    // prod goes through its own policies and approvals: without a terminal, exit 4 waiting for approval.
    const promoted = await cli('promote', 'shop-staging', '--to', 'prod', '--json');
    expect(promoted.code, promoted.stderr).toBe(4);
    const waiting = json(promoted.stdout);
    expect(waiting).toMatchObject({
      stack: 'shop-prod',
      state: 'UNCONFIRMED',
      revision: v2,
      revisionKind: 'git',
      promotedFrom: { stack: 'shop-staging', runId: stagingRun.id },
    });
    const applied = await cli('approve', String(waiting.id), '--json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(json(applied.stdout)).toMatchObject({
      state: 'FINISHED',
      revision: v2,
      promotedFrom: { stack: 'shop-staging', runId: stagingRun.id },
    });
    // It ran in place: prod's own state, in prod's folder.
    expect(existsSync(join(repo, 'prod', 'terraform.tfstate'))).toBe(true);
    const listed = json((await cli('runs', 'shop-prod', '--json')).stdout).runs[0];
    expect(listed).toMatchObject({ id: waiting.id, revision: v2, promotedFrom: { stack: 'shop-staging' } });

    const handle = openDatabase(db);
    try {
      const audit = new AuditRepo(handle).forRun(waiting.id);
      const promote = audit.find((a) => a.action === 'promote');
      expect(promote?.user).toBeTruthy();
      expect(promote?.detail).toMatchObject({
        from: { stack: 'shop-staging', runId: stagingRun.id },
        to: 'shop-prod',
        revision: v2,
      });
    } finally {
      handle.close();
    }
  }, 180_000);

  it('never runs from another revision: a moved or dirty checkout is refused with the git command to fix it', async () => {
    const { repo, cli, ready, head } = await estate();
    const v1 = head();
    ready(true);
    const staged = await cli('run', 'shop-staging', '--auto-approve', '--json');
    expect(staged.code, staged.stderr).toBe(0);

    writeFileSync(join(repo, 'prod', 'main.tf'), MAIN_TF('v2'));
    const dirty = await cli('promote', 'shop-staging', '--to', 'prod');
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain("shop-prod's checkout has uncommitted changes (main.tf)");
    expect(dirty.stderr).toContain('stash push --include-untracked -- main.tf');

    git(repo, 'commit', '-q', '-am', 'v2 in prod');
    const moved = await cli('promote', 'shop-staging', '--to', 'prod');
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain(`git -C ${repo} checkout --detach ${v1}`);
    expect(json((await cli('runs', 'shop-prod', '--json')).stdout).runs).toEqual([]);

    // The operator does what it said: the promotion goes through at v1, never at v2.
    git(repo, 'checkout', '-q', '--detach', v1);
    const promoted = await cli('promote', 'shop-staging', '--to', 'prod', '--json');
    expect(promoted.code, promoted.stderr).toBe(4);
    expect(json(promoted.stdout)).toMatchObject({ revision: v1, state: 'UNCONFIRMED' });
  }, 180_000);
});

describe.runIf(HAVE)('dayops rollback: offered after a failed validation, never forced', () => {
  it('proposes a run at the previous successful commit, waiting for approval, once the checkout is there', async () => {
    const { repo, db, cli, ready, head } = await estate();
    const v1 = head();
    ready(true);
    const first = json((await cli('run', 'shop-staging', '--auto-approve', '--json')).stdout);
    expect(first).toMatchObject({ state: 'FINISHED', validation: { status: 'passed' }, revision: v1 });

    const nothing = await cli('rollback', 'shop-staging');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain(`its last successful run #${first.id} did not fail validation`);

    writeFileSync(join(repo, 'staging', 'main.tf'), MAIN_TF('v2'));
    git(repo, 'commit', '-q', '-am', 'v2');
    const v2 = head();
    ready(false);
    const failing = await cli('run', 'shop-staging', '--auto-approve');
    expect(failing.code, failing.stderr).toBe(5);
    // Offered, never started: the command to put the checkout back and propose the rollback.
    expect(failing.stderr).toContain(
      `dayops: validation failed; to roll back to run #${first.id} (commit ${v1.slice(0, 12)}), put the checkout at that commit (git -C ${join(repo, 'staging')} checkout --detach ${v1}) and propose it with: dayops rollback shop-staging`,
    );
    const second = json((await cli('runs', 'shop-staging', '--json')).stdout).runs[0];
    expect(second).toMatchObject({ state: 'FINISHED', revision: v2 });
    expect(json((await cli('runs', 'shop-staging', '--json')).stdout).runs).toHaveLength(2);

    const elsewhere = await cli('rollback', 'shop-staging');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`checkout --detach ${v1}`);

    git(repo, 'checkout', '-q', '--detach', v1);
    const offered = await cli('rollback', 'shop-staging', '--json');
    expect(offered.code, offered.stderr).toBe(4);
    expect(json(offered.stdout)).toMatchObject({
      stack: 'shop-staging',
      state: 'UNCONFIRMED',
      revision: v1,
      promotedFrom: { stack: 'shop-staging', runId: first.id },
      rollbackOf: second.id,
      summary: { change: 1 },
    });
    const handle = openDatabase(db);
    try {
      const entry = new AuditRepo(handle).forRun(json(offered.stdout).id).find((a) => a.action === 'rollback');
      expect(entry?.detail).toMatchObject({ rollbackOf: second.id, revision: v1 });
    } finally {
      handle.close();
    }
  }, 180_000);
});
