-- name: etl_duplicates
-- Transfers that appear more than once in the files (concatenated or overlapping exports).
-- Rarely any: when there are, etl.py drops the repeats (etl_dedupe.sql) before writing.
SELECT count(*) FROM (
    SELECT tx_hash, kind, position FROM stage_transfers GROUP BY ALL HAVING count(*) > 1
);
