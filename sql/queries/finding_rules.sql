-- name: finding_rules
-- Each finding of the run: its rule and the transactions it rests on.
-- Parameters: $run_id.
SELECT finding_id, rule, tx_hashes
FROM findings
WHERE run_id = $run_id
