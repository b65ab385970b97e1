/**
 * The real Terraform as the encoder: a stack's secrets reach it as TF_VAR_ variables and it prints them through its
 * own functions (urlencode is Go's QueryEscape, base64encode, jsonencode with Go's HTML-safe escapes) in the planned
 * values, in a local-exec provisioner's output and in its outputs, and one is part of a resource's address. After
 * a plan and an apply driven by the run service, no form of any secret, nor its first 6 characters, is in any
 * table of the database, and the apply's result is whole.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onPath } from '../../src/day1/detect.js';
import { RunService } from '../../src/day1/runs.js';
import { StacksRepo } from '../../src/db/stacks.js';
import { tmpDb, tmpDir } from '../helpers/tmp.js';
import { addForm, databaseText, leaks, type Forms } from './check.js';
import { prng, secret, seedFrom } from './generate.js';

const SEED = seedFrom(11_411);
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
const HAVE_TERRAFORM = onPath('terraform');
if (!HAVE_TERRAFORM && !IN_CI) console.warn('terraform is not on PATH: skipping the real Terraform leak test');

/** Go's url.QueryEscape (Terraform's urlencode). */
const queryEscape = (s: string) =>
  encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** Go's encoding/json string body (Terraform's jsonencode and its JSON output). */
const goJson = (s: string) =>
  JSON.stringify(s)
    .slice(1, -1)
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const MAIN_TF = (n: number) => `
${Array.from({ length: n }, (_, i) => `variable "s${i}" { type = string }`).join('\n')}

locals {
  all = [${Array.from({ length: n }, (_, i) => `var.s${i}`).join(', ')}]
}

resource "terraform_data" "encoded" {
  count = ${n}
  input = {
    raw  = local.all[count.index]
    url  = urlencode(local.all[count.index])
    b64  = base64encode(local.all[count.index])
    json = jsonencode({ password = local.all[count.index] })
  }
  provisioner "local-exec" {
    command = "echo url=${'$'}{urlencode(local.all[count.index])} b64=${'$'}{base64encode(local.all[count.index])}"
  }
}

# A resource whose address holds a secret (a for_each key).
resource "terraform_data" "keyed" {
  for_each = toset([var.s0])
  input    = each.key
}

output "encoded" {
  value = [for s in local.all : { url = urlencode(s), b64 = base64encode(s), json = jsonencode(s) }]
}
`;

describe.skipIf(!HAVE_TERRAFORM && !IN_CI)(`the real Terraform's encodings (seed ${SEED})`, () => {
  beforeAll(() => {
    if (!HAVE_TERRAFORM) throw new Error('terraform is required in CI but is not on PATH');
  });

  it('plan and apply leave no form of any secret in the database', async () => {
    const rand = prng(SEED);
    const secrets = Array.from({ length: 4 }, () => secret(rand));
    const { db, path } = tmpDb();
    const dir = tmpDir('dayops-tf-leak-');
    writeFileSync(join(dir, 'main.tf'), MAIN_TF(secrets.length));
    writeFileSync(
      join(dir, 'dayops.yaml'),
      [
        'apiVersion: dayops/v1',
        'kind: Stack',
        'name: tf-leak',
        'tool: terraform',
        'environment: dev',
        'env: { TF_CLI_CONFIG_FILE: /dev/null, CHECKPOINT_DISABLE: "1" }',
        'secrets:',
        ...secrets.map((_, i) => `  - { name: TF_VAR_s${i}, fromEnv: LEAK_TF_${i} }`),
      ].join('\n') + '\n',
    );
    new StacksRepo(db).upsert({ name: 'tf-leak', dir, tool: 'terraform', environment: 'dev' });
    const env: NodeJS.ProcessEnv = { ...process.env };
    secrets.forEach((s, i) => (env[`LEAK_TF_${i}`] = s));
    const svc = new RunService(db, { dbPath: path, env, handleSignals: false, recover: false, pollMs: 50 });
    try {
      const run = await svc.wait(await svc.start('tf-leak', { autoApprove: true, trigger: 'cli' }));
      expect(run.state, run.error ?? '').toBe('FINISHED');
      // What was applied matches the plan, also where the address holds a secret: each change once, made.
      const applied = svc.detail(run.id)!.apply!.changes;
      expect(applied.map((c) => `${c.address} ${c.status}`).sort()).toEqual(
        [
          ...secrets.map((_, i) => `terraform_data.encoded[${i}] applied`),
          'terraform_data.keyed["[REDACTED]"] applied',
        ].sort(),
      );
    } finally {
      await svc.shutdown();
    }
    const forms: Forms = new Map();
    for (const s of secrets) {
      addForm(forms, s, 'raw', s);
      addForm(forms, s, 'json', JSON.stringify(s).slice(1, -1));
      addForm(forms, s, 'go json', goJson(s));
      addForm(forms, s, 'go json in json', JSON.stringify(goJson(s)).slice(1, -1));
      addForm(forms, s, 'urlencode', queryEscape(s));
      addForm(forms, s, 'base64encode', Buffer.from(s).toString('base64'));
    }
    const text = databaseText(db);
    expect(
      text.flatMap((t) => leaks('the database', t, forms)),
      `seed ${SEED}`,
    ).toEqual([]);
    // Terraform printed them: the provisioner's output and the planned values are there, masked.
    expect(text.join('\n')).toMatch(/url=\[REDACTED\] b64=\[REDACTED\]/);
  });
});
