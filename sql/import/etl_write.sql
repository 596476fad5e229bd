-- name: etl_write
-- Add what is not in the store yet; rows already there (same chain, tx, kind, position) stay as
-- they are, so importing a folder twice leaves the same rows. Parameters: $chain.

INSERT INTO blocks
SELECT $chain, s.block_number, s.block_hash, s.block_time
FROM stage_block_times s
ANTI JOIN (SELECT block_number FROM blocks WHERE chain = $chain) b USING (block_number);

INSERT INTO transactions
SELECT $chain, s.tx_hash, s.block_number, s.tx_index, s.from_address, s.to_address, s.status
FROM stage_transactions s
ANTI JOIN (SELECT tx_hash FROM transactions WHERE chain = $chain) t USING (tx_hash);

INSERT INTO transfers
SELECT s.*
FROM stage_transfers s
ANTI JOIN (SELECT tx_hash, kind, position FROM transfers WHERE chain = $chain) t
    USING (tx_hash, kind, position);
