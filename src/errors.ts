/**
 * Errors a user caused (bad input, a missing file, a refused database) carry a one-line message and an exit
 * code. The CLI prints the message alone, never a stack trace; anything else is a bug and is reported as one.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Bad contents of a file the user wrote: names the file, the line where known, and the field. */
export class ConfigError extends UserError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line ? `:${line}${column ? `:${column}` : ''}` : ''}: ${detail}`, 1);
    this.name = 'ConfigError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
