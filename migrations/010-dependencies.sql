-- Reserved for this feature (filled in by its change).
SELECT 1;
