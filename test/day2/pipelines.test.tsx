/**
 * The dashboard's promotion pipelines: which revision each environment runs (its last successful run) and how far
 * each is behind the one it is promoted from, counted by git in a real repository, or "differs" for content hashes;
 * and the dashboard draws them under the table.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Dashboard } from '../../components/day2/Dashboard.js';
import { pipelineLine, readPipelines } from '../../src/app/day2/pipelines.js';
import { RevisionsRepo } from '../../src/db/revisions.js';
import { RunsRepo } from '../../src/db/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import type { DB } from '../../src/db/open.js';
import type { Environment } from '../../src/domain/stack.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { parseBlueprint } from '../../src/day0/blueprint.js';
import { blueprintYaml } from '../../src/day0/generate/blueprint-yaml.js';
import { richDesign } from '../day0/designs.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t',
};

/** A stack folder with its dayops.yaml; registered. */
function stack(db: DB, dir: string, name: string, env: Environment, extra = ''): number {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dayops.yaml'), `name: ${name}\nenvironment: ${env}\ntool: terraform\n${extra}`);
  writeFileSync(join(dir, 'main.tf'), '');
  return new StacksRepo(db).upsert({ name, dir, tool: 'terraform', environment: env }).id;
}

/** A tracked run that finished at this revision. */
function succeeded(db: DB, stackId: number, revision: string, kind: 'git' | 'content' = 'git'): number {
  const runs = new RunsRepo(db);
  const owner = { host: 'h', pid: 1, start: null };
  const run = runs.create({
    stackId,
    kind: 'tracked',
    purpose: 'deploy',
    triggeredBy: 't',
    trigger: 'cli',
    autoApply: false,
    owner,
  });
  runs.move(run.id, 'start');
  runs.move(run.id, 'plan');
  runs.move(run.id, 'finish');
  new RevisionsRepo(db).set(run.id, { revision, kind, dirty: false });
  return run.id;
}

describe('promotion pipelines on the dashboard', () => {
  it('dev, staging and prod from the blueprint and promotesFrom, prod two commits behind staging', async () => {
    const { db } = tmpDb();
    const repo = tmpDir();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8' }).trim();
    git('init', '-q');
    // dev and staging are one design by name (shop-dev, shop-staging) with promotion in its blueprint.
    const dev = stack(db, join(repo, 'dev'), 'shop-dev', 'dev');
    const staging = stack(db, join(repo, 'staging'), 'shop-staging', 'staging');
    for (const env of ['dev', 'staging'])
      writeFileSync(join(repo, env, 'blueprint.yaml'), 'metadata: { name: shop }\npromotion: [dev, staging, prod]\n');
    const prod = stack(db, join(repo, 'prod'), 'shop-prod', 'prod', 'promotesFrom: shop-staging\n');
    stack(db, join(repo, 'other'), 'lonely', 'prod');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    const one = git('rev-parse', 'HEAD');
    git('commit', '-q', '--allow-empty', '-m', 'two');
    git('commit', '-q', '--allow-empty', '-m', 'three');
    const three = git('rev-parse', 'HEAD');
    succeeded(db, dev, three);
    succeeded(db, staging, three);
    succeeded(db, prod, one);

    const views = await readPipelines(db);
    expect(views.map((v) => v.name)).toEqual(['shop']);
    expect(views[0].stages).toMatchObject([
      { stack: 'shop-dev', revision: three, behind: null },
      { stack: 'shop-staging', revision: three, behind: 0 },
      { stack: 'shop-prod', revision: one, behind: 2 },
    ]);
    expect(pipelineLine(views[0])).toBe(
      `shop  dev ${three.slice(0, 12)} · staging ${three.slice(0, 12)} · prod ${one.slice(0, 12)} (2 commits behind staging)`,
    );

    const frame = render(
      <Dashboard
        rows={[]}
        total={0}
        width={120}
        height={20}
        selected={null}
        now={Date.now()}
        sort="name"
        reverse={false}
        filter=""
        pipelines={views}
      />,
    );
    expect(frame.lastFrame()).toContain('Promotion: the revision each environment runs');
    expect(frame.lastFrame()).toContain(`prod ${one.slice(0, 12)} (2 commits behind staging)`);
    frame.unmount();
  });

  it('content hashes: an environment that runs other content "differs"; one with no success says so', async () => {
    const { db } = tmpDb();
    const root = tmpDir();
    const a = stack(db, join(root, 'a'), 'web-staging', 'staging');
    const b = stack(db, join(root, 'b'), 'web-prod', 'prod', 'promotesFrom: web-staging\n');
    stack(db, join(root, 'c'), 'web-dev', 'dev');
    writeFileSync(join(root, 'a', 'dayops.yaml'), 'name: web-staging\nenvironment: staging\npromotesFrom: web-dev\n');
    succeeded(db, a, 'sha256:aaaa', 'content');
    succeeded(db, b, 'sha256:bbbb', 'content');
    const [view] = await readPipelines(db);
    expect(pipelineLine(view)).toBe(
      'web  dev no successful run · staging sha256:aaaa · prod sha256:bbbb (differs from staging)',
    );
  });
});

describe('promotion in the blueprint', () => {
  it('is kept through blueprint.yaml, and a list that names an environment twice is refused with its path', () => {
    const bp = { ...richDesign('aws', 'staging'), promotion: ['dev', 'staging', 'prod'] as Environment[] };
    const text = blueprintYaml(bp, '# test');
    expect(parseBlueprint(text, 'blueprint.yaml').promotion).toEqual(['dev', 'staging', 'prod']);
    expect(() =>
      parseBlueprint(`${text.replace(/promotion:[\s\S]*$/, '')}promotion: [dev, dev]\n`, 'blueprint.yaml'),
    ).toThrow(/promotion.*names an environment twice/);
  });
});
