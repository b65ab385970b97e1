/**
 * Parsing ansible-playbook's JSON callbacks, without ansible: the recordings in ../shared/fixtures (json and
 * jsonl callbacks, see SOURCES.md and recorded/README.md there) and our own, recorded with the jsonl callback the
 * adapter uses (test/fixtures/ansible/record.sh).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  displayAnsibleLine,
  formatAnsibleDiff,
  parseAnsibleOutput,
} from '../../../src/day1/adapters/ansible-results.js';

const SHARED = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures');
const OWN = join(import.meta.dirname, '..', '..', 'fixtures', 'ansible');
const present = existsSync(join(SHARED, 'ansible')) && existsSync(join(SHARED, 'recorded'));
if (!present) console.warn(`skipping the shared Ansible fixtures: ${SHARED} is absent`);

const shared = (f: string) => parseAnsibleOutput(readFileSync(join(SHARED, f), 'utf8'));
const own = (f: string) => parseAnsibleOutput(readFileSync(join(OWN, `${f}.jsonl`), 'utf8'));

describe.skipIf(!present)('shared Ansible recordings', () => {
  it('covers every file of fixtures/ansible and fixtures/recorded/ansible-0*', () => {
    expect(readdirSync(join(SHARED, 'ansible')).sort()).toEqual([
      'ansible-json-callback.1host-unreachable.go-ansible.json',
      'ansible-json-callback.2hosts-1failure.claudie.json',
      'ansible-json-callback.2hosts-changed.claudie.json',
    ]);
    expect(
      readdirSync(join(SHARED, 'recorded'))
        .filter((f) => f.startsWith('ansible-0'))
        .sort(),
    ).toEqual([
      'ansible-01-check-before-apply.json',
      'ansible-02-apply.json',
      'ansible-03-check-after-apply.json',
      'ansible-04-check-drift.json',
      'ansible-05-check-drift.jsonl',
      'ansible-06-check-drift-default-callback.txt',
    ]);
  });

  it('1host-unreachable (go-ansible): the unreachable host and its message', () => {
    const p = shared('ansible/ansible-json-callback.1host-unreachable.go-ansible.json');
    expect(p.results).toEqual([
      expect.objectContaining({
        host: '127.0.0.1',
        task: 'Print line',
        status: 'unreachable',
        msg: "That's a message to debug",
      }),
    ]);
    expect(p.hosts()).toEqual([{ host: '127.0.0.1', ok: 0, changed: 0, failed: 0, unreachable: 1, skipped: 0 }]);
    expect(p.failureMessage()).toBe("1 host unreachable: 127.0.0.1 (Print line: That's a message to debug)");
    expect(p.changes()).toEqual([
      expect.objectContaining({ address: '127.0.0.1: Print line', action: 'no-op', status: 'unreachable' }),
    ]);
    expect(p.diagnostics()).toEqual([expect.objectContaining({ severity: 'error', address: '127.0.0.1: Print line' })]);
  });

  it('2hosts-1failure (claudie): one host failed on the connection wait, the other is fine', () => {
    const p = shared('ansible/ansible-json-callback.2hosts-1failure.claudie.json');
    expect(p.plays).toEqual(['all']);
    expect(p.results.map((r) => [r.host, r.task, r.status])).toEqual([
      ['hetzner-mh49kks-1', 'Wait 300 seconds for target connection to become reachable/usable', 'failed'],
      ['hetzner-zi5vl5z-1', 'Wait 300 seconds for target connection to become reachable/usable', 'ok'],
      ['hetzner-zi5vl5z-1', 'install open-iscsi', 'ok'],
      ['hetzner-zi5vl5z-1', 'install nfs-common', 'ok'],
    ]);
    expect(p.hosts()).toEqual([
      { host: 'hetzner-mh49kks-1', ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 0 },
      { host: 'hetzner-zi5vl5z-1', ok: 3, changed: 0, failed: 0, unreachable: 0, skipped: 0 },
    ]);
    expect(p.failureMessage()).toMatch(
      /^1 host failed: hetzner-mh49kks-1 \(Wait 300 seconds for target connection to become reachable\/usable: timed out waiting for ping module test: Failed to connect to the host via ssh: .*Operation timed out\)$/,
    );
    expect(p.summary()).toEqual({ add: 0, change: 0, destroy: 0, import: 0, forget: 0 });
  });

  it('2hosts-changed (claudie): one changed task per host, an empty diff is no diff', () => {
    const p = shared('ansible/ansible-json-callback.2hosts-changed.claudie.json');
    expect(p.changes()).toEqual([
      expect.objectContaining({
        address: 'hetzner-cskeaz7-1: install nfs-common',
        action: 'update',
        status: 'changed',
        host: 'hetzner-cskeaz7-1',
        task: 'install nfs-common',
        type: 'ansible.builtin.apt',
      }),
      expect.objectContaining({
        address: 'hetzner-r309ten-1: install nfs-common',
        action: 'update',
        status: 'changed',
      }),
    ]);
    expect(p.changes().every((c) => c.diff === undefined)).toBe(true);
    expect(p.summary()).toEqual({ add: 0, change: 2, destroy: 0, import: 0, forget: 0 });
    expect(p.hosts().map((h) => [h.host, h.ok, h.changed])).toEqual([
      ['hetzner-cskeaz7-1', 3, 1],
      ['hetzner-r309ten-1', 3, 1],
    ]);
    expect(p.failureMessage()).toBeUndefined();
  });

  it('01 check before apply: the file would be created, with its content as the diff', () => {
    const p = shared('recorded/ansible-01-check-before-apply.json');
    const [c] = p.changes();
    expect(c).toMatchObject({
      address: 'localhost: Ensure file with content',
      action: 'update',
      status: 'changed',
      type: 'ansible.builtin.copy',
    });
    expect(c.diff).toContain('+managed by dayops-example\n+version=1\n');
    expect(c.diff).toMatch(/^--- before\n\+\+\+ after: \/home\/ops\/\.ansible\/tmp\//);
    expect(p.hosts()).toEqual([{ host: 'localhost', ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 0 }]);
  });

  it('02 apply and 03 check after apply: changed, then nothing to do', () => {
    expect(shared('recorded/ansible-02-apply.json').summary()).toEqual({
      add: 0,
      change: 1,
      destroy: 0,
      import: 0,
      forget: 0,
    });
    const after = shared('recorded/ansible-03-check-after-apply.json');
    expect(after.changes()).toEqual([]);
    expect(after.hosts()).toEqual([{ host: 'localhost', ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0 }]);
  });

  it('04 (json) and 05 (jsonl) check after a hand edit: the same drift, with the removed line', () => {
    const json = shared('recorded/ansible-04-check-drift.json');
    const jsonl = shared('recorded/ansible-05-check-drift.jsonl');
    expect(jsonl.events).toBe(4);
    for (const p of [json, jsonl]) {
      const [c] = p.changes();
      expect(c.address).toBe('localhost: Ensure file with content');
      expect(c.diff).toContain('--- before: /srv/example/ansible/managed.txt');
      expect(c.diff).toContain(' version=1\n-tampered\n');
      expect(p.hosts()[0]).toMatchObject({ changed: 1, ok: 1 });
      expect(p.results[0].taskPath).toBe('/srv/example/ansible/playbook.yml:11');
    }
    expect(jsonl.changes()[0].diff!.replace(/tmp\/\S+/, '')).toBe(json.changes()[0].diff!.replace(/tmp\/\S+/, ''));
    const shown = readFileSync(join(SHARED, 'recorded/ansible-05-check-drift.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(displayAnsibleLine);
    expect(shown).toEqual([
      'PLAY [Ensure managed file]',
      'TASK [Ensure file with content]',
      'changed: [localhost] (diff)',
      'PLAY RECAP localhost: ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0',
    ]);
  });

  it('06 default callback: text, not JSON events', () => {
    const p = shared('recorded/ansible-06-check-drift-default-callback.txt');
    expect(p.events).toBe(0);
    expect(p.results).toEqual([]);
    expect(p.otherLines.some((l) => l.startsWith('PLAY RECAP'))).toBe(true);
  });
});

describe('our jsonl recordings (test/fixtures/ansible)', () => {
  it('check before apply: two changed tasks (one a loop, its items diffed), a skip, an ignored failure, a handler', () => {
    const p = own('check-before-apply');
    expect(p.results.map((r) => [r.task, r.status])).toEqual([
      ['Ensure config file', 'changed'],
      ['Ensure lines', 'changed'],
      ['Skipped on purpose', 'skipped'],
      ['Tolerated failure', 'failed'],
      ['Note change', 'ok'],
    ]);
    const changes = p.changes();
    expect(changes.map((c) => [c.address, c.action, c.status])).toEqual([
      ['localhost: Ensure config file', 'update', 'changed'],
      ['localhost: Ensure lines', 'update', 'changed'],
      ['localhost: Tolerated failure', 'no-op', 'failed'],
    ]);
    expect(changes[1].diff).toContain('+alpha');
    expect(changes[1].diff).toContain('+beta');
    expect(p.summary()).toEqual({ add: 0, change: 2, destroy: 0, import: 0, forget: 0 });
    // ignore_errors: a warning, not a failure of the run
    expect(p.diagnostics()).toEqual([
      expect.objectContaining({
        severity: 'warning',
        summary: 'failed: Tolerated failure: this failure is ignored',
        location: '/srv/stack/site.yml:22',
      }),
    ]);
    expect(p.failureMessage()).toBeUndefined();
    expect(p.hosts()).toEqual([{ host: 'localhost', ok: 4, changed: 2, failed: 0, unreachable: 0, skipped: 1 }]);
  });

  it('apply, check after apply, check after a hand edit', () => {
    expect(own('apply').summary()).toEqual({ add: 0, change: 2, destroy: 0, import: 0, forget: 0 });
    const after = own('check-after-apply');
    expect(after.changes().filter((c) => c.status === 'changed')).toEqual([]);
    expect(after.hosts()[0].changed).toBe(0);
    const drift = own('check-drift');
    const changed = drift.changes().filter((c) => c.status === 'changed');
    expect(changed.map((c) => c.address)).toEqual(['localhost: Ensure config file']);
    expect(changed[0].diff).toContain('--- before: /srv/stack/managed.txt');
    expect(changed[0].diff).toContain('-tampered');
  });

  it('a failed task on one of two hosts', () => {
    const p = own('failed-task');
    expect(p.failureMessage()).toBe('1 host failed: web2 (Fail on purpose: boom: the disk is full)');
    expect(p.diagnostics()).toEqual([
      {
        severity: 'error',
        summary: 'failed: Fail on purpose: boom: the disk is full',
        address: 'web2: Fail on purpose',
        location: '/srv/stack/fail.yml:7',
      },
    ]);
    expect(p.hosts().map((h) => [h.host, h.failed, h.skipped])).toEqual([
      ['web1', 0, 1],
      ['web2', 1, 0],
    ]);
  });

  it('an unreachable host', () => {
    const p = own('unreachable');
    expect(p.failureMessage()).toBe(
      '1 host unreachable: gone (Reach the host: Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused)',
    );
    expect(p.changes()).toEqual([
      expect.objectContaining({ address: 'gone: Reach the host', status: 'unreachable', action: 'no-op' }),
    ]);
    const shown = readFileSync(join(OWN, 'unreachable.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(displayAnsibleLine);
    expect(shown[2]).toBe(
      'fatal: [gone]: UNREACHABLE! => Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused',
    );
  });

  it('every line of every recording displays as one line of Ansible-like text', () => {
    for (const f of readdirSync(OWN).filter((x) => x.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(OWN, f), 'utf8').split('\n').filter(Boolean)) {
        const shown = displayAnsibleLine(line);
        expect(shown, f).toMatch(/^(PLAY|TASK|RUNNING HANDLER|ok:|changed:|skipping:|fatal:|PLAY RECAP)/);
        expect(shown).not.toContain('\n');
      }
    }
  });
});

describe('formatAnsibleDiff', () => {
  it('strings as a unified diff with Ansible headers; structures as JSON; prepared text as is; no change, no diff', () => {
    expect(formatAnsibleDiff([{ before: 'a\nb\n', after: 'a\nc\n', before_header: '/etc/x' }])).toBe(
      '--- before: /etc/x\n+++ after\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n',
    );
    expect(formatAnsibleDiff({ before: { state: 'absent' }, after: { state: 'directory' } })).toContain(
      '-  "state": "absent"\n+  "state": "directory"',
    );
    expect(formatAnsibleDiff({ prepared: 'The following packages will be installed: nginx' })).toBe(
      'The following packages will be installed: nginx\n',
    );
    expect(formatAnsibleDiff([{ before: 'same\n', after: 'same\n' }])).toBeUndefined();
    expect(formatAnsibleDiff({})).toBeUndefined();
  });
});
