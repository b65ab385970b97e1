import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackConfigSchema, type StackConfig } from '../../src/config/stack-config.js';
import { MIN_SECRET_LENGTH, Redactor, resolveStackEnv } from '../../src/day1/secrets.js';
import { UserError } from '../../src/errors.js';
import { tmpDir } from '../helpers/tmp.js';

const config = (c: Record<string, unknown>): StackConfig => stackConfigSchema.parse(c);

function resolveError(cfg: StackConfig, dir: string, from: NodeJS.ProcessEnv): UserError {
  try {
    resolveStackEnv(cfg, dir, from);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('resolveStackEnv', () => {
  it('gives the plain env plus secrets from the environment and from files', () => {
    const dir = tmpDir();
    const home = tmpDir();
    mkdirSync(join(home, '.config', 'payments'), { recursive: true });
    writeFileSync(join(home, '.config', 'payments', 'db-password'), 'hunter2-db-password\n');
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'token'), 'tok-3f9a\r\n');
    const cfg = config({
      env: { TF_IN_AUTOMATION: 1, REGION: 'eu-west-1' },
      secrets: [
        { name: 'AWS_SECRET_ACCESS_KEY', fromEnv: 'PAYMENTS_AWS_SECRET' },
        { name: 'DB_PASSWORD', fromFile: '~/.config/payments/db-password' },
        { name: 'API_TOKEN', fromFile: 'secrets/token' },
      ],
    });
    const resolved = resolveStackEnv(cfg, dir, { HOME: home, PAYMENTS_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG' });
    expect(resolved.env).toEqual({
      TF_IN_AUTOMATION: '1',
      REGION: 'eu-west-1',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      DB_PASSWORD: 'hunter2-db-password',
      API_TOKEN: 'tok-3f9a',
    });
    expect(resolved.secretValues).toEqual(['wJalrXUtnFEMI/K7MDENG', 'hunter2-db-password', 'tok-3f9a']);
    expect(resolved.warnings).toEqual([]);
  });

  it('takes an absolute file path as it is', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'pw'), 'abs-secret');
    expect(
      resolveStackEnv(config({ secrets: [{ name: 'PW', fromFile: join(dir, 'pw') }] }), '/elsewhere', {}).env.PW,
    ).toBe('abs-secret');
  });

  it('a missing variable is a one-line error naming the secret and the variable', () => {
    const cfg = config({ secrets: [{ name: 'DB_PASSWORD', fromEnv: 'PAYMENTS_DB' }] });
    const err = resolveError(cfg, tmpDir(), {});
    expect(err.message).toBe('secret DB_PASSWORD: environment variable PAYMENTS_DB is not set');
    expect(resolveError(cfg, tmpDir(), { PAYMENTS_DB: '' }).message).toBe(
      'secret DB_PASSWORD: environment variable PAYMENTS_DB is empty',
    );
  });

  it('a missing file names the secret and where it looked, and never a value', () => {
    const dir = tmpDir();
    const cfg = config({
      secrets: [
        { name: 'FIRST', fromEnv: 'FIRST_SECRET' },
        { name: 'DB_PASSWORD', fromFile: 'secrets/db' },
      ],
    });
    const err = resolveError(cfg, dir, { FIRST_SECRET: 'the-first-value' });
    expect(err.message).toBe(`secret DB_PASSWORD: file secrets/db (${join(dir, 'secrets/db')}) does not exist`);
    expect(err.message).not.toContain('the-first-value');
  });

  it('an empty file, a folder, and a file that cannot be read are errors', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'empty'), '\n');
    mkdirSync(join(dir, 'folder'));
    expect(resolveError(config({ secrets: [{ name: 'E', fromFile: 'empty' }] }), dir, {}).message).toBe(
      'secret E: file empty is empty',
    );
    expect(resolveError(config({ secrets: [{ name: 'F', fromFile: 'folder' }] }), dir, {}).message).toBe(
      `secret F: file folder (${join(dir, 'folder')}) is a folder, not a file`,
    );
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file says permission denied', () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'locked'), 'locked-value');
    chmodSync(join(dir, 'locked'), 0o000);
    const err = resolveError(config({ secrets: [{ name: 'L', fromFile: 'locked' }] }), dir, {});
    expect(err.message).toBe(`secret L: file locked (${join(dir, 'locked')}) cannot be read (permission denied)`);
  });

  it('warns about a value too short to be hidden in logs', () => {
    const r = resolveStackEnv(config({ secrets: [{ name: 'PIN', fromEnv: 'PIN' }] }), tmpDir(), { PIN: '123' });
    expect(r.env.PIN).toBe('123');
    expect(r.warnings).toEqual([
      `secret PIN is shorter than ${MIN_SECRET_LENGTH} characters: it is not hidden in logs`,
    ]);
  });
});

