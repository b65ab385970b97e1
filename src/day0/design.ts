/**
 * The Day-0 use case, shared by `dayops design` and the wizard: audit the design, generate its files, write them
 * without overwriting a team's edits, and register the stack. An error finding writes nothing; a refused file
 * writes nothing and registers nothing (the caller asks, then calls again with `force`).
 */
import { resolve } from 'node:path';
import type { DB } from '../db/open.js';
import { AuditRepo } from '../db/audit.js';
import { StacksRepo } from '../db/stacks.js';
import type { Stack } from '../domain/stack.js';
import { osUser } from '../os-user.js';
import { audit, type Finding, hasErrors } from './audit.js';
import type { Blueprint } from './blueprint.js';
import { generate, type GeneratedFile } from './generate/index.js';
import { writeDesign } from './write.js';

export interface DesignResult {
  findings: Finding[];
  /** Every generated file (relative paths), whether written, unchanged or not written at all. */
  files: GeneratedFile[];
  /** Relative paths written this time. */
  written: string[];
  /** Relative paths whose content was already the generated one. */
  unchanged: string[];
  /** Relative paths edited since dayops wrote them; when not empty nothing was written. */
  refused: string[];
  /** Absolute output folder. */
  dir: string;
  /** The registered stack, when the design was written. */
  stack?: Stack;
}

export function designStack(
  db: DB,
  bp: Blueprint,
  outDir: string,
  opts: { force?: boolean; user?: string } = {},
): DesignResult {
  const dir = resolve(outDir);
  const findings = audit(bp);
  const files = generate(bp, findings);
  if (hasErrors(findings)) return { findings, files, written: [], unchanged: [], refused: [], dir };
  const result = writeDesign(dir, files, { force: opts.force });
  if (result.refused.length > 0) return { findings, files, ...result, dir };
  const stacks = new StacksRepo(db);
  const stack = db.transaction(() => {
    const s = stacks.upsert({
      name: bp.metadata.name,
      dir,
      tool: bp.iac.tool,
      environment: bp.metadata.environment,
      blueprint: bp,
    });
    new AuditRepo(db).append({
      user: opts.user ?? osUser(),
      action: 'design',
      stackId: s.id,
      detail: { dir, written: result.written, unchanged: result.unchanged.length, force: Boolean(opts.force) },
    });
    return s;
  })();
  return { findings, files, ...result, dir, stack };
}
