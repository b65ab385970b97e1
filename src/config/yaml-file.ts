import { distance } from 'fastest-levenshtein';
import { LineCounter, parseDocument, isMap, isNode, isScalar } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { MAX_CONFIG_BYTES, readTextFile } from './safe-read.js';

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
  let doc: ReturnType<typeof parseDocument>;
  let data: unknown;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const pos = lineCounter.linePos(e.pos[0]);
      const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(file, `invalid YAML: ${msg}`, pos.line, pos.col);
    }
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (err) {
    throw yamlFailure(err, file);
  }
  if (data === null || data === undefined) throw new ConfigError(file, 'the file is empty');
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  // A misspelt key is both unknown and, under its right name, missing: naming the unknown one says both.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    // Point at the first unknown key itself, and name the known key it most likely meant.
    const [key, ...others] = issue.keys;
    const parent = doc.getIn(issue.path as unknown[], true);
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    const at = isNode(pair?.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
    const known = knownKeys(schema, issue.path);
    const guess = known && suggestKey(key, known);
    const hint = guess ? `did you mean ${guess}?` : known ? `expected one of ${known.join(', ')}` : '';
    const more = others.length > 0 ? ` (also unknown: ${others.join(', ')})` : '';
    throw new ConfigError(
      file,
      `${formatPath([...issue.path, key])}: unknown key${hint ? `; ${hint}` : ''}${more}`,
      at?.line,
      at?.col,
    );
  }
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

/** How many nodes aliases may expand to, in all (the `yaml` package's guard against "billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/**
 * What the YAML parser threw, as one line naming the file: an alias bomb (an alias expanding to an alias, over and
 * over, to exhaust memory), nesting deep enough to exhaust the stack. Anything else is a bug and stays one.
 */
export function yamlFailure(err: unknown, file: string): unknown {
  if (err instanceof ConfigError) return err;
  if (err instanceof ReferenceError && /alias/i.test(err.message))
    return new ConfigError(
      file,
      `invalid YAML: its aliases (*name) expand too far (an alias bomb?); dayops expands at most ${MAX_ALIAS_COUNT}`,
    );
  if (err instanceof RangeError && /call stack/i.test(err.message))
    return new ConfigError(file, 'invalid YAML: nested too deeply');
  return err;
}

/** Zod's wording, made plainer where it is vague: a missing field says so, with what it should be. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `is missing (expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`})`;
  }
  return issue.message;
}

/** What the parts of a zod schema keep in their definition, as far as finding an object's keys needs. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
}
const defOf = (s: z.core.$ZodType) => s._zod.def as unknown as SchemaDef;

/** The schema without its wrappers (optional, default, a transform after it, ...). */
function unwrap(s: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  for (let i = 0; s && i < 20; i++) {
    const def = defOf(s);
    const inner = def.type === 'pipe' ? def.in : def.innerType;
    if (!inner) return s;
    s = inner;
  }
  return s;
}

/** The keys the schema accepts for the object at a path of the data, when that is an object schema. */
function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let s = unwrap(schema);
  for (const key of path) {
    if (!s) return undefined;
    const def = defOf(s);
    s = unwrap(
      def.type === 'object'
        ? def.shape?.[String(key)]
        : def.type === 'array'
          ? def.element
          : def.type === 'record'
            ? def.valueType
            : undefined,
    );
  }
  if (!s) return undefined;
  const def = defOf(s);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** The known key closest to a mistyped one (case aside, a few letters off at most), if any is close. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** Read a YAML file with the safe reader (a regular file under the size limit) and validate it: else one line. */
export function readYamlFile<S extends z.ZodType>(path: string, schema: S, shownAs = path): z.infer<S> {
  return parseYaml(readTextFile(path, { maxBytes: MAX_CONFIG_BYTES, shownAs }), shownAs, schema);
}
