-- name: etl_normalize
-- Turn the raw ethereum-etl / BigQuery crypto_ethereum tables (every column read as VARCHAR, see
-- tracers/etl.py) into typed staging tables. Unix-second and ISO timestamps both parse; BigQuery's
-- NUMERIC values ("123.000000000") lose their zero fraction; anything else that is not a whole
-- number stays NULL in *_int columns for the checks in etl_checks.sql to name.

CREATE OR REPLACE TEMP MACRO etl_time(t) AS
    CASE WHEN t IS NULL OR trim(t) = '' THEN NULL
         WHEN regexp_full_match(trim(t), '[0-9]+') THEN to_timestamp(CAST(trim(t) AS BIGINT))
         ELSE try_cast(replace(trim(t), ' UTC', '+00') AS TIMESTAMPTZ) END;

CREATE OR REPLACE TEMP MACRO etl_uint(v) AS
    CASE WHEN regexp_full_match(trim(v), '[0-9]+(\.0*)?')
         THEN CAST(regexp_replace(trim(v), '\.0*$', '') AS BIGNUM) END;

CREATE OR REPLACE TEMP MACRO etl_addr(a) AS
    CASE WHEN a IS NULL OR trim(a) = '' THEN NULL ELSE lower(trim(a)) END;
