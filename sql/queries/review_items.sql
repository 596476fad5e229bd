-- name: review_items
-- Addresses the run's rules disagreed on (review findings): the role kept and the claims it beat.
-- Parameters: $run_id.
SELECT finding_id, chain, address, detail
FROM findings
WHERE run_id = $run_id AND kind = 'review'
ORDER BY chain, address, finding_id
