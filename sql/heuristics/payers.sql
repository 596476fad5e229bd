-- name: payers
-- The largest payers of each candidate in the case's assets: the ones the service rule judges
-- (sql/heuristics/service.sql reads the same sample). A live trace fetches their history first.
-- Inputs: trace_candidates(address). Parameters: $chain, $assets, $sample.
WITH paid AS (
    SELECT to_address AS candidate, from_address AS payer, asset, sum(amount) AS amount
    FROM transfers_to
    WHERE chain = $chain AND amount > 0 AND from_address IS NOT NULL
      AND list_contains($assets, asset)
      AND to_address IN (SELECT address FROM trace_candidates)
    GROUP BY ALL
)
SELECT DISTINCT payer FROM (
    SELECT * FROM paid
    QUALIFY row_number() OVER (PARTITION BY candidate, asset ORDER BY amount DESC, payer) <= $sample
) ORDER BY payer;
