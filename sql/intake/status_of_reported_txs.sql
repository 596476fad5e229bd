-- name: status_of_reported_txs
-- The status of the transactions a report file names on one chain that the store holds as
-- transactions (failed ones: status 0). Parameters: $chain, $tx_hashes (a list)
WITH
wanted AS (SELECT DISTINCT unnest(CAST($tx_hashes AS VARCHAR[])) AS tx_hash)
SELECT tx_hash, status FROM transactions JOIN wanted USING (tx_hash) WHERE chain = $chain
