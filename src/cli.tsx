#!/usr/bin/env node
/**
 * The `dayops` executable: run main() and turn its result into an exit code. Every failure is one line on
 * stderr (src/crash.ts): a user's error with its code (1, 2 for usage), the environment's with 1, a bug with 70
 * and its trace in a crash file, never on the terminal. The same holds for an error thrown outside main's
 * promise (an event handler, a stream), and a reader that goes away (`dayops runs | head -1`) ends dayops quietly.
 */
import { describeFailure } from './crash.js';
import { main, VERSION } from './main.js';
import { sanitize } from './terminal/sanitize.js';

/** The error line, sanitised as everything dayops prints (a path or a stack name in it is text from outside). */
const safe = (text: string) => sanitize(text, { colour: false });

const argv = process.argv.slice(2);
let failed = false;

function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  const { line, code } = describeFailure(err, { argv, version: VERSION });
  try {
    process.stderr.write(`${safe(line)}\n`);
  } catch {
    /* stderr is gone too: the exit code says it */
  }
  process.exitCode = code;
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // The reader closed the pipe: nobody is left to tell; stop as `head` expects.
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    fail(err);
  });
}
process.on('uncaughtException', (err) => {
  fail(err);
  process.exit();
});
process.on('unhandledRejection', (err) => {
  fail(err);
  process.exit();
});

main(argv).then(
  (code) => {
    if (!failed) process.exitCode = code;
  },
  (err: unknown) => fail(err),
);
