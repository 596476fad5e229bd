-- name: findings
-- Every finding of the run, with the role its address has in the run.
-- Parameters: $run_id. Amounts as exact decimal text.
SELECT f.finding_id, f.kind, f.rule, f.chain, f.address, f.related, f.asset,
       CAST(f.amount AS VARCHAR) AS amount, f.confidence, f.params, f.tx_hashes, f.detail,
       a.role, a.subrole
FROM findings f
LEFT JOIN trace_addresses a ON a.run_id = f.run_id AND a.chain = f.chain AND a.address = f.address
WHERE f.run_id = $run_id
