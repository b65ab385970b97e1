/**
 * Stack dependencies with the REAL terraform (1.11.4, `terraform_data` only: nothing is downloaded) and the built
 * `dayops`: three stacks wired by dependsOn and inputs (network -> cluster -> apps), a cascade that succeeds (the
 * downstream stack gets the value: read back from its own outputs), one that fails midway (the rest skipped, with
 * why), `--no-cascade` left to the app's pickup, a sensitive output that never reaches the database (every
 * table, logs decompressed) or the output, the cycle error and `dayops graph --json`.
 * In CI a missing terraform fails these tests; elsewhere they are skipped with a message.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { onPath } from '../../../src/day1/detect.js';
import { CascadePickup } from '../../../src/day1/dependencies/pickup.js';
import { RunService } from '../../../src/day1/runs.js';
import { openDatabase } from '../../../src/db/open.js';
import { runCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

const HAVE = onPath('terraform');
const CI = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!HAVE && !CI) console.warn('skipping the real Terraform dependency tests: terraform is not on PATH');

describe.runIf(!HAVE && CI)('terraform in CI', () => {
  it('is installed (these tests need the real terraform 1.11)', () => {
    expect.fail('terraform is not on PATH: these tests need the real Terraform (1.11.4 on the build machines)');
  });
});

const TF_ENV = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', DAYOPS_CANCEL_GRACE_MS: '2000' };
/** The sensitive output's value: never in the database, the output or the logs. */
const SECRET_MARK = 'Zq9xKw7Lm';

const NETWORK = (cidr: string) => `
variable "cidr" {
  type    = string
  default = "${cidr}"
}
resource "terraform_data" "vpc" {
  input = var.cidr
}
output "vpc_id" {
  value = "vpc-\${terraform_data.vpc.output}"
}
output "db_password" {
  value     = "pw-\${terraform_data.vpc.output}-${SECRET_MARK}"
  sensitive = true
}
`;

const CLUSTER = (fail: boolean) => `
variable "vpc_id" {
  type = string
}
variable "db_password" {
  type      = string
  sensitive = true
}
resource "terraform_data" "cluster" {
  input = "\${var.vpc_id}/\${var.db_password}"
}
output "endpoint" {
  value = "https://\${var.vpc_id}.example"
}
output "vpc_seen" {
  value = var.vpc_id
}
${
  fail
    ? `resource "terraform_data" "boom" {
  triggers_replace = var.vpc_id
  provisioner "local-exec" {
    command = "exit 3"
  }
}`
    : ''
}`;

const APPS = `
variable "endpoint" {
  type = string
}
resource "terraform_data" "app" {
  input = var.endpoint
}
`;

function writeStack(root: string, name: string, main: string, yaml: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.tf'), main);
  writeFileSync(join(dir, 'dayops.yaml'), `name: ${name}\ntool: terraform\n${yaml}`);
  return dir;
}

/** network (autoApply) -> cluster (autoApply, takes vpc_id and the sensitive db_password) -> apps (proposed). */
async function estate(opts: { clusterFails?: boolean } = {}) {
  const root = tmpDir('dayops-deps-');
  const db = join(root, 'dayops.db');
  const network = writeStack(root, 'network', NETWORK('10.0.0.0/16'), 'autoApply: true\n');
  const cluster = writeStack(
    root,
    'cluster',
    CLUSTER(Boolean(opts.clusterFails)),
    'autoApply: true\ndependsOn: [network]\ninputs:\n  vpc_id: network.outputs.vpc_id\n  db_password: network.outputs.db_password\n',
  );
  const apps = writeStack(
    root,
    'apps',
    APPS,
    'dependsOn: [network, cluster]\ninputs:\n  endpoint: cluster.outputs.endpoint\n',
  );
  const cli = (...args: string[]) => runCli(['--db', db, ...args], { env: TF_ENV });
  for (const dir of [network, cluster, apps]) expect((await cli('stack', 'add', dir)).code).toBe(0);
  return { root, db, network, cluster, apps, cli };
}

function tfOutputs(dir: string): Record<string, { value: unknown }> {
  return JSON.parse(
    execFileSync('terraform', ['output', '-json'], { cwd: dir, env: { ...process.env, ...TF_ENV }, encoding: 'utf8' }),
  ) as Record<string, { value: unknown }>;
}

