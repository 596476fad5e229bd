-- name: partner_matches
-- The run's partner matches: addresses it reached that a partner organisation's tags flag.
-- Parameters: $run_id.
SELECT finding_id, chain, address, params, tx_hashes, detail
FROM findings
WHERE run_id = $run_id AND kind = 'partner_match'
ORDER BY chain, address, finding_id
