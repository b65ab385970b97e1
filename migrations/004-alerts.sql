-- Day-2 alerts from Alertmanager, cached; dayops' own acknowledgements; silences dayops created.
-- The health of each stack's Alertmanager source (fetched, failed, retry) is in `sources` (003), key `alerts:<stack>`.

-- The alerts of each stack as Alertmanager last answered; a sync replaces a stack's rows in one transaction.
CREATE TABLE alerts (
  stack_id      INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  fingerprint   TEXT NOT NULL,
  alertname     TEXT NOT NULL,
  severity      TEXT NOT NULL,          -- the `severity` label, lowercased; '' when the alert has none
  severity_rank INTEGER NOT NULL,       -- 0 critical, 1 warning, 2 info, 3 anything else
  state         TEXT NOT NULL CHECK (state IN ('active', 'silenced', 'inhibited')),
  am_state      TEXT NOT NULL,          -- Alertmanager's status.state: active | suppressed | unprocessed
  silenced_by   TEXT NOT NULL DEFAULT '[]',   -- JSON: silence ids
  inhibited_by  TEXT NOT NULL DEFAULT '[]',   -- JSON: fingerprints of the inhibiting alerts
  labels        TEXT NOT NULL,          -- JSON
  annotations   TEXT NOT NULL,          -- JSON
  receivers     TEXT NOT NULL DEFAULT '[]',   -- JSON: receiver names
  starts_at     INTEGER NOT NULL,
  ends_at       INTEGER,
  updated_at    INTEGER,
  generator_url TEXT,
  fetched_at    INTEGER NOT NULL,
  PRIMARY KEY (stack_id, fingerprint)
) WITHOUT ROWID;
-- A stack's alerts in display order; also covers the per-stack counting below.
CREATE INDEX alerts_by_rank ON alerts (stack_id, severity_rank, state, starts_at);

-- Per-stack counts for the dashboard, recomputed from `alerts` in the same transaction that replaces a stack's
-- alerts, so reading them for 1,000 stacks is one scan of 1,000 rows, not of every cached alert.
CREATE TABLE alert_counts (
  stack_id   INTEGER PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  critical   INTEGER NOT NULL,        -- active (not silenced or inhibited) alerts by severity
  warning    INTEGER NOT NULL,
  info       INTEGER NOT NULL,
  other      INTEGER NOT NULL,
  suppressed INTEGER NOT NULL,        -- silenced or inhibited, any severity
  total      INTEGER NOT NULL
);

-- dayops' own acknowledgement of an alert ("I'm on it"). It holds for the alert that fired at `starts_at`;
-- the sync removes it when the alert is gone, and a re-fired alert (another starts_at) is not acknowledged.
CREATE TABLE alert_acks (
  stack_id    INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  starts_at   INTEGER NOT NULL,
  user        TEXT NOT NULL,
  note        TEXT,
  at          INTEGER NOT NULL,
  PRIMARY KEY (stack_id, fingerprint)
) WITHOUT ROWID;

-- Silences dayops created in an Alertmanager (from the keyboard, or around an apply).
CREATE TABLE silences (
  id          TEXT PRIMARY KEY,         -- Alertmanager's silence id
  stack_id    INTEGER REFERENCES stacks (id) ON DELETE SET NULL,
  url         TEXT NOT NULL,            -- the Alertmanager it lives in
  matchers    TEXT NOT NULL,            -- JSON: [{name, value, isRegex, isEqual}]
  starts_at   INTEGER NOT NULL,
  ends_at     INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  comment     TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('manual', 'quiet-apply')),
  scope       TEXT CHECK (scope IN ('alert', 'labels', 'stack')),
  fingerprint TEXT,                     -- the alert it was created from, for manual silences
  run_id      INTEGER REFERENCES runs (id),
  created_at  INTEGER NOT NULL,
  expired_at  INTEGER,                  -- when dayops expired it (NULL: still set, or ran out by itself)
  expired_by  TEXT
) WITHOUT ROWID;
CREATE INDEX silences_by_stack ON silences (stack_id, ends_at);
CREATE INDEX silences_by_run ON silences (run_id) WHERE run_id IS NOT NULL;
