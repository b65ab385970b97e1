/**
 * A stack's outputs (issue 12), read with `terraform output -json` (or `tofu`) in the stack's folder, with the
 * stack's own environment and secrets (its backend may need them). The tool's stdout is captured, never logged:
 * it holds sensitive values in clear. What dayops keeps of them is a digest per output (a keyed hash of its JSON
 * value), to tell whether an apply changed them; no value is ever stored.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { OutputDigest } from '../../db/dependencies.js';
import type { ExecResult, ExecSpec } from '../adapter.js';
import { ToolError } from '../adapter.js';

export interface OutputValue {
  value: unknown;
  sensitive: boolean;
}

export type Outputs = Record<string, OutputValue>;

/** The outputs in `terraform output -json`'s document. Throws on anything else. */
export function parseOutputs(stdout: string): Outputs {
  const text = stdout.trim();
  if (text === '') return {};
  const doc = JSON.parse(text) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  const out: Outputs = {};
  for (const [name, o] of Object.entries(doc as Record<string, unknown>)) {
    const entry = (o ?? {}) as { value?: unknown; sensitive?: unknown };
    out[name] = { value: entry.value, sensitive: entry.sensitive === true };
  }
  return out;
}

/** Run `output -json` through `exec` (stdout captured, stderr logged) and read it. */
export async function readOutputs(
  exec: (spec: ExecSpec) => Promise<ExecResult>,
  binary: string,
  phase: ExecSpec['phase'],
  what: string,
): Promise<Outputs> {
  const r = await exec({
    argv: [binary, 'output', '-json', '-no-color'],
    phase,
    stdout: 'capture',
    env: { TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
  });
  if (r.code !== 0) throw new ToolError(`${what}: \`${binary} output -json\` failed (exit ${r.code ?? r.signal})`);
  try {
    return parseOutputs(r.stdout);
  } catch (err) {
    throw new ToolError(`${what}: \`${binary} output -json\` printed no JSON object (${(err as Error).message})`);
  }
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/** A stable JSON text of a value (object keys sorted), so equal values hash alike. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export function digestOutputs(outputs: Outputs, salt: string): Record<string, OutputDigest> {
  const out: Record<string, OutputDigest> = {};
  for (const name of Object.keys(outputs).sort()) {
    const o = outputs[name];
    out[name] = {
      sensitive: o.sensitive,
      hash: createHmac('sha256', salt).update(name).update('\0').update(canonical(o.value)).digest('hex'),
    };
  }
  return out;
}

/** The names of outputs added, removed or changed between two digests. */
export function changedOutputs(before: Record<string, OutputDigest>, after: Record<string, OutputDigest>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n]?.hash !== after[n]?.hash).sort();
}

/** Every string inside a value (a sensitive output's value can be a list or an object): what the redactor masks. */
export function stringsOf(v: unknown, into: string[] = []): string[] {
  if (typeof v === 'string') into.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') into.push(String(v));
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, into);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringsOf(x, into);
  return into;
}

/**
 * A value as Terraform reads a `TF_VAR_` variable: a string as it is, anything else as its JSON (which HCL reads
 * as the same list, map or number).
 */
export function tfVarText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
