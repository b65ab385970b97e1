/**
 * Which root-module variables of an OpenTofu/Terraform folder are declared `sensitive = true`. A sensitive
 * upstream output may only feed such a variable: Terraform then masks it and every value derived from it in its
 * plan, its state's record of sensitivity and its output, so an earlier value never shows in a later plan.
 * Read from the `*.tf`/`*.tofu` files (HCL blocks, braces balanced, strings and comments skipped) and `*.tf.json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The text with comments and string contents blanked, so braces and keys inside them do not count. */
function code(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    if (c === '#' || two === '//') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (two === '/*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += `"${text.slice(i + 1, j).replace(/[{}]/g, ' ')}"`;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function fromHcl(text: string, into: Set<string>): void {
  const src = code(text);
  const re = /\bvariable\s+"([^"]+)"\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src))) {
    let depth = 1;
    let j = re.lastIndex;
    while (j < src.length && depth > 0) {
      if (src[j] === '{') depth++;
      else if (src[j] === '}') depth--;
      j++;
    }
    // Only the block's own attributes (depth 1), not those of a nested validation block.
    const body = src.slice(re.lastIndex, j - 1);
    let flat = '';
    let d = 0;
    for (const ch of body) {
      if (ch === '{') d++;
      else if (ch === '}') d--;
      else if (d === 0) flat += ch;
    }
    if (/(^|\n)\s*sensitive\s*=\s*true\b/.test(flat)) into.add(m[1]);
  }
}

function fromJson(text: string, into: Set<string>): void {
  try {
    const doc = JSON.parse(text) as { variable?: Record<string, { sensitive?: boolean }> };
    for (const [name, v] of Object.entries(doc.variable ?? {})) if (v?.sensitive === true) into.add(name);
  } catch {
    /* Terraform says what is wrong with it */
  }
}

export function sensitiveVariables(dir: string): Set<string> {
  const out = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const isJson = name.endsWith('.tf.json') || name.endsWith('.tofu.json');
    if (!isJson && !name.endsWith('.tf') && !name.endsWith('.tofu')) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    if (isJson) fromJson(text, out);
    else fromHcl(text, out);
  }
  return out;
}
