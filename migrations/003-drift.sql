-- Day-2 drift: each check is a proposed run (purpose 'drift'); what drifted, and how operators triaged it.
-- Also the scheduler's memory (schedule_state) and every external source's health (sources).

-- One row per drift check. `status` is the raw outcome: `drifted` when the check found any difference (accepted or
-- snoozed ones included; the triage is applied when reading). A failed check keeps the previous result readable:
-- readers take the figures from the newest `in_sync`/`drifted` check.
CREATE TABLE drift_checks (
  id            INTEGER PRIMARY KEY,
  stack_id      INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  run_id        INTEGER REFERENCES runs (id),
  status        TEXT NOT NULL CHECK (status IN ('checking', 'in_sync', 'drifted', 'failed')),
  drifted_count INTEGER NOT NULL DEFAULT 0,   -- resources that differ, before triage
  trigger       TEXT NOT NULL DEFAULT 'tui',  -- tui | cli | schedule
  triggered_by  TEXT NOT NULL DEFAULT '',     -- the OS user
  error         TEXT,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER
);
CREATE INDEX drift_checks_by_stack ON drift_checks (stack_id, id DESC);
-- The newest result of each stack (what the dashboard counts), one index seek per stack.
CREATE INDEX drift_checks_results ON drift_checks (stack_id, id DESC) WHERE status IN ('in_sync', 'drifted');
CREATE UNIQUE INDEX drift_checks_by_run ON drift_checks (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX drift_checks_open ON drift_checks (id) WHERE status = 'checking';

-- What a check found. For OpenTofu/Terraform: the resource_drift (changes made outside the tool) and the planned
-- changes (what applying the code would do to the real infrastructure), one row per address; for Ansible: the
-- check-mode changes (`host: task`) with their diff; for custom stacks: `dayops:drift` and `dayops:change` lines.
CREATE TABLE drift_resources (
  check_id    INTEGER NOT NULL REFERENCES drift_checks (id) ON DELETE CASCADE,
  address     TEXT NOT NULL,
  action      TEXT NOT NULL,   -- what happened outside the tool when known (resource_drift), else the planned action
  source      TEXT NOT NULL CHECK (source IN ('drift', 'plan', 'both')),
  detail      TEXT NOT NULL,   -- JSON: what differs (before/after of the drift and of the plan, or Ansible's diff)
  fingerprint TEXT NOT NULL,   -- hash of address + what differs: an accepted drift stays accepted until this changes
  PRIMARY KEY (check_id, address)
) WITHOUT ROWID;

-- Operators' triage, append-only history: the newest row of a (stack, address) is in force.
-- accepted: holds while the resource's fingerprint is the one accepted; snoozed: holds until `until`;
-- cleared: takes back an earlier accept or snooze.
CREATE TABLE drift_triage (
  id          INTEGER PRIMARY KEY,
  stack_id    INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  address     TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('accepted', 'snoozed', 'cleared')),
  note        TEXT,
  until       INTEGER,         -- snoozed until
  user        TEXT NOT NULL,
  at          INTEGER NOT NULL
);
CREATE INDEX drift_triage_latest ON drift_triage (stack_id, address, id DESC);

-- When each scheduled job of a stack last ran, so a closed dayops catches up once (not once per missed slot).
CREATE TABLE schedule_state (
  stack_id    INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  job         TEXT NOT NULL CHECK (job IN ('drift', 'backup', 'restore-test')),
  last_run_at INTEGER NOT NULL,  -- when the last run started; a slot after it makes the job due
  finished_at INTEGER,
  ok          INTEGER,           -- 1 worked, 0 failed
  error       TEXT,
  PRIMARY KEY (stack_id, job)
) WITHOUT ROWID;

-- Every external source's health: when it was fetched, when it last worked, why it failed, when to retry.
CREATE TABLE sources (
  key           TEXT PRIMARY KEY,  -- e.g. alerts:<stack>, backups:<stack>
  fetched_at    INTEGER,
  ok_at         INTEGER,
  error         TEXT,
  failures      INTEGER NOT NULL DEFAULT 0,
  next_retry_at INTEGER
) WITHOUT ROWID;

-- The dashboard's "last change" of each stack (newest tracked run) without walking its drift runs.
CREATE INDEX runs_by_stack_kind ON runs (stack_id, kind, id DESC);
-- Everything the overview shows of a run, so reading the newest runs of 1,000 stacks never touches the runs rows:
-- their columns after plan_json (error, times) would otherwise cost a walk of the plan's overflow pages each.
CREATE INDEX runs_overview ON runs (stack_id, id, kind, state, purpose, trigger, triggered_by, created_at, started_at,
  finished_at, summary_add, summary_change, summary_destroy, error);
