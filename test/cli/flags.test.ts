import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../src/commands/context.js';
import { UserError } from '../../src/errors.js';

describe('parseFlags', () => {
  const options = { limit: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('reads flags and positionals', () => {
    const { values, positionals } = parseFlags('runs', ['shop', '--limit', '3', '--json'], options);
    expect(values).toEqual({ limit: '3', json: true });
    expect(positionals).toEqual(['shop']);
  });

  it('says how to write a value that starts with "-", as one line with exit 2', () => {
    let err: unknown;
    try {
      parseFlags('runs', ['--limit', '-3'], options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      "dayops runs: --limit needs a value; one that starts with '-' is written --limit=VALUE",
    );
    expect((err as UserError).exitCode).toBe(2);
  });

  it('names an unknown option in one line', () => {
    expect(() => parseFlags('runs', ['--nope'], options)).toThrow(/^dayops runs: Unknown option '--nope'$/);
  });
});
