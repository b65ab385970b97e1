-- Day-1: runs of real tools, their logs, approvals, and the append-only audit log.
CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  stack_id           INTEGER NOT NULL REFERENCES stacks (id),
  -- tracked runs may apply after approval; proposed runs end after planning
  kind               TEXT NOT NULL CHECK (kind IN ('tracked', 'proposed')),
  purpose            TEXT NOT NULL DEFAULT 'deploy' CHECK (purpose IN ('deploy', 'drift', 'remediation')),
  state              TEXT NOT NULL CHECK (state IN ('QUEUED', 'INITIALIZING', 'PLANNING', 'UNCONFIRMED', 'APPLYING',
                                                    'FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED')),
  triggered_by       TEXT NOT NULL,          -- the OS user
  trigger            TEXT NOT NULL DEFAULT 'tui',  -- tui | cli | schedule | auto-remediate
  auto_apply         INTEGER NOT NULL DEFAULT 0,
  required_approvals INTEGER NOT NULL DEFAULT 1,
  -- the process driving the run: only runs whose owner is gone are marked interrupted
  owner_host         TEXT,
  owner_pid          INTEGER,
  owner_start        TEXT,                   -- the owner's start time, against pid reuse
  -- the tool's child process (leader of its own process group), so an orphan can be stopped after a crash
  tool_pid           INTEGER,
  tool_start         TEXT,
  cancel_requested   INTEGER NOT NULL DEFAULT 0,
  summary_add        INTEGER,
  summary_change     INTEGER,
  summary_destroy    INTEGER,
  plan_json          TEXT,                   -- PlanResult, secrets redacted
  policy_json        TEXT,                   -- policy results
  apply_json         TEXT,                   -- ApplyResult
  error              TEXT,
  log_lines          INTEGER NOT NULL DEFAULT 0,
  -- first log seq of each phase: {"init":1,"plan":12,"apply":80}
  phases_json        TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  started_at         INTEGER,
  finished_at        INTEGER
);
CREATE INDEX runs_by_stack ON runs (stack_id, id DESC);
CREATE INDEX runs_active ON runs (state) WHERE state NOT IN ('FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED');
CREATE INDEX runs_by_stack_active ON runs (stack_id, state) WHERE state NOT IN ('FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED');

CREATE TABLE run_transitions (
  id     INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  state  TEXT NOT NULL,
  at     INTEGER NOT NULL,
  note   TEXT
);
CREATE INDEX run_transitions_by_run ON run_transitions (run_id, id);

-- Every line a tool printed, in order, stored in chunks of consecutive lines (a batch of what arrived in ~50 ms,
-- at most 2,000 lines): one row per chunk rather than per line, compressed, keeps a million-line log cheap to store
-- (logs compress about tenfold, and writing is what costs). The row's key is `id = run_id * 2^32 + first_seq`, so a
-- run's chunks are one contiguous key range, appends go to its end, and the chunk holding a seq is one key lookup.
-- Lines never contain a newline (the runner splits them), so:
--   text   the lines as shown (ANSI colour kept), joined by "\n"
--   plain  JSON {"<index>": line}: the lines that have ANSI codes, without them (for search); NULL when none
--   raw    JSON {"<index>": line}: the tool's own line where `text` is a rendering of it (Terraform -json lines
--          shown as their @message); NULL when none
--          each of the three UTF-8 and compressed with Brotli (RFC 7932)
--   meta   per line one byte (stream * 4 + phase; stream 0 stdout, 1 stderr, 2 system; phase 0 none, 1 init,
--          2 plan, 3 apply), zero bytes up to a multiple of 4, then per line the milliseconds since `at` as a
--          32-bit little-endian integer
-- Read only through src/db/logs.ts. No foreign key: lines are only written for runs that exist.
CREATE TABLE run_logs (
  id       INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  at       INTEGER NOT NULL,
  meta     BLOB NOT NULL,
  text     BLOB NOT NULL,
  plain    BLOB,
  raw      BLOB
);

CREATE TABLE approvals (
  id      INTEGER PRIMARY KEY,
  run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  user    TEXT NOT NULL,
  comment TEXT,
  at      INTEGER NOT NULL,
  UNIQUE (run_id, user)
);

-- What operators did: approvals, discards, cancels, and the Day-2 actions. Append-only, enforced here.
CREATE TABLE audit_log (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  at       INTEGER NOT NULL,
  user     TEXT NOT NULL,
  action   TEXT NOT NULL,
  stack_id INTEGER,
  run_id   INTEGER,
  comment  TEXT,
  detail   TEXT
);
CREATE INDEX audit_log_by_stack ON audit_log (stack_id, id DESC);
CREATE INDEX audit_log_by_run ON audit_log (run_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
