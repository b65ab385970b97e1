/** `demo-local`: the demo stack that really runs here (node scripts from demo/stack/), deployed and drifted for real. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RunService } from '../day1/runs.js';
import { type DB } from '../db/open.js';
import { StacksRepo } from '../db/stacks.js';
import { errorMessage } from '../errors.js';
import { packageRoot } from '../paths.js';
import { checkDrift } from '../day2/drift.js';
import { runBackup } from '../day2/backups.js';
import { DEMO_LOCAL, type DemoOptions, type DemoResult, type DemoStack } from './workspace.js';

// ---------------------------------------------------------------------------------------------------------------
// demo-local: the stack that really runs

const LOCAL_INFRA = {
  resources: [
    {
      type: 'local_file',
      name: 'motd',
      path: 'managed/motd.txt',
      content:
        'Welcome to the dayops demo.\nThis file is managed by the demo-local stack: edit it, then check for drift (D).\n',
    },
    {
      type: 'local_file',
      name: 'nginx_conf',
      path: 'managed/nginx.conf',
      content: 'server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n',
    },
    {
      type: 'local_file',
      name: 'app_env',
      path: 'managed/app.env',
      content: 'PORT=3000\nLOG_LEVEL=info\nFEATURE_NEW_CHECKOUT=false\n',
    },
    {
      type: 'local_file',
      name: 'cron_backup',
      path: 'managed/backup.cron',
      content: '0 * * * * dayops backup run demo-local\n',
    },
  ],
};

function onPath(cmd: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (existsSync(join(dir, cmd))) return true;
  }
  return false;
}

function localConfig(hasRestic: boolean): string {
  const root = packageRoot();
  const node = JSON.stringify(process.execPath);
  const lines = [
    '# The demo stack that really runs: its "infrastructure" is the files under managed/.',
    '# infra.json is the code, state.json what the last apply made; edit a file under managed/ to make drift.',
    'apiVersion: dayops/v1',
    'kind: Stack',
    `name: ${DEMO_LOCAL}`,
    'environment: dev',
    'tool: custom',
    'autoApply: false',
    'custom:',
    `  plan: [${node}, ${JSON.stringify(join(root, 'demo', 'stack', 'plan.mjs'))}]`,
    `  apply: [${node}, ${JSON.stringify(join(root, 'demo', 'stack', 'apply.mjs'))}]`,
    'drift:',
    '  autoRemediate: false',
  ];
  if (hasRestic) {
    lines.push(
      'backups:',
      '  repository: ./backups/restic',
      '  passwordFile: ./.restic-password   # made by dayops demo; never commit a real one',
      '  paths: [infra.json, state.json, managed]',
      '  retention: { last: 10 }',
      'rpoMinutes: 1440',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function makeLocal(db: DB, workspace: string, opts: DemoOptions, result: DemoResult): Promise<DemoStack> {
  const dir = join(workspace, 'stacks', DEMO_LOCAL);
  mkdirSync(dir, { recursive: true });
  const env = opts.env ?? process.env;
  const hasRestic = onPath('restic', env);
  writeFileSync(join(dir, 'infra.json'), `${JSON.stringify(LOCAL_INFRA, null, 2)}\n`);
  if (hasRestic) writeFileSync(join(dir, '.restic-password'), `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'dayops.yaml'), localConfig(hasRestic));
  writeFileSync(
    join(dir, 'README.md'),
    [
      '# demo-local',
      '',
      'A stack that really runs on this machine: `plan.mjs` and `apply.mjs` (shipped with dayops) manage the files',
      "listed in `infra.json` under `managed/`, report each change with dayops' custom-stack protocol",
      '(`dayops:change <action> <address>`), and keep what they applied in `state.json`.',
      '',
      '- Change `infra.json` and deploy (Day-1: `t`), or `dayops run demo-local`.',
      '- Edit a file under `managed/` by hand, then check for drift (Day-2: `D`) and remediate it (`r`).',
      '',
    ].join('\n'),
  );
  const stack = new StacksRepo(db).upsert({ name: DEMO_LOCAL, dir, tool: 'custom', environment: 'dev' });
  const shows: string[] = [];
  if (opts.runLocal !== false) {
    const runs = new RunService(db, {
      dbPath: opts.dbPath,
      user: opts.user,
      env: { ...env, DAYOPS_DEMO_DELAY_MS: '0' },
      handleSignals: false,
      recover: false,
    });
    try {
      opts.onProgress?.(
        `deploying ${DEMO_LOCAL} for real (node demo/stack/plan.mjs and apply.mjs), then checking it for drift`,
      );
      const deployId = await runs.start(DEMO_LOCAL, { autoApprove: true, trigger: 'cli', user: opts.user });
      const deployed = await runs.wait(deployId, 'terminal');
      result.local.deployRunId = deployId;
      if (deployed.state !== 'FINISHED')
        throw new Error(`its deploy (run ${deployId}) ended ${deployed.state}: ${deployed.error ?? ''}`);
      // Someone "fixes" the box by hand: reality drifts from the code.
      writeFileSync(join(dir, 'managed', 'app.env'), 'PORT=3000\nLOG_LEVEL=debug\nFEATURE_NEW_CHECKOUT=true\n');
      const check = await checkDrift(runs, db, DEMO_LOCAL, { trigger: 'cli', user: opts.user });
      result.local.driftRunId = check.runId;
      shows.push(
        check.status === 'drifted'
          ? `deployed here, then ${check.drifted} file edited by hand: drifted, ready to remediate (r)`
          : `deployed here (drift check: ${check.status})`,
      );
    } catch (err) {
      result.local.notes.push(`demo-local could not run here: ${errorMessage(err)}`);
      shows.push('could not run here (see the notes)');
    } finally {
      await runs.shutdown('demo made');
    }
  } else shows.push('never run yet: deploy it (Day-1 t, or dayops run demo-local)');
  if (hasRestic) {
    try {
      opts.onProgress?.(`backing up ${DEMO_LOCAL} with restic (a real repository in its folder)`);
      const b = await runBackup(db, stack, { user: opts.user, trigger: 'cli', env });
      result.local.snapshot = b.shortId;
      shows.push(`real restic snapshot ${b.shortId}`);
    } catch (err) {
      result.local.notes.push(`restic backup of demo-local failed: ${errorMessage(err).split('\n')[0]}`);
    }
  } else {
    result.local.notes.push(
      'restic is not installed: demo-local has no backups (install restic and run dayops demo again)',
    );
  }
  return { name: DEMO_LOCAL, environment: 'dev', tool: 'custom', dir, shows: shows.join('; ') };
}
