-- placeholder: filled in by the branch that owns it
SELECT 1;
