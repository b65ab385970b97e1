/**
 * The redactor's rules one by one, on examples printed by the real tools where a tool makes the form (python3,
 * bash). The property test (leaks.test.ts) throws generated secrets at all of it at once.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LiteralSet } from '../../src/secrets/literals.js';
import { PARTIAL_MIN, REDACTED, Redactor, redactDeep } from '../../src/secrets/redactor.js';
import { stripEscapes } from '../../src/terminal/escapes.js';
import { addForm, leaks, type Forms } from './check.js';
import { int, pick, prng, PYTHON, secret, seedFrom } from './generate.js';

/** What python3 prints for each expression with each secret as `s`, in one run: [secret][expression]. */
function python(exprs: string[], secrets: string[]): string[][] {
  const program = `import sys, json, shlex, urllib.parse as u
out = []
for s in json.loads(sys.stdin.read()):
    out.append([${exprs.map((e) => `str(${e})`).join(', ')}])
print(json.dumps(out))`;
  return JSON.parse(
    execFileSync(PYTHON, ['-c', program], { input: JSON.stringify(secrets), encoding: 'utf8' }),
  ) as string[][];
}

/** What bash prints (stdout and the `set -x` trace) for a script with the secret as $1. */
function bash(script: string, s: string): string {
  return execFileSync('bash', ['-c', `exec 2>&1; ${script}`, '_', s], { encoding: 'utf8' }).replace(/\n$/, '');
}

describe('LiteralSet', () => {
  it('finds any of many patterns anywhere, as many includes would', () => {
    const rand = prng(7);
    const alphabet = 'abcdef0123-_.XYZ';
    const word = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const patterns = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => word(3 + Math.floor(rand() * 30)));
      const set = new LiteralSet(patterns);
      for (let k = 0; k < 5; k++) {
        const text = word(Math.floor(rand() * 300));
        expect(set.test(text), `${JSON.stringify(patterns)} in ${text}`).toBe(
          patterns.some((p) => text.includes(p.slice(0, 16))) || patterns.some((p) => p.length < 8 && text.includes(p)),
        );
        const p = patterns[Math.floor(rand() * patterns.length)];
        const at = Math.floor(rand() * (text.length + 1));
        expect(set.test(text.slice(0, at) + p + text.slice(at))).toBe(true);
      }
    }
  });
});

