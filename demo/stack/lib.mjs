// Shared by plan.mjs and apply.mjs: the demo stack's "infrastructure" is a few files under managed/ in the
// stack folder. infra.json is the code (what should exist), state.json what the last apply made, and the files
// themselves are reality: edit one by hand and the next plan reports it as drift.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export const INFRA = 'infra.json';
export const STATE = 'state.json';
export const TOOL = 'dayops-demo';

/** Milliseconds between output lines, so the run streams like a real tool (DAYOPS_DEMO_DELAY_MS, default 100). */
const DELAY = Math.max(0, Number(process.env.DAYOPS_DEMO_DELAY_MS ?? 100) || 0);

export async function say(line = '') {
  process.stdout.write(`${line}\n`);
  if (DELAY) await sleep(DELAY);
}

export function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

export function readJson(file, what) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`${file}: cannot read ${what} (${err.code ?? err.message})`);
  }
}

/** The resources the code asks for, each {address, type, name, path, content}. */
export function desired() {
  if (!existsSync(INFRA)) fail(`${INFRA} not found in ${process.cwd()}: this folder is not the demo stack`);
  const infra = readJson(INFRA, 'the demo infrastructure');
  if (!Array.isArray(infra.resources)) fail(`${INFRA}: "resources" must be a list`);
  const seen = new Set();
  return infra.resources.map((r, i) => {
    for (const k of ['type', 'name', 'path', 'content']) {
      if (typeof r[k] !== 'string') fail(`${INFRA}: resources[${i}].${k} must be a string`);
    }
    if (r.path.startsWith('/') || r.path.split('/').includes('..'))
      fail(`${INFRA}: resources[${i}].path must stay inside the stack folder`);
    const address = `${r.type}.${r.name}`;
    if (seen.has(address)) fail(`${INFRA}: resources[${i}]: ${address} is declared twice`);
    seen.add(address);
    return { address, type: r.type, name: r.name, path: r.path, content: r.content };
  });
}

/** What the last apply made: {serial, resources: {address: {path, sha256}}}. */
export function state() {
  return existsSync(STATE) ? readJson(STATE, 'the state') : { serial: 0, resources: {} };
}

/** The file as it is now (null when absent). */
export function actual(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** One line of a value for the plan output. */
export function preview(text) {
  if (text === null || text === undefined) return 'null';
  const first = text.split('\n')[0];
  const lines = text.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '').length;
  return `${JSON.stringify(first.length > 48 ? `${first.slice(0, 47)}…` : first)}${lines > 1 ? ` (+${lines - 1} lines)` : ''}`;
}

/** Where two texts first differ, for the plan output: `line 3: "a" -> "b"`. */
export function firstDifference(before, after) {
  const a = (before ?? '').split('\n');
  const b = (after ?? '').split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (l) => (l === undefined ? '(no line)' : JSON.stringify(l.length > 40 ? `${l.slice(0, 39)}…` : l));
      return `line ${i + 1}: ${show(a[i])} -> ${show(b[i])}`;
    }
  }
  return '(same text)';
}
