/**
 * SQLite-style parameters to PostgreSQL's: `?` (positional, in order) and `@name`, `:name`, `$name` (named, bound from
 * an object) become `$1`, `$2`, ...; text in quotes and comments is left alone, and so is PostgreSQL's `::type` cast.
 */

export interface Translated {
  text: string;
  /** For each `$n` in order: the index of a positional argument, or the name of a named one. */
  slots: (number | string)[];
}

const cache = new Map<string, Translated>();

export function translate(sql: string): Translated {
  const hit = cache.get(sql);
  if (hit) return hit;
  const slots: (number | string)[] = [];
  const named = new Map<string, number>();
  let out = '';
  let positional = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? n : j;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const j = sql.indexOf('*/', i + 2);
      const end = j < 0 ? n : j + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '?') {
      slots.push(positional++);
      out += `$${slots.length}`;
      i++;
    } else if ((c === '@' || c === ':' || c === '$') && /[A-Za-z_]/.test(sql[i + 1] ?? '') && sql[i - 1] !== ':') {
      let j = i + 1;
      while (j < n && /\w/.test(sql[j])) j++;
      const name = sql.slice(i + 1, j);
      let slot = named.get(name);
      if (slot === undefined) {
        slots.push(name);
        slot = slots.length;
        named.set(name, slot);
      }
      out += `$${slot}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  const t = { text: out, slots };
  if (cache.size < 2000) cache.set(sql, t);
  return t;
}

/** The values for `$1..$n` from the arguments of run/get/all, as better-sqlite3 takes them. */
export function bind(t: Translated, args: readonly unknown[]): unknown[] {
  const named = args.find((a) => a !== null && typeof a === 'object' && !Buffer.isBuffer(a) && !ArrayBuffer.isView(a));
  const positional = args.filter((a) => a !== named);
  return t.slots.map((s) => {
    const v = typeof s === 'number' ? positional[s] : named ? (named as Record<string, unknown>)[s] : undefined;
    if (typeof s === 'number' && s >= positional.length) throw new RangeError('Too few parameter values were provided');
    if (typeof s === 'string' && (!named || !(s in (named as object))))
      throw new RangeError(`Missing named parameter "${s}"`);
    if (v === undefined) return null;
    if (typeof v === 'boolean')
      throw new TypeError('SQLite3 can only bind numbers, strings, bigints, buffers, and null');
    return v;
  });
}