/** Every cell of every table of the database, the Brotli-compressed log chunks decompressed. */
function databaseText(path: string): string {
  const db = openDatabase(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    let all = '';
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const v of Object.values(row)) {
          if (Buffer.isBuffer(v)) {
            try {
              all += brotliDecompressSync(v).toString('utf8');
            } catch {
              all += v.toString('latin1');
            }
          } else all += String(v);
          all += '\n';
        }
      }
    }
    return all;
  } finally {
    db.close();
  }
}

describe.runIf(HAVE)('stack dependencies with real terraform', () => {
  it('dayops graph --json: the stacks, what each depends on and takes, in levels', async () => {
    const { cli } = await estate();
    const r = await cli('graph', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      stacks: [
        { name: 'network', dependsOn: [], inputs: {} },
        {
          name: 'cluster',
          dependsOn: ['network'],
          inputs: { vpc_id: 'network.outputs.vpc_id', db_password: 'network.outputs.db_password' },
        },
        { name: 'apps', dependsOn: ['cluster', 'network'], inputs: { endpoint: 'cluster.outputs.endpoint' } },
      ],
      order: [['network'], ['cluster'], ['apps']],
    });
    const plain = await cli('graph');
    expect(plain.stdout).toMatch(/2\s+cluster\s+network\s+vpc_id = network\.outputs\.vpc_id/);
  }, 120_000);

  it('a change of outputs cascades: cluster applies with the new values, apps plans; the secret is never kept or shown', async () => {
    const { db, network, cluster, cli } = await estate();
    const r = await cli('run', 'network', '--json');
    expect(r.stderr).toContain('dayops: cascade: run 2 of cluster (tracked)');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.state).toBe('FINISHED');
    expect(doc.cascade).toEqual([
      { stack: 'cluster', id: 2, kind: 'tracked', state: 'FINISHED' },
      { stack: 'apps', id: 3, kind: 'proposed', state: 'FINISHED' },
    ]);
    // cluster got network's output: its own outputs say so.
    expect(tfOutputs(cluster).vpc_seen.value).toBe('vpc-10.0.0.0/16');
    expect(tfOutputs(cluster).endpoint.value).toBe('https://vpc-10.0.0.0/16.example');
    // apps planned with cluster's new output.
    const look = openDatabase(db, { readonly: true });
    try {
      const plan = JSON.parse(
        (look.prepare('SELECT plan_json FROM runs WHERE id = 3').get() as { plan_json: string }).plan_json,
      );
      expect(plan.changes[0].after.input).toBe('https://vpc-10.0.0.0/16.example');
    } finally {
      look.close();
    }

    // A second change: cluster's state holds the first password, the new one comes in; neither is ever shown.
    writeFileSync(join(network, 'main.tf'), NETWORK('10.9.0.0/16'));
    const again = await cli('run', 'network');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('dayops: cascade: run 5 of cluster (tracked)');
    expect(again.stdout).toContain('input db_password = network.outputs.db_password: (sensitive: passed, never shown)');
    expect(tfOutputs(cluster).vpc_seen.value).toBe('vpc-10.9.0.0/16');
    // Unchanged outputs queue nothing.
    const third = await cli('run', 'network', '--json');
    expect(JSON.parse(third.stdout).cascade).toEqual([]);

    for (const text of [r.stdout, r.stderr, again.stdout, again.stderr, third.stdout, third.stderr])
      expect(text).not.toContain(SECRET_MARK);
    const stored = databaseText(db);
    expect(stored).toContain('vpc-10.9.0.0/16'); // the scan does read the logs and plans
    expect(stored).not.toContain(SECRET_MARK);
    const runs = JSON.parse((await cli('runs', '--json')).stdout).runs;
    expect(runs.map((x: { stack: string; state: string }) => `${x.stack} ${x.state}`)).toEqual([
      'network FINISHED',
      'apps FINISHED',
      'cluster FINISHED',
      'network FINISHED',
      'apps FINISHED',
      'cluster FINISHED',
      'network FINISHED',
    ]);
  }, 120_000);

  it('a cascade run that fails stops the cascade: the rest is skipped, with why, and dayops run exits 1', async () => {
    const { cli } = await estate({ clusterFails: true });
    const r = await cli('run', 'network', '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dayops: cascade stopped: run 2 of cluster ended FAILED; skipped: apps (run 3)');
    const doc = JSON.parse(r.stdout);
    expect(doc.state).toBe('FINISHED');
    expect(doc.cascade).toEqual([
      { stack: 'cluster', id: 2, kind: 'tracked', state: 'FAILED' },
      { stack: 'apps', id: 3, kind: 'proposed', state: 'CANCELED' },
    ]);
    const runs = JSON.parse((await cli('runs', 'apps', '--json')).stdout).runs;
    expect(runs[0]).toMatchObject({
      id: 3,
      state: 'CANCELED',
      trigger: 'cascade',
      error: 'skipped: the cascade from run 1 stopped at run 2 of cluster (FAILED)',
    });
    const plain = await cli('runs');
    expect(plain.stdout).toMatch(/3\s+apps\s+⊘ CANCELED.*skipped: the cascade from run 1 stopped at run 2 of cluster/);
  }, 120_000);

  it('--no-cascade leaves the cascade queued; the app picks it up and runs it in order', async () => {
    const { db, cluster, cli } = await estate();
    const r = await cli('run', 'network', '--no-cascade', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).cascade).toEqual([
      { stack: 'cluster', id: 2, kind: 'tracked', state: 'QUEUED' },
      { stack: 'apps', id: 3, kind: 'proposed', state: 'QUEUED' },
    ]);
    expect(r.stderr).toContain('cascade left queued (--no-cascade)');
    // Another dayops starting (its recovery) leaves runs nobody drove yet alone.
    const listed = JSON.parse((await cli('runs', '--json')).stdout).runs;
    expect(listed.slice(0, 2).map((x: { state: string }) => x.state)).toEqual(['QUEUED', 'QUEUED']);

    const handle = openDatabase(db);
    const svc = new RunService(handle, {
      dbPath: db,
      user: 'tester',
      env: { ...process.env, ...TF_ENV },
      handleSignals: false,
      pollMs: 50,
    });
    try {
      const pickup = new CascadePickup(svc);
      expect(await pickup.tick()).toEqual([2]);
      expect(await pickup.tick()).toEqual([]); // apps waits for cluster
      expect((await svc.wait(2)).state).toBe('FINISHED');
      expect(await pickup.tick()).toEqual([3]);
      expect((await svc.wait(3)).state).toBe('FINISHED');
      expect(tfOutputs(cluster).vpc_seen.value).toBe('vpc-10.0.0.0/16');
    } finally {
      await svc.shutdown();
      handle.close();
    }
  }, 120_000);

  it('dayops approve applies the waiting upstream run, then runs its cascade before it exits', async () => {
    const { network, cluster, cli } = await estate();
    writeFileSync(join(network, 'dayops.yaml'), 'name: network\ntool: terraform\n');
    const r = await cli('run', 'network', '--json');
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).cascade).toEqual([]);
    const a = await cli('approve', '1', '--json');
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).cascade).toEqual([
      { stack: 'cluster', id: 2, kind: 'tracked', state: 'FINISHED' },
      { stack: 'apps', id: 3, kind: 'proposed', state: 'FINISHED' },
    ]);
    expect(tfOutputs(cluster).vpc_seen.value).toBe('vpc-10.0.0.0/16');
  }, 120_000);

  it('a sensitive output may only feed a variable declared sensitive', async () => {
    const { cluster, cli } = await estate();
    writeFileSync(join(cluster, 'main.tf'), CLUSTER(false).replace('  sensitive = true\n', ''));
    const r = await cli('run', 'network');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'inputs.db_password: network.outputs.db_password is sensitive: declare variable "db_password" with sensitive = true',
    );
    expect(r.stdout + r.stderr).not.toContain(SECRET_MARK);
  }, 120_000);
});

