/**
 * The rollback offer in the Day-1 view (issue 11): on a run whose validation failed, in a git checkout with a
 * successful run before it, `b` proposes a run at that run's commit, which waits for approval; never anything
 * applied by the key. A checkout at another commit is refused with the git command that puts it there.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rollbackOffer } from '../../../src/app/promotion/index.js';
import { RevisionsRepo } from '../../../src/db/revisions.js';
import { RunsRepo } from '../../../src/db/runs.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import type { DB } from '../../../src/db/open.js';
import { day1Fixture, openDay1, until } from './helpers.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t',
};
const footer = (frame: string) => frame.trimEnd().split('\n').at(-1)!.trim();

/** A tracked run that finished at this commit, its validation as validation (migration 008) records it. */
function finished(db: DB, stackId: number, commit: string, validation: 'passed' | 'failed'): number {
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
  new RevisionsRepo(db).set(run.id, { revision: commit, kind: 'git', dirty: false });
  runs.patch(run.id, { validationStatus: validation });
  return run.id;
}

describe('Day-1: b proposes a rollback after a failed validation', () => {
  it('refuses while the checkout is elsewhere, then proposes a run at the previous commit that waits for approval', async () => {
    const fx = day1Fixture([{ name: 'web', scenario: 'create' }]);
    const dir = fx.dirs.web;
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'v1');
    const v1 = git('rev-parse', 'HEAD');
    writeFileSync(join(dir, 'extra.tf'), '# v2\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'v2');
    const v2 = git('rev-parse', 'HEAD');
    const stackId = new StacksRepo(fx.db).get('web')!.id;
    const good = finished(fx.db, stackId, v1, 'passed');
    const bad = finished(fx.db, stackId, v2, 'failed');

    // What `dayops run` and `dayops approve` print after such a run: the command, never a run started.
    expect(rollbackOffer(fx.db, bad)).toBe(
      `validation failed; to roll back to run #${good} (commit ${v1.slice(0, 12)}), put the checkout at that commit (git -C ${dir} checkout --detach ${v1}) and propose it with: dayops rollback web`,
    );
    expect(rollbackOffer(fx.db, good)).toBeUndefined();

    const app = await openDay1(fx, { columns: 160, rows: 30 });
    await app.settle();
    expect(footer(app.frame())).toContain('b rollback');
    await app.press('b');
    // The refusal is one flash line: why, and the git command (cut at the screen's edge).
    const refused = await app.waitFor("web's checkout is at");
    expect(refused).toContain(`not at ${v1.slice(0, 12)}`);

    git('checkout', '-q', '--detach', v1);
    await app.press('b');
    await app.waitFor(`proposed: rollback of web to run #${good}`);
    const runs = new RunsRepo(fx.db);
    await until(
      () => runs.list({ stack: 'web', limit: 1 })[0]?.state === 'UNCONFIRMED',
      'the rollback to wait for approval',
    );
    const rollback = runs.list({ stack: 'web', limit: 1 })[0];
    expect(rollback).toMatchObject({
      kind: 'tracked',
      revision: v1,
      promotedFrom: { stack: 'web', runId: good },
      rollbackOf: bad,
    });
    // Nothing applied: it waits for an approval like any run.
    expect(runs.approvals(rollback.id)).toEqual([]);
  }, 60_000);
});
