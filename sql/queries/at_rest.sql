-- name: at_rest
-- Victim money at rest (the funds_at_rest view), one row per finding, with the holder's place in
-- the run (role, cluster, the findings behind its role) and who can freeze the asset.
-- Parameters: $run_id. Amounts as exact decimal text.
SELECT r.finding_id, r.chain, r.address, r.asset, CAST(r.amount AS VARCHAR) AS amount,
       a.role, a.subrole, a.cluster_id, a.evidence, s.issuer
FROM funds_at_rest r
LEFT JOIN trace_addresses a ON a.run_id = r.run_id AND a.chain = r.chain AND a.address = r.address
LEFT JOIN assets s ON s.chain = r.chain AND s.asset = r.asset
WHERE r.run_id = $run_id
ORDER BY r.chain, r.address, r.asset, r.finding_id
