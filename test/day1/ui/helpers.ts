/**
 * The Day-1 screens on a temporary database: stacks whose tofu is the fake replaying recorded Terraform
 * outputs (each stack picks its own scenario, delay or hang through `env:` in its dayops.yaml), the whole app
 * driven by keys, and a second RunService on the same file acting as another dayops process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type DB } from '../../../src/db/open.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { RunService } from '../../../src/day1/runs.js';
import type { Environment } from '../../../src/domain/stack.js';
import { runService } from '../../../components/day1/runtime.js';
import { fakeTfStack, type FakeTfOptions, type FakeTfStack, type TfScenario } from '../../helpers/fake-tf.js';
import { driveApp, type DrivenApp } from '../../helpers/ink.js';
import { tmpDb } from '../../helpers/tmp.js';

const apps: DrivenApp[] = [];
const services: RunService[] = [];
const dbs: DB[] = [];
afterEach(async () => {
  while (apps.length) {
    const app = apps.pop()!;
    // Unmounting starts the services' shutdown; wait for the run service to have stopped its tools.
    let runs: RunService | undefined;
    try {
      runs = runService(app.services);
    } catch {
      /* the test shut the services down itself */
    }
    app.unmount();
    await runs?.shutdown();
  }
  while (services.length) await services.pop()!.shutdown();
  while (dbs.length) dbs.pop()!.close();
});

export interface TfStackSpec {
  name: string;
  scenario?: TfScenario;
  environment?: Environment;
  /** FAKE_TF_DELAY_MS, FAKE_TF_HANG, ... */
  fake?: Omit<FakeTfOptions, 'tool' | 'binary' | 'dir'>;
  /** More dayops.yaml lines (policies). */
  yaml?: string;
}

export interface Day1Fixture {
  db: DB;
  path: string;
  /** PATH with the fake tofu first, for the app's environment. */
  env: NodeJS.ProcessEnv;
  dirs: Record<string, string>;
  tf: Record<string, FakeTfStack>;
}

/** A temporary database with these stacks registered. */
export function day1Fixture(specs: TfStackSpec[]): Day1Fixture {
  const { db, path } = tmpDb();
  let pathVar = process.env.PATH ?? '';
  const dirs: Record<string, string> = {};
  const fakes: Record<string, FakeTfStack> = {};
  for (const s of specs) {
    const tf = fakeTfStack(s.scenario ?? 'create', s.fake ?? {});
    pathVar = tf.env.PATH;
    const env = Object.entries(tf.env)
      .filter(([k]) => k !== 'PATH')
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
    writeFileSync(
      join(tf.dir, 'dayops.yaml'),
      [
        'apiVersion: dayops/v1',
        'kind: Stack',
        `name: ${s.name}`,
        'tool: opentofu',
        `environment: ${s.environment ?? 'dev'}`,
        'env:',
        ...env,
        s.yaml ?? '',
      ].join('\n') + '\n',
    );
    new StacksRepo(db).upsert({ name: s.name, dir: tf.dir, tool: 'opentofu', environment: s.environment ?? 'dev' });
    dirs[s.name] = tf.dir;
    fakes[s.name] = tf;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathVar, NO_COLOR: '1', DAYOPS_CANCEL_GRACE_MS: '2000' };
  return { db, path, env, dirs, tf: fakes };
}

/** The app on the fixture's database, on the Day-1 view. */
export async function openDay1(
  fx: Day1Fixture,
  opts: { columns?: number; rows?: number; readonly?: boolean } = {},
): Promise<DrivenApp> {
  const app = await driveApp(fx.db, {
    dbPath: fx.path,
    env: fx.env,
    columns: opts.columns ?? 100,
    rows: opts.rows ?? 30,
    readonly: opts.readonly,
  });
  apps.push(app);
  await app.press('2');
  return app;
}

/** Another dayops process on the same database file: its own connection and run service. */
export function otherProcess(fx: Day1Fixture, user = 'bob'): RunService {
  const db = openDatabase(fx.path);
  dbs.push(db);
  const svc = new RunService(db, {
    dbPath: fx.path,
    user,
    handleSignals: false,
    recover: false,
    pollMs: 50,
    env: fx.env,
  });
  services.push(svc);
  return svc;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
