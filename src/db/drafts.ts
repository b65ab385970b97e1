import type { DB } from './open.js';

export interface Draft {
  id: number;
  /** The design as entered so far; may hold values that do not validate yet. */
  blueprint: unknown;
  step: string;
  state: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: number;
  blueprint: string;
  step: string;
  state: string;
  created_at: number;
  updated_at: number;
}

const toDraft = (r: Row): Draft => ({
  id: r.id,
  blueprint: JSON.parse(r.blueprint),
  step: r.step,
  state: JSON.parse(r.state),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The Day-0 wizard's drafts, saved as the operator goes (each save is one committed statement). */
export class DraftsRepo {
  private readonly latest;
  private readonly pending;
  private readonly insert;
  private readonly save;
  private readonly complete;

  constructor(db: DB) {
    this.latest = db.prepare<[], Row>(
      'SELECT * FROM wizard_drafts WHERE completed_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 1',
    );
    this.pending = db.prepare<[], Row>(
      'SELECT * FROM wizard_drafts WHERE completed_at IS NULL ORDER BY updated_at DESC, id DESC',
    );
    this.insert = db.prepare(
      'INSERT INTO wizard_drafts (blueprint, step, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.save = db.prepare('UPDATE wizard_drafts SET blueprint = ?, step = ?, state = ?, updated_at = ? WHERE id = ?');
    this.complete = db.prepare('UPDATE wizard_drafts SET completed_at = ?, updated_at = ? WHERE id = ?');
  }

  /** The draft the wizard should resume, if any. */
  open(): Draft | undefined {
    const r = this.latest.get();
    return r ? toDraft(r) : undefined;
  }

  /** Every draft not completed yet, the most recently saved first. */
  unfinished(): Draft[] {
    return this.pending.all().map(toDraft);
  }

  create(blueprint: unknown, step: string, state: Record<string, unknown> = {}, now = Date.now()): number {
    return Number(this.insert.run(JSON.stringify(blueprint), step, JSON.stringify(state), now, now).lastInsertRowid);
  }

  update(id: number, blueprint: unknown, step: string, state: Record<string, unknown> = {}, now = Date.now()): void {
    this.save.run(JSON.stringify(blueprint), step, JSON.stringify(state), now, id);
  }

  markCompleted(id: number, now = Date.now()): void {
    this.complete.run(now, now, id);
  }
}
