-- name: victim_money_moves
-- Victim money of one asset from one address to another in the run, summed over its transfers:
-- the edges of the money-flow graph.
-- Parameters: $run_id. Amounts as exact decimal text.
SELECT chain, asset, from_address, to_address, CAST(sum(traced_amount) AS VARCHAR) AS traced,
       count(*) AS transfers
FROM trace_flows
WHERE run_id = $run_id AND traced_amount > 0
  AND from_address IS NOT NULL AND to_address IS NOT NULL AND from_address <> to_address
GROUP BY ALL
ORDER BY ALL
