-- Stack dependencies (issue 12): what each stack's outputs were after its last successful apply, and cascades.
--
-- stack_outputs: per stack, a digest of every output after its last successful apply, to tell whether an apply
-- changed them. No value is stored, sensitive or not: each output is {"sensitive": bool, "hash": HMAC-SHA256 of
-- its JSON value keyed with the row's random `salt`}, so a value cannot be looked up by its hash elsewhere.
CREATE TABLE stack_outputs (
  stack_id     INTEGER PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  salt         TEXT NOT NULL,
  run_id       INTEGER,            -- the apply they were read after (NULL: read before any apply through dayops)
  outputs_json TEXT NOT NULL,      -- {"vpc_id": {"sensitive": false, "hash": "..."}}
  read_at      INTEGER NOT NULL
);

-- A cascade: the runs of downstream stacks queued because a tracked run changed an upstream stack's outputs.
-- `root_run_id` is the run that started it (every run of one cascade shares it, also runs queued by a cascade run
-- that changed outputs in turn), `upstream_run_id` the run whose change queued this one. A run queued here and not
-- yet taken by a dayops process is QUEUED with no owner; `skipped` says why it never ran (the cascade stopped at a
-- run that did not finish), and the run itself is CANCELED with that error.
CREATE TABLE run_cascades (
  run_id          INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  root_run_id     INTEGER NOT NULL REFERENCES runs (id),
  upstream_run_id INTEGER NOT NULL REFERENCES runs (id),
  level           INTEGER NOT NULL,  -- the stack's level in the graph: a cascade runs level by level
  reason          TEXT NOT NULL,     -- "outputs of network changed: vpc_id"
  skipped         TEXT
);
CREATE INDEX run_cascades_by_root ON run_cascades (root_run_id, level, run_id);
