-- name: etl_drop_stage
-- Free the staging tables (temporary, of this connection), whether the import went in or not.
DROP VIEW IF EXISTS stage_transfers;
DROP TABLE IF EXISTS stage_transfers_unique;
DROP TABLE IF EXISTS stage_blocks;
DROP TABLE IF EXISTS stage_receipts;
DROP TABLE IF EXISTS stage_failed;
DROP TABLE IF EXISTS stage_transactions;
DROP TABLE IF EXISTS stage_token_transfers;
DROP TABLE IF EXISTS stage_traces;
DROP TABLE IF EXISTS stage_block_times;
