/**
 * The revision of a stack folder that is not a git checkout: a content hash of its files, stable while they stay
 * the same, changed by an edit, and blind to what the tool and dayops write there (state, .terraform/, the
 * database and its run folders, a backup repository) and to dayops.yaml, which names the environment.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackRevision } from '../../../src/day1/revision.js';
import { revisionOfStack } from '../../../src/day1/run-revision.js';
import { defaultStackConfig } from '../../../src/config/stack-config.js';
import { tmpDir } from '../../helpers/tmp.js';

function folder(): string {
  const dir = join(tmpDir(), 'stack');
  mkdirSync(join(dir, 'modules', 'app'), { recursive: true });
  writeFileSync(join(dir, 'main.tf'), 'resource "terraform_data" "a" {}\n');
  writeFileSync(join(dir, 'modules', 'app', 'main.tf'), 'output "x" { value = 1 }\n');
  writeFileSync(join(dir, 'dayops.yaml'), 'environment: staging\n');
  return dir;
}

describe('content hash of a folder that is not a git checkout', () => {
  it('is stable, changes with an edit, and ignores state, .terraform/, dayops.yaml and dayops files', async () => {
    const dir = folder();
    const first = await stackRevision(dir);
    expect(first).toMatchObject({ kind: 'content', dirty: false });
    expect(first.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await stackRevision(dir)).revision).toBe(first.revision);

    // What Terraform and dayops write while operating the stack, and the per-environment dayops.yaml.
    mkdirSync(join(dir, '.terraform', 'providers'), { recursive: true });
    writeFileSync(join(dir, '.terraform', 'providers', 'x'), 'bin');
    writeFileSync(join(dir, 'terraform.tfstate'), '{"serial": 1}');
    writeFileSync(join(dir, 'terraform.tfstate.backup'), '{}');
    writeFileSync(join(dir, 'dayops.yaml'), 'environment: prod\n');
    writeFileSync(join(dir, 'dayops.db'), 'sqlite');
    mkdirSync(join(dir, 'dayops.db.runs', '7'), { recursive: true });
    writeFileSync(join(dir, 'dayops.db.runs', '7', 'plan.tfplan'), 'plan');
    mkdirSync(join(dir, 'backups', 'restic'), { recursive: true });
    writeFileSync(join(dir, 'backups', 'restic', 'config'), 'repo');
    const config = { ...defaultStackConfig(), backups: { repository: './backups/restic', paths: [], retention: {} } };
    const now = async () => (await revisionOfStack(dir, config, join(dir, 'dayops.db'))).revision;
    expect(await now()).toBe(first.revision);

    writeFileSync(join(dir, 'modules', 'app', 'main.tf'), 'output "x" { value = 2 }\n');
    expect(await now()).not.toBe(first.revision);
    writeFileSync(join(dir, 'modules', 'app', 'main.tf'), 'output "x" { value = 1 }\n');
    expect(await now()).toBe(first.revision);

    // A new file, a renamed file and an executable bit are changes too.
    writeFileSync(join(dir, 'extra.tf'), '');
    const added = await now();
    expect(added).not.toBe(first.revision);
    chmodSync(join(dir, 'extra.tf'), 0o755);
    expect(await now()).not.toBe(added);
    // The database's files count when dayops is not told they are its own.
    expect((await stackRevision(dir)).revision).not.toBe(await now());
  });

  it('two folders with the same files have the same revision (what a promotion between them compares)', async () => {
    const a = folder();
    const b = folder();
    writeFileSync(join(b, 'dayops.yaml'), 'environment: prod\n');
    expect((await stackRevision(a)).revision).toBe((await stackRevision(b)).revision);
  });
});

describe('git checkout', () => {
  it('is the HEAD commit, dirty only for changes in the stack folder that are not state', async () => {
    const repo = tmpDir();
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
    git('init', '-q');
    mkdirSync(join(repo, 'staging'));
    mkdirSync(join(repo, 'prod'));
    writeFileSync(join(repo, 'staging', 'main.tf'), 'a\n');
    writeFileSync(join(repo, 'prod', 'main.tf'), 'a\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    const head = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'staging', 'terraform.tfstate'), '{}');
    mkdirSync(join(repo, 'staging', '.terraform'));
    writeFileSync(join(repo, 'staging', '.terraform', 'x'), '');
    expect(await stackRevision(join(repo, 'staging'))).toMatchObject({ kind: 'git', revision: head, dirty: false });
    // A change in another stack's folder does not make this one dirty.
    writeFileSync(join(repo, 'prod', 'main.tf'), 'b\n');
    expect(await stackRevision(join(repo, 'staging'))).toMatchObject({ revision: head, dirty: false });
    expect(await stackRevision(join(repo, 'prod'))).toMatchObject({
      revision: head,
      dirty: true,
      changed: ['main.tf'],
    });
    writeFileSync(join(repo, 'staging', 'new.tf'), '');
    expect(await stackRevision(join(repo, 'staging'))).toMatchObject({ dirty: true, changed: ['new.tf'] });
  });
});
