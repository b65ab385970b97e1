-- Day-2 SLOs: each stack's SLOs (dayops.yaml `slo:`) as last measured from its Prometheus. A refresh replaces a
-- stack's rows in one transaction; when Prometheus is down the rows stay and the source `slo:<stack>` (003) holds
-- the error, so they show as stale.
CREATE TABLE slo_values (
  stack_id         INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  objective        REAL NOT NULL,        -- percent
  slo_window       TEXT NOT NULL,        -- the attainment window, e.g. 30d
  attainment       REAL,                 -- percent of good events over the window; NULL with no traffic
  budget_remaining REAL,                 -- fraction of the error budget left, negative when overspent; NULL with no traffic
  burn_5m          REAL,                 -- burn rates: error ratio over the window / (1 - objective); NULL with no traffic
  burn_30m         REAL,
  burn_1h          REAL,
  burn_6h          REAL,
  burn_3d          REAL,
  status           TEXT NOT NULL CHECK (status IN ('ok', 'warning', 'page')),
  since            INTEGER NOT NULL,     -- when the SLO entered this status (epoch ms)
  fetched_at       INTEGER NOT NULL,     -- when these values were measured
  PRIMARY KEY (stack_id, name)
) WITHOUT ROWID;

-- Every change of an SLO's status (ok -> page, page -> ok, ...): SLO breaches for "what changed before this".
CREATE TABLE slo_events (
  id        INTEGER PRIMARY KEY,
  stack_id  INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  status    TEXT NOT NULL CHECK (status IN ('ok', 'warning', 'page')),
  previous  TEXT CHECK (previous IN ('ok', 'warning', 'page')),   -- NULL for the first measurement
  detail    TEXT NOT NULL DEFAULT '{}',  -- JSON: attainment, budgetRemaining, burnRates at the change
  at        INTEGER NOT NULL
);
CREATE INDEX slo_events_by_stack ON slo_events (stack_id, at DESC);
