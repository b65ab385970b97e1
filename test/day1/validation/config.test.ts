/** `monitoring:` and `checks:` in dayops.yaml: what they read as, and one line naming the field when wrong. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../../src/config/stack-config.js';
import { tmpDir } from '../../helpers/tmp.js';

function load(yaml: string) {
  const dir = tmpDir('dayops-checks-config-');
  writeFileSync(join(dir, 'dayops.yaml'), yaml);
  return loadStackConfig(dir);
}

function error(yaml: string): string {
  try {
    load(yaml);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('checks in dayops.yaml', () => {
  it('reads the issue example, with durations in milliseconds and the defaults', () => {
    const c = load(`monitoring: { prometheusUrl: http://127.0.0.1:9090 }
checks:
  - name: web-up
    http: { url: https://shop.example.com/healthz, status: 200, bodyMatches: "ok", timeout: 5s }
    within: 2m
    when: [after-apply]
  - name: few-errors
    prometheus: { query: 'sum(rate(http_requests_total{code=~"5.."}[5m]))', below: 0.5 }
  - name: smoke
    command: [./smoke.sh, --quick]
  - name: terraform-checks
    terraform: {}
  - name: db
    tcp: { host: db.internal, port: 5432 }
    when: [after-apply, scheduled]
    schedule: "*/5 * * * *"
`);
    expect(c.monitoring).toEqual({ prometheusUrl: 'http://127.0.0.1:9090' });
    expect(c.checks[0]).toMatchObject({ http: { timeout: 5000 }, within: 120_000, when: ['after-apply'] });
    expect(c.checks[1].when).toEqual(['after-apply']);
    expect(c.checks[1].within).toBeUndefined();
    expect(c.checks[2].command).toEqual(['./smoke.sh', '--quick']);
    expect(c.checks[4]).toMatchObject({ tcp: { host: 'db.internal', port: 5432 }, schedule: '*/5 * * * *' });
  });

  it('refuses bad checks in one line naming the field', () => {
    const lines = [
      error('checks:\n  - name: a\n'),
      error('checks:\n  - name: a\n    http: { url: http://x }\n    tcp: { host: x, port: 1 }\n'),
      error('checks:\n  - name: a\n    http: { url: not a url }\n'),
      error('checks:\n  - name: a\n    http: { url: http://x, timeout: soon }\n'),
      error('checks:\n  - name: a\n    prometheus: { query: up }\n'),
      error('checks:\n  - name: a\n    prometheus: { query: up, below: 1 }\n'),
      error('checks:\n  - name: a\n    command: ./smoke.sh --quick\n'),
      error('checks:\n  - name: a\n    http: { url: http://x }\n    when: [scheduled]\n'),
      error('checks:\n  - name: a\n    http: { url: http://x }\n    when: [scheduled]\n    schedule: "61 * * * *"\n'),
      error('checks:\n  - name: a\n    http: { url: http://x }\n  - name: a\n    tcp: { host: x, port: 1 }\n'),
      error('checks:\n  - name: a\n    http: { url: http://x, stauts: 200 }\n'),
    ];
    for (const l of lines) expect(l.split('\n')).toHaveLength(1);
    expect(lines[0]).toMatch(/checks\[0\]: needs one kind: http, prometheus, command, tcp, terraform/);
    expect(lines[1]).toMatch(/checks\[0\]: has http and tcp; a check has exactly one kind/);
    expect(lines[2]).toMatch(/checks\[0\]\.http\.url: must be a URL/);
    expect(lines[3]).toMatch(/checks\[0\]\.http\.timeout: must be a duration such as 5s, 2m or 1h \(got "soon"\)/);
    expect(lines[4]).toMatch(/checks\[0\]\.prometheus: needs one of below, above or equals/);
    expect(lines[5]).toMatch(/checks\[0\]\.prometheus: a prometheus check needs monitoring\.prometheusUrl/);
    expect(lines[6]).toMatch(/checks\[0\]\.command: /);
    expect(lines[7]).toMatch(/checks\[0\]\.schedule: a scheduled check needs schedule/);
    expect(lines[8]).toMatch(/checks\[0\]\.schedule: "61 \* \* \* \*" is not a cron expression/);
    expect(lines[9]).toMatch(/checks\[1\]\.name: "a" is the name of another check/);
    expect(lines[10]).toMatch(/checks\[0\]\.http\.stauts: unknown key; did you mean status\?/);
  });
});
