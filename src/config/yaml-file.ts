import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** `network.subnets[2].cidr`, the path format findings and errors use everywhere. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * Parse YAML text and validate it against a zod schema. Any problem becomes one ConfigError naming the file,
 * the line and column, the field, and what is wrong.
 */
export function parseYaml<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, `invalid YAML: ${msg}`, pos.line, pos.col);
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined) throw new ConfigError(file, 'the file is empty');
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Point at the deepest node that exists on the issue's path.
  let line: number | undefined;
  let col: number | undefined;
  for (let n = issue.path.length; n >= 0; n--) {
    const node = doc.getIn(issue.path as unknown[], true);
    const target = n === issue.path.length ? node : doc.getIn(issue.path.slice(0, n) as unknown[], true);
    if (isNode(target) && target.range) {
      const pos = lineCounter.linePos(target.range[0]);
      line = pos.line;
      col = pos.col;
      break;
    }
  }
  const where = formatPath(issue.path);
  throw new ConfigError(file, `${where ? `${where}: ` : ''}${describeIssue(issue)}`, line, col);
}

/** Zod's wording, made plainer where it is vague: a missing field says so, with what it should be. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `is missing (expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`})`;
  }
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return issue.message;
}

export function readYamlFile<S extends z.ZodType>(path: string, schema: S, shownAs = path): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      shownAs,
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot be read (${code ?? 'error'})`,
    );
  }
  return parseYaml(text, shownAs, schema);
}
