#!/usr/bin/env node
/** The `dayops` executable: run main() and turn its result into an exit code; user errors are one line. */
import { errorMessage, UserError } from './errors.js';
import { main } from './main.js';
import { sanitize } from './terminal/sanitize.js';

/** The error line, sanitised as everything dayops prints (a path or a stack name in it is text from outside). */
const safe = (text: string) => sanitize(text, { colour: false });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UserError) {
      process.stderr.write(`${safe(err.message)}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`${safe(`dayops: internal error: ${errorMessage(err)}\n${(err as Error)?.stack ?? ''}`)}\n`);
      process.exitCode = 70;
    }
  },
);
