-- Day-2 backups with restic: snapshots as last listed, and every backup, restore test and prune.
CREATE TABLE snapshots (
  stack_id   INTEGER NOT NULL REFERENCES stacks (id),
  id         TEXT NOT NULL,
  short_id   TEXT NOT NULL,
  time       INTEGER NOT NULL,
  hostname   TEXT,
  paths      TEXT NOT NULL,            -- JSON
  tags       TEXT NOT NULL DEFAULT '[]',
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (stack_id, id)
) WITHOUT ROWID;
CREATE INDEX snapshots_by_time ON snapshots (stack_id, time DESC);

CREATE TABLE backup_events (
  id          INTEGER PRIMARY KEY,
  stack_id    INTEGER REFERENCES stacks (id),   -- NULL for `backup self`
  kind        TEXT NOT NULL CHECK (kind IN ('backup', 'verify', 'prune', 'self')),
  ok          INTEGER,                          -- NULL while running
  snapshot_id TEXT,
  error       TEXT,
  detail      TEXT,                             -- JSON summary
  started_at  INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX backup_events_by_stack ON backup_events (stack_id, kind, id DESC);
