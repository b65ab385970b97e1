/**
 * The Day-2 screen at 80x24 tells the whole truth: a security group's `ingress` drift is shown as what changed (the
 * rule added), every line of it reachable by paging without a line skipped, values terraform marks sensitive
 * masked; lists page with one row of overlap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import { afterEach, describe, expect, it } from 'vitest';
import { DialogBox, dialogHeight } from '../../../components/day2/DialogBox.js';
import { BackupsRepo } from '../../../src/db/backups.js';
import { DriftRepo } from '../../../src/db/drift.js';
import { SourcesRepo } from '../../../src/db/sources.js';
import { backupSourceKey } from '../../../src/day2/backups.js';
import { planFromShow, parseShowJson } from '../../../src/day1/adapters/terraform-show.js';
import { driftFromPlan, fieldDiffs } from '../../../src/day2/drift.js';
import { driveApp, type DrivenApp } from '../../helpers/ink.js';
import { tmpDb } from '../../helpers/tmp.js';
import { addDrift, addStack, alertRecord, cacheAlerts } from './helpers.js';

let app: DrivenApp | undefined;
afterEach(async () => {
  app?.unmount();
  await app?.services.shutdown();
  app = undefined;
});

const FIXTURE = join(import.meta.dirname, '../../fixtures/policies/aws-security-groups.plan.json');

/** The body rows of the open change (between its title line and the flash line). */
const bodyOf = (frame: string): string[] => {
  const rows = frame.split('\n');
  const start = rows.findIndex((l) => l.startsWith('Change of '));
  return rows.slice(start + 1, start + 1 + 19).map((l) => l.trimEnd());
};

describe('fieldDiffs', () => {
  it('walks arrays: an ingress rule added is one added element, not the whole list before and after', () => {
    const rule = (port: number, cidr: string) => ({ cidr_blocks: [cidr], from_port: port, to_port: port });
    const before = { ingress: [rule(5432, '10.20.0.0/16')], name: 'db' };
    const after = { ingress: [rule(22, '0.0.0.0/0'), rule(5432, '10.20.0.0/16')], name: 'db' };
    expect(fieldDiffs(before, after)).toEqual([{ path: 'ingress[0]', before: null, after: rule(22, '0.0.0.0/0') }]);
    // A CIDR changed inside a rule: the leaf, with its path.
    const changed = { ingress: [rule(5432, '10.30.0.0/16')], name: 'db' };
    expect(fieldDiffs(before, changed)).toEqual([
      { path: 'ingress[0].cidr_blocks[0]', before: '10.20.0.0/16', after: '10.30.0.0/16' },
    ]);
  });
});

describe('the change of a drifted security group at 80x24', () => {
  it('Enter shows the ingress rule added, every line reachable by PgDn with none skipped; sensitive values masked', async () => {
    const doc = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
      resource_changes: { address: string; change: Record<string, unknown> }[];
    };
    // A password terraform marks sensitive on the group, changed as well.
    const db0 = doc.resource_changes.find((r) => r.address === 'module.db.aws_security_group.db')!.change;
    (db0.before as Record<string, unknown>).password = 'old-hunter2-secret';
    (db0.after as Record<string, unknown>).password = 'new-hunter2-secret';
    db0.before_sensitive = { password: true };
    db0.after_sensitive = { ...(db0.after_sensitive as object), password: true };
    const plan = planFromShow(parseShowJson(JSON.stringify(doc)));
    const found = driftFromPlan(plan).filter((d) => d.address === 'module.db.aws_security_group.db');
    expect(found).toHaveLength(1);

    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'net', { environment: 'dev' });
    const repo = new DriftRepo(db);
    const id = repo.startCheck({ stackId: stack.id, trigger: 'cli', triggeredBy: 'test', now: Date.now() - 1000 });
    repo.finish(id, { status: 'drifted', now: Date.now(), resources: found });

    app = await driveApp(db, { dbPath: path, columns: 80, rows: 24 });
    await app.waitFor('net');
    await app.press('enter');
    let f = await app.press('enter');
    expect(f).toContain('Change of module.db.aws_security_group.db');
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    // Page down to the end, collecting the body: together the pages hold every line once, in order.
    const seen: string[] = [];
    let last = '';
    for (let i = 0; i < 20 && f !== last; i++) {
      const body = bodyOf(f);
      if (seen.length) {
        // One line of overlap with the previous page: nothing skipped.
        const overlap = seen[seen.length - 1];
        expect(body[0]).toBe(overlap);
        seen.push(...body.slice(1));
      } else seen.push(...body);
      last = f;
      f = await app.press('pgdown');
    }
    const text = seen.join('\n');
    expect(text).toMatch(/ingress\[1\]:/);
    expect(text).toContain('+ {');
    expect(text).toContain('"description": "debug, remove me"');
    expect(text).toContain('"cidr_blocks": [');
    expect(text).toContain('"0.0.0.0/0"');
    expect(text).toContain('"to_port": 65535');
    // The unchanged rule is not repeated.
    expect(text).not.toContain('5432');
    expect(text).not.toContain('hunter2');
    // Esc goes back to the list.
    f = await app.press('esc');
    expect(f).not.toContain('Change of');
    expect(f).toContain('› ✗ drifted');
  });

  it('the drift list pages with one row of overlap', async () => {
    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'net', { environment: 'dev' });
    addDrift(
      db,
      stack,
      Array.from({ length: 40 }, (_, i) => `terraform_data.r${String(i).padStart(2, '0')}`),
    );
    app = await driveApp(db, { dbPath: path, columns: 80, rows: 24 });
    await app.waitFor('net');
    let f = await app.press('enter');
    const names = (frame: string) => [...frame.matchAll(/terraform_data\.r(\d\d)/g)].map((m) => Number(m[1]));
    const before = [...new Set(names(f))];
    f = await app.press('pgdown', 'pgdown');
    const after = [...new Set(names(f))];
    // Two pages down from the top: the page shown starts no later than the row after the first page's last.
    expect(Math.min(...after.filter((n) => n > 0))).toBeLessThanOrEqual(Math.max(...before) + 1);
    const cursor = f.split('\n').find((l) => l.startsWith('›')) ?? '';
    const visible = before.length;
    expect(cursor).toContain(`terraform_data.r${String(2 * (visible - 1)).padStart(2, '0')}`);
  });
});

