/** Timing helpers the benchmarks share. */
import { sanitize } from '../src/terminal/sanitize.js';

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

/**
 * A benchmark worker's stderr, relayed to ours as plain text. A worker that draws with Ink on a pretend terminal
 * leaves terminal controls behind (Ink's cursor restore writes `ESC [?25h` to stderr on exit): they are dropped,
 * so `npm run bench` prints text only, and any message the worker writes still shows.
 */
export function relayStderr(stream: NodeJS.ReadableStream): void {
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    const text = sanitize(d, { colour: false });
    if (text.trim()) process.stderr.write(text);
  });
}
