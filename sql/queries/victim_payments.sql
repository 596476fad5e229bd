-- name: victim_payments
-- Every payment victims made into the scam (hop-1 victim money), with its time.
-- Parameters: $run_id. Amounts as exact decimal text.
SELECT chain, asset, block_time, CAST(traced_amount AS VARCHAR) AS traced
FROM trace_flows
WHERE run_id = $run_id AND hop = 1 AND traced_amount > 0
