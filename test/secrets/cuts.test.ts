/**
 * What dayops cuts or summarises of a tool's output, it cuts after the secrets in it are masked: a cut can fall on
 * `[REDACTED]`, never inside a secret. (The runner masks every line before an adapter reads it; the property test
 * in leaks.test.ts covers the lines. This covers what an adapter reads that is not a line: captured stdout.)
 */
import { expect, it } from 'vitest';
import { parseShowJson } from '../../src/day1/adapters/terraform-show.js';
import { Redactor } from '../../src/secrets/redactor.js';

it('the quote of a `show -json` that printed no JSON is cut after its secrets are masked', () => {
  const secret = 'hunter2 "db" password/0123';
  const r = new Redactor([secret]);
  for (let at = 60; at < 90; at++) {
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret)]) {
      let message = '';
      try {
        parseShowJson(`${'x'.repeat(at)}${form} more\n{`, (t) => r.redact(t));
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^show -json did not print JSON \(it printed "x+/);
      expect(message, form).not.toContain(form.slice(0, 6));
      expect(message, form).not.toContain(secret.slice(0, 6));
    }
  }
});
