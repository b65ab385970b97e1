-- Day-1 run records say exactly what happened:
--   summary_import, summary_forget  the plan's imports and forgets (Terraform's "2 to import"), beside add/change/destroy
--   applied_*                       what the apply really did, counted from its per-change results (set whenever an
--                                   apply reported any, also when it failed or was canceled); NULL when none did
--   diagnostics_json                the tool's diagnostics that no stored plan or apply holds (init's; those of a
--                                   plan that failed), as a JSON array of {severity, summary, detail, file, line, ...}
ALTER TABLE runs ADD COLUMN summary_import INTEGER;
ALTER TABLE runs ADD COLUMN summary_forget INTEGER;
ALTER TABLE runs ADD COLUMN applied_add INTEGER;
ALTER TABLE runs ADD COLUMN applied_change INTEGER;
ALTER TABLE runs ADD COLUMN applied_destroy INTEGER;
ALTER TABLE runs ADD COLUMN applied_import INTEGER;
ALTER TABLE runs ADD COLUMN applied_forget INTEGER;
ALTER TABLE runs ADD COLUMN diagnostics_json TEXT;
-- Runs recorded before: their apply result's summary becomes the applied counts.
UPDATE runs
SET applied_add = coalesce(json_extract(apply_json, '$.summary.add'), 0),
    applied_change = coalesce(json_extract(apply_json, '$.summary.change'), 0),
    applied_destroy = coalesce(json_extract(apply_json, '$.summary.destroy'), 0),
    applied_import = coalesce(json_extract(apply_json, '$.summary.import'), 0),
    applied_forget = coalesce(json_extract(apply_json, '$.summary.forget'), 0)
WHERE apply_json IS NOT NULL AND json_valid(apply_json);
