/**
 * The Day-0 use case, shared by `dayops design`, the wizard and the demo: audit the design, generate its files,
 * write them without overwriting a team's edits, and register the stack. An error finding writes nothing; a
 * refused file writes nothing and registers nothing (the caller asks, then calls again with `force`).
 *
 * A stack already registered at another folder is never moved silently: without `move` nothing is written and
 * the result names where it is registered (`registeredAt`), so the caller can ask (the wizard) or refuse (the
 * command, exit 2). With `move` the registration, and with it the stack's runs, drift and backups history, points
 * at the new folder, and the audit log says from where; the files in the old folder are left as they are.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DB } from '../../db/open.js';
import { AuditRepo } from '../../db/audit.js';
import { StacksRepo } from '../../db/stacks.js';
import type { Stack } from '../../domain/stack.js';
import { actingUser } from '../../identity.js';
import { audit, type Finding, hasErrors } from '../../day0/audit.js';
import type { Blueprint } from '../../day0/blueprint.js';
import { generate, type GeneratedFile } from '../../day0/generate/index.js';
import { writeDesign } from '../../day0/write.js';

export interface DesignOptions {
  /** Overwrite files the team edited since dayops wrote them. */
  force?: boolean;
  /** Move a stack registered at another folder to this one. */
  move?: boolean;
  user?: string;
}

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
  /** The stack is registered at this other folder and `move` was not given: nothing was written. */
  registeredAt?: string;
  /** The stack was registered at this other folder and moved here. */
  movedFrom?: string;
}

/** Two paths name the same folder (also through links, when both exist). */
export function sameFolder(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export function designStack(db: DB, bp: Blueprint, outDir: string, opts: DesignOptions = {}): DesignResult {
  const dir = resolve(outDir);
  const findings = audit(bp);
  const files = generate(bp, findings);
  const nothing = { findings, files, written: [], unchanged: [], refused: [], dir };
  if (hasErrors(findings)) return nothing;
  const stacks = new StacksRepo(db);
  const before = stacks.get(bp.metadata.name);
  const elsewhere = before && !sameFolder(before.dir, dir) ? before.dir : undefined;
  if (elsewhere && !opts.move) return { ...nothing, registeredAt: elsewhere };
  const result = writeDesign(dir, files, { force: opts.force });
  if (result.refused.length > 0) return { findings, files, ...result, dir };
  const stack = db.transaction(() => {
    const s = stacks.upsert({
      name: bp.metadata.name,
      // The same folder named another way (through a link) keeps the registered name of it.
      dir: before && !elsewhere ? before.dir : dir,
      tool: bp.iac.tool,
      environment: bp.metadata.environment,
      blueprint: bp,
      by: actingUser(db, opts.user),
    });
    new AuditRepo(db).append({
      user: actingUser(db, opts.user),
      action: 'design',
      stackId: s.id,
      detail: {
        dir,
        written: result.written,
        unchanged: result.unchanged.length,
        force: Boolean(opts.force),
        ...(elsewhere ? { movedFrom: elsewhere } : {}),
      },
    });
    return s;
  })();
  return { findings, files, ...result, dir, stack, ...(elsewhere ? { movedFrom: elsewhere } : {}) };
}
