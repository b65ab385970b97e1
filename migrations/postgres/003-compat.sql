-- What the repositories read from JSON text columns (src/db/engine.ts, `dialect(db).jsonNumber`): the number at a
-- path of a text column holding JSON, as SQLite's json_extract gives it (true/false as 1/0), NULL when the text is
-- not JSON or the value there is not a number. Never an error, so one odd row cannot fail a whole view.
CREATE OR REPLACE FUNCTION dayops_json_number(doc TEXT, path TEXT[]) RETURNS DOUBLE PRECISION
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  v JSONB;
BEGIN
  IF doc IS NULL THEN
    RETURN NULL;
  END IF;
  BEGIN
    v := doc::jsonb #> path;
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END;
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  CASE jsonb_typeof(v)
    WHEN 'number' THEN RETURN (v #>> '{}')::double precision;
    WHEN 'boolean' THEN RETURN CASE WHEN v = 'true'::jsonb THEN 1 ELSE 0 END;
    ELSE RETURN NULL;
  END CASE;
END;
$$;
GRANT EXECUTE ON FUNCTION dayops_json_number(TEXT, TEXT[]) TO PUBLIC;
