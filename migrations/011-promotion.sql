-- Promotion (issue 12) and the rollback offer (issue 11): every run records the revision it ran, and a promoted
-- or rolled-back run links the run whose revision it took.
--   revision              the git commit of the stack folder's checkout (40 hex digits), or `sha256:<hex>`, a
--                         content hash of the stack folder's files where it is not a git checkout; NULL when it could
--                         not be read (runs recorded before this migration)
--   revision_kind         'git' | 'content'
--   revision_dirty        1 when the git working tree of the stack folder differed from the commit (not a clean
--                         revision: it cannot be promoted or rolled back to)
--   promoted_from_run_id  the upstream run a promotion took its revision from
--   rollback_of_run_id    the run whose failed validation a rollback answers (the revision is then the one of
--                         promoted_from_run_id, the previous successful run)
ALTER TABLE runs ADD COLUMN revision TEXT;
ALTER TABLE runs ADD COLUMN revision_kind TEXT CHECK (revision_kind IN ('git', 'content'));
ALTER TABLE runs ADD COLUMN revision_dirty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN promoted_from_run_id INTEGER REFERENCES runs (id);
ALTER TABLE runs ADD COLUMN rollback_of_run_id INTEGER REFERENCES runs (id);
CREATE INDEX runs_promoted_from ON runs (promoted_from_run_id) WHERE promoted_from_run_id IS NOT NULL;
