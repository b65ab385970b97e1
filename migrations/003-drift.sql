-- Day-2 drift: each check is a proposed run; what drifted, and how operators triaged it.
CREATE TABLE drift_checks (
  id            INTEGER PRIMARY KEY,
  stack_id      INTEGER NOT NULL REFERENCES stacks (id),
  run_id        INTEGER REFERENCES runs (id),
  status        TEXT NOT NULL CHECK (status IN ('checking', 'in_sync', 'drifted', 'failed')),
  drifted_count INTEGER NOT NULL DEFAULT 0,
  error         TEXT,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER
);
CREATE INDEX drift_checks_by_stack ON drift_checks (stack_id, id DESC);

CREATE TABLE drift_resources (
  check_id    INTEGER NOT NULL REFERENCES drift_checks (id) ON DELETE CASCADE,
  address     TEXT NOT NULL,
  action      TEXT NOT NULL,
  detail      TEXT,            -- JSON: what differs (before/after, or Ansible's diff)
  fingerprint TEXT NOT NULL,   -- hash of address + what differs: an accepted drift stays accepted until this changes
  PRIMARY KEY (check_id, address)
) WITHOUT ROWID;

CREATE TABLE drift_triage (
  id          INTEGER PRIMARY KEY,
  stack_id    INTEGER NOT NULL REFERENCES stacks (id),
  address     TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('accepted', 'snoozed')),
  note        TEXT,
  until       INTEGER,         -- snoozed until
  user        TEXT NOT NULL,
  at          INTEGER NOT NULL
);
CREATE INDEX drift_triage_by_stack ON drift_triage (stack_id, address);

-- When each scheduled job of a stack last ran, so a closed dayops catches up once.
CREATE TABLE schedule_state (
  stack_id    INTEGER NOT NULL REFERENCES stacks (id),
  job         TEXT NOT NULL CHECK (job IN ('drift', 'backup', 'restore-test')),
  last_run_at INTEGER NOT NULL,
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
