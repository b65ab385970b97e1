/**
 * What the app's views and commands share besides UI state: the database, its repositories (made once, see
 * src/db/repos.ts) and long-lived services (the run engine, the scheduler, refreshers), each made once on first
 * use and shut down once when the app quits.
 *
 * A long-lived service is asked for by a typed key that also says how to make it (`services.use(RUN_SERVICE)`),
 * declared once beside the service, so every caller gets the same object of the right type and none can make a
 * second one differently. The keys live with their services (not here) so that heavy modules, such as the run
 * engine, load only when a view first needs them.
 */
import type { DB } from './db/open.js';
import { repos, type Repos } from './db/repos.js';

export interface Shutdownable {
  shutdown?(): void | Promise<void>;
}

/** A long-lived service: its name (for messages) and how to make it. Declare one with `serviceKey`. */
export interface ServiceKey<T extends Shutdownable> {
  readonly name: string;
  readonly make: (services: Services) => T;
}

/** The key of a long-lived service, made by `make` the first time `services.use(key)` asks for it. */
export function serviceKey<T extends Shutdownable>(name: string, make: (services: Services) => T): ServiceKey<T> {
  return { name, make };
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
  /** The repositories of `db`, made once. */
  readonly repos: Repos;
  private readonly made = new Map<ServiceKey<Shutdownable>, Shutdownable>();
  private closed = false;

  constructor(opts: ServicesOptions) {
    this.db = opts.db;
    this.dbPath = opts.dbPath;
    this.user = opts.user;
    this.readonly = opts.readonly;
    this.env = opts.env;
    this.now = opts.now ?? Date.now;
    this.repos = repos(opts.db);
  }

  /** The service of this key, made the first time. */
  use<T extends Shutdownable>(key: ServiceKey<T>): T {
    let s = this.made.get(key);
    if (!s) {
      if (this.closed) throw new Error(`services: ${key.name} asked for after shutdown`);
      s = key.make(this);
      this.made.set(key, s);
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
