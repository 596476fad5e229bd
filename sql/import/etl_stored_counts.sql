-- name: etl_stored_counts
-- The transfers and blocks the store holds on one chain (read before and after an import: what it added).
-- Parameters: $chain
SELECT (SELECT count(*) FROM transfers WHERE chain = $chain) AS transfers,
       (SELECT count(*) FROM blocks WHERE chain = $chain) AS blocks
