-- name: transfers_of_reported_txs
-- Every transfer of the transactions a report file names on one chain, with its asset's symbol;
-- amounts as exact text. Parameters: $chain, $tx_hashes (a list)
WITH
wanted AS (SELECT DISTINCT unnest(CAST($tx_hashes AS VARCHAR[])) AS tx_hash)
SELECT t.tx_hash, t.asset, a.symbol, t.position, t.from_address, t.to_address,
       CAST(t.amount AS VARCHAR) AS amount, t.block_time
FROM transfers t
JOIN wanted USING (tx_hash)
LEFT JOIN assets a ON a.chain = t.chain AND a.asset = t.asset
WHERE t.chain = $chain
ORDER BY t.tx_hash, t.position
