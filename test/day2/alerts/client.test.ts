/**
 * The Alertmanager client: parsing answers recorded from the real Alertmanager 0.25 (ours in
 * test/fixtures/alertmanager, and the shared ones when present), matchers, and the four kinds of failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertmanagerError,
  errorText,
  expireSilence,
  formatMatcher,
  getAlerts,
  getSilences,
  getStatus,
  matches,
  parseAlerts,
  parseMatcher,
  parseSilences,
  parseStatus,
  postSilence,
} from '../../../src/day2/alertmanager.js';
import { alertState, toRecord } from '../../../src/day2/alerts.js';
import {
  freePort,
  SKIP_ALERTMANAGER,
  startAlertmanager,
  type RunningAlertmanager,
} from '../../helpers/alertmanager.js';
import { ROOT } from '../../helpers/cli.js';
import { answeringServer, httpServer, silentServer } from './util.js';

const OWN = join(ROOT, 'test', 'fixtures', 'alertmanager');
const SHARED = join(ROOT, '..', 'shared', 'fixtures', 'recorded');
const own = (f: string) => JSON.parse(readFileSync(join(OWN, f), 'utf8')) as unknown;
/** A recorded error file: the body, then `HTTP <status>`. */
const recordedError = (dir: string, f: string) => {
  const text = readFileSync(join(dir, f), 'utf8').trimEnd();
  const m = /\n?HTTP (\d+)$/.exec(text)!;
  return { body: text.slice(0, m.index).trim(), status: Number(m[1]) };
};

