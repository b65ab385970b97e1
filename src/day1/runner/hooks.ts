/**
 * Hooks other parts of dayops register on the run life, so Day-1 never imports Day-2: the alerts module
 * silences a stack's alerts while an approved apply runs (`beginQuietApply`/`endQuietApply`), the drift module
 * reads the plan of a finished drift run. A hook that throws is reported in the run's log and never fails the run.
 *
 * ```ts
 * registerRunHooks({
 *   onApplyStart: ({ db, stack, runId, user }) => beginQuietApply(db, stack, runId, user),
 *   onApplyEnd: ({ db, runId }) => endQuietApply(db, runId),
 * });
 * ```
 */
import type { StackConfig } from '../../config/stack-config.js';
import type { DB } from '../../db/open.js';
import type { RunRecord } from '../../db/runs.js';
import type { Stack } from '../../domain/stack.js';

export interface RunHookContext {
  db: DB;
  runId: number;
  stack: Stack;
  config: StackConfig;
  /** Who approved (or triggered, for an automatic apply) the run. */
  user: string;
}

export interface RunHooks {
  /** The run moved to APPLYING, before the tool starts applying. */
  onApplyStart?(ctx: RunHookContext): void | Promise<void>;
  /**
   * The apply ended; called whenever onApplyStart was, before the run's final state is stored. `outcome` is the
   * state the run is about to end in.
   */
  onApplyEnd?(
    ctx: RunHookContext & { run: RunRecord; outcome: 'FINISHED' | 'FAILED' | 'CANCELED' },
  ): void | Promise<void>;
  /** The run reached a terminal state in this process (any purpose, e.g. a finished drift run). */
  onRunEnd?(ctx: RunHookContext & { run: RunRecord }): void | Promise<void>;
}

const registry = new Set<RunHooks>();

/** Add hooks; returns a function that removes them. */
export function registerRunHooks(hooks: RunHooks): () => void {
  registry.add(hooks);
  return () => registry.delete(hooks);
}

/** Call one hook of every registered set, in registration order; errors are collected, never thrown. */
export async function callRunHooks<K extends keyof RunHooks>(
  name: K,
  ctx: Parameters<NonNullable<RunHooks[K]>>[0],
): Promise<{ error: unknown }[]> {
  const errors: { error: unknown }[] = [];
  for (const h of [...registry]) {
    const fn = h[name] as ((c: typeof ctx) => void | Promise<void>) | undefined;
    if (!fn) continue;
    try {
      await fn.call(h, ctx);
    } catch (error) {
      errors.push({ error });
    }
  }
  return errors;
}
