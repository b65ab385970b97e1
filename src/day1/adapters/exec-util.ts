/** Small helpers the adapters share around `ctx.exec`. */
import type { AdapterContext, ExecResult, ExecSpec } from '../adapter.js';
import { ToolError } from '../adapter.js';
import type { Diagnostic } from '../../domain/plan.js';

/** Run a command; a program that cannot start becomes a ToolError naming it. */
export async function execOrFail(ctx: AdapterContext, spec: ExecSpec, hint = ''): Promise<ExecResult> {
  try {
    return await ctx.exec(spec);
  } catch (err) {
    const prog = spec.shell ? 'the shell' : (spec.argv[0] ?? '(empty command)');
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT')
      throw new ToolError(`${spec.phase} failed: ${prog} was not found${hint ? ` (${hint})` : ''}`);
    if (code === 'EACCES') throw new ToolError(`${spec.phase} failed: ${prog} is not executable`);
    throw new ToolError(
      `${spec.phase} failed: could not start ${prog}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** `exited with code 1`, `was killed by SIGKILL`. */
export function exitText(res: ExecResult): string {
  if (res.signal) return `was stopped by ${res.signal}`;
  return `exited with code ${res.code}`;
}

/** True when the run was cancelled or the process died of a signal. */
export function wasInterrupted(ctx: AdapterContext, res: ExecResult): boolean {
  return ctx.signal.aborted || res.signal !== null;
}

/**
 * `Unsupported block type (main.tf:3)`: the first error, on one line; more errors are counted, duplicates (same
 * text and place) once.
 */
export function describeErrors(diags: readonly Diagnostic[]): string | undefined {
  const errors = diags.filter((d) => d.severity === 'error');
  if (!errors.length) return undefined;
  const key = (d: Diagnostic) => `${d.summary}\u0000${d.address ?? ''}\u0000${d.location ?? ''}`;
  const distinct = [...new Map(errors.map((d) => [key(d), d])).values()];
  const first = distinct[0];
  const where = [first.address, first.location].filter(Boolean).join(', ');
  let msg = `${first.summary.replace(/\s+/g, ' ').trim()}${where ? ` (${where})` : ''}`;
  if (distinct.length > 1) msg += ` and ${distinct.length - 1} more error${distinct.length > 2 ? 's' : ''}`;
  return msg;
}
