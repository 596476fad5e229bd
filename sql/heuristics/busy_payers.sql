-- name: busy_payers
-- The payers of candidate addresses paid by at least $min_senders distinct senders: what the
-- service rule needs to know about (whether they pay others too). Only a live source needs this
-- list, to fetch them first: the same sample of $sample payers per candidate the service rule
-- reads. Inputs: trace_candidates(address). Parameters: $chain, $min_senders, $sample.
WITH paid AS (
    SELECT to_address AS candidate, from_address AS payer
    FROM transfers_to
    WHERE chain = $chain AND amount > 0 AND from_address IS NOT NULL
      AND to_address IN (SELECT address FROM trace_candidates)
    GROUP BY ALL
),
busy AS (
    SELECT candidate FROM paid GROUP BY candidate HAVING count(*) >= $min_senders
)
SELECT DISTINCT payer FROM (
    SELECT candidate, payer FROM paid WHERE candidate IN (SELECT candidate FROM busy)
    QUALIFY row_number() OVER (PARTITION BY candidate ORDER BY payer) <= $sample
) ORDER BY payer;
