-- Runs across machines (issue 10, team mode; the same columns on SQLite so the code is one path).
--   runs.lease_expires_at  epoch ms until which the run's owner is known to be alive: the owner renews it every
--                          ~2 s while it drives (or holds the plan of) the run; NULL when no lease is kept (a run
--                          driven by a local dayops on a SQLite file: pid liveness decides there)
--   runs.worker            the name of the `dayops worker` driving or holding the run; NULL when run locally
--   runs.remote            1: queued for a worker (`dayops run STACK --remote`), 0: run by the process that started it
--   workers                every `dayops worker` that registered: heartbeat and lease like a run's, and its state
ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE runs ADD COLUMN worker TEXT;
ALTER TABLE runs ADD COLUMN remote INTEGER NOT NULL DEFAULT 0 CHECK (remote IN (0, 1));

-- What a worker claims: the oldest queued remote run without an owner.
CREATE INDEX runs_remote_queue ON runs (id) WHERE remote = 1 AND state = 'QUEUED';
-- What the sweep looks at: leases of live runs.
CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

CREATE TABLE workers (
  name             TEXT PRIMARY KEY,
  host             TEXT NOT NULL,
  pid              INTEGER NOT NULL,
  started_at       INTEGER NOT NULL,
  heartbeat_at     INTEGER NOT NULL,
  lease_expires_at INTEGER NOT NULL,
  -- running: claims work; stopping: finishing its runs after SIGTERM; stopped: exited cleanly; lost: its lease
  -- expired (killed, or its machine gone)
  state            TEXT NOT NULL CHECK (state IN ('running', 'stopping', 'stopped', 'lost'))
);
