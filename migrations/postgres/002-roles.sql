-- Team mode's roles: who may change what, enforced by PostgreSQL itself (a psql session with the same login can do
-- no more than dayops can). Four NOLOGIN group roles; a person or a worker host logs in with its own role, made a
-- member of one of them (CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE dayops_operator). Roles are cluster-wide:
-- every dayops database of a cluster shares them. Safe to apply again: roles are created when missing, every
-- privilege of the four roles on dayops' tables is revoked and granted anew, policies are dropped and re-created.
--
--   dayops_viewer    reads everything (every table, and dayops_schema); changes nothing.
--   dayops_operator  member of viewer. Starts, approves, discards and cancels runs, and drives the runs it starts
--                    (INSERT/UPDATE on runs, run_transitions, run_logs, run_cascades, tool_groups, check_results,
--                    stack_outputs); approves (approvals, as itself); acknowledges alerts (alert_acks, as itself),
--                    triages drift (drift_triage, as itself), creates and expires silences (as itself); runs the
--                    Day-2 actions and refreshes the caches its dayops shows (drift checks, backups, SLOs, alerts,
--                    sources, the scheduler's state, notifications); appends to the audit log (as itself).
--                    DELETE only where the code prunes or replaces rows: caches (alerts, alert_counts, snapshots,
--                    slo_values, sources), tool_groups, check_results, drift_checks/drift_resources (a check that
--                    never started), notify_outbox (delivered rows), alert_acks (un-acknowledge; audited).
--   dayops_admin     member of operator. Also registers and changes stacks (stacks; the Day-0 wizard's drafts;
--                    policies live in each stack's dayops.yaml and the stack rows, not in other tables) and may
--                    DELETE rows of every table but the audit log.
--   dayops_worker    member of viewer. Executes runs and the Day-2 jobs: the same writes as an operator's dayops
--                    driving a run or a scheduled job (runs and their tables, drift, alerts, backups, SLO caches,
--                    sources, schedule_state, notify outbox), creates/expires quiet-apply silences and appends to
--                    the audit log (as itself), drops acknowledgements of alerts that are gone. It cannot approve
--                    (no INSERT on approvals), acknowledge, triage drift, or change stacks.
--
-- Nobody (admin included) may UPDATE or DELETE audit_log: no such privilege, and 001's triggers refuse it even
-- for the tables' owner.
--
-- Row-level security, where a row says who did something: the identity column must be the login itself
-- (`session_user`) on INSERT, and defaults to it (001). Everyone in the dayops roles reads every row.
--   approvals."user"     INSERT (operator) WITH CHECK "user" = session_user; DELETE admin
--   audit_log."user"     INSERT (operator, worker) WITH CHECK "user" = session_user
--   drift_triage."user"  INSERT (operator) WITH CHECK "user" = session_user; DELETE admin
--   alert_acks."user"    INSERT/UPDATE (operator) WITH CHECK "user" = session_user (re-acknowledging takes the
--                        ack over); DELETE operator, worker
--   silences.created_by  INSERT (operator, worker) WITH CHECK created_by = session_user; UPDATE only of
--                        expired_at/expired_by, WITH CHECK expired_by is NULL or session_user; DELETE admin
-- The tables' owner (the role that ran the migrations) is not subject to these policies.
--
-- Identity columns: their sequences need no privilege for INSERT; USAGE is granted to the writing roles anyway.
-- A later migration that adds a table grants on it itself.

DO $$
DECLARE
  r TEXT;
BEGIN
  FOREACH r IN ARRAY ARRAY['dayops_viewer', 'dayops_operator', 'dayops_admin', 'dayops_worker'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
  -- Memberships, each once (GRANT of a membership held already only says so).
  IF NOT pg_has_role('dayops_operator', 'dayops_viewer', 'MEMBER') THEN
    GRANT dayops_viewer TO dayops_operator;
  END IF;
  IF NOT pg_has_role('dayops_admin', 'dayops_operator', 'MEMBER') THEN
    GRANT dayops_operator TO dayops_admin;
  END IF;
  IF NOT pg_has_role('dayops_worker', 'dayops_viewer', 'MEMBER') THEN
    GRANT dayops_viewer TO dayops_worker;
  END IF;
END
$$;

-- Start from nothing on dayops' tables, so applying this again gives exactly the privileges below.
REVOKE ALL ON stacks, wizard_drafts, runs, run_transitions, run_logs, approvals, audit_log, drift_checks,
  drift_resources, drift_triage, schedule_state, sources, alerts, alert_counts, alert_acks, silences, snapshots,
  backup_events, tool_groups, check_results, slo_values, slo_events, stack_outputs, run_cascades, notify_conditions,
  notify_outbox
  FROM dayops_viewer, dayops_operator, dayops_admin, dayops_worker;

GRANT USAGE ON SCHEMA public TO dayops_viewer, dayops_operator, dayops_admin, dayops_worker;

-- Viewer (and through membership everyone): read everything.
GRANT SELECT ON stacks, wizard_drafts, runs, run_transitions, run_logs, approvals, audit_log, drift_checks,
  drift_resources, drift_triage, schedule_state, sources, alerts, alert_counts, alert_acks, silences, snapshots,
  backup_events, tool_groups, check_results, slo_values, slo_events, stack_outputs, run_cascades, notify_conditions,
  notify_outbox
  TO dayops_viewer;

-- The migration runner's table, when it exists (it creates it before applying this).
DO $$
BEGIN
  IF to_regclass('dayops_schema') IS NOT NULL THEN
    GRANT SELECT ON dayops_schema TO dayops_viewer;
  END IF;
END
$$;

-- What driving runs and the Day-2 jobs writes: operators' dayops and workers alike.
GRANT INSERT, UPDATE ON runs, run_cascades, stack_outputs, drift_checks, drift_resources, schedule_state, sources,
  alerts, alert_counts, snapshots, backup_events, tool_groups, check_results, slo_values, notify_conditions,
  notify_outbox
  TO dayops_operator, dayops_worker;
GRANT INSERT ON run_transitions, run_logs, slo_events, audit_log, silences TO dayops_operator, dayops_worker;
GRANT UPDATE (expired_at, expired_by) ON silences TO dayops_operator, dayops_worker;
GRANT DELETE ON alerts, alert_counts, snapshots, slo_values, sources, tool_groups, check_results, drift_checks,
  drift_resources, notify_outbox, alert_acks
  TO dayops_operator, dayops_worker;

-- What only people do: approve, acknowledge, triage.
GRANT INSERT ON approvals, drift_triage TO dayops_operator;
GRANT INSERT, UPDATE ON alert_acks TO dayops_operator;

-- Admin: stacks and their designs, and DELETE everywhere but the audit log.
GRANT INSERT, UPDATE, DELETE ON stacks, wizard_drafts TO dayops_admin;
GRANT DELETE ON runs, run_transitions, run_logs, approvals, drift_checks, drift_resources, drift_triage,
  schedule_state, sources, alerts, alert_counts, alert_acks, silences, snapshots, backup_events, tool_groups,
  check_results, slo_values, slo_events, stack_outputs, run_cascades, notify_conditions, notify_outbox
  TO dayops_admin;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO dayops_operator, dayops_worker;

-- Row-level security ------------------------------------------------------------------------------------------

ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE drift_triage ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_acks ENABLE ROW LEVEL SECURITY;
ALTER TABLE silences ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS approvals_read ON approvals;
DROP POLICY IF EXISTS approvals_insert ON approvals;
DROP POLICY IF EXISTS approvals_delete ON approvals;
CREATE POLICY approvals_read ON approvals FOR SELECT TO dayops_viewer USING (true);
CREATE POLICY approvals_insert ON approvals FOR INSERT TO dayops_operator WITH CHECK ("user" = session_user);
CREATE POLICY approvals_delete ON approvals FOR DELETE TO dayops_admin USING (true);

DROP POLICY IF EXISTS audit_log_read ON audit_log;
DROP POLICY IF EXISTS audit_log_insert ON audit_log;
CREATE POLICY audit_log_read ON audit_log FOR SELECT TO dayops_viewer USING (true);
CREATE POLICY audit_log_insert ON audit_log FOR INSERT TO dayops_operator, dayops_worker
  WITH CHECK ("user" = session_user);

DROP POLICY IF EXISTS drift_triage_read ON drift_triage;
DROP POLICY IF EXISTS drift_triage_insert ON drift_triage;
DROP POLICY IF EXISTS drift_triage_delete ON drift_triage;
CREATE POLICY drift_triage_read ON drift_triage FOR SELECT TO dayops_viewer USING (true);
CREATE POLICY drift_triage_insert ON drift_triage FOR INSERT TO dayops_operator WITH CHECK ("user" = session_user);
CREATE POLICY drift_triage_delete ON drift_triage FOR DELETE TO dayops_admin USING (true);

DROP POLICY IF EXISTS alert_acks_read ON alert_acks;
DROP POLICY IF EXISTS alert_acks_insert ON alert_acks;
DROP POLICY IF EXISTS alert_acks_update ON alert_acks;
DROP POLICY IF EXISTS alert_acks_delete ON alert_acks;
CREATE POLICY alert_acks_read ON alert_acks FOR SELECT TO dayops_viewer USING (true);
CREATE POLICY alert_acks_insert ON alert_acks FOR INSERT TO dayops_operator WITH CHECK ("user" = session_user);
CREATE POLICY alert_acks_update ON alert_acks FOR UPDATE TO dayops_operator
  USING (true) WITH CHECK ("user" = session_user);
CREATE POLICY alert_acks_delete ON alert_acks FOR DELETE TO dayops_operator, dayops_worker USING (true);

DROP POLICY IF EXISTS silences_read ON silences;
DROP POLICY IF EXISTS silences_insert ON silences;
DROP POLICY IF EXISTS silences_update ON silences;
DROP POLICY IF EXISTS silences_delete ON silences;
CREATE POLICY silences_read ON silences FOR SELECT TO dayops_viewer USING (true);
CREATE POLICY silences_insert ON silences FOR INSERT TO dayops_operator, dayops_worker
  WITH CHECK (created_by = session_user);
CREATE POLICY silences_update ON silences FOR UPDATE TO dayops_operator, dayops_worker
  USING (true) WITH CHECK (expired_by IS NULL OR expired_by = session_user);
CREATE POLICY silences_delete ON silences FOR DELETE TO dayops_admin USING (true);
