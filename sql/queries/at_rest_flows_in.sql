-- name: at_rest_flows_in
-- The transfers that brought victim money into each holding at rest, in that asset, in chain order.
-- Parameters: $run_id.
WITH
held AS (SELECT DISTINCT chain, address, asset FROM funds_at_rest WHERE run_id = $run_id)
SELECT f.chain, f.to_address, f.asset, f.tx_hash, f.report_ids
FROM trace_flows f
JOIN held h ON h.chain = f.chain AND h.address = f.to_address AND h.asset = f.asset
WHERE f.run_id = $run_id AND f.traced_amount > 0
ORDER BY f.block_number, f.tx_hash, f.kind, f.position
