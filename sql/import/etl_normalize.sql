-- name: etl_normalize
-- Macros that type the raw ethereum-etl / BigQuery text columns (every column is read as VARCHAR,
-- see tracers/etl.py). Unix-second and ISO timestamps both parse; BigQuery's NUMERIC values
-- ("123.000000000") lose their zero fraction; anything that is not a whole number becomes NULL for
-- the checks in etl_checks.sql to name. DuckDB's own VARCHAR -> BIGNUM cast rounds "12.5" and
-- accepts signs, so only plain digit strings take the fast path.

CREATE OR REPLACE TEMP MACRO etl_time(t) AS
    coalesce(to_timestamp(try_cast(t AS BIGINT)), try_cast(replace(t, ' UTC', '+00') AS TIMESTAMPTZ));

CREATE OR REPLACE TEMP MACRO etl_uint(v) AS
    CASE WHEN NOT regexp_matches(v, '[^0-9]') THEN try_cast(v AS BIGNUM)
         WHEN regexp_full_match(v, '[0-9]+\.0*') THEN CAST(regexp_replace(v, '\.0*$', '') AS BIGNUM)
    END;

CREATE OR REPLACE TEMP MACRO etl_addr(a) AS nullif(lower(a), '');
