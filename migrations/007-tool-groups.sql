-- The process groups of runs' tools, each recorded when its tool starts and removed once no process of it is left
-- (a tool that dies can leave children behind: a provisioner's shell and what it started). A group whose dayops
-- is gone is ended by the next start-up recovery.
--   pgid          the group id (the pid of the tool, its leader)
--   leader_start  the leader's start time (field 22 of /proc/<pid>/stat), so a reused pid is never taken for it
--   owner_*       the dayops process that started it (host, pid, start time)
CREATE TABLE tool_groups (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  pgid         INTEGER NOT NULL,
  leader_start TEXT,
  owner_host   TEXT    NOT NULL,
  owner_pid    INTEGER NOT NULL,
  owner_start  TEXT,
  started_at   INTEGER NOT NULL,
  PRIMARY KEY (run_id, pgid)
);
