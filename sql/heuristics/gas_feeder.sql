-- name: gas_feeder
-- Gas-feeder co-funding: the address that pays the cluster's gas (small ether transfers into its
-- addresses) is the operation's; every other address it funded joins the cluster at lower
-- confidence. Rental services also fund cluster addresses, but among thousands of unrelated
-- wallets: a funder counts only when cluster addresses are a real share of what it funded.
-- Inputs: temp table trace_members(address), trace_excluded(address) (victims, endpoints),
-- trace_services(address) (tagged services: an exchange paying out ether withdrawals is no feeder).
-- Parameters: $chain, $gas_max_wei, $min_funded, $min_share.
WITH gas AS (
    SELECT t.from_address AS funder, t.to_address AS funded, t.tx_hash
    FROM transfers t
    WHERE t.chain = $chain AND t.kind = 'native' AND t.amount > 0
      AND t.amount <= CAST($gas_max_wei AS BIGNUM)
      AND t.from_address IN (
          SELECT DISTINCT g.from_address FROM transfers_to g
          WHERE g.chain = $chain AND g.kind = 'native'
            AND g.to_address IN (SELECT address FROM trace_members)
            AND g.amount <= CAST($gas_max_wei AS BIGNUM)
      )
      AND t.from_address NOT IN (SELECT address FROM trace_excluded)
      AND t.from_address NOT IN (SELECT address FROM trace_services)
),
funders AS (
    SELECT funder,
           count(DISTINCT funded) AS funded,
           count(DISTINCT funded) FILTER (WHERE funded IN (SELECT address FROM trace_members)) AS members
    FROM gas GROUP BY funder
)
SELECT g.funder, g.funded, g.funded IN (SELECT address FROM trace_members) AS is_member,
       list(g.tx_hash ORDER BY g.tx_hash) AS txs, f.funded AS funded_total, f.members
FROM gas g JOIN funders f USING (funder)
WHERE f.members >= $min_funded AND f.members >= $min_share * f.funded
GROUP BY g.funder, g.funded, f.funded, f.members
ORDER BY g.funder, g.funded;
