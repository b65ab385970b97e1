-- Day-2 alerts from Alertmanager, cached; dayops' own acknowledgements; silences dayops created.
CREATE TABLE alerts (
  stack_id      INTEGER NOT NULL REFERENCES stacks (id),
  fingerprint   TEXT NOT NULL,
  alertname     TEXT NOT NULL,
  severity      TEXT NOT NULL,
  state         TEXT NOT NULL,          -- active | suppressed | unprocessed
  silenced_by   TEXT NOT NULL DEFAULT '[]',
  inhibited_by  TEXT NOT NULL DEFAULT '[]',
  labels        TEXT NOT NULL,          -- JSON
  annotations   TEXT NOT NULL,          -- JSON
  starts_at     INTEGER NOT NULL,
  ends_at       INTEGER,
  updated_at    INTEGER,
  generator_url TEXT,
  fetched_at    INTEGER NOT NULL,
  PRIMARY KEY (stack_id, fingerprint)
) WITHOUT ROWID;
CREATE INDEX alerts_by_severity ON alerts (stack_id, severity);

CREATE TABLE alert_acks (
  stack_id    INTEGER NOT NULL REFERENCES stacks (id),
  fingerprint TEXT NOT NULL,
  user        TEXT NOT NULL,
  note        TEXT,
  at          INTEGER NOT NULL,
  PRIMARY KEY (stack_id, fingerprint)
) WITHOUT ROWID;

CREATE TABLE silences (
  id         TEXT PRIMARY KEY,          -- Alertmanager's silence id
  stack_id   INTEGER REFERENCES stacks (id),
  url        TEXT NOT NULL,             -- the Alertmanager it lives in
  matchers   TEXT NOT NULL,             -- JSON
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  comment    TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('manual', 'quiet-apply')),
  run_id     INTEGER REFERENCES runs (id),
  expired_at INTEGER
);
