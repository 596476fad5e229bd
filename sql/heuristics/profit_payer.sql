-- name: profit_payer
-- Fake "profits" (FinCEN FIN-2023-Alert005; Griffin & Mei 2024): an address that pays the case's
-- victims after they first paid the scam, at least $min_victims of them, and whose receivers are
-- mostly such victims, is the scam's payout address, wherever its own money came from (the
-- operators' exchange account included). An exchange paying out withdrawals, an OTC desk selling
-- to victims before they pay, a shop refunding a customer: none of them pays mostly the case's
-- victims, after they paid.
-- Every candidate payer is returned with `mostly_victims` (a live trace fetches their history and
-- asks again before deciding). Payments above dust only. Not payout addresses: the cluster so far (trace_members), victims and
-- endpoints (trace_excluded), tagged services (trace_services).
-- Inputs: trace_victims(address), trace_collections(address), trace_members(address),
-- trace_excluded(address), trace_services(address). Parameters: $chain, $assets, $min_victims,
-- $token_dust, $native_dust.
WITH first_paid AS (  -- when each victim first paid the scam
    SELECT from_address AS victim, min(block_number) AS first_block
    FROM transfers_to
    WHERE chain = $chain AND amount > 0 AND list_contains($assets, asset)
      AND to_address IN (SELECT address FROM trace_collections)
      AND from_address IN (SELECT address FROM trace_victims)
    GROUP BY 1
),
profits AS (
    SELECT t.from_address AS payer, t.to_address AS victim, t.tx_hash, t.block_number, t.position
    FROM transfers_to t JOIN first_paid f ON f.victim = t.to_address
    WHERE t.chain = $chain AND t.to_address IN (SELECT victim FROM first_paid) AND list_contains($assets, t.asset) AND t.block_number > f.first_block
      AND t.amount >= CAST(CASE WHEN t.asset = 'native' THEN $native_dust ELSE $token_dust END AS BIGNUM)
      AND t.from_address IS NOT NULL
      AND t.from_address NOT IN (SELECT address FROM trace_members)
      AND t.from_address NOT IN (SELECT address FROM trace_excluded)
      AND t.from_address NOT IN (SELECT address FROM trace_services)
),
payers AS (
    SELECT payer, count(DISTINCT victim) AS victims,
           list(tx_hash ORDER BY block_number, position) AS txs
    FROM profits GROUP BY payer
    HAVING count(DISTINCT victim) >= $min_victims
),
receivers AS (
    SELECT from_address AS payer, count(DISTINCT to_address) AS receivers
    FROM transfers
    WHERE chain = $chain AND amount > 0 AND list_contains($assets, asset)
      AND from_address IN (SELECT payer FROM payers)
    GROUP BY 1
)
SELECT p.payer, p.victims, r.receivers, p.txs, p.victims + p.victims > r.receivers AS mostly_victims
FROM payers p JOIN receivers r USING (payer)
ORDER BY p.payer
