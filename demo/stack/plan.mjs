#!/usr/bin/env node
// The demo stack's plan: compare infra.json (the code), state.json (the last apply) and the files under managed/
// (reality). It prints a Terraform-like plan, reports each change with dayops' custom-stack protocol
// (`dayops:change <action> <address>`, `dayops:drift <action> <address>` for changes made outside the tool), and
// saves the plan in $DAYOPS_RUN_DIR so apply.mjs applies exactly what was approved.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { actual, desired, firstDifference, preview, say, sha256, state, TOOL } from './lib.mjs';

const want = desired();
const st = state();
const drift = [];
const changes = [];

for (const r of want) {
  const now = actual(r.path);
  const known = st.resources?.[r.address];
  if (known) await say(`${r.address}: Refreshing state... [id=${r.path}]`);
  if (known && now === null) drift.push({ ...r, action: 'delete', before: '(the file)', after: null });
  else if (known && sha256(now) !== known.sha256)
    drift.push({ ...r, action: 'update', applied: sha256(r.content) === known.sha256 ? r.content : null, after: now });
  if (now === null) changes.push({ ...r, action: 'create', before: null });
  else if (sha256(now) !== sha256(r.content)) changes.push({ ...r, action: 'update', before: now });
}
for (const [address, known] of Object.entries(st.resources ?? {})) {
  if (!want.some((r) => r.address === address)) {
    await say(`${address}: Refreshing state... [id=${known.path}]`);
    changes.push({ address, path: known.path, action: 'delete', before: actual(known.path), content: null });
  }
}

if (drift.length) {
  await say('');
  await say(`Note: Objects have changed outside of ${TOOL}`);
  await say('');
  await say(`${TOOL} detected the following changes made outside of ${TOOL} since the last "apply":`);
  for (const d of drift) {
    await say('');
    if (d.action === 'delete') {
      await say(`  # ${d.address} has been deleted`);
      await say(`  - resource "${d.type}" "${d.name}" { path = ${JSON.stringify(d.path)} }`);
    } else {
      await say(`  # ${d.address} has changed`);
      await say(`  ~ resource "${d.type}" "${d.name}" {`);
      await say(`      ~ content = ${firstDifference(d.applied, d.after)}`);
      await say('    }');
    }
    await say(`dayops:drift ${d.action} ${d.address}`);
  }
}

await say('');
if (changes.length === 0) {
  await say(`No changes. Your infrastructure matches the configuration.`);
} else {
  await say(`${TOOL} will perform the following actions:`);
  for (const c of changes) {
    await say('');
    const [verb, sign] =
      c.action === 'create'
        ? ['be created', '+']
        : c.action === 'update'
          ? ['be updated in-place', '~']
          : ['be destroyed', '-'];
    await say(`  # ${c.address} will ${verb}`);
    await say(`  ${sign} resource "${c.type ?? c.address.split('.')[0]}" "${c.name ?? c.address.split('.')[1]}" {`);
    await say(`      ${sign === '~' ? ' ' : sign} path    = ${JSON.stringify(c.path)}`);
    if (c.action === 'update') await say(`      ~ content = ${firstDifference(c.before, c.content)}`);
    else if (c.action === 'create') await say(`      + content = ${preview(c.content)}`);
    await say('    }');
    await say(`dayops:change ${c.action} ${c.address}`);
  }
  const add = changes.filter((c) => c.action === 'create').length;
  const change = changes.filter((c) => c.action === 'update').length;
  const destroy = changes.filter((c) => c.action === 'delete').length;
  await say('');
  await say(`Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`);
}

if (process.env.DAYOPS_RUN_DIR) {
  const plan = {
    serial: st.serial ?? 0,
    changes: changes.map(({ address, path, action, content }) => ({ address, path, action, content })),
  };
  writeFileSync(join(process.env.DAYOPS_RUN_DIR, 'demo-plan.json'), `${JSON.stringify(plan, null, 2)}\n`, {
    mode: 0o600,
  });
}