const HAVE_ANSIBLE = onPath('ansible-playbook');
if (!HAVE_ANSIBLE && !CI) console.warn('skipping the Ansible dependency test: ansible-playbook is not on PATH');

describe.runIf(HAVE && (HAVE_ANSIBLE || CI))('inputs for Ansible and custom stacks', () => {
  it('Ansible gets them as extra vars, a custom tool as TF_VAR_ environment variables; the secret stays masked', async () => {
    const root = tmpDir('dayops-deps-tools-');
    const db = join(root, 'dayops.db');
    const cli = (...args: string[]) => runCli(['--db', db, ...args], { env: TF_ENV });
    const network = writeStack(root, 'network', NETWORK('10.0.0.0/16'), 'autoApply: true\n');
    const ans = join(root, 'ans');
    mkdirSync(ans);
    writeFileSync(
      join(ans, 'site.yml'),
      `- hosts: all
  gather_facts: false
  tasks:
    - name: Write what came in
      ansible.builtin.copy:
        dest: "{{ playbook_dir }}/seen.txt"
        content: "{{ vpc_id }} {{ db_password }}\\n"
        mode: "0600"
`,
    );
    writeFileSync(
      join(ans, 'dayops.yaml'),
      `name: ans
tool: ansible
autoApply: true
dependsOn: [network]
inputs: { vpc_id: network.outputs.vpc_id, db_password: network.outputs.db_password }
ansible:
  inventory: "localhost,"
  extraArgs: ["-e", "ansible_connection=local ansible_python_interpreter=auto_silent"]
`,
    );
    const cus = join(root, 'cus');
    mkdirSync(cus);
    writeFileSync(
      join(cus, 'dayops.yaml'),
      `name: cus
tool: custom
autoApply: true
dependsOn: [network]
inputs: { vpc_id: network.outputs.vpc_id }
custom:
  plan: [sh, -c, 'echo "dayops:change create seen.txt"']
  apply: [sh, -c, 'printf %s "$TF_VAR_vpc_id" > seen.txt']
`,
    );
    for (const dir of [network, ans, cus]) expect((await cli('stack', 'add', dir)).code).toBe(0);
    const r = await cli('run', 'network', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cascade).toEqual([
      { stack: 'ans', id: 2, kind: 'tracked', state: 'FINISHED' },
      { stack: 'cus', id: 3, kind: 'tracked', state: 'FINISHED' },
    ]);
    expect(readFileSync(join(ans, 'seen.txt'), 'utf8')).toBe(`vpc-10.0.0.0/16 pw-10.0.0.0/16-${SECRET_MARK}\n`);
    expect(readFileSync(join(cus, 'seen.txt'), 'utf8')).toBe('vpc-10.0.0.0/16');
    expect(r.stdout + r.stderr).not.toContain(SECRET_MARK);
    // Ansible's --diff printed the file's new content (kept in the log's raw JSON lines): masked.
    const stored = databaseText(db);
    expect(stored).toContain('vpc-10.0.0.0/16 [REDACTED]');
    expect(stored).not.toContain(SECRET_MARK);
  }, 120_000);
});

