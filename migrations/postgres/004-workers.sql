-- Runs across machines (issue 10): the same columns and table as the SQLite migration 013-workers.sql.
--   runs.lease_expires_at  epoch ms until which the run's owner is known to be alive (renewed every ~2 s by the
--                          owner while it drives or holds the plan of the run); an expired lease lets any live
--                          dayops mark the run interrupted (or "plan holder lost") and frees the stack
--   runs.worker            the `dayops worker` driving or holding the run; NULL when run locally
--   runs.remote            1: queued for a worker (`dayops run STACK --remote`)
--   workers                every `dayops worker` that registered, with its heartbeat and lease
-- Live logs: every chunk appended to run_logs notifies channel `dayops_log` with the run id (committed chunks
-- only: NOTIFY is delivered at commit), so `dayops logs --follow` on another machine tails within a second.
ALTER TABLE runs ADD COLUMN lease_expires_at BIGINT;
ALTER TABLE runs ADD COLUMN worker TEXT;
ALTER TABLE runs ADD COLUMN remote BIGINT NOT NULL DEFAULT 0 CHECK (remote IN (0, 1));

CREATE INDEX runs_remote_queue ON runs (id) WHERE remote = 1 AND state = 'QUEUED';
CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

CREATE TABLE workers (
  name             TEXT PRIMARY KEY,
  host             TEXT NOT NULL,
  pid              BIGINT NOT NULL,
  started_at       BIGINT NOT NULL,
  heartbeat_at     BIGINT NOT NULL,
  lease_expires_at BIGINT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('running', 'stopping', 'stopped', 'lost'))
);

CREATE OR REPLACE FUNCTION dayops_notify_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dayops_log', (NEW.id >> 32)::text);
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS run_logs_notify ON run_logs;
CREATE TRIGGER run_logs_notify AFTER INSERT OR UPDATE ON run_logs FOR EACH ROW EXECUTE FUNCTION dayops_notify_log();

-- Privileges: everyone reads the workers; a worker registers and heartbeats itself; operators' and workers' dayops
-- mark a worker whose lease expired as lost (the sweep); admins may delete old entries. Runs: operators insert
-- runs (remote ones included) and workers claim and update them: granted by 002 on the whole table.
GRANT SELECT ON workers TO dayops_viewer;
GRANT INSERT, UPDATE, DELETE ON workers TO dayops_worker;
GRANT UPDATE (state) ON workers TO dayops_operator;
GRANT DELETE ON workers TO dayops_admin;