describe('parsing answers recorded from Alertmanager 0.25 (test/fixtures/alertmanager)', () => {
  it('reads an alert list: labels, annotations, times, receivers, state', () => {
    const alerts = parseAlerts(own('get-alerts-payments.json'));
    expect(alerts).toHaveLength(4);
    const disk = alerts.find((a) => a.labels.alertname === 'DiskFull')!;
    expect(disk).toMatchObject({
      labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'critical', stack: 'payments' },
      annotations: { summary: 'Disk /var/lib/postgresql is 97% full', runbook: 'https://runbooks.example/disk' },
      generatorUrl: 'http://prometheus.example/graph?g0.expr=disk',
      receivers: ['null'],
      amState: 'active',
      silencedBy: [],
      inhibitedBy: [],
    });
    expect(disk.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // An alert posted without endsAt ends after resolve_timeout (5 minutes).
    expect(disk.endsAt! - disk.startsAt).toBe(5 * 60_000);
    expect(alerts.map((a) => toRecord(a).severity).sort()).toEqual(['', 'critical', 'info', 'warning']);
    expect(alerts.find((a) => a.labels.alertname === 'CertExpiring')!.annotations).toEqual({});
  });

  it('reads silenced and inhibited alerts as such', () => {
    const silenced = parseAlerts(own('get-alerts-payments-after-silence.json'));
    const silence = (own('post-silence-response.json') as { silenceID: string }).silenceID;
    const disk = silenced.find((a) => a.labels.alertname === 'DiskFull')!;
    expect(disk).toMatchObject({ amState: 'suppressed', silencedBy: [silence] });
    expect(alertState(disk)).toBe('silenced');
    expect(silenced.filter((a) => alertState(a) === 'active')).toHaveLength(3);

    const web = parseAlerts(own('get-alerts-web-inhibited.json'));
    const source = web.find((a) => a.labels.alertname === 'DatacenterDown')!;
    const target = web.find((a) => a.labels.alertname === 'HighLatency')!;
    expect(target.inhibitedBy).toEqual([source.fingerprint]);
    expect([alertState(source), alertState(target)]).toEqual(['active', 'inhibited']);

    const two = parseAlerts(own('get-alerts-payments-two-silences.json'));
    expect(two.map((a) => [a.labels.alertname, alertState(a)]).sort()).toEqual([
      ['CertExpiring', 'active'],
      ['DiskFull', 'silenced'],
      ['HighLatency', 'silenced'],
      ['QueueBacklog', 'silenced'],
    ]);
  });

  it('reads silences with every kind of matcher, and their states', () => {
    const [active, expiredWhilePending] = parseSilences(own('get-silences.json'));
    expect(active).toMatchObject({ state: 'active', createdBy: 'ops', comment: 'disk being resized' });
    expect(active.matchers).toEqual([
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'stack', value: 'payments', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
    ]);
    expect(active.endsAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    // Expiring a pending silence sets both ends to the moment it was expired.
    expect(expiredWhilePending.state).toBe('expired');
    expect(expiredWhilePending.startsAt).toBe(expiredWhilePending.endsAt);
    expect(parseSilences(own('get-silences-after-expire.json')).map((s) => s.state)).toEqual(['expired', 'expired']);
    const [neg] = parseSilences(own('get-silences-negative-matchers.json'));
    expect(neg.matchers.map(formatMatcher)).toEqual(['stack="payments"', 'severity!="info"', 'alertname!~"Cert.*"']);
  });

  it('reads the status', () => {
    expect(parseStatus(own('get-status.json'))).toMatchObject({ version: '0.25.0', clusterStatus: 'disabled' });
  });

  it("turns recorded error bodies into one line with Alertmanager's text", () => {
    expect(errorText(recordedError(OWN, 'error-post-silence-no-matchers.txt').body)).toBe(
      'matchers in body should have at least 1 items (code 612)',
    );
    expect(errorText(recordedError(OWN, 'error-get-alerts-bad-filter.txt').body)).toBe(
      'matcher value contains unescaped double quote: ="payments"',
    );
    expect(errorText(recordedError(OWN, 'error-delete-unknown-silence.txt').body)).toBe('silence not found');
    expect(errorText('<html>\n<b>502</b>\n</html>')).toBe('<html> <b>502</b> </html>');
    expect(errorText('')).toBe('(empty body)');
  });
});

describe.skipIf(!existsSync(SHARED))('parsing the shared recorded answers (../shared/fixtures/recorded)', () => {
  if (!existsSync(SHARED)) console.warn(`${SHARED} is absent: skipping the shared Alertmanager fixtures`);
  const shared = (f: string) => JSON.parse(readFileSync(join(SHARED, f), 'utf8')) as unknown;

  it('reads the alert lists before and after a silence', () => {
    const before = parseAlerts(shared('alertmanager-get-alerts.json'));
    expect(before.map((a) => [a.fingerprint, a.labels.alertname, alertState(a)])).toEqual([
      ['46e2b671ac5aee8a', 'DriftDetected', 'active'],
      ['eec064a20ac01a8c', 'BackupFailed', 'active'],
    ]);
    expect(before[0]).toMatchObject({
      generatorUrl: 'http://localhost/dayops-example',
      startsAt: Date.parse('2026-11-26T05:03:33.000Z'),
    });
    expect(before[1].generatorUrl).toBeNull();
    const after = parseAlerts(shared('alertmanager-get-alerts-after-silence.json'));
    expect(after[0]).toMatchObject({ amState: 'suppressed', silencedBy: ['31375d41-0cee-44fe-8c34-3e245a4a4592'] });
    expect(alertState(after[0])).toBe('silenced');
  });

  it('reads silences, the silence id and the status', () => {
    const [s] = parseSilences(shared('alertmanager-get-silences.json'));
    expect(s.matchers.map(formatMatcher)).toEqual(['alertname="DriftDetected"', 'instance=~"host-.*"']);
    expect(parseSilences([shared('alertmanager-get-silence-by-id.json')])[0].id).toBe(s.id);
    expect(parseStatus(shared('alertmanager-get-status.json')).version).toBe('0.25.0');
  });

  it('turns the recorded 422s into their message', () => {
    expect(errorText(recordedError(SHARED, 'alertmanager-error-post-alert-no-labels.txt').body)).toBe(
      '0.labels in body is required (code 602)',
    );
    expect(errorText(recordedError(SHARED, 'alertmanager-error-post-silence-no-matchers.txt').body)).toBe(
      'matchers in body should have at least 1 items (code 612)',
    );
  });

  it('refuses an alert group list where an alert list is expected', () => {
    expect(() => parseAlerts(shared('alertmanager-get-alert-groups.json'))).toThrow(/fingerprint/);
  });
});

describe('matchers', () => {
  it.each([
    ['stack="payments"', { name: 'stack', value: 'payments', isRegex: false, isEqual: true }],
    ['severity=~"critical|warning"', { name: 'severity', value: 'critical|warning', isRegex: true, isEqual: true }],
    ['env!="dev"', { name: 'env', value: 'dev', isRegex: false, isEqual: false }],
    ['instance!~"db-[0-9]+"', { name: 'instance', value: 'db-[0-9]+', isRegex: true, isEqual: false }],
    [' team = "a b" ', { name: 'team', value: 'a b', isRegex: false, isEqual: true }],
    ['stack=payments', { name: 'stack', value: 'payments', isRegex: false, isEqual: true }],
    ['msg="say \\"hi\\" \\\\ bye"', { name: 'msg', value: 'say "hi" \\ bye', isRegex: false, isEqual: true }],
    ['empty=""', { name: 'empty', value: '', isRegex: false, isEqual: true }],
  ])('parses %s', (text, want) => {
    const m = parseMatcher(text);
    expect(m).toEqual(want);
    expect(parseMatcher(formatMatcher(m))).toEqual(want);
  });

  it.each([
    ['stack', /is not a matcher/],
    ['9stack="x"', /is not a matcher/],
    ['stack=="x"', /unescaped double quote/],
    ['stack="x', /no closing double quote/],
    ['stack="x\\"', /no closing double quote/],
    ['stack=~"(unclosed"', /not a valid regular expression/],
    ['stack="a\\tb"', /unknown escape/],
  ])('refuses %s', (text, message) => {
    expect(() => parseMatcher(text)).toThrow(message);
  });

  it('matches labels as Alertmanager does (anchored regexes, missing label is empty)', () => {
    const labels = { alertname: 'DiskFull', instance: 'db-12' };
    expect(matches(parseMatcher('instance=~"db-[0-9]+"'), labels)).toBe(true);
    expect(matches(parseMatcher('instance=~"db"'), labels)).toBe(false);
    expect(matches(parseMatcher('instance!~"web-.*"'), labels)).toBe(true);
    expect(matches(parseMatcher('team=""'), labels)).toBe(true);
    expect(matches(parseMatcher('team!=""'), labels)).toBe(false);
  });
});

describe('failures are told apart, in one line', () => {
  it('unreachable', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const err = (await getAlerts(url, {}, { timeoutMs: 2000 }).catch((e: unknown) => e)) as AlertmanagerError;
    expect(err).toBeInstanceOf(AlertmanagerError);
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(`Alertmanager at ${url} is unreachable: connect ECONNREFUSED ${url.slice(7)}`);
    const bad = (await getAlerts('not a url').catch((e: unknown) => e)) as AlertmanagerError;
    expect(bad.message).toBe('"not a url" is not an Alertmanager URL (write e.g. http://127.0.0.1:9093)');
  });

  it('timeout, for the headers and for a body that never ends', async () => {
    const silent = await silentServer();
    const trickle = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    });
    try {
      for (const srv of [silent, trickle]) {
        const err = (await getAlerts(srv.url, {}, { timeoutMs: 200 }).catch((e: unknown) => e)) as AlertmanagerError;
        expect(err.kind).toBe('timeout');
        expect(err.message).toBe(`Alertmanager at ${srv.url} did not answer GET /api/v2/alerts within 200ms`);
      }
    } finally {
      await silent.close();
      await trickle.close();
    }
  });

  it("HTTP errors carry the status and Alertmanager's text", async () => {
    const srv = await answeringServer('{"code":602,"message":"0.labels in body is required"}', 'application/json', 422);
    try {
      const err = (await getSilences(srv.url).catch((e: unknown) => e)) as AlertmanagerError;
      expect(err).toMatchObject({ kind: 'http', status: 422 });
      expect(err.message).toBe(
        `Alertmanager at ${srv.url} answered HTTP 422 to GET /api/v2/silences: 0.labels in body is required (code 602)`,
      );
    } finally {
      await srv.close();
    }
  });

  it('malformed answers name what was expected', async () => {
    const srv = await answeringServer('{"silenceID": 42}');
    try {
      const err = (await postSilence(srv.url, {
        matchers: [parseMatcher('a="b"')],
        startsAt: 0,
        endsAt: 1,
        createdBy: 'x',
        comment: 'y',
      }).catch((e: unknown) => e)) as AlertmanagerError;
      expect(err.kind).toBe('malformed');
      expect(err.message).toMatch(
        new RegExp(`^Alertmanager at ${srv.url} answered with something that is not a silence id: silenceID: `),
      );
      const st = (await getStatus(srv.url).catch((e: unknown) => e)) as AlertmanagerError;
      expect(st.message).toMatch(/is not an Alertmanager status: cluster: /);
    } finally {
      await srv.close();
    }
  });

  it('sends filters, flags and a path prefix as the API expects', async () => {
    const seen: string[] = [];
    const srv = await httpServer((req, res) => {
      seen.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    try {
      await getAlerts(`${srv.url}/am/`, {
        filter: ['stack="a b"', 'severity=~"critical|warning"'],
        silenced: false,
        inhibited: true,
      });
      const u = new URL(seen[0], srv.url);
      expect(u.pathname).toBe('/am/api/v2/alerts');
      expect(u.searchParams.getAll('filter')).toEqual(['stack="a b"', 'severity=~"critical|warning"']);
      expect(u.searchParams.get('silenced')).toBe('false');
      expect(u.searchParams.get('inhibited')).toBe('true');
      expect(u.searchParams.has('active')).toBe(false);
    } finally {
      await srv.close();
    }
  });
});

