/**
 * Day-0's application layer, free of React: what the wizard and `dayops design` do with the database and the
 * disk. Every function is async (a later database answers asynchronously); the repositories are made once.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from '../../db/open.js';
import { DraftsRepo, type Draft } from '../../db/drafts.js';
import { StacksRepo } from '../../db/stacks.js';
import type { Environment, Tool } from '../../domain/stack.js';
import { blueprintSchema, parseBlueprint, type Blueprint } from '../../day0/blueprint.js';
import { MAX_CONFIG_BYTES, readTextFile } from '../../config/safe-read.js';
import { UserError } from '../../errors.js';
import { designStack, type DesignOptions, type DesignResult } from './design.js';

export { designStack, sameFolder, type DesignOptions, type DesignResult } from './design.js';
export { workDir } from './workdir.js';
export type { Draft } from '../../db/drafts.js';

/** A blueprint is a few kilobytes; anything past this is not one. */
export const MAX_BLUEPRINT_BYTES = MAX_CONFIG_BYTES;

/** The file a design keeps in its folder. */
export const BLUEPRINT_FILE = 'blueprint.yaml';

/** Read a blueprint file: a regular file under the size limit, valid YAML, the schema; else one line. */
export function readBlueprintFile(path: string, shownAs = path): Blueprint {
  const text = readTextFile(path, { maxBytes: MAX_BLUEPRINT_BYTES, shownAs });
  return parseBlueprint(text, shownAs);
}

/** A registered stack whose design can be opened in the wizard. */
export interface StackDesign {
  name: string;
  environment: Environment;
  tool: Tool;
  dir: string;
}

/** A design opened from a registered stack: what the wizard edits and where it writes. */
export interface OpenedDesign {
  blueprint: Blueprint;
  dir: string;
  /** Where the design was read from: the folder's blueprint.yaml, or the database's copy. */
  source: string;
  /** Said to the operator when the folder's file could not be used. */
  warning?: string;
}

/** What a draft stores besides the design: the wizard's own state, opaque here. */
export interface DraftData {
  blueprint: unknown;
  step: string;
  state: Record<string, unknown>;
}

export interface Day0Deps {
  db: DB;
  /** Who writes designs, for the audit log. */
  user: string;
  now?: () => number;
}

export interface Day0 {
  /** A stack name not registered yet: my-stack, my-stack-2, ... */
  newStackName(): Promise<string>;
  /** Where a stack of this name is registered, if it is. */
  registeredAt(name: string): Promise<string | undefined>;
  /** The registered stacks with a design to open: one in the database, or a blueprint.yaml in their folder. */
  designs(): Promise<StackDesign[]>;
  /** A registered stack's design (its folder's blueprint.yaml first); a UserError says why it cannot be opened. */
  openDesign(name: string): Promise<OpenedDesign>;
  /** The drafts not written yet, the most recently saved first. */
  drafts(): Promise<Draft[]>;
  createDraft(d: DraftData): Promise<number>;
  updateDraft(id: number, d: DraftData): Promise<void>;
  completeDraft(id: number): Promise<void>;
  /** Audit, generate, write and register (see designStack). */
  write(bp: Blueprint, outDir: string, opts?: Omit<DesignOptions, 'user'>): Promise<DesignResult>;
}

const isFile = (p: string) => {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
};

export function createDay0({ db, user, now = Date.now }: Day0Deps): Day0 {
  const stacks = new StacksRepo(db);
  const drafts = new DraftsRepo(db);
  return {
    async newStackName() {
      const taken = new Set(stacks.list().map((s) => s.name));
      if (!taken.has('my-stack')) return 'my-stack';
      for (let n = 2; ; n++) if (!taken.has(`my-stack-${n}`)) return `my-stack-${n}`;
    },

    async registeredAt(name) {
      return stacks.get(name)?.dir;
    },

    async designs() {
      return stacks
        .list()
        .filter((s) => stacks.blueprint(s.name) !== undefined || isFile(join(s.dir, BLUEPRINT_FILE)))
        .map(({ name, environment, tool, dir }) => ({ name, environment, tool, dir }));
    },

    async openDesign(name) {
      const stack = stacks.get(name);
      if (!stack) throw new UserError(`no stack named ${name} is registered`);
      const stored = blueprintSchema.safeParse(stacks.blueprint(name));
      const file = join(stack.dir, BLUEPRINT_FILE);
      const fromDb = stored.success
        ? { blueprint: stored.data, dir: stack.dir, source: 'the design dayops last wrote (database)' }
        : undefined;
      if (!isFile(file)) {
        if (fromDb) return { ...fromDb, warning: `${file} is missing: opened the design dayops last wrote` };
        throw new UserError(`${name} has no design: ${file} is missing and dayops never wrote one`);
      }
      try {
        return { blueprint: readBlueprintFile(file), dir: stack.dir, source: file };
      } catch (err) {
        if (!(err instanceof UserError) || !fromDb) throw err;
        return { ...fromDb, warning: `${err.message}: opened the design dayops last wrote instead` };
      }
    },

    async drafts() {
      return drafts.unfinished();
    },

    async createDraft(d) {
      return drafts.create(d.blueprint, d.step, d.state, now());
    },

    async updateDraft(id, d) {
      drafts.update(id, d.blueprint, d.step, d.state, now());
    },

    async completeDraft(id) {
      drafts.markCompleted(id, now());
    },

    async write(bp, outDir, opts = {}) {
      return designStack(db, bp, outDir, { ...opts, user });
    },
  };
}
