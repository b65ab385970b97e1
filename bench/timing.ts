/** Timing helpers the benchmarks share. */

/** The median of a list of figures. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median time, in milliseconds, of `runs` calls of `fn` (given the call's index). */
export function medianMs(fn: (i: number) => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn(i);
    times.push(performance.now() - t);
  }
  return median(times);
}