describe.skipIf(SKIP_ALERTMANAGER)('the client against a real Alertmanager', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am?.dispose();
  });

  it('gets filtered alerts, posts, lists and expires a silence, reads the status', async () => {
    await am.postAlerts([
      { labels: { alertname: 'A', stack: 'c1', severity: 'critical' } },
      { labels: { alertname: 'B', stack: 'c1', severity: 'warning' } },
      { labels: { alertname: 'C', stack: 'c2', severity: 'warning' } },
    ]);
    expect((await getAlerts(am.url, { filter: ['stack="c1"'] })).map((a) => a.labels.alertname).sort()).toEqual([
      'A',
      'B',
    ]);
    const id = await postSilence(am.url, {
      matchers: [parseMatcher('stack="c1"'), parseMatcher('severity!="critical"')],
      startsAt: Date.now(),
      endsAt: Date.now() + 60_000,
      createdBy: 'test',
      comment: 'client test',
    });
    const c1 = await getAlerts(am.url, { filter: ['stack="c1"'] });
    expect(c1.find((a) => a.labels.alertname === 'B')).toMatchObject({ amState: 'suppressed', silencedBy: [id] });
    expect(c1.find((a) => a.labels.alertname === 'A')!.amState).toBe('active');
    expect(
      (await getAlerts(am.url, { filter: ['stack="c1"'], silenced: false })).map((a) => a.labels.alertname),
    ).toEqual(['A']);
    expect((await getSilences(am.url)).find((s) => s.id === id)).toMatchObject({
      state: 'active',
      comment: 'client test',
    });
    await expireSilence(am.url, id);
    await expireSilence(am.url, id); // expiring twice is fine
    expect((await getSilences(am.url)).find((s) => s.id === id)!.state).toBe('expired');
    expect((await getStatus(am.url)).version).toBe('0.25.0');
  });

  it("reports Alertmanager's own refusals", async () => {
    const bad = (await getAlerts(am.url, { filter: ['stack=="x"'] }).catch((e: unknown) => e)) as AlertmanagerError;
    expect(bad).toMatchObject({ kind: 'http', status: 400 });
    expect(bad.message).toBe(
      `Alertmanager at ${am.url} answered HTTP 400 to GET /api/v2/alerts: matcher value contains unescaped double quote: ="x"`,
    );
    const none = (await postSilence(am.url, {
      matchers: [],
      startsAt: Date.now(),
      endsAt: Date.now() + 1000,
      createdBy: 'x',
      comment: 'y',
    }).catch((e: unknown) => e)) as AlertmanagerError;
    expect(none).toMatchObject({ kind: 'http', status: 422 });
    expect(none.message).toContain('matchers in body should have at least 1 items (code 612)');
    const unknown = (await expireSilence(am.url, '00000000-0000-0000-0000-000000000000').catch(
      (e: unknown) => e,
    )) as AlertmanagerError;
    expect(unknown.message).toBe(
      `Alertmanager at ${am.url} answered HTTP 500 to DELETE /api/v2/silence/00000000-0000-0000-0000-000000000000: silence not found`,
    );
  });
});
