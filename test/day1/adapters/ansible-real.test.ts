/**
 * The Ansible adapter with the REAL ansible-playbook against localhost (connection local) in a temporary folder.
 * In CI a missing ansible-playbook fails these tests; elsewhere they are skipped with a message.
 */
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/day1/adapter.js';
import { AnsibleAdapter } from '../../../src/day1/adapters/ansible.js';
import { ConfigError } from '../../../src/errors.js';
import { onPath } from '../../../src/day1/detect.js';
import { tmpDir } from '../../helpers/tmp.js';
import { makeHarness, type HarnessOptions } from './harness.js';

const HAVE = onPath('ansible-playbook');
const CI = Boolean(process.env.CI);
if (!HAVE && !CI) console.warn('skipping the real Ansible tests: ansible-playbook is not on PATH');

describe.runIf(!HAVE && CI)('ansible-playbook in CI', () => {
  it('is installed (these tests need the real ansible-playbook)', () => {
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

const LOCAL = {
  inventory: 'localhost,',
  extraArgs: ['-e', 'ansible_connection=local ansible_python_interpreter=auto_silent'],
};

function stack(
  files: Record<string, string>,
  config: Record<string, unknown> = { ansible: LOCAL },
  onLine?: HarnessOptions['onLine'],
) {
  const dir = tmpDir('dayops-ansible-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const h = makeHarness({ dir, tool: 'ansible', config, runDir: tmpDir('dayops-ansible-run-'), onLine });
  return { dir, h, adapter: new AnsibleAdapter() };
}

async function failure(p: Promise<unknown>): Promise<ToolError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolError);
  return err as ToolError;
}

function refusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe.skipIf(!HAVE)('real ansible-playbook', () => {
  it('check shows the change, apply makes it, check after shows none, a hand edit shows as a change with its diff', async () => {
    const { dir, h, adapter } = stack({ 'site.yml': SITE });
    await adapter.init(h.ctx);
    expect(h.calls).toEqual([]); // init runs nothing

    const before = await adapter.plan(h.ctx);
    expect(h.calls[0].argv).toEqual([
      'ansible-playbook',
      '--check',
      '--diff',
      '-i',
      'localhost,',
      ...LOCAL.extraArgs,
      'site.yml',
    ]);
    expect(h.calls[0].env).toMatchObject({ ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.jsonl', ANSIBLE_NOCOLOR: '1' });
    expect(before.changes).toEqual([
      expect.objectContaining({
        address: 'localhost: Ensure config file',
        action: 'update',
        status: 'changed',
        host: 'localhost',
        task: 'Ensure config file',
      }),
    ]);
    expect(before.changes[0].diff).toContain('+managed by dayops\n+version=1\n');
    expect(before.summary).toEqual({ add: 0, change: 1, destroy: 0, import: 0, forget: 0 });
    expect(before.hosts).toEqual([{ host: 'localhost', ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 0 }]);
    // the pane shows Ansible's words, live, one event per line
    const shown = h.lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(shown).toEqual([
      'PLAY [Manage a file]',
      'TASK [Ensure config file]',
      'changed: [localhost] (diff)',
      'PLAY RECAP localhost: ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0',
    ]);
    expect(() => readFileSync(join(dir, 'managed.txt'))).toThrow(); // --check changed nothing

    const applied = await adapter.apply(h.ctx, before);
    expect(h.calls[1].argv).not.toContain('--check');
    expect(applied.changes).toEqual([
      expect.objectContaining({ address: 'localhost: Ensure config file', status: 'changed' }),
    ]);
    expect(readFileSync(join(dir, 'managed.txt'), 'utf8')).toBe('managed by dayops\nversion=1\n');

    const after = await adapter.plan(h.ctx);
    expect(after.changes).toEqual([]);
    expect(after.summary).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
    expect(after.hosts?.[0]).toMatchObject({ ok: 1, changed: 0 });

    appendFileSync(join(dir, 'managed.txt'), 'tampered by hand\n');
    const drift = await adapter.plan(h.ctx);
    expect(drift.changes).toHaveLength(1);
    expect(drift.changes[0].diff).toContain(`--- before: ${join(dir, 'managed.txt')}`);
    expect(drift.changes[0].diff).toContain(' version=1\n-tampered by hand\n');
  }, 240_000); // four ansible runs; each takes seconds on a busy 2-core machine

  it('without ansible.inventory, ansible.cfg in the stack folder decides (no -i); playbook.yml is found', async () => {
    const { h, adapter } = stack(
      {
        'playbook.yml': SITE,
        'ansible.cfg': '[defaults]\ninventory = hosts.ini\ninterpreter_python = auto_silent\n',
        'hosts.ini': 'db1 ansible_connection=local\n',
      },
      {},
    );
    const r = await adapter.plan(h.ctx);
    expect(h.calls[0].argv).toEqual(['ansible-playbook', '--check', '--diff', 'playbook.yml']);
    expect(r.hosts?.map((x) => x.host)).toEqual(['db1']);
    expect(r.changes.map((c) => c.address)).toEqual(['db1: Ensure config file']);
  });

  it('a failing task: a ToolError naming the host, the task and the message', async () => {
    const { h, adapter } = stack({
      'site.yml': `- name: Break
  hosts: all
  gather_facts: false
  tasks:
    - name: Fail on purpose
      ansible.builtin.fail:
        msg: boom
`,
    });
    const err = await failure(adapter.plan(h.ctx));
    expect(err.message).toBe('plan failed: 1 host failed: localhost (Fail on purpose: boom)');
    expect(err.exitCode).toBe(2);
    expect(err.diagnostics).toEqual([
      {
        severity: 'error',
        summary: 'failed: Fail on purpose: boom',
        address: 'localhost: Fail on purpose',
        location: 'site.yml:5',
      },
    ]);
    expect(err.partial?.hosts).toEqual([
      { host: 'localhost', ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 0 },
    ]);
    expect(h.text('stdout')).toContain('fatal: [localhost]: FAILED! => boom');
  });

  it('an unreachable host (ssh to a closed port): a ToolError saying which and why', async () => {
    const port = await refusedPort();
    const { h, adapter } = stack(
      {
        'site.yml': `- name: Reach
  hosts: all
  gather_facts: false
  tasks:
    - name: Reach the host
      ansible.builtin.ping:
`,
        'hosts.ini': `gone ansible_host=127.0.0.1 ansible_port=${port} ansible_connection=ssh ansible_user=nobody\n`,
      },
      { ansible: { inventory: 'hosts.ini' }, env: { ANSIBLE_TIMEOUT: 5 } },
    );
    const err = await failure(adapter.plan(h.ctx));
    expect(err.message).toMatch(
      /^plan failed: 1 host unreachable: gone \(Reach the host: Failed to connect to the host via ssh: .*Connection refused\)$/,
    );
    expect(err.exitCode).toBe(4);
    expect(err.partial?.hosts).toEqual([{ host: 'gone', ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 }]);
  });

  it('a missing playbook or inventory is a ConfigError before anything runs', async () => {
    const a = stack({});
    await expect(a.adapter.plan(a.h.ctx)).rejects.toThrow(ConfigError);
    await expect(a.adapter.plan(a.h.ctx)).rejects.toThrow(
      /no playbook found \(set ansible.playbook, or add site.yml or playbook.yml/,
    );
    const b = stack({ 'site.yml': SITE }, { ansible: { playbook: 'deploy.yml' } });
    await expect(b.adapter.init(b.h.ctx)).rejects.toThrow(
      /dayops\.yaml: ansible\.playbook: deploy\.yml does not exist in /,
    );
    const c = stack({ 'site.yml': SITE }, { ansible: { inventory: 'prod.ini' } });
    await expect(c.adapter.plan(c.h.ctx)).rejects.toThrow(/ansible\.inventory: prod\.ini does not exist/);
    expect([a, b, c].every((s) => s.h.calls.length === 0)).toBe(true);
  });

  it('cancel: the playbook is interrupted and the run says so', async () => {
    const ref: { abort?: () => void } = {};
    const { h, adapter } = stack(
      {
        'site.yml': `- name: Slow
  hosts: all
  gather_facts: false
  tasks:
    - name: Sleep
      ansible.builtin.command: sleep 30
`,
      },
      { ansible: LOCAL },
      (l) => {
        if (l.text === 'TASK [Sleep]') setTimeout(() => ref.abort?.(), 300);
      },
    );
    ref.abort = h.abort;
    const started = Date.now();
    const err = await failure(
      adapter.apply(h.ctx, {
        changes: [],
        drift: [],
        summary: { add: 0, change: 0, destroy: 0, import: 0, forget: 0 },
        diagnostics: [],
      }),
    );
    expect(err.message).toBe('apply cancelled');
    expect(Date.now() - started).toBeLessThan(25_000);
  });
});
