-- name: etl_dedupe
-- Keep one row per transfer key when the files repeat some (see etl_duplicates.sql).
CREATE OR REPLACE TEMP TABLE stage_transfers_unique AS
SELECT DISTINCT ON (tx_hash, kind, position) * FROM stage_transfers;

CREATE OR REPLACE TEMP VIEW stage_transfers AS SELECT * FROM stage_transfers_unique;
