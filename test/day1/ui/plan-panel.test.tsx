/**
 * The plan panel: drift and failures from real (fake-tf) runs, and the Ansible and diagnostic rows of a plan.
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { PlanPanel, wrapText } from '../../../components/day1/PlanPanel.js';
import type { RunDetail } from '../../../src/db/runs.js';
import { day1Fixture, openDay1, otherProcess } from './helpers.js';

describe('Day-1 plan panel', () => {
  it('shows the drift a plan found, and why a run failed', async () => {
    const fx = day1Fixture([
      { name: 'drifty', scenario: 'drift' },
      { name: 'broken', scenario: 'error' },
    ]);
    const other = otherProcess(fx);
    await other.wait(await other.start('drifty', { planOnly: true }));
    await other.wait(await other.start('broken', { planOnly: true }));
    const app = await openDay1(fx, { columns: 140, rows: 40 });
    await app.press('j', 'enter'); // #1 drifty
    const drift = app.frame();
    expect(drift).toContain('Plan · run #1');
    expect(drift).toMatch(/Drift \(\d+\): changed outside the tool/);
    expect(drift).toMatch(/-\s+terraform_data\.old/);
    expect(drift).toContain('Plan only: a proposed run never applies');
    await app.press('esc', 'k', 'enter'); // #2 broken
    const failed = app.frame();
    expect(failed).toContain('✗ FAILED');
    expect(failed).toMatch(/Error: plan failed/);
    expect(failed).toContain('Unsupported block type');
    expect(failed).toContain('No plan was made.');
  });

  it('a run that failed before it could plan (a syntax error at init) still shows what the tool said', async () => {
    const fx = day1Fixture([{ name: 'syntax', scenario: 'syntax-error' }]);
    const other = otherProcess(fx);
    await other.wait(await other.start('syntax', { planOnly: true }));
    const app = await openDay1(fx, { columns: 140, rows: 40 });
    const f = await app.press('enter');
    expect(f).toContain('Error: init failed: Unclosed configuration');
    expect(f).toContain('No plan was made.');
    expect(f).toContain('Diagnostics (2)');
    expect(f).toContain('✗ error Unclosed configuration block (main.tf');
    expect(f).toContain('There is no closing brace for this block');
    // each diagnostic is one line of the log, however many lines its text has
    expect(f).toContain('dayops: error: Terraform encountered problems during initialisation');
    expect(f).not.toMatch(/║ with the configuration, described below\./);
  });

  it('lists Ansible tasks with host and status, diagnostics, and what the apply did', async () => {
    const detail: RunDetail = {
      id: 7,
      stackId: 1,
      stackName: 'fleet',
      stackEnvironment: 'staging',
      stackTool: 'ansible',
      kind: 'tracked',
      purpose: 'deploy',
      state: 'FINISHED',
      triggeredBy: 'alice',
      trigger: 'tui',
      autoApply: false,
      requiredApprovals: 1,
      owner: null,
      toolPid: null,
      toolStart: null,
      cancelRequested: false,
      summary: { add: 0, change: 1, destroy: 0 },
      applied: { add: 0, change: 1, destroy: 0 },
      error: null,
      logLines: 40,
      createdAt: 0,
      updatedAt: 0,
      startedAt: 1000,
      finishedAt: 66_000,
      durationMs: 65_000,
      diagnostics: [],
      plan: {
        changes: [
          {
            address: 'web1: install nginx',
            action: 'update',
            actions: ['update'],
            task: 'install nginx',
            host: 'web1',
            status: 'changed',
          },
          {
            address: 'web2: install nginx',
            action: 'no-op',
            actions: [],
            task: 'install nginx',
            host: 'web2',
            status: 'ok',
          },
        ],
        drift: [],
        summary: { add: 0, change: 1, destroy: 0 },
        diagnostics: [
          {
            severity: 'warning',
            summary: 'host web3 unreachable',
            detail: 'ssh: connect to host web3 port 22: Connection refused',
          },
        ],
        hosts: [{ host: 'web1', ok: 3, changed: 1, failed: 0, unreachable: 0, skipped: 0 }],
      },
      policies: [],
      apply: { changes: [], summary: { add: 0, change: 1, destroy: 0 }, diagnostics: [] },
      transitions: [],
      approvals: [{ user: 'bob', comment: 'go', at: 2000 }],
      phases: {},
      validation: null,
      validationStatus: null,
    };
    const r = render(
      <PlanPanel detail={detail} width={70} height={30} focused={false} scroll={0} now={100_000} user="alice" />,
    );
    await new Promise((res) => setTimeout(res, 50));
    const f = r.lastFrame()!;
    expect(f).toContain('Run #7 fleet (staging, ansible)');
    expect(f).toContain('✓ FINISHED · tracked · alice (tui) · 1m05s');
    expect(f).toContain('Approvals 1 of 1');
    expect(f).toContain('✓ bob');
    expect(f).toContain('Changes (1)');
    expect(f).toMatch(/~\s+install nginx · web1 · changed/);
    expect(f).not.toContain('web2');
    expect(f).toContain('! warning host web3 unreachable');
    expect(f).toContain('ssh: connect to host web3 port 22');
    expect(f).toContain('web1 ok=3 changed=1 failed=0');
    expect(f).toMatch(/Applied[\s\S]*\+0 ~1 -0/);
    r.unmount();
  });

  it('wraps long messages at word boundaries', () => {
    expect(wrapText('Get a second approver: this plan deletes terraform_data.cache', 24)).toEqual([
      'Get a second approver:',
      'this plan deletes',
      'terraform_data.cache',
    ]);
  });
});
