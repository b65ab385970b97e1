import { AuditRepo } from './audit.js';
import type { DB } from './open.js';
import type { Environment, Stack, Tool } from '../domain/stack.js';

interface Row {
  id: number;
  name: string;
  dir: string;
  tool: Tool;
  environment: Environment;
  blueprint: string | null;
  created_at: number;
  updated_at: number;
}

const toStack = (r: Row): Stack => ({
  id: r.id,
  name: r.name,
  dir: r.dir,
  tool: r.tool,
  environment: r.environment,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewStack {
  name: string;
  dir: string;
  tool: Tool;
  environment: Environment;
  /** The Day-0 design as JSON-able data. */
  blueprint?: unknown;
  /** Who registers or updates it: the audit log's user when the environment changes. */
  by?: string;
}

export class StacksRepo {
  private readonly all;
  private readonly byName;
  private readonly byId;
  private readonly insert;
  private readonly update;
  private readonly design;

  constructor(private readonly db: DB) {
    this.all = db.prepare<[], Row>('SELECT * FROM stacks ORDER BY name');
    this.byName = db.prepare<[string], Row>('SELECT * FROM stacks WHERE name = ?');
    this.byId = db.prepare<[number], Row>('SELECT * FROM stacks WHERE id = ?');
    this.insert = db.prepare(
      `INSERT INTO stacks (name, dir, tool, environment, blueprint, created_at, updated_at)
       VALUES (@name, @dir, @tool, @environment, @blueprint, @now, @now)`,
    );
    this.update = db.prepare(
      `UPDATE stacks SET dir = @dir, tool = @tool, environment = @environment,
         blueprint = COALESCE(@blueprint, blueprint), updated_at = @now WHERE name = @name`,
    );
    this.design = db.prepare<[string], { blueprint: string | null }>('SELECT blueprint FROM stacks WHERE name = ?');
  }

  list(): Stack[] {
    return this.all.all().map(toStack);
  }

  get(name: string): Stack | undefined {
    const r = this.byName.get(name);
    return r ? toStack(r) : undefined;
  }

  getById(id: number): Stack | undefined {
    const r = this.byId.get(id);
    return r ? toStack(r) : undefined;
  }

  /** The stored Day-0 design of a stack, if it has one. */
  blueprint(name: string): unknown {
    const r = this.design.get(name);
    return r?.blueprint ? JSON.parse(r.blueprint) : undefined;
  }

  /**
   * Register a stack, or update the one of that name. Returns the stored stack. A change of environment (dev to
   * prod, prod to dev, ...) is written to the audit log in the same transaction (action `environment`), since it
   * changes which policies guard the stack.
   */
  upsert(s: NewStack, now = Date.now()): Stack {
    const params = {
      name: s.name,
      dir: s.dir,
      tool: s.tool,
      environment: s.environment,
      blueprint: s.blueprint === undefined ? null : JSON.stringify(s.blueprint),
      now,
    };
    this.db
      .transaction(() => {
        const before = this.byName.get(s.name);
        if (before) this.update.run(params);
        else this.insert.run(params);
        if (before && before.environment !== s.environment) {
          new AuditRepo(this.db).append({
            user: s.by ?? 'unknown',
            action: 'environment',
            stackId: before.id,
            comment: `environment ${before.environment} -> ${s.environment}`,
            detail: { from: before.environment, to: s.environment, dir: s.dir },
            at: now,
          });
        }
      })
      .immediate();
    return this.get(s.name)!;
  }
}
