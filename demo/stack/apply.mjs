#!/usr/bin/env node
// The demo stack's apply: apply exactly the plan saved by plan.mjs in $DAYOPS_RUN_DIR (refusing when the state
// moved since), write or remove the files under managed/, record them in state.json, and report each change made
// with `dayops:change <action> <address>`.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fail, readJson, say, sha256, state, STATE } from './lib.mjs';

const dir = process.env.DAYOPS_RUN_DIR;
if (!dir || !existsSync(join(dir, 'demo-plan.json')))
  fail('no saved plan: apply runs after plan, in the same dayops run');
const plan = readJson(join(dir, 'demo-plan.json'), 'the saved plan');
const st = state();
if ((st.serial ?? 0) !== plan.serial)
  fail(`the state changed since this plan was made (serial ${st.serial} vs ${plan.serial}); plan again`);

const resources = { ...(st.resources ?? {}) };
const save = () => {
  const tmp = `${STATE}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ serial: (st.serial ?? 0) + 1, resources }, null, 2)}\n`);
  renameSync(tmp, STATE);
};
let add = 0;
let change = 0;
let destroy = 0;
for (const c of plan.changes) {
  const started = Date.now();
  const took = () => `${Math.round((Date.now() - started) / 1000)}s`;
  if (c.action === 'delete') {
    await say(`${c.address}: Destroying... [id=${c.path}]`);
    rmSync(c.path, { force: true });
    delete resources[c.address];
    save();
    await say(`${c.address}: Destruction complete after ${took()}`);
    destroy++;
  } else {
    await say(`${c.address}: ${c.action === 'create' ? 'Creating...' : `Modifying... [id=${c.path}]`}`);
    mkdirSync(dirname(c.path), { recursive: true });
    writeFileSync(c.path, c.content);
    resources[c.address] = { path: c.path, sha256: sha256(c.content) };
    save();
    await say(
      `${c.address}: ${c.action === 'create' ? 'Creation' : 'Modifications'} complete after ${took()} [id=${c.path}]`,
    );
    if (c.action === 'create') add++;
    else change++;
  }
  await say(`dayops:change ${c.action} ${c.address}`);
}
if (plan.changes.length === 0) save();
await say('');
await say(`Apply complete! Resources: ${add} added, ${change} changed, ${destroy} destroyed.`);
