-- Post-deploy validation (issue 11, "Ready means measured").
--   runs.state               gains VALIDATING (the apply succeeded; the after-apply checks run)
--   runs.validation_status   'passed' | 'failed' once a run's after-apply checks ended; NULL when it ran none
--   check_results            one row per check a run (or the Day-2 scheduler, or `dayops check`) ran: its name,
--                            kind, status ('running' while it runs, then 'passed' | 'failed'), duration, last
--                            message and output (a command's, secrets masked, at most 64 KiB)
--
-- SQLite cannot change a CHECK constraint in place, so `runs` is rebuilt (the 12-step procedure of the SQLite
-- manual). Foreign keys are on while migrations run, and dropping `runs` would delete the rows of the tables
-- whose run_id cascades: those are copied aside first and put back; the other references are checked at commit.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE keep_run_transitions AS SELECT * FROM run_transitions;
CREATE TEMP TABLE keep_approvals AS SELECT * FROM approvals;
CREATE TEMP TABLE keep_tool_groups AS SELECT * FROM tool_groups;
CREATE TEMP TABLE keep_runs_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'runs';
CREATE TEMP TABLE keep_runs AS SELECT * FROM runs;
-- Parent rows put back into `runs` itself (not a table renamed later) settle the deferred references again.
DROP TABLE runs;

CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  stack_id           INTEGER NOT NULL REFERENCES stacks (id),
  kind               TEXT NOT NULL CHECK (kind IN ('tracked', 'proposed')),
  purpose            TEXT NOT NULL DEFAULT 'deploy' CHECK (purpose IN ('deploy', 'drift', 'remediation')),
  state              TEXT NOT NULL CHECK (state IN ('QUEUED', 'INITIALIZING', 'PLANNING', 'UNCONFIRMED', 'APPLYING',
                                                    'VALIDATING', 'FINISHED', 'FAILED', 'DISCARDED', 'CANCELED',
                                                    'POLICY_DENIED')),
  triggered_by       TEXT NOT NULL,
  trigger            TEXT NOT NULL DEFAULT 'tui',
  auto_apply         INTEGER NOT NULL DEFAULT 0,
  required_approvals INTEGER NOT NULL DEFAULT 1,
  owner_host         TEXT,
  owner_pid          INTEGER,
  owner_start        TEXT,
  tool_pid           INTEGER,
  tool_start         TEXT,
  cancel_requested   INTEGER NOT NULL DEFAULT 0,
  summary_add        INTEGER,
  summary_change     INTEGER,
  summary_destroy    INTEGER,
  plan_json          TEXT,
  policy_json        TEXT,
  apply_json         TEXT,
  error              TEXT,
  log_lines          INTEGER NOT NULL DEFAULT 0,
  phases_json        TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  started_at         INTEGER,
  finished_at        INTEGER,
  summary_import     INTEGER,
  summary_forget     INTEGER,
  applied_add        INTEGER,
  applied_change     INTEGER,
  applied_destroy    INTEGER,
  applied_import     INTEGER,
  applied_forget     INTEGER,
  diagnostics_json   TEXT,
  validation_status  TEXT CHECK (validation_status IN ('passed', 'failed'))
);
INSERT INTO runs (id, stack_id, kind, purpose, state, triggered_by, trigger, auto_apply, required_approvals,
  owner_host, owner_pid, owner_start, tool_pid, tool_start, cancel_requested, summary_add, summary_change,
  summary_destroy, plan_json, policy_json, apply_json, error, log_lines, phases_json, created_at, updated_at,
  started_at, finished_at, summary_import, summary_forget, applied_add, applied_change, applied_destroy,
  applied_import, applied_forget, diagnostics_json)
SELECT id, stack_id, kind, purpose, state, triggered_by, trigger, auto_apply, required_approvals,
  owner_host, owner_pid, owner_start, tool_pid, tool_start, cancel_requested, summary_add, summary_change,
  summary_destroy, plan_json, policy_json, apply_json, error, log_lines, phases_json, created_at, updated_at,
  started_at, finished_at, summary_import, summary_forget, applied_add, applied_change, applied_destroy,
  applied_import, applied_forget, diagnostics_json
FROM keep_runs;
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM keep_runs_seq), 0)) WHERE name = 'runs';

CREATE INDEX runs_by_stack ON runs (stack_id, id DESC);
CREATE INDEX runs_active ON runs (state) WHERE state NOT IN ('FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED');
CREATE INDEX runs_by_stack_active ON runs (stack_id, state) WHERE state NOT IN ('FINISHED', 'FAILED', 'DISCARDED', 'CANCELED', 'POLICY_DENIED');
CREATE INDEX runs_by_stack_kind ON runs (stack_id, kind, id DESC);
CREATE INDEX runs_overview ON runs (stack_id, id, kind, state, purpose, trigger, triggered_by, created_at, started_at,
  finished_at, summary_add, summary_change, summary_destroy, error);

INSERT INTO run_transitions SELECT * FROM keep_run_transitions;
INSERT INTO approvals SELECT * FROM keep_approvals;
INSERT INTO tool_groups SELECT * FROM keep_tool_groups;
DROP TABLE keep_run_transitions;
DROP TABLE keep_approvals;
DROP TABLE keep_tool_groups;
DROP TABLE keep_runs_seq;
DROP TABLE keep_runs;

CREATE TABLE check_results (
  id          INTEGER PRIMARY KEY,
  -- the run whose after-apply checks these are; NULL for a scheduled check or `dayops check`
  run_id      INTEGER REFERENCES runs (id) ON DELETE CASCADE,
  stack_id    INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  source      TEXT NOT NULL CHECK (source IN ('after-apply', 'scheduled', 'manual')),
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running', 'passed', 'failed')),
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER,
  attempts    INTEGER NOT NULL DEFAULT 0,
  message     TEXT,
  output      TEXT
);
CREATE INDEX check_results_by_run ON check_results (run_id, id) WHERE run_id IS NOT NULL;
CREATE INDEX check_results_by_stack ON check_results (stack_id, source, name, id DESC);