describe('Redactor', () => {
  it('hides the forms Python prints: repr and ascii in both quote styles, bytes, json.dumps, quote, quote_plus, shlex', () => {
    const secrets = [`it's a "p@ss" w\\rd/ä€😀!`, "only'single", 'only"double\\', 'plain-ascii+/=%'];
    const exprs = [
      'repr(s)',
      'ascii(s)',
      'repr(s.encode())',
      'json.dumps(s)',
      'json.dumps(s, ensure_ascii=False)',
      'json.dumps(json.dumps(s))',
      'repr(repr(s))',
      'u.quote(s)',
      "u.quote(s, safe='')",
      "u.quote(s, safe='$&+:=@')",
      'u.quote_plus(s)',
      "u.quote_plus(s, safe='').replace('%2F', '%2f')",
      'shlex.quote(s)',
      `"'" + s.replace("'", "''") + "'"`,
    ];
    const printed = python(exprs, secrets);
    secrets.forEach((secret, i) => {
      const r = new Redactor([secret]);
      exprs.forEach((expr, j) => {
        const p = printed[i][j];
        const out = r.redact(`value: ${p} end`);
        expect(out, `${expr}: ${p}`).toContain(REDACTED);
        expect(out.replace(REDACTED, ''), `${expr}: ${p}`).not.toMatch(/[äüö€]|😀|p@ss|w\\rd|single|double|ascii/);
      });
    });
  });

  it('hides the forms bash prints: set -x traces and printf %q, in UTF-8 and in the C locale', () => {
    for (const secret of [`it's a "p@ss" w\\rd/ä€\tx!`, 'new\u001bline esc', 'sp ace$var`cmd`']) {
      const r = new Redactor([secret]);
      for (const script of [
        'set -x; : "$1"',
        'printf "%q\\n" "$1"',
        'LC_ALL=C printf "%q\\n" "$1"',
        'printf "%s\\n" "${1@Q}"',
      ]) {
        const printed = bash(script, secret);
        const out = r.redact(printed);
        expect(out, `${script}: ${JSON.stringify(printed)}`).toContain(REDACTED);
        expect(out, `${script}: ${JSON.stringify(printed)}`).not.toMatch(/p@ss|line|ace|w\\rd/);
      }
    }
  });

  it('hides the JavaScript and Go URL encodings, either case of hex, and base64 in both alphabets and alignments', () => {
    const secret = 'p@ss w0rd/42+?&=ß~';
    const r = new Redactor([secret]);
    const goQueryEscape = encodeURIComponent(secret)
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    for (const form of [
      encodeURIComponent(secret),
      encodeURI(secret),
      encodeURIComponent(secret)
        .toLowerCase()
        .replace(/p%40ss/, 'p%40ss'),
      goQueryEscape,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    ]) {
      expect(r.redact(`x=${form}&y`), form).toMatch(/^x=\[REDACTED\]=*&y$/);
    }
    for (const prefix of ['', 'u', 'us', 'use', 'user:']) {
      for (const b64 of ['base64', 'base64url'] as const) {
        const header = Buffer.from(`${prefix}${secret}!tail`).toString(b64);
        const out = r.redact(header);
        expect(out, `${prefix} ${b64}`).toContain(REDACTED);
        const rest = Buffer.from(out.replace(REDACTED, ''), b64).toString('latin1');
        expect(rest).not.toContain('w0rd');
      }
    }
  });

  it('finds a secret with colour codes inside, and masks the codes with it in the text and its plain copy', () => {
    const r = new Redactor(['hunter2-db-password']);
    const line = 'pw=\u001b[31mhunter2\u001b[0m-db-\u001b[1mpass\u001b[22mword\u001b[0m ok';
    expect(r.absentFrom(line)).toBe(false);
    const out = r.redact(line);
    expect(out).toBe('pw=\u001b[31m[REDACTED]\u001b[0m ok');
    expect(stripEscapes(out)).toBe('pw=[REDACTED] ok');
    // one colour code per character
    const each = [...'hunter2-db-password'].map((c, i) => `\u001b[3${i % 8}m${c}`).join('');
    expect(stripEscapes(r.redact(`[${each}]`))).toBe('[[REDACTED]]');
  });

  it('finds a secret inside an escape sequence (the URL of a terminal link)', () => {
    const r = new Redactor(['hunter2-db-password']);
    const link = '\u001b]8;;https://app:hunter2-db-password@db/x\u001b\\open\u001b]8;;\u001b\\';
    expect(r.redact(link)).toBe('\u001b]8;;https://app:[REDACTED]@db/x\u001b\\open\u001b]8;;\u001b\\');
  });

  it(`masks a trailing start of a secret of ${PARTIAL_MIN} characters or more where the text was cut`, () => {
    const secret = 'p@ss w0rd/42+x';
    const r = new Redactor([secret]);
    for (let n = 1; n < secret.length; n++) {
      const cut = `token=${secret.slice(0, n)}`;
      expect(r.redact(cut, { cut: true }), cut).toBe(n >= PARTIAL_MIN ? `token=${REDACTED}` : cut);
      // not cut: a start of a secret is ordinary text
      expect(r.redact(cut)).toBe(cut);
    }
    const enc = encodeURIComponent(secret);
    for (let n = PARTIAL_MIN; n < enc.length; n++) {
      expect(r.redact(`u=${enc.slice(0, n)}`, { cut: true }), enc.slice(0, n)).toBe(`u=${REDACTED}`);
    }
    expect(r.redact('ends with \u001b[1mp@ss\u001b[0m w0', { cut: true })).toBe('ends with \u001b[1m[REDACTED]');
    // cut inside the encoding of a character of several bytes
    const emoji = new Redactor(['0Dl&P😀FXe|wy81']);
    for (const cut of ['0Dl&P%F0%9F%9', '0Dl&P\\xf0\\x9f\\x9', '0Dl&P\\ud83d\\ude0', '0Dl&P\\360\\237\\23']) {
      expect(emoji.redact(`last: ${cut}`, { cut: true }), cut).toBe(`last: ${REDACTED}`);
    }
    // cut inside the encoding of the first character
    const cjk = new Redactor(['日本-secret']);
    for (const cut of ['%E6%97', '%e6%97%a5%e6', '\\xe6\\x97', '\\u65e5\\u', '&#26085']) {
      expect(cjk.redact(`last: ${cut}`, { cut: true }), cut).toBe(`last: ${REDACTED}`);
    }
    expect(cjk.redact('last: %E6%9', { cut: true })).toBe('last: %E6%9');
  });

  it('keeps a JSON line JSON: its strings are redacted one by one', () => {
    const r = new Redactor(['ab"c", "d']);
    const line = JSON.stringify({ '@message': 'x ab"c", "d y', list: ['ab"c", "d'], n: 1 });
    const out = r.redactLine(line);
    expect(JSON.parse(out)).toEqual({ '@message': 'x [REDACTED] y', list: ['[REDACTED]'], n: 1 });
    // a secret that reads as JSON syntax, outside the strings, is still masked (the line is no longer JSON)
    expect(r.redactLine('{"k": ab"c", "d}')).not.toContain('ab"c", "d');
  });

  it('redacts a deep copy: keys, strings, and numbers whose digits are a secret', () => {
    const r = new Redactor(['31415926', 'key-secret']);
    expect(redactDeep({ pin: 31415926, other: 2, 'key-secret': ['x key-secret'], ok: true }, r)).toEqual({
      pin: REDACTED,
      other: 2,
      [REDACTED]: [`x ${REDACTED}`],
      ok: true,
    });
  });

  it('hides a value whose encodings share no three characters in a row (no prefilter for it)', () => {
    const r = new Redactor(['!a@b#c$d%']);
    expect(r.absentFrom('nothing here')).toBe(false);
    expect(r.redact('x !a@b#c$d% y')).toBe(`x ${REDACTED} y`);
    expect(r.redact(`x ${encodeURIComponent('!a@b#c$d%')} y`)).toBe(`x ${REDACTED} y`);
  });

  it('hides each line of a multi-line value, and the whole of it JSON-escaped', () => {
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END KEY-----';
    const r = new Redactor([key]);
    expect(r.redact('  MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX')).toBe(`  ${REDACTED}`);
    expect(r.redact(JSON.stringify({ private_key: key }))).toBe(`{"private_key":"${REDACTED}"}`);
  });

  it('puts secrets next to each other as two masks, and a longer secret before one it starts with', () => {
    const r = new Redactor(['abcd', 'abcdefgh']);
    expect(r.redact('abcdefghabcd')).toBe(`${REDACTED}${REDACTED}`);
  });
});

