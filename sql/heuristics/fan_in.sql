-- name: fan_in
-- Fan-in clustering: addresses that sweep (nearly) everything they send of an asset into a common
-- consolidator belong to one cluster with it. A consolidator is a cluster address with at least
-- $min_sweepers such sweepers; each of them is a collection address, reported or not.
-- Inputs: temp table trace_members(address) (the cluster so far). Parameters: $chain, $assets,
-- $sweeper_share, $min_sweepers.
WITH into_members AS (
    SELECT t.to_address AS consolidator, t.from_address AS sweeper, t.asset,
           sum(t.amount) AS amount, list(t.tx_hash ORDER BY t.block_number, t.position) AS txs
    FROM transfers_to t
    WHERE t.chain = $chain AND t.amount > 0 AND list_contains($assets, t.asset)
      AND t.to_address IN (SELECT address FROM trace_members)
      AND t.from_address IS NOT NULL
    GROUP BY ALL
),
sent AS (
    SELECT t.from_address AS sweeper, t.asset, sum(t.amount) AS amount
    FROM transfers t
    WHERE t.chain = $chain AND t.amount > 0
      AND t.from_address IN (SELECT DISTINCT sweeper FROM into_members)
    GROUP BY ALL
),
sweeps AS (
    SELECT i.consolidator, i.sweeper, i.asset, CAST(i.amount AS VARCHAR) AS amount, i.txs
    FROM into_members i JOIN sent s USING (sweeper, asset)
    WHERE CAST(i.amount AS DOUBLE) >= $sweeper_share * CAST(s.amount AS DOUBLE)
),
consolidators AS (
    SELECT consolidator FROM sweeps GROUP BY consolidator
    HAVING count(DISTINCT sweeper) >= $min_sweepers
)
SELECT s.consolidator, s.sweeper, s.asset, s.amount, s.txs
FROM sweeps s JOIN consolidators USING (consolidator)
ORDER BY s.consolidator, s.sweeper, s.asset;
