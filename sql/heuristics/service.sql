-- name: service
-- Whose money does an address move? For each candidate the case's money reached, and each asset,
-- the value it received from the case side against everything it received:
--   case side = the cluster's addresses and this round's candidates (trace_case_side), and the
--   payers that sweep (nearly) everything they send of the asset into the case side with money
--   that did not come out of an exchange (a customer who withdraws and pays a desk is spending
--   their own money; a collection address passes on what victims paid it).
-- An address whose inflow is mostly not the case's money, paid by many outsiders, absorbs the
-- case's money among unrelated flows: a service (OTC desk, merchant, payment processor). A scam
-- consolidator is paid by the cluster's collections, whatever profits it pays back to victims.
-- Judged on the $sample largest payers per candidate and asset (sql/heuristics/payers.sql, in
-- trace_paid): the value that decides, without reading every customer of a busy desk.
-- Inputs: trace_paid(candidate, payer, asset, amount, payers, received), trace_case_side(address),
-- trace_services(address) (tagged services), trace_victims(address). Parameters: $chain,
-- $assets, $sweeper_share.
-- Shares are compared as ratios in double precision (DuckDB 2.0 turns BIGNUM * INTEGER into a
-- DOUBLE); halves are compared exactly (x + x < y). Amounts themselves never leave BIGNUM.
WITH outside AS (  -- sampled payers that are not on the case side yet: do they sweep into it?
    SELECT DISTINCT payer, asset FROM trace_paid
    WHERE payer NOT IN (SELECT address FROM trace_case_side)
      AND payer NOT IN (SELECT address FROM trace_services)
      AND payer NOT IN (SELECT address FROM trace_victims)
),
sent AS (
    SELECT t.from_address AS payer, t.asset, sum(t.amount) AS sent,
           coalesce(sum(t.amount) FILTER (WHERE t.to_address IN (SELECT address FROM trace_case_side)), 0) AS into_case
    FROM transfers t
    WHERE t.chain = $chain AND t.amount > 0 AND list_contains($assets, t.asset)
      AND t.from_address IN (SELECT payer FROM outside)  -- a semi-join prunes row groups
    GROUP BY ALL
),
got AS (
    SELECT t.to_address AS payer, t.asset, sum(t.amount) AS got,
           coalesce(sum(t.amount) FILTER (WHERE t.from_address IN (SELECT address FROM trace_services)), 0) AS withdrawn
    FROM transfers_to t
    WHERE t.chain = $chain AND t.amount > 0 AND list_contains($assets, t.asset)
      AND t.to_address IN (SELECT payer FROM outside)
    GROUP BY ALL
),
judged AS (
    SELECT s.candidate, s.asset, s.payer, s.amount, s.payers, s.received,
           s.payer IN (SELECT address FROM trace_case_side)
           OR (se.payer IS NOT NULL
               AND CAST(se.into_case AS DOUBLE) >= $sweeper_share * CAST(se.sent AS DOUBLE)
               AND coalesce(g.withdrawn, 0) + coalesce(g.withdrawn, 0) < coalesce(g.got, 0)) AS case_side
    FROM trace_paid s
    LEFT JOIN sent se ON se.payer = s.payer AND se.asset = s.asset
    LEFT JOIN got g ON g.payer = s.payer AND g.asset = s.asset
)
SELECT candidate, asset, payers,
       count(*) FILTER (WHERE NOT case_side) AS outsiders,
       CAST(coalesce(sum(amount) FILTER (WHERE case_side), 0) AS VARCHAR) AS case_in,
       CAST(sum(amount) AS VARCHAR) AS sampled_in,
       CAST(received AS VARCHAR) AS received
FROM judged
GROUP BY candidate, asset, payers, received
ORDER BY candidate, asset;