describe('Redactor, on generated secrets', () => {
  const SEED = seedFrom(424_242);
  /** Forms made here (the property test in leaks.test.ts has the real tools make them). */
  const FORMS: [string, (s: string) => string][] = [
    ['raw', (s) => s],
    ['JSON', (s) => JSON.stringify(s).slice(1, -1)],
    [
      'JSON, ASCII only',
      (s) =>
        JSON.stringify(s)
          .slice(1, -1)
          .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['JSON with \\/', (s) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/')],
    ['JSON in JSON', (s) => JSON.stringify(JSON.stringify(s)).slice(3, -3)],
    ['encodeURIComponent', encodeURIComponent],
    ['encodeURI', encodeURI],
    ['lower-case hex', (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
    ['query, space as +', (s) => encodeURIComponent(s).replace(/%20/g, '+')],
    ["POSIX '\\''", (s) => s.replace(/'/g, "'\\''")],
    ["YAML ''", (s) => s.replace(/'/g, "''")],
    ['base64', (s) => Buffer.from(s).toString('base64')],
    ['base64url', (s) => Buffer.from(s).toString('base64url')],
  ];
  const SGR = ['\u001b[31m', '\u001b[1m', '\u001b[0m', '\u001b[38;5;208m'];

  it(`masks every form of 300 secrets, with colour codes inside and text around, and any cut start of 6 or more (seed ${SEED})`, () => {
    const rand = prng(SEED);
    const problems: string[] = [];
    for (let n = 0; n < 300 && problems.length < 5; n++) {
      const value = secret(rand);
      const r = new Redactor([value]);
      const forms: Forms = new Map();
      for (const [name, make] of FORMS) addForm(forms, value, name, make(value));
      for (const [name, make] of FORMS) {
        const form = make(value);
        const chars = [...form];
        for (let k = int(rand, 0, 3); k > 0; k--) chars.splice(int(rand, 1, chars.length - 1), 0, pick(rand, SGR));
        const coloured = chars.join('');
        const line = `${pick(rand, ['', 'pw=', '"', "'", 'x '])}${coloured}${pick(rand, ['', ' end', '"', "'", '&x=1'])}`;
        problems.push(...leaks(`${name} in ${JSON.stringify(line)}`, r.redact(line), forms));
        const cut = form.slice(0, int(rand, 6, form.length - 1));
        problems.push(
          ...leaks(`${name} cut to ${JSON.stringify(cut)}`, r.redact(`last: ${cut}`, { cut: true }), forms),
        );
      }
    }
    expect(problems, `seed ${SEED} (DAYOPS_TEST_SEED=${SEED} replays it)`).toEqual([]);
  });
});