describe('dependency errors', () => {
  it('a cycle is one line naming it, for dayops graph and for a run', async () => {
    const root = tmpDir('dayops-cycle-');
    const db = join(root, 'dayops.db');
    const cli = (...args: string[]) => runCli(['--db', db, ...args]);
    for (const [name, dep] of [
      ['network', 'cluster'],
      ['cluster', 'network'],
    ]) {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'main.tf'), '');
      writeFileSync(join(dir, 'dayops.yaml'), `name: ${name}\ntool: terraform\ndependsOn: [${dep}]\n`);
      expect((await cli('stack', 'add', dir)).code).toBe(0);
    }
    const g = await cli('graph', '--json');
    expect(g.code).toBe(1);
    expect(g.stdout).toBe('');
    expect(g.stderr).toBe('dependency cycle: cluster -> network -> cluster\n');
    const r = await cli('run', 'network', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toBe('dependency cycle: network -> cluster -> network');
  }, 120_000);

  it('an input from a stack not in dependsOn, or a missing stack, is one line', async () => {
    const root = tmpDir('dayops-deps-bad-');
    const db = join(root, 'dayops.db');
    const dir = join(root, 'apps');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.tf'), '');
    writeFileSync(
      join(dir, 'dayops.yaml'),
      'name: apps\ntool: terraform\ninputs:\n  endpoint: cluster.outputs.endpoint\n',
    );
    const bad = await runCli(['--db', db, 'stack', 'add', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('inputs.endpoint: stack cluster is not in dependsOn (add it: dependsOn: [cluster])');
    writeFileSync(join(dir, 'dayops.yaml'), 'name: apps\ntool: terraform\ndependsOn: [cluster]\n');
    expect((await runCli(['--db', db, 'stack', 'add', dir])).code).toBe(0);
    const g = await runCli(['--db', db, 'graph']);
    expect(g.code).toBe(1);
    expect(g.stderr).toBe('stack apps: dependsOn names cluster, which is not a registered stack (dayops stack list)\n');
  }, 120_000);
});
