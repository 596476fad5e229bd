-- name: etl_stored_conflicts
-- Transfers of the files that the store holds already (same chain, transaction, kind and position)
-- with other contents: etl_write.sql would keep the stored row and drop the file's without a word,
-- so tracers/etl.py refuses the import instead. The first such transfer, with how many there are.
-- Parameters: $chain.
WITH
stored AS (
    SELECT t.* FROM transfers t
    WHERE t.chain = $chain AND t.tx_hash IN (SELECT tx_hash FROM stage_transfers)
),
differing AS (
    SELECT s.kind, s.tx_hash, s.position, s.block_number, t.source
    FROM stage_transfers s
    JOIN stored t ON t.tx_hash = s.tx_hash AND t.kind = s.kind AND t.position = s.position
    WHERE t.asset <> s.asset OR t.block_number <> s.block_number OR t.amount <> s.amount
       OR t.from_address IS DISTINCT FROM s.from_address OR t.to_address IS DISTINCT FROM s.to_address
)
SELECT kind, tx_hash, position, source, count(*) OVER () AS conflicts
FROM differing
ORDER BY block_number, tx_hash, kind, position
LIMIT 1
