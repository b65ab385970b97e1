/**
 * Drift of an Ansible stack with the REAL ansible-playbook in check mode against localhost (connection local):
 * a playbook managing a file in a temporary folder is in sync after it was applied, and drifted (with the diff)
 * after a hand edit. In CI a missing ansible-playbook fails; elsewhere these tests are skipped with a message.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onPath } from '../../../src/day1/detect.js';
import { StacksRepo } from '../../../src/db/stacks.js';
import { acceptDrift, checkDrift, driftSummaries } from '../../../src/day2/drift.js';
import { tmpDb, tmpDir } from '../../helpers/tmp.js';
import { runService } from './helpers.js';

const HAVE = onPath('ansible-playbook');
const CI = Boolean(process.env.CI);
if (!HAVE && !CI) console.warn('skipping the real Ansible drift tests: ansible-playbook is not on PATH');

describe.runIf(!HAVE && CI)('ansible-playbook in CI', () => {
  it('is installed (the Ansible drift tests need the real ansible-playbook)', () => {
    expect.fail(
      'ansible-playbook is not on PATH: install ansible-core and the ansible collections (apt-get install ansible-core ansible)',
    );
  });
});

const SITE = `- name: Manage a file
  hosts: all
  gather_facts: false
  tasks:
    - name: Ensure config file
      ansible.builtin.copy:
        dest: "{{ playbook_dir }}/managed.txt"
        content: "managed by dayops\\nversion=1\\n"
        mode: "0644"
`;

describe.skipIf(!HAVE)('drift of an Ansible stack (real ansible-playbook, check mode)', () => {
  it('in sync after apply; a hand edit is drift with its diff; the same edit keeps its fingerprint', async () => {
    const { db, path } = tmpDb();
    const dir = tmpDir('dayops-ansible-drift-');
    writeFileSync(join(dir, 'site.yml'), SITE);
    writeFileSync(
      join(dir, 'dayops.yaml'),
      [
        'apiVersion: dayops/v1',
        'kind: Stack',
        'name: files',
        'tool: ansible',
        'environment: dev',
        'ansible:',
        '  inventory: "localhost,"',
        '  extraArgs: ["-e", "ansible_connection=local ansible_python_interpreter=auto_silent"]',
      ].join('\n') + '\n',
    );
    const stack = new StacksRepo(db).upsert({ name: 'files', dir, tool: 'ansible', environment: 'dev' });
    const runs = runService(db, path);

    // before the first apply the file is missing: that is a difference too
    const before = await checkDrift(runs, db, stack);
    expect(before.status).toBe('drifted');
    expect(before.resources.map((r) => r.address)).toEqual(['localhost: Ensure config file']);

    // apply through the run engine (approve), then the check is in sync
    const id = await runs.start('files', { trigger: 'cli' });
    expect((await runs.wait(id)).state).toBe('UNCONFIRMED');
    await runs.approve(id, 'alice');
    expect((await runs.wait(id)).state).toBe('FINISHED');
    expect(readFileSync(join(dir, 'managed.txt'), 'utf8')).toBe('managed by dayops\nversion=1\n');
    const inSync = await checkDrift(runs, db, stack);
    expect(inSync).toMatchObject({ status: 'in_sync', drifted: 0, resources: [], error: null });

    // someone edits the file by hand
    appendFileSync(join(dir, 'managed.txt'), 'tampered by hand\n');
    const drifted = await checkDrift(runs, db, stack);
    expect(drifted.status).toBe('drifted');
    expect(drifted.resources).toHaveLength(1);
    const r = drifted.resources[0];
    expect(r).toMatchObject({ address: 'localhost: Ensure config file', action: 'update', source: 'plan' });
    expect(r.detail).toMatchObject({ host: 'localhost', task: 'Ensure config file' });
    expect(r.detail.diff).toContain('-tampered by hand');
    expect(driftSummaries(db).get(stack.id)).toMatchObject({ status: 'drifted', drifted: 1 });

    // accepted; the same edit checked again stays accepted (same fingerprint)
    acceptDrift(db, stack.id, r.address, 'debugging note, removed tomorrow', 'bob');
    const again = await checkDrift(runs, db, stack);
    expect(again.resources[0].fingerprint).toBe(r.fingerprint);
    expect(again.resources[0].triage.state).toBe('accepted');
    expect(again.drifted).toBe(0);

    // a further edit changes the diff: open again
    appendFileSync(join(dir, 'managed.txt'), 'and more\n');
    const changed = await checkDrift(runs, db, stack);
    expect(changed.resources[0].fingerprint).not.toBe(r.fingerprint);
    expect(changed.resources[0].triage).toMatchObject({ state: 'open', lapsed: 'changed' });
  }, 300_000);
});