describe('dialogs at 80 columns', () => {
  it("a silence's matchers are shown whole: the choices and the confirm wrap instead of being cut", async () => {
    const alertMatchers =
      'alertname="DiskAlmostFull", instance="db-primary-eu-west-1a.internal:9100", severity="critical", stack="shop-prod"';
    const labelMatchers =
      'instance="db-primary-eu-west-1a.internal:9100", mountpoint="/var/lib/postgresql", stack="shop-prod"';
    const base = {
      action: 'silence' as const,
      stack: 'shop-prod',
      target: 'f',
      values: { alertname: 'DiskAlmostFull', alertMatchers, labelMatchers, url: 'http://127.0.0.1:9093' },
      text: '',
      cursor: 0,
      choice: 1,
    };
    const flat = (frame: string) =>
      frame
        .split('\n')
        .map((l) => l.replace(/^[│╭╰]\s?/, '').replace(/\s*[│╮╯]$/, ''))
        .join('');
    let r = render(<DialogBox dialog={{ ...base, step: 0 }} width={80} now={Date.now()} />);
    let f = stripAnsi(r.lastFrame() ?? '');
    for (const l of f.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(flat(f).replace(/\s+/g, '')).toContain(labelMatchers.replace(/\s+/g, ''));
    expect(flat(f).replace(/\s+/g, '')).toContain(alertMatchers.replace(/\s+/g, ''));
    expect(f.split('\n').length).toBe(dialogHeight({ ...base, step: 0 }, 80));
    r.unmount();
    const confirm = { ...base, step: 3, values: { ...base.values, duration: '2h', scope: 'labels', comment: 'x' } };
    r = render(<DialogBox dialog={confirm} width={80} now={Date.now()} />);
    f = stripAnsi(r.lastFrame() ?? '');
    expect(flat(f).replace(/\s+/g, '')).toContain(labelMatchers.replace(/\s+/g, ''));
    expect(f.split('\n').length).toBe(dialogHeight(confirm, 80));
    r.unmount();
  });
});

describe('alert text measured as the terminal does', () => {
  it('CJK and emoji alert names keep the columns after them aligned at 80x24', async () => {
    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'net', { environment: 'dev', alerting: 'http://127.0.0.1:9' });
    const at = Date.now() - 600_000;
    cacheAlerts(db, stack, [
      alertRecord('net', 'DiskFull', 'critical', {}, at),
      alertRecord('net', 'ディスク満杯', 'critical', { x: '1' }, at),
      alertRecord('net', '🔥HotCPU', 'critical', { x: '2' }, at),
    ]);
    app = await driveApp(db, { dbPath: path, columns: 80, rows: 24 });
    await app.waitFor('net');
    await app.press('enter');
    await app.press('l');
    const f = await app.waitFor('ディスク満杯');
    const rows = f.split('\n').filter((l) => /DiskFull|ディスク満杯|🔥HotCPU/.test(l) && /\d+m/.test(l));
    expect(rows).toHaveLength(3);
    // The terminal column where the age starts is the same on every row.
    const ageColumn = (l: string) => stringWidth(l.slice(0, l.search(/\d+m/)));
    expect(new Set(rows.map(ageColumn)).size).toBe(1);
    for (const l of f.split('\n')) expect(stringWidth(l)).toBeLessThanOrEqual(80);
  });
});

describe('at 200x60', () => {
  it("the detail's side panel uses the width: snapshot paths one per row, a long path whole", async () => {
    const { db, dir, path } = tmpDb();
    const stack = addStack(db, dir, 'net', { environment: 'dev', backups: true });
    const long = `${dir}/net/terraform/envs/prod/eu-west-1/terraform.tfstate.backup`;
    const paths = [`${dir}/net/dayops.yaml`, long, `${dir}/net/policies`];
    const now = Date.now();
    const id = 'ab'.repeat(32);
    new BackupsRepo(db).replaceSnapshots(
      stack.id,
      [
        {
          id,
          shortId: id.slice(0, 8),
          time: now - 60_000,
          hostname: 'dayops',
          username: 'test',
          paths,
          tags: ['dayops', `stack:${stack.name}`],
          parent: null,
          tree: id,
          programVersion: null,
          summary: null,
        },
      ],
      now,
      () => new SourcesRepo(db).recordOk(backupSourceKey(stack.name), now),
    );
    app = await driveApp(db, { dbPath: path, columns: 200, rows: 60 });
    await app.waitFor('net');
    await app.press('enter');
    await app.press('l');
    const f = await app.press('l');
    expect(f).toContain(`Snapshot ${id.slice(0, 8)}`);
    // Each path on its own row of the side panel, the long one whole (no …).
    for (const p of paths) expect(f.split('\n').some((l) => l.trimEnd().endsWith(p))).toBe(true);
    const panel = f.split('\n').find((l) => l.includes(`Snapshot ${id.slice(0, 8)}`))!;
    // The panel starts before the middle of a 200-column screen.
    expect(panel.indexOf('│')).toBeLessThan(110);
  });
});
