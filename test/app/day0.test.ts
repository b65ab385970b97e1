import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DraftKeeper } from '../../src/app/day0/drafts.js';
import { createDay0, workDir } from '../../src/app/day0/index.js';
import { defaultBlueprint } from '../../src/day0/defaults.js';
import { DraftsRepo } from '../../src/db/drafts.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { UserError } from '../../src/errors.js';
import { ROOT } from '../helpers/cli.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';

describe("Day-0's application layer", () => {
  it('lists the registered stacks that have a design, from the database or their folder', async () => {
    const { db } = tmpDb();
    const day0 = createDay0({ db, user: 'alice' });
    await day0.write(defaultBlueprint('aws', 'designed', 'dev'), join(tmpDir(), 'designed'));
    // Registered with `stack add`: a design only when its folder holds a blueprint.yaml.
    const withFile = tmpDir();
    writeFileSync(join(withFile, 'blueprint.yaml'), 'x');
    new StacksRepo(db).upsert({ name: 'added', dir: withFile, tool: 'terraform', environment: 'dev' });
    new StacksRepo(db).upsert({ name: 'plain', dir: tmpDir(), tool: 'terraform', environment: 'dev' });
    expect((await day0.designs()).map((d) => d.name)).toEqual(['added', 'designed']);
    expect(await day0.newStackName()).toBe('my-stack');
    expect(await day0.registeredAt('designed')).toMatch(/designed$/);
  });

  it("opens a design from its folder's blueprint.yaml, else the database's copy (saying so), else says why not", async () => {
    const { db } = tmpDb();
    const day0 = createDay0({ db, user: 'alice' });
    const dir = join(tmpDir(), 'shop');
    const bp = defaultBlueprint('azure', 'shop', 'prod');
    await day0.write(bp, dir);
    const opened = await day0.openDesign('shop');
    expect(opened).toMatchObject({ blueprint: bp, dir, source: join(dir, 'blueprint.yaml') });
    expect(opened.warning).toBeUndefined();

    rmSync(join(dir, 'blueprint.yaml'));
    const fallback = await day0.openDesign('shop');
    expect(fallback.blueprint).toEqual(bp);
    expect(fallback.warning).toContain('blueprint.yaml is missing: opened the design dayops last wrote');

    new StacksRepo(db).upsert({ name: 'plain', dir: tmpDir(), tool: 'terraform', environment: 'dev' });
    await expect(day0.openDesign('plain')).rejects.toThrow(UserError);
    await expect(day0.openDesign('nope')).rejects.toThrow('no stack named nope is registered');
  });

  it('keeps one draft row per design, however fast the saves come, and completes it', async () => {
    const { db } = tmpDb();
    const day0 = createDay0({ db, user: 'alice' });
    const errors: unknown[] = [];
    const keeper = new DraftKeeper(day0, (e) => errors.push(e));
    const d = (step: string) => ({ blueprint: { step }, step, state: {} });
    // Three changes in one tick (keys in one chunk): the first creates the row, the others update it.
    void keeper.save(d('basics'));
    void keeper.save(d('provider'));
    await keeper.save(d('cluster'));
    const drafts = new DraftsRepo(db).unfinished();
    expect(drafts).toHaveLength(1);
    expect(drafts[0].step).toBe('cluster');
    expect(keeper.current).toBe(drafts[0].id);
    await keeper.complete();
    expect(new DraftsRepo(db).unfinished()).toEqual([]);
    expect(keeper.current).toBeNull();
    // The next change is a new draft.
    await keeper.save(d('basics'));
    expect(new DraftsRepo(db).unfinished()).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe('workDir', () => {
  it("is INIT_CWD when npm started dayops in its own package folder, else the process's folder", () => {
    const user = tmpDir();
    expect(workDir({ INIT_CWD: user }, ROOT)).toBe(user);
    // Inherited from some other npm script: dayops was not started in its package folder.
    const elsewhere = tmpDir();
    expect(workDir({ INIT_CWD: user }, elsewhere)).toBe(elsewhere);
    expect(workDir({}, ROOT)).toBe(ROOT);
    expect(workDir({ INIT_CWD: 'relative/path' }, ROOT)).toBe(ROOT);
    const gone = join(tmpDir(), 'gone');
    mkdirSync(gone);
    rmSync(gone, { recursive: true });
    expect(workDir({ INIT_CWD: gone }, ROOT)).toBe(ROOT);
  });
});
