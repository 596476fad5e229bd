-- name: fan_in
-- Fan-in clustering: addresses that sweep (nearly) everything they send of an asset into the
-- cluster, with money that did not come out of an exchange, are the cluster's collection
-- addresses; the cluster address they sweep into is a consolidator when at least $min_sweepers
-- sweep into it and at least one of them is a collection the case already knows (reported, or
-- found before). Sweeps split across several consolidators count: the share is of what goes into
-- the cluster as a whole.
-- A sweeper whose money came mostly from the cluster's own addresses (trace_core: reported and
-- linked ones) passes the cluster's money on (a peel hop forwarding into a consolidator): it
-- counts for the consolidator, but it is no collection and its payers are no victims.
-- A sweep is more than dust (a look-alike's tiny "poisoning" transfer sweeps nothing).
-- Not sweepers: victims (they pay, they do not collect), tagged services, endpoints
-- (trace_excluded), and addresses funded mostly by exchange withdrawals (a victim who buys at an
-- exchange and pays within minutes moves nearly all of it, yet it is their own money).
-- Inputs: trace_members(address), trace_collections(address), trace_core(address),
-- trace_excluded(address), trace_services(address). Parameters: $chain, $assets, $sweeper_share, $min_sweepers,
-- $token_dust, $native_dust.
-- Shares are compared as ratios in double precision (DuckDB 2.0 turns BIGNUM * INTEGER into a
-- DOUBLE); halves are compared exactly (x + x < y). Amounts themselves never leave BIGNUM.
WITH into_members AS (
    SELECT t.to_address AS consolidator, t.from_address AS sweeper, t.asset,
           sum(t.amount) AS amount, list(t.tx_hash ORDER BY t.block_number, t.position) AS txs
    FROM transfers_to t
    WHERE t.chain = $chain AND t.amount > 0 AND list_contains($assets, t.asset)
      AND t.to_address IN (SELECT address FROM trace_members)
      AND t.from_address IS NOT NULL AND t.from_address <> t.to_address
      AND t.from_address NOT IN (SELECT address FROM trace_excluded)
      AND t.from_address NOT IN (SELECT address FROM trace_services)
    GROUP BY ALL
),
payers AS (SELECT DISTINCT sweeper, asset FROM into_members),
sent AS (
    SELECT t.from_address AS sweeper, t.asset, sum(t.amount) AS sent,
           coalesce(sum(t.amount) FILTER (WHERE t.to_address IN (SELECT address FROM trace_members)), 0) AS into_cluster
    FROM transfers t
    WHERE t.chain = $chain AND t.amount > 0 AND list_contains($assets, t.asset)
      AND t.from_address IN (SELECT sweeper FROM payers)  -- a semi-join prunes row groups
    GROUP BY ALL
),
got AS (
    SELECT t.to_address AS sweeper, t.asset, sum(t.amount) AS got,
           coalesce(sum(t.amount) FILTER (WHERE t.from_address IN (SELECT address FROM trace_services)), 0) AS withdrawn,
           coalesce(sum(t.amount) FILTER (WHERE t.from_address IN (SELECT address FROM trace_core)), 0) AS from_core
    FROM transfers_to t
    WHERE t.chain = $chain AND t.amount > 0 AND list_contains($assets, t.asset)
      AND t.to_address IN (SELECT sweeper FROM payers)
    GROUP BY ALL
),
sweeps AS (
    SELECT i.consolidator, i.sweeper, i.asset, i.amount, i.txs,
           i.sweeper IN (SELECT address FROM trace_collections) AS known,
           coalesce(g.from_core, 0) + coalesce(g.from_core, 0) >= coalesce(g.got, 0) AS passes_on
    FROM into_members i
    JOIN sent s USING (sweeper, asset)
    LEFT JOIN got g USING (sweeper, asset)
    WHERE CAST(s.into_cluster AS DOUBLE) >= $sweeper_share * CAST(s.sent AS DOUBLE)
      AND i.amount >= CAST(CASE WHEN i.asset = 'native' THEN $native_dust ELSE $token_dust END AS BIGNUM)
      AND coalesce(g.withdrawn, 0) + coalesce(g.withdrawn, 0) < coalesce(g.got, 0)
),
consolidators AS (
    SELECT consolidator FROM sweeps GROUP BY consolidator
    HAVING count(DISTINCT sweeper) >= $min_sweepers AND bool_or(known)
)
SELECT s.consolidator, s.sweeper, s.asset, CAST(s.amount AS VARCHAR) AS amount, s.txs, s.known, s.passes_on
FROM sweeps s JOIN consolidators USING (consolidator)
ORDER BY s.consolidator, s.sweeper, s.asset;
