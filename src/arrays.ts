/**
 * Array helpers that work at any length. `Math.max(...xs)` and `a.push(...xs)` pass every element as an argument
 * and throw a RangeError past about 100,000 of them (180,000 cached alerts, a restore test of 200,000 files):
 * these loop instead.
 */

/** The largest of `values`, or `initial` when there are none (or all are smaller). */
export function maxOf(values: Iterable<number>, initial = -Infinity): number {
  let m = initial;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The smallest of `values`, or `initial` when there are none (or all are larger). */
export function minOf(values: Iterable<number>, initial = Infinity): number {
  let m = initial;
  for (const v of values) if (v < m) m = v;
  return m;
}

/** Append every item of `items` to `target` (in place), however many there are. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}
