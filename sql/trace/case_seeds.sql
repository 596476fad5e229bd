-- name: case_seeds
-- The seeds of a case, each with the kind of the victim payment it rests on (NULL when the store
-- does not hold that payment, or the seed is an address an analyst gave). Amounts as exact text.
-- Parameters: $case_id
WITH
seed AS (
    SELECT chain, seed_id, address, asset, tx_hash, position, amount, victim_address, report_id
    FROM seeds
    WHERE case_id = $case_id
),
payment AS (
    SELECT s.seed_id, min(t.kind) AS kind
    FROM seed s
    JOIN transfers_to t
      ON t.chain = s.chain AND t.to_address = s.address AND t.tx_hash = s.tx_hash
     AND t.position = s.position AND t.asset = s.asset
    GROUP BY s.seed_id
)
SELECT s.chain, s.seed_id, s.address, s.asset, s.tx_hash, s.position, CAST(s.amount AS VARCHAR) AS amount,
       s.victim_address, s.report_id, p.kind
FROM seed s
LEFT JOIN payment p USING (seed_id)
ORDER BY s.seed_id
