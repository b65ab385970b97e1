/**
 * The process groups of runs' tools still possibly alive (migrations/007-tool-groups.sql): recorded when a tool
 * starts, removed once no process of the group is left, and ended by start-up recovery when their dayops is gone.
 */
import type { DB } from './open.js';
import type { RunOwner } from './runs.js';

export interface ToolGroup {
  runId: number;
  pgid: number;
  leaderStart: string | null;
  owner: RunOwner;
  startedAt: number;
}

interface Row {
  run_id: number;
  pgid: number;
  leader_start: string | null;
  owner_host: string;
  owner_pid: number;
  owner_start: string | null;
  started_at: number;
}

export class ToolGroupsRepo {
  private readonly insert;
  private readonly remove_;
  private readonly all_;

  constructor(db: DB) {
    this.insert = db.prepare<[number, number, string | null, string, number, string | null, number]>(
      `INSERT INTO tool_groups (run_id, pgid, leader_start, owner_host, owner_pid, owner_start, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, pgid) DO UPDATE SET leader_start = excluded.leader_start, owner_host = excluded.owner_host,
         owner_pid = excluded.owner_pid, owner_start = excluded.owner_start, started_at = excluded.started_at`,
    );
    this.remove_ = db.prepare<[number, number]>('DELETE FROM tool_groups WHERE run_id = ? AND pgid = ?');
    this.all_ = db.prepare<[], Row>('SELECT * FROM tool_groups ORDER BY started_at');
  }

  add(runId: number, pgid: number, leaderStart: string | null, owner: RunOwner, now = Date.now()): void {
    this.insert.run(runId, pgid, leaderStart, owner.host, owner.pid, owner.start, now);
  }

  remove(runId: number, pgid: number): void {
    this.remove_.run(runId, pgid);
  }

  all(): ToolGroup[] {
    return this.all_.all().map((r) => ({
      runId: r.run_id,
      pgid: r.pgid,
      leaderStart: r.leader_start,
      owner: { host: r.owner_host, pid: r.owner_pid, start: r.owner_start },
      startedAt: r.started_at,
    }));
  }
}
