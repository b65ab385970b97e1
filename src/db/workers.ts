/** The workers table (team mode): every `dayops worker` registers, heartbeats its lease, and says when it stops. */
import type { DB } from './open.js';

export type WorkerState = 'running' | 'stopping' | 'stopped' | 'lost';

export interface WorkerRecord {
  name: string;
  host: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  leaseExpiresAt: number;
  state: WorkerState;
}

interface Row {
  name: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
  lease_expires_at: number;
  state: WorkerState;
}

const toRecord = (r: Row): WorkerRecord => ({
  name: r.name,
  host: r.host,
  pid: r.pid,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
  leaseExpiresAt: r.lease_expires_at,
  state: r.state,
});

export class WorkersRepo {
  private readonly byName;
  private readonly upsert;
  private readonly beatStmt;
  private readonly stateStmt;
  private readonly liveStmt;
  private readonly lostStmt;

  constructor(private readonly db: DB) {
    this.byName = db.prepare<[string], Row>('SELECT * FROM workers WHERE name = ?');
    this.upsert = db.prepare(
      `INSERT INTO workers (name, host, pid, started_at, heartbeat_at, lease_expires_at, state)
       VALUES (@name, @host, @pid, @now, @now, @lease, 'running')
       ON CONFLICT (name) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at, state = 'running'`,
    );
    this.beatStmt = db.prepare<[number, number, string]>(
      'UPDATE workers SET heartbeat_at = ?, lease_expires_at = ? WHERE name = ?',
    );
    this.stateStmt = db.prepare<[WorkerState, string]>('UPDATE workers SET state = ? WHERE name = ?');
    this.liveStmt = db.prepare<[number], Row>(
      "SELECT * FROM workers WHERE state IN ('running', 'stopping') AND lease_expires_at >= ? ORDER BY name",
    );
    this.lostStmt = db.prepare<[number]>(
      "UPDATE workers SET state = 'lost' WHERE state IN ('running', 'stopping') AND lease_expires_at < ?",
    );
  }

  get(name: string): WorkerRecord | undefined {
    const r = this.byName.get(name);
    return r ? toRecord(r) : undefined;
  }

  /**
   * Register (or re-register) a worker by name. Throws when a live worker (lease not expired, and `alive` says
   * so: a dead pid on this host does not count) already has the name: two processes must not answer to one name.
   */
  register(
    w: { name: string; host: string; pid: number },
    leaseMs: number,
    now = Date.now(),
    alive: (old: WorkerRecord) => boolean = () => true,
  ): WorkerRecord {
    return this.db
      .transaction(() => {
        const old = this.get(w.name);
        const live = old && (old.state === 'running' || old.state === 'stopping') && old.leaseExpiresAt >= now;
        if (old && live && alive(old)) {
          throw new WorkerNameTaken(old);
        }
        this.upsert.run({ ...w, now, lease: now + leaseMs });
        return this.get(w.name)!;
      })
      .immediate();
  }

  heartbeat(name: string, leaseMs: number, now = Date.now()): void {
    this.beatStmt.run(now, now + leaseMs, name);
  }

  setState(name: string, state: WorkerState): void {
    this.stateStmt.run(state, name);
  }

  /** Workers whose lease is current (running or finishing their runs). */
  live(now = Date.now()): WorkerRecord[] {
    return this.liveStmt.all(now).map(toRecord);
  }

  /** Mark workers whose lease expired as lost; returns how many. */
  markLost(now = Date.now()): number {
    return this.lostStmt.run(now).changes;
  }
}

export class WorkerNameTaken extends Error {
  constructor(readonly worker: WorkerRecord) {
    super(`a worker named ${worker.name} is already running (host ${worker.host}, pid ${worker.pid})`);
    this.name = 'WorkerNameTaken';
  }
}