describe('Redactor', () => {
  it('hides a value inside a line', () => {
    const r = new Redactor(['s3cr3t-pa55']);
    expect(r.active).toBe(true);
    expect(r.redact('connecting with password=s3cr3t-pa55 to db')).toBe('connecting with password=[REDACTED] to db');
    expect(r.redact('s3cr3t-pa55s3cr3t-pa55')).toBe('[REDACTED][REDACTED]');
  });

  it('hides several values', () => {
    const r = new Redactor(['alpha-key', 'beta-token']);
    expect(r.redact('a=alpha-key b=beta-token a=alpha-key')).toBe('a=[REDACTED] b=[REDACTED] a=[REDACTED]');
  });

  it('hides the whole of a value another one is a prefix of', () => {
    const r = new Redactor(['abcd', 'abcdefgh']);
    expect(r.redact('x=abcdefgh y=abcd')).toBe('x=[REDACTED] y=[REDACTED]');
    expect(new Redactor(['abcdefgh', 'abcd']).redact('x=abcdefgh')).toBe('x=[REDACTED]');
  });

  it('treats regex metacharacters as text', () => {
    const value = 'p.a$s(w)o*r+d?[x]{2}|^\\/-';
    const r = new Redactor([value]);
    expect(r.redact(`pw ${value} end`)).toBe('pw [REDACTED] end');
    expect(r.redact('pXa$s(w)o*r+d?[x]{2}|^\\/-')).toBe('pXa$s(w)o*r+d?[x]{2}|^\\/-');
    expect(new Redactor(['$&$1x']).redact('a $&$1x b')).toBe('a [REDACTED] b');
  });

  it('hides the JSON-escaped form tools print', () => {
    const value = 'pa"ss\\word\tend';
    const r = new Redactor([value]);
    const line = JSON.stringify({ '@message': 'output', value });
    expect(line).toContain('pa\\"ss\\\\word\\tend');
    expect(r.redact(line)).toBe('{"@message":"output","value":"[REDACTED]"}');
  });

  it("hides Go's and Python's JSON escapes (<>& and non-ASCII as \\uXXXX)", () => {
    const r = new Redactor(['a<b>&c-pässwörd']);
    expect(r.redact('"a\\u003cb\\u003e\\u0026c-pässwörd"')).toBe('"[REDACTED]"');
    expect(r.redact('"a<b>&c-p\\u00e4ssw\\u00f6rd"')).toBe('"[REDACTED]"');
  });

  it('hides URL-encoded and base64 forms, also inside a longer base64 text', () => {
    const pw = 'p@ss w0rd/42';
    const r = new Redactor([pw]);
    expect(r.redact(`postgres://app:${encodeURIComponent(pw)}@db:5432/orders`)).toBe(
      'postgres://app:[REDACTED]@db:5432/orders',
    );
    expect(r.redact(`data: ${Buffer.from(pw).toString('base64')}`)).toBe('data: [REDACTED]');
    for (const user of ['a', 'ab', 'abc']) {
      const header = `Authorization: Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
      const out = r.redact(header);
      expect(out, user).toContain('[REDACTED]');
      // What is left of the encoding cannot be decoded back to the password.
      expect(
        Buffer.from(out.replace(/^Authorization: Basic /, '').replace('[REDACTED]', ''), 'base64').toString('latin1'),
      ).not.toContain('w0rd');
    }
  });

  it('hides each line of a multi-line value, since logs come a line at a time', () => {
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END KEY-----';
    const r = new Redactor([key]);
    expect(r.redact('  MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX')).toBe('  [REDACTED]');
  });

  it('ignores values shorter than 4 characters', () => {
    const r = new Redactor(['abc', '']);
    expect(r.active).toBe(false);
    expect(r.redact('abc abc')).toBe('abc abc');
    expect(new Redactor(['abcd']).redact('x abcd y')).toBe('x [REDACTED] y');
  });

  it('returns the line untouched when there is nothing to hide', () => {
    const none = new Redactor([]);
    expect(none.active).toBe(false);
    const line = 'Plan: 1 to add, 0 to change, 0 to destroy.';
    expect(none.redact(line)).toBe(line);
    const r = new Redactor(['a-long-secret-value']);
    expect(r.redact('short')).toBe('short');
    expect(r.redact(line)).toBe(line);
  });
});
