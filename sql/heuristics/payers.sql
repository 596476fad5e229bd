-- name: payers
-- Who paid each candidate in the case's assets: its $sample largest payers per asset (by value,
-- deterministic), each with what it paid, and the candidate's totals over ALL its payers. The
-- service rule (service.sql) judges these payers; a live trace fetches their history first.
-- Inputs: trace_candidates(address). Parameters: $chain, $assets, $sample.
WITH paid AS (
    SELECT to_address AS candidate, from_address AS payer, asset, sum(amount) AS amount
    FROM transfers_to
    WHERE chain = $chain AND amount > 0 AND from_address IS NOT NULL
      AND list_contains($assets, asset)
      AND to_address IN (SELECT address FROM trace_candidates)
    GROUP BY ALL
)
SELECT candidate, payer, asset, amount,
       count(*) OVER everyone AS payers, sum(amount) OVER everyone AS received
FROM paid
WINDOW everyone AS (PARTITION BY candidate, asset)
QUALIFY row_number() OVER (PARTITION BY candidate, asset ORDER BY amount DESC, payer) <= $sample
