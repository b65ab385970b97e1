-- dayops' own alerts and notifications: the conditions dayops last raised (what was last sent), and an outbox of
-- deliveries (Alertmanager posts and webhook events) written in the same transaction as the condition change, so a
-- crash or a receiver that is down loses nothing.

-- One row per condition (alertname and stack): what dayops last sent about it. `fired_at` starts a new generation
-- each time the condition starts to hold (or its subject changes: another failed run), and names its events.
CREATE TABLE notify_conditions (
  key         TEXT PRIMARY KEY,           -- '<alertname>:<stack>'
  stack_id    INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  alertname   TEXT NOT NULL,
  subject     TEXT NOT NULL DEFAULT '',   -- what it is about (failed run ids); a change is a new event
  labels      TEXT NOT NULL,              -- JSON, as posted
  annotations TEXT NOT NULL,              -- JSON, as last posted
  fired_at    INTEGER NOT NULL,           -- when this generation started to hold (its alert's startsAt)
  renewed_at  INTEGER NOT NULL,           -- when the last firing post was enqueued
  resolved_at INTEGER                     -- NULL while it holds
) WITHOUT ROWID;
CREATE INDEX notify_conditions_by_stack ON notify_conditions (stack_id);

-- Each delivery to one route. An event is enqueued once per route (UNIQUE), delivered in order per route and
-- condition, retried with exponential backoff, and marked delivered by one statement right after a 2xx answer.
CREATE TABLE notify_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL,          -- stable: the receiver's dedupe key (X-Dayops-Event-Id)
  route           TEXT NOT NULL,          -- 'alertmanager' | 'webhook:<url>'
  stack_id        INTEGER REFERENCES stacks (id) ON DELETE CASCADE,
  cond_key        TEXT NOT NULL,          -- notify_conditions.key ('test:<stack>' for `dayops notify test`)
  kind            TEXT NOT NULL CHECK (kind IN ('firing', 'renew', 'resolved', 'test')),
  target          TEXT NOT NULL,          -- the Alertmanager or webhook URL
  payload         TEXT NOT NULL,          -- the exact JSON body sent on every attempt
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  last_status     INTEGER,                -- the last HTTP status
  claimed_by      TEXT,                   -- 'host:pid' of the process sending it now
  claimed_until   INTEGER,                -- the claim's lease: another process takes over after it (or when the owner died)
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'superseded', 'dropped')),
  done_at         INTEGER,
  UNIQUE (route, event_id)
);
CREATE INDEX notify_outbox_pending ON notify_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notify_outbox_by_cond ON notify_outbox (route, cond_key, id) WHERE state = 'pending';
