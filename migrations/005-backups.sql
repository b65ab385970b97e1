-- Day-2 backups with restic: each stack's snapshots as last listed (a cache, refreshed from the repository), and
-- every backup, restore test (verify), prune and self-backup of dayops' own database, with its outcome.
CREATE TABLE snapshots (
  stack_id        INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  id              TEXT NOT NULL,            -- restic's 64-hex snapshot id
  short_id        TEXT NOT NULL,
  time            INTEGER NOT NULL,         -- when the backup started (epoch ms)
  hostname        TEXT NOT NULL DEFAULT '',
  username        TEXT NOT NULL DEFAULT '',
  paths           TEXT NOT NULL,            -- JSON array
  tags            TEXT NOT NULL DEFAULT '[]',
  parent          TEXT,
  tree            TEXT NOT NULL,
  program_version TEXT,                     -- restic >= 0.17 records it
  summary         TEXT,                     -- JSON, restic >= 0.17 records it
  fetched_at      INTEGER NOT NULL,
  PRIMARY KEY (stack_id, id)
) WITHOUT ROWID;
CREATE INDEX snapshots_by_time ON snapshots (stack_id, time DESC);

CREATE TABLE backup_events (
  id          INTEGER PRIMARY KEY,
  stack_id    INTEGER REFERENCES stacks (id),   -- NULL for `backup self`
  kind        TEXT NOT NULL CHECK (kind IN ('backup', 'verify', 'prune', 'self')),
  ok          INTEGER,                          -- NULL while running, then 1 or 0 (failed or interrupted)
  snapshot_id TEXT,                             -- the snapshot written (backup, self) or tested (verify)
  error       TEXT,                             -- one line, when ok = 0
  detail      TEXT,                             -- JSON: restic's summary, what verify proved, what prune removed
  user        TEXT NOT NULL,                    -- the OS user
  trigger     TEXT NOT NULL DEFAULT 'cli',      -- cli | tui | schedule
  -- the process doing it: an event left running by a process that is gone is marked interrupted
  owner_host  TEXT,
  owner_pid   INTEGER,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX backup_events_by_stack ON backup_events (stack_id, kind, id DESC);
CREATE INDEX backup_events_running ON backup_events (kind) WHERE finished_at IS NULL;
