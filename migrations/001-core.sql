-- Stacks and the Day-0 wizard's drafts. Times are Unix epoch milliseconds.
CREATE TABLE stacks (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  dir         TEXT NOT NULL,
  tool        TEXT NOT NULL CHECK (tool IN ('opentofu', 'terraform', 'ansible', 'custom')),
  environment TEXT NOT NULL CHECK (environment IN ('dev', 'staging', 'prod')),
  -- The Day-0 design (JSON) when the stack came from the wizard or `dayops design`.
  blueprint   TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

-- A wizard in progress: saved as the operator goes, so a quit or a kill resumes where it was.
CREATE TABLE wizard_drafts (
  id           INTEGER PRIMARY KEY,
  blueprint    TEXT NOT NULL,          -- JSON, possibly with fields that do not validate yet
  step         TEXT NOT NULL,          -- the wizard step the operator is on
  state        TEXT NOT NULL DEFAULT '{}', -- UI state worth resuming (focused field, out dir)
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  completed_at INTEGER                 -- set when the design was written out
);
CREATE INDEX wizard_drafts_open ON wizard_drafts (updated_at) WHERE completed_at IS NULL;
