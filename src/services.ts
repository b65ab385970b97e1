/**
 * What the app's views share besides UI state: the database and long-lived services (the run engine, the
 * scheduler, refreshers), each made once on first use and shut down once when the app quits.
 */
import type { DB } from './db/open.js';

export interface Shutdownable {
  shutdown?(): void | Promise<void>;
}

export interface ServicesOptions {
  db: DB;
  dbPath: string;
  user: string;
  readonly: boolean;
  env: NodeJS.ProcessEnv;
  /** The clock; tests pass a fixed one. */
  now?: () => number;
}

export class Services {
  readonly db: DB;
  readonly dbPath: string;
  readonly user: string;
  readonly readonly: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
  private readonly made = new Map<string, Shutdownable>();
  private closed = false;

  constructor(opts: ServicesOptions) {
    this.db = opts.db;
    this.dbPath = opts.dbPath;
    this.user = opts.user;
    this.readonly = opts.readonly;
    this.env = opts.env;
    this.now = opts.now ?? Date.now;
  }

  /** The service of this name, made by `make` the first time. */
  get<T extends Shutdownable>(name: string, make: (services: Services) => T): T {
    let s = this.made.get(name);
    if (!s) {
      if (this.closed) throw new Error(`services: ${name} asked for after shutdown`);
      s = make(this);
      this.made.set(name, s);
    }
    return s as T;
  }

  /** Shut every service down, newest first; errors are collected, never stop the others. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    for (const s of [...this.made.values()].reverse()) {
      try {
        await s.shutdown?.();
      } catch (err) {
        errors.push(err);
      }
    }
    this.made.clear();
    if (errors.length) throw errors[0];
  }
}
