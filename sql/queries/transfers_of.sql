-- name: transfers_of
-- The stored transfers into and out of one address, in chain order (`tracers transfers`).
-- Parameters: $chain, $address, $limit. Amounts as exact decimal text.
WITH
touching AS (
    SELECT * FROM transfers WHERE chain = $chain AND from_address = $address
    UNION
    SELECT * FROM transfers_to WHERE chain = $chain AND to_address = $address
)
SELECT t.block_time, t.block_number, t.tx_hash, t.kind, t.position, t.from_address, t.to_address,
       t.asset, a.symbol, a.decimals, CAST(t.amount AS VARCHAR) AS amount
FROM touching t
LEFT JOIN assets a ON a.chain = t.chain AND a.asset = t.asset
ORDER BY t.block_number, t.tx_index NULLS LAST, t.position
LIMIT $limit
