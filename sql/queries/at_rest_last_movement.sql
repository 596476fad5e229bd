-- name: at_rest_last_movement
-- For each address holding funds at rest: the newest stored transfer touching it (any asset) and
-- the sources its stored transfers came from.
-- Parameters: $run_id.
WITH
addresses AS (SELECT DISTINCT chain, address FROM funds_at_rest WHERE run_id = $run_id),
touching AS (
    SELECT t.chain, t.to_address AS address, t.block_number, t.tx_index, t.position, t.block_time,
           t.tx_hash, t.source
    FROM transfers_to t WHERE t.to_address IN (SELECT address FROM addresses)
    UNION ALL
    SELECT t.chain, t.from_address, t.block_number, t.tx_index, t.position, t.block_time,
           t.tx_hash, t.source
    FROM transfers t WHERE t.from_address IN (SELECT address FROM addresses)
),
mine AS (
    SELECT t.* FROM touching t JOIN addresses a ON a.chain = t.chain AND a.address = t.address
),
newest AS (
    SELECT chain, address, block_time, tx_hash FROM mine
    QUALIFY row_number() OVER (
        PARTITION BY chain, address
        ORDER BY block_number DESC, tx_index DESC NULLS LAST, position DESC, tx_hash DESC
    ) = 1
),
sources AS (
    SELECT chain, address, list(DISTINCT source ORDER BY source) AS sources FROM mine GROUP BY ALL
)
SELECT n.chain, n.address, n.block_time, n.tx_hash, s.sources
FROM newest n JOIN sources s ON s.chain = n.chain AND s.address = n.address
