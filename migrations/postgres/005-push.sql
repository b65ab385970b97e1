-- `dayops team push --from FILE`: what was copied from personal workspaces (dayops SQLite files) into this team
-- database, so pushing again copies nothing twice, and every copied row can be told from one written here.
--
-- push_rows: one row per copied record that has an identity of its own in its source (a stack, a run, an audit
-- entry, a triage entry, a drift check or check result not bound to a run, an alert acknowledgement, a silence);
-- a run's transitions, approvals, log
-- chunks, check results and drift check are copied with it, in the same transaction, and need no row here.
--   workspace   the source workspace's id: a hash of its first stack's name and creation time (never changes, and
--               independent of where the file lies: a copy of the file is the same workspace)
--   kind        the table the record was copied into (stacks, runs, audit_log, drift_triage, drift_checks,
--               check_results, alert_acks, silences)
--   source_key  what identifies the record in its source, e.g. a run: JSON [stack name, created_at, kind,
--               triggered_by, id in the source]; a silence: its Alertmanager id; an acknowledgement: the team's
--               stack id, the alert's fingerprint and starts_at, separated by spaces
--   team_id     its id here (an acknowledgement: its stack's; a silence: 0, its id is the source_key)
--
-- Who may push: dayops_admin only. A push creates stacks (admin-only), and it records other people's approvals,
-- triage, audit entries, acknowledgements and silences as they were made (row-level security lets a role write
-- those only in its own name).
-- The policies below let an admin insert such a row only for a record the push table says was copied: an approval
-- of a run copied by a push (runs are pushed only once they ended, so such an approval never lets a run apply), an
-- audit or triage entry whose id the push recorded first. So every row written in another's name is a pushed one,
-- and `push_rows` says by whom and when.

CREATE TABLE push_rows (
  workspace  TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('stacks', 'runs', 'audit_log', 'drift_triage', 'drift_checks',
                                            'check_results', 'alert_acks', 'silences')),
  source_key TEXT NOT NULL,
  team_id    BIGINT NOT NULL,
  pushed_at  BIGINT NOT NULL,
  pushed_by  TEXT NOT NULL DEFAULT session_user,
  PRIMARY KEY (workspace, kind, source_key)
);
CREATE INDEX push_rows_by_team ON push_rows (kind, team_id);
CREATE INDEX push_rows_by_key ON push_rows (kind, source_key);

REVOKE ALL ON push_rows FROM dayops_viewer, dayops_operator, dayops_admin, dayops_worker;
GRANT SELECT ON push_rows TO dayops_viewer;
GRANT INSERT ON push_rows TO dayops_admin;
GRANT DELETE ON push_rows TO dayops_admin;

ALTER TABLE push_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY push_rows_read ON push_rows FOR SELECT TO dayops_viewer USING (true);
CREATE POLICY push_rows_insert ON push_rows FOR INSERT TO dayops_admin WITH CHECK (pushed_by = session_user);
CREATE POLICY push_rows_delete ON push_rows FOR DELETE TO dayops_admin USING (true);

-- Pushed rows in another's name (see above). Permissive policies: a row passes when this or 002's policy holds.
CREATE POLICY approvals_push ON approvals FOR INSERT TO dayops_admin
  WITH CHECK (EXISTS (SELECT 1 FROM push_rows p WHERE p.kind = 'runs' AND p.team_id = approvals.run_id));
CREATE POLICY audit_log_push ON audit_log FOR INSERT TO dayops_admin
  WITH CHECK (EXISTS (SELECT 1 FROM push_rows p WHERE p.kind = 'audit_log' AND p.team_id = audit_log.id));
CREATE POLICY drift_triage_push ON drift_triage FOR INSERT TO dayops_admin
  WITH CHECK (EXISTS (SELECT 1 FROM push_rows p WHERE p.kind = 'drift_triage' AND p.team_id = drift_triage.id));
CREATE POLICY alert_acks_push ON alert_acks FOR INSERT TO dayops_admin
  WITH CHECK (EXISTS (SELECT 1 FROM push_rows p WHERE p.kind = 'alert_acks' AND p.team_id = alert_acks.stack_id
                      AND p.source_key = alert_acks.stack_id || ' ' || alert_acks.fingerprint || ' ' || alert_acks.starts_at));
CREATE POLICY silences_push ON silences FOR INSERT TO dayops_admin
  WITH CHECK (EXISTS (SELECT 1 FROM push_rows p WHERE p.kind = 'silences' AND p.source_key = silences.id));
