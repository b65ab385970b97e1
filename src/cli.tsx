#!/usr/bin/env node
/** The `dayops` executable: run main() and turn its result into an exit code; user errors are one line. */
import { errorMessage, UserError } from './errors.js';
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UserError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`dayops: internal error: ${errorMessage(err)}\n${(err as Error)?.stack ?? ''}\n`);
      process.exitCode = 70;
    }
  },
);
