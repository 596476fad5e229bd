-- name: transfers_of_frontier
-- Every transfer into or out of the addresses in trace_frontier, amounts as exact text.
-- Parameters: $chain.
SELECT t.asset, t.kind, t.tx_hash, t.position, t.block_number,
       CASE WHEN t.kind = 'token' THEN t.position ELSE coalesce(t.tx_index, t.position) END AS ord,
       t.block_time, t.from_address, t.to_address, CAST(t.amount AS VARCHAR)
FROM transfers t
WHERE t.chain = $chain AND t.from_address IN (SELECT address FROM trace_frontier)
UNION  -- a transfer between two frontier addresses comes from both sides once
SELECT t.asset, t.kind, t.tx_hash, t.position, t.block_number,
       CASE WHEN t.kind = 'token' THEN t.position ELSE coalesce(t.tx_index, t.position) END AS ord,
       t.block_time, t.from_address, t.to_address, CAST(t.amount AS VARCHAR)
FROM transfers_to t
WHERE t.chain = $chain AND t.to_address IN (SELECT address FROM trace_frontier)
