-- name: etl_write
-- Add what is not in the store yet; rows already there (same chain, tx, kind, position) stay as
-- they are, so importing a folder twice leaves the same rows. Rows repeated inside the files were
-- dropped before (etl_duplicates.sql). Parameters: $chain, $source.

INSERT INTO blocks
SELECT $chain, s.block_number, s.block_hash, s.block_time
FROM stage_block_times s
ANTI JOIN (SELECT block_number FROM blocks WHERE chain = $chain) b USING (block_number);

-- Failed transactions, so that a victim report of one can say so rather than "not found".
-- Those that moved value are in transfers.
INSERT INTO transactions
SELECT $chain, s.tx_hash, any_value(s.block_number), any_value(s.tx_index),
       any_value(s.from_address), any_value(s.to_address), 0
FROM (
    SELECT tx_hash, block_number, tx_index, from_address, to_address FROM stage_transactions
    WHERE failed
    UNION ALL
    SELECT tt.tx_hash, tt.block_number, NULL, NULL, NULL FROM stage_failed f
    JOIN stage_token_transfers tt USING (tx_hash)
) s
ANTI JOIN (SELECT tx_hash FROM transactions WHERE chain = $chain) t USING (tx_hash)
GROUP BY s.tx_hash;

CREATE OR REPLACE TEMP TABLE stage_new_transfers AS
SELECT $chain AS chain, s.asset, s.kind, s.tx_hash, s.position, s.block_number, s.tx_index,
       s.block_time, s.from_address, s.to_address, s.amount, $source AS source
FROM stage_transfers s
ANTI JOIN (SELECT tx_hash, kind, position FROM transfers WHERE chain = $chain) t
    USING (tx_hash, kind, position);

-- In sender order here and receiver order in transfers_to (see sql/schema/004_transfers_to.sql).
INSERT INTO transfers SELECT * FROM stage_new_transfers ORDER BY chain, from_address;

INSERT INTO transfers_to SELECT * FROM stage_new_transfers ORDER BY chain, to_address;

DROP TABLE stage_new_transfers;
