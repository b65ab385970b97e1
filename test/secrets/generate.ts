/** Seeded random secrets for the leak tests: the same seed gives the same cases, and a failure names its seed. */
import { existsSync } from 'node:fs';

/** python3 without a version manager's shim in front (pyenv's takes seconds a call on a busy machine). */
export const PYTHON = process.env.DAYOPS_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** mulberry32: a small seeded PRNG, floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed: DAYOPS_TEST_SEED when set (to replay a failure), else the given one. */
export function seedFrom(fallback: number): number {
  const s = Number(process.env.DAYOPS_TEST_SEED);
  return Number.isSafeInteger(s) ? s : fallback;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** What makes encoders work: quotes, backslashes, spaces, %, +, /, shell and URL specials. */
const SPECIALS = `'"\\ %+/!@#$&*()=?~;:,<>[]{}|^\`-_.`;
const NON_ASCII = ['é', 'ä', 'ß', 'ø', 'ñ', '€', '日', '本', '😀', '🔑', '\u00a0'];

export const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
export const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** A secret of 8 to 32 characters, about a third of them special, some non-ASCII, now and then a tab. */
export function secret(rand: () => number): string {
  const n = int(rand, 8, 32);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.55) s += pick(rand, [...LETTERS]);
    else if (r < 0.9) s += pick(rand, [...SPECIALS]);
    else if (r < 0.98) s += pick(rand, NON_ASCII);
    else s += '\t';
  }
  return s;
}
