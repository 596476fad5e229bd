-- name: etl_normalize
-- Macros that check and type the raw ethereum-etl / BigQuery text columns (every column is read as
-- VARCHAR, see tracers/etl.py). A value that is not exactly what ethereum-etl writes types to NULL,
-- and the staging (etl_stage.sql) names its file, column and value for etl_checks.sql to refuse.
-- DuckDB's own casts are lax (' 12', '+5', '1e3' and '1.5' all become BIGINTs; 'epoch' is a
-- time), so only plain ASCII digit strings reach a cast.

-- Addresses and hashes: 0x and hex digits (any case; the store keeps them lowercase).
CREATE OR REPLACE TEMP MACRO etl_is_address(a) AS
    coalesce(length(a) = 42 AND regexp_full_match(a, '0x[0-9a-fA-F]+'), false);

CREATE OR REPLACE TEMP MACRO etl_is_hash(h) AS
    coalesce(length(h) = 66 AND regexp_full_match(h, '0x[0-9a-fA-F]+'), false);

CREATE OR REPLACE TEMP MACRO etl_addr(a) AS nullif(lower(a), '');

-- An optional cell: empty (NULL, or '' in Parquet) or passing the check.
CREATE OR REPLACE TEMP MACRO etl_blank(v) AS coalesce(v, '') = '';

-- Block numbers (up to 18 digits: a BIGINT), log and transaction indexes (9: an INTEGER).
CREATE OR REPLACE TEMP MACRO etl_int(v, digits) AS
    CASE WHEN length(v) <= digits AND regexp_full_match(v, '[0-9]+') THEN CAST(v AS BIGINT) END;

-- Amounts: whole numbers below 2^256 (an EVM word), as ASCII digits; BigQuery's NUMERIC values
-- ("123.000000000") lose their zero fraction. Digit strings of one length compare as numbers, so
-- the bound is checked on the text: fewer than 78 digits is always below 2^256.
CREATE OR REPLACE TEMP MACRO etl_below_2_256(digits) AS
    length(digits) < 78
    OR (length(digits) = 78 AND digits < '115792089237316195423570985008687907853269984665640564039457584007913129639936');

CREATE OR REPLACE TEMP MACRO etl_uint(v) AS
    CASE WHEN length(v) > 120 THEN NULL  -- 78 digits, and BigQuery's '.000...' at most
         WHEN length(v) > 0 AND NOT regexp_matches(v, '[^0-9]') AND etl_below_2_256(v) THEN CAST(v AS BIGNUM)
         WHEN regexp_full_match(v, '[0-9]+\.0*') AND etl_below_2_256(split_part(v, '.', 1))
             THEN CAST(split_part(v, '.', 1) AS BIGNUM)
    END;

-- Times: Unix seconds (ethereum-etl) or an ISO time (BigQuery's TIMESTAMP columns).
CREATE OR REPLACE TEMP MACRO etl_time(t) AS
    CASE WHEN length(t) <= 11 AND regexp_full_match(t, '[0-9]+') THEN to_timestamp(CAST(t AS BIGINT))
         WHEN regexp_full_match(
                  t, '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?( UTC|Z|[+-][0-9]{2}(:?[0-9]{2})?)?')
         THEN try_cast(replace(t, ' UTC', '+00') AS TIMESTAMPTZ)
    END;

-- A block time tracers believes (of a typed etl_time): from Ethereum's first block (2015-07-30;
-- no EVM chain is older) to a day from now. Milliseconds (a Tron habit) and placeholders fall outside.
CREATE OR REPLACE TEMP MACRO etl_sane_time(ts) AS
    coalesce(ts BETWEEN TIMESTAMPTZ '2015-07-30 15:26:13+00' AND now() + INTERVAL 1 DAY, false);

-- What is wrong with a row: its first malformed cell as {column, kind, value}, for etl_checks.sql.
CREATE OR REPLACE TEMP MACRO etl_bad(column_name, kind, value) AS
    {'column': column_name, 'kind': kind, 'value': coalesce(value, '')};
